-- The readiness dimensions, for the headers of sheet Readiness. Returns dimension_id, name.
-- No parameters.
SELECT dimension_id, name FROM dimensions ORDER BY dimension_id;
