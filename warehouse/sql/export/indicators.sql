-- Sheet Indicators: one row per selected country and indicator with its latest value up to $year
-- (NULL: the latest), next to the world average and each comparator's value for the same indicator
-- and year. The comparator columns are named by ISO3 code, one per member of the ENUM
-- export_comparator. The GTMI items have a sheet of their own (gtmi_items.sql). Rows: the headline
-- indicators first in the order of $headline, then the others by source and indicator; within an
-- indicator the countries in the order selected.
-- Returns indicator_id, indicator, unit, iso3, country, year, value, world_value, world_countries,
-- <comparator ISO3>..., source_id, release, is_sample.
-- Parameters: $year (or NULL), $headline (indicator ids). Needs export_country, export_obs, export_comparator (setup.sql).
WITH chosen AS (
    SELECT o.*, s.pos
    FROM export_obs o
    JOIN export_country s USING (iso3)
    WHERE s.selected AND ($year IS NULL OR o.year <= $year)
      AND NOT regexp_matches(o.indicator_id, '^wb\.gtmi\.i[0-9]+$')
    QUALIFY row_number() OVER (PARTITION BY o.iso3, o.indicator_id ORDER BY o.year DESC) = 1
),
comparator_values AS (
    FROM (SELECT o.iso3, o.indicator_id, o.year, o.value
          FROM export_obs o
          JOIN export_country s USING (iso3)
          WHERE s.comparator)
    PIVOT (first(value) FOR iso3 IN export_comparator)
)
SELECT c.indicator_id, c.indicator, c.unit, c.iso3, c.country, c.year, c.value,
       w.value AS world_value, w.n_countries AS world_countries,
       v.* EXCLUDE (indicator_id, year),
       c.source_id, c.release, c.is_sample
FROM chosen c
LEFT JOIN aggregates w ON w.group_id = 'world' AND w.indicator_id = c.indicator_id AND w.year = c.year
LEFT JOIN comparator_values v ON v.indicator_id = c.indicator_id AND v.year = c.year
ORDER BY list_position($headline, c.indicator_id) NULLS LAST, c.source_id, c.indicator_id, c.pos;
