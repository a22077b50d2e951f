-- Sheet Readiness: one row per exported country in sheet order, with the score and the level of
-- every dimension (columns <dimension_id>_score and <dimension_id>_level, one pair per member of the
-- ENUM export_dimension, so a dimension without evidence keeps its columns), the latest evidence
-- year and whether any of the country's cells uses SAMPLE survey data.
-- Returns iso3, country, 1_score, 1_level, ..., latest_year, uses_sample.
-- No parameters. Needs export_country and export_dimension (setup.sql).
WITH cells AS (
    FROM (SELECT r.iso3, r.dimension_id::VARCHAR AS dimension, r.score, r.level
          FROM readiness r
          JOIN export_country USING (iso3))
    PIVOT (first(score) AS score, first(level) AS level FOR dimension IN export_dimension)
),
per_country AS (
    SELECT r.iso3, max(r.year) AS latest_year, bool_or(r.uses_sample) AS uses_sample
    FROM readiness r
    JOIN export_country USING (iso3)
    GROUP BY r.iso3
)
SELECT s.iso3, s.name AS country,
       cells.* EXCLUDE (iso3),
       p.latest_year, p.uses_sample
FROM export_country s
LEFT JOIN cells USING (iso3)
LEFT JOIN per_country p USING (iso3)
ORDER BY s.pos;
