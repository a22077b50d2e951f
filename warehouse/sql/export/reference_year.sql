-- The readiness reference year of the export: with $year, the latest reference year up to $year
-- (none: NULL, and before_first says so: an extract never shows a later year than it is asked
-- for); without, the latest. One row: ref_year (NULL when there is none), before_first, ref_years
-- (every reference year). Parameters: $year (or NULL).
WITH years AS (SELECT DISTINCT ref_year FROM readiness)
SELECT max(ref_year) FILTER (WHERE $year IS NULL OR ref_year <= $year) AS ref_year,
       coalesce($year IS NOT NULL AND min(ref_year) > $year, false) AS before_first,
       coalesce(list(ref_year ORDER BY ref_year), []::INTEGER[]) AS ref_years
FROM years;
