-- Sheet Priority gaps: each selected country's weakest scored dimensions in the reference year
-- $ref_year (view priority_gaps), with the 5-95 % interval of the score; countries in the order
-- selected, then by priority (1 = weakest).
-- Parameters: $ref_year. Needs export_country (selection.sql).
SELECT p.iso3, p.country, p.priority, p.dimension_id, p.dimension, p.score, p.score_p05, p.score_p95,
       p.level, p.gap_to_comparators, p.gap_to_world, p.missing
FROM priority_gaps p
JOIN export_country s USING (iso3)
WHERE s.selected AND p.ref_year = $ref_year
ORDER BY s.pos, p.priority, p.dimension_id;
