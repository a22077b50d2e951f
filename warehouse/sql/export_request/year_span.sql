-- Whether the countries of an export hold values up to the year `digigov export --year` asks for
-- (the extract shows the latest value up to it), and which years they do cover (for the message when they hold none). One row: n_values,
-- first_year, last_year. Parameters: $countries (ISO3 codes), $year.
SELECT count(*) FILTER (WHERE year <= $year) AS n_values,
       min(year) AS first_year,
       max(year) AS last_year
FROM observations
WHERE list_contains($countries, iso3);
