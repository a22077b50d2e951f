-- Sheet GTMI items: the 48 items of the GovTech Maturity Index (I-1 ... I-48) in one wave, the
-- latest up to $year (NULL: the latest) in which an exported country has an item: one row per item,
-- one column per exported country (ENUM export_shown), then the world average of that wave.
-- Returns indicator_id, item, unit, wave, <ISO3>..., world_value, world_countries.
-- Parameters: $year (or NULL). Needs setup.sql's TEMP objects.
WITH items AS (
    SELECT indicator_id, name, unit, CAST(regexp_extract(indicator_id, '([0-9]+)$', 1) AS INTEGER) AS n
    FROM indicators
    WHERE regexp_matches(indicator_id, '^wb\.gtmi\.i[0-9]+$')
),
wave AS (
    SELECT max(year) AS wave
    FROM export_obs
    WHERE indicator_id IN (SELECT indicator_id FROM items) AND ($year IS NULL OR year <= $year)
),
by_country AS (
    FROM (SELECT o.iso3, o.indicator_id, o.value
          FROM export_obs o, wave
          WHERE o.year = wave.wave AND o.indicator_id IN (SELECT indicator_id FROM items))
    PIVOT (first(value) FOR iso3 IN export_shown)
)
SELECT i.indicator_id, i.name AS item, i.unit, wave.wave,
       b.* EXCLUDE (indicator_id),
       w.value AS world_value, w.n_countries AS world_countries
FROM items i
CROSS JOIN wave
LEFT JOIN by_country b USING (indicator_id)
LEFT JOIN aggregates w ON w.group_id = 'world' AND w.indicator_id = i.indicator_id AND w.year = wave.wave
WHERE wave.wave IS NOT NULL
ORDER BY i.n;
