-- The drop guard (warehouse/guard.py): per source × indicator of the sources in $sources, how many
-- values the published warehouse (attached as `prev`) has and how many this build staged, where
-- the build has fewer. An indicator the published warehouse does not have cannot drop.
WITH published AS (
    SELECT source_id, indicator_id, count(*) AS n
    FROM prev.core.observation
    WHERE source_id IN (SELECT unnest($sources::VARCHAR[]))
    GROUP BY ALL
),
staged AS (
    SELECT source_id, indicator_id, count(*) AS n
    FROM core.observation
    WHERE source_id IN (SELECT unnest($sources::VARCHAR[]))
    GROUP BY ALL
)
SELECT p.source_id, p.indicator_id, p.n AS published, coalesce(s.n, 0) AS staged
FROM published p
LEFT JOIN staged s USING (source_id, indicator_id)
WHERE coalesce(s.n, 0) < p.n
ORDER BY p.source_id, p.indicator_id
