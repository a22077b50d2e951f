-- Readiness inputs (1/3): every value in force of a series that a readiness concept maps
-- (core.dimension_indicator, given as the list $mapped), up to the last reference year, with the
-- publisher file and row it comes from. The window and the choice among a concept's series are
-- made in digigov.transforms.readiness, which gets these rows as they are.
SELECT o.iso3, o.indicator_id, o.year, o.value, o.source_id, o.release, o.file, o.row
FROM core.current_observation o
WHERE list_contains($mapped, o.indicator_id)  -- a list, not a subquery: see aggregates.sql
  AND o.year <= $last_year
  AND o.value IS NOT NULL
ORDER BY o.indicator_id, o.iso3, o.year;
