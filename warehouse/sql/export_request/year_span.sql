-- Whether the countries of an export hold values in the year `digigov export --year` asks for,
-- and which years they do cover (for the message when they hold none). One row: n_values,
-- first_year, last_year. Parameters: $countries (ISO3 codes), $year.
SELECT count(*) FILTER (WHERE year = $year) AS n_values,
       min(year) AS first_year,
       max(year) AS last_year
FROM observations
WHERE list_contains($countries, iso3);
