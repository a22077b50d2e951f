-- Sheet Method: every dimension with the concepts of international data its evidence score rests
-- on (core.readiness_concept, written by the build from the Method the scores were computed with),
-- each concept's series in order of preference (ids, and the indicators' names in the same order),
-- its reason and weight. A dimension without concepts keeps one row, concept blank, that says so.
-- Returns dimension_id, dimension, concept, series, indicators, reason, weight.
WITH series AS (
    SELECT position, unnest(string_split(series, '; ')) AS indicator_id,
           generate_subscripts(string_split(series, '; '), 1) AS preference
    FROM core.readiness_concept
), named AS (
    SELECT s.position, string_agg(coalesce(i.name, s.indicator_id), '; ' ORDER BY s.preference) AS indicators
    FROM series s LEFT JOIN core.indicator i USING (indicator_id)
    GROUP BY s.position
)
SELECT d.dimension_id, d.name AS dimension, replace(c.concept, '_', ' ') AS concept, c.series, n.indicators,
       coalesce(c.reason, 'No international series measures this dimension: only real survey answers can score it.')
           AS reason,
       c.weight
FROM core.dimension d
LEFT JOIN core.readiness_concept c USING (dimension_id)
LEFT JOIN named n USING (position)
ORDER BY d.dimension_id, c.position;
