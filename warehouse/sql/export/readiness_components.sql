-- Sheet Readiness components: what each selected country's readiness cells in the reference year
-- $ref_year rest on, one row per cell and concept (view readiness_components: the series used, its
-- value and year, the goalposts, the normalised value and its weight in the evidence score). A cell
-- with no concept (a dimension no international series measures) keeps one row, concept blank,
-- its note the cell's `missing`. Countries in the order selected, then dimension and concept.
-- Returns iso3, country, dimension_id, dimension, concept, indicator_id, indicator, unit, value,
-- value_year, goalpost_low, goalpost_high, normalised, weight, source_id, release, note.
-- Parameters: $ref_year. Needs export_country (selection.sql).
SELECT r.iso3, s.name AS country, r.dimension_id, r.dimension, c.concept, c.indicator_id, c.indicator,
       i.unit, c.value, c.value_year, c.goalpost_low, c.goalpost_high, c.normalised, c.weight,
       c.source_id, c.release,
       CASE WHEN c.concept IS NULL THEN r.missing ELSE c.note END AS note
FROM readiness r
JOIN export_country s USING (iso3)
LEFT JOIN readiness_components c USING (iso3, dimension_id, ref_year)
LEFT JOIN indicators i ON i.indicator_id = c.indicator_id
WHERE s.selected AND r.ref_year = $ref_year
ORDER BY s.pos, r.dimension_id, c.concept;
