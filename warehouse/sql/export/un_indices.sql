-- The indices of sheet Time series that the warehouse defines, for the sheet's headers (the unit
-- goes into every value column's header). Returns indicator_id, name, unit.
-- Parameters: $indices (indicator ids).
SELECT indicator_id, name, unit
FROM indicators
WHERE list_contains($indices, indicator_id);
