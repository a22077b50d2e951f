-- Sheet Indicator notes: definition, unit, source and readiness dimension of every indicator.
-- No parameters.
SELECT i.indicator_id, i.name, i.definition, i.unit, i.source_id, i.dimension_id, d.name AS dimension,
       i.higher_is_better, i.scale_min, i.scale_max
FROM indicators i
LEFT JOIN dimensions d USING (dimension_id)
ORDER BY i.source_id, i.indicator_id;
