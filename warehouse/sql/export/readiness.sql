-- Sheet Readiness: one row per exported country in sheet order, for the reference year $ref_year,
-- with the score, its 5-95 % interval (Monte Carlo) and the level of every dimension (columns
-- <dimension_id>_score, _p05, _p95, _level, one set per member of the ENUM export_dimension, so a
-- dimension without evidence keeps its columns). A cell without a score has the level 'no score',
-- and `unscored` names such dimensions with the reason (readiness.missing); a country with no cell
-- in $ref_year says so there.
-- Returns iso3, country, 1_score, 1_p05, 1_p95, 1_level, ..., unscored.
-- Parameters: $ref_year. Needs export_country and export_dimension (setup.sql).
WITH cell AS (
    SELECT r.*
    FROM readiness r
    JOIN export_country USING (iso3)
    WHERE r.ref_year = $ref_year
),
cells AS (
    FROM (SELECT iso3, dimension_id::VARCHAR AS dimension, score, score_p05, score_p95,
                 CASE WHEN score IS NULL THEN 'no score' ELSE level END AS level
          FROM cell)
    PIVOT (first(score) AS score, first(score_p05) AS p05, first(score_p95) AS p95, first(level) AS level
           FOR dimension IN export_dimension)
),
per_country AS (
    SELECT iso3,
           string_agg('D' || dimension_id || ': ' || coalesce(missing, 'no reason recorded'), ' | '
                      ORDER BY dimension_id) FILTER (WHERE score IS NULL) AS unscored
    FROM cell
    GROUP BY iso3
)
SELECT s.iso3, s.name AS country,
       cells.* EXCLUDE (iso3),
       CASE WHEN cells.iso3 IS NULL THEN 'no readiness cells for this country in ' || $ref_year
            ELSE p.unscored END AS unscored
FROM export_country s
LEFT JOIN cells USING (iso3)
LEFT JOIN per_country p USING (iso3)
ORDER BY s.pos;
