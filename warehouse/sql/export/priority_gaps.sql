-- Sheet Priority gaps: each selected country's weakest dimensions (view priority_gaps), countries
-- in the order selected, then by priority (1 = weakest).
-- No parameters. Needs export_country (selection.sql).
SELECT p.iso3, p.country, p.priority, p.dimension_id, p.dimension, p.score, p.level,
       p.gap_to_comparators, p.gap_to_world, p.missing, p.uses_sample
FROM priority_gaps p
JOIN export_country s USING (iso3)
WHERE s.selected
ORDER BY s.pos, coalesce(p.priority, 99), p.dimension_id;
