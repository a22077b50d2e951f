-- The countries `digigov export --countries` may name, and the focus group it exports when none
-- are named. Returns iso3, name, focus; ordered by iso3. No parameters.
SELECT iso3, name, list_contains(groups, 'focus') AS focus
FROM countries
ORDER BY iso3;
