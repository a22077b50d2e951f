-- Whether the selected countries have data up to the year asked for (an extract shows the latest
-- values up to it), and which years they do cover (for the error message). One row: n_values
-- (values in $year or earlier), first_year, last_year.
-- Parameters: $year. Needs export_country and export_obs (selection.sql, setup.sql).
SELECT count(*) FILTER (WHERE o.year <= $year) AS n_values,
       min(o.year) AS first_year,
       max(o.year) AS last_year
FROM export_obs o
JOIN export_country s USING (iso3)
WHERE s.selected;
