-- The period an extract covers: the first and last year of the selected countries' values up to
-- $year (NULL: all). One row: first_year, last_year. Needs export_obs and export_country (setup.sql).
SELECT min(o.year) AS first_year, max(o.year) AS last_year
FROM export_obs o
JOIN export_country s USING (iso3)
WHERE s.selected AND ($year IS NULL OR o.year <= $year);
