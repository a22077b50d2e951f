-- Every country of the warehouse with the two groups the export is built around: `focus` (exported
-- when no countries are named) and `comparator` (always shown next to the selection).
-- Returns iso3, name, focus, comparator; ordered by iso3. No parameters.
SELECT iso3, name,
       list_contains(groups, 'focus') AS focus,
       list_contains(groups, 'comparator') AS comparator
FROM countries
ORDER BY iso3;
