-- Sheet Time series: one row per index of $indices (in that order) and year in which an exported
-- country has a value or the world average exists; one column per exported country, named by ISO3
-- code in sheet order (the ENUM export_shown), then the world average.
-- Returns indicator_id, indicator, year, <ISO3>..., world_value.
-- Only years up to $year (NULL: every year). The OSI and EPI of a year in export_no_online
-- (setup.sql) are the UN's no-online-presence marker, not scores: left out, as the EGDI is.
-- Parameters: $indices (indicator ids), $year (or NULL). Needs export_obs and export_shown (setup.sql).
WITH by_country AS (
    FROM (SELECT iso3, indicator_id, year, value
          FROM export_obs
          WHERE list_contains($indices, indicator_id) AND ($year IS NULL OR year <= $year)
            AND NOT (indicator_id IN ('un.osi', 'un.epi')
                     AND (iso3, year) IN (SELECT (iso3, year) FROM export_no_online)))
    PIVOT (first(value) FOR iso3 IN export_shown)
),
world AS (
    SELECT indicator_id, year, value AS world_value
    FROM aggregates
    WHERE group_id = 'world' AND list_contains($indices, indicator_id) AND ($year IS NULL OR year <= $year)
)
SELECT indicator_id, i.name AS indicator, year,
       b.* EXCLUDE (indicator_id, year),
       w.world_value
FROM by_country b
FULL JOIN world w USING (indicator_id, year)
JOIN indicators i USING (indicator_id)
ORDER BY list_position($indices, indicator_id), year;
