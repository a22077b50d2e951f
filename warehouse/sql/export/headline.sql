-- Profiles: one row per exported country and headline indicator ($headline, in that order), also
-- where the country has no value: its latest value up to $year (NULL: the latest), the value of
-- the previous year it has before that, the change, the world average of the same year and each
-- comparator's value in that year. A rank's change is previous minus current (a rise is positive).
-- Returns iso3, indicator_id, indicator, unit, year, value, previous_year, previous_value, change,
-- world_value, world_countries, <comparator ISO3>..., source_id.
-- Parameters: $headline (indicator ids), $year (or NULL). Needs setup.sql's TEMP objects.
WITH ranked AS (
    SELECT o.iso3, o.indicator_id, o.year, o.value, o.source_id,
           lead(o.year) OVER w AS previous_year,
           lead(o.value) OVER w AS previous_value,
           row_number() OVER w AS k
    FROM export_obs o
    WHERE list_contains($headline, o.indicator_id) AND ($year IS NULL OR o.year <= $year)
    WINDOW w AS (PARTITION BY o.iso3, o.indicator_id ORDER BY o.year DESC)
),
latest AS (SELECT * FROM ranked WHERE k = 1),
comparator_values AS (
    FROM (SELECT o.iso3, o.indicator_id, o.year, o.value
          FROM export_obs o
          JOIN export_country s USING (iso3)
          WHERE s.comparator AND list_contains($headline, o.indicator_id))
    PIVOT (first(value) FOR iso3 IN export_comparator)
),
wanted AS (
    SELECT s.iso3, s.pos, h.indicator_id, h.k AS order_k
    FROM export_country s
    CROSS JOIN (SELECT unnest($headline) AS indicator_id, generate_subscripts($headline, 1) AS k) h
    WHERE h.indicator_id IN (SELECT indicator_id FROM indicators)
)
SELECT wanted.iso3, wanted.indicator_id, i.name AS indicator, i.unit, l.year, l.value,
       l.previous_year, l.previous_value,
       CASE WHEN i.unit LIKE 'rank%' THEN l.previous_value - l.value ELSE l.value - l.previous_value END AS change,
       w.value AS world_value, w.n_countries AS world_countries,
       v.* EXCLUDE (indicator_id, year),
       l.source_id
FROM wanted
JOIN indicators i USING (indicator_id)
LEFT JOIN latest l USING (iso3, indicator_id)
LEFT JOIN aggregates w ON w.group_id = 'world' AND w.indicator_id = wanted.indicator_id AND w.year = l.year
LEFT JOIN comparator_values v ON v.indicator_id = wanted.indicator_id AND v.year = l.year
ORDER BY wanted.pos, wanted.order_k;
