-- Every vintage a finding can be checked against: each (source, release) that carries the finding's
-- `vintages_of` subject, an indicator id (its observations), a classification scheme (e.g.
-- gtmi_group) or `readiness` (each reference year of the matrix), oldest first (by the publisher's date, else the retrieval date).
WITH carried AS (
    SELECT DISTINCT indicator_id AS subject, source_id, release
    FROM core.observation
    WHERE indicator_id IN (SELECT vintages_of FROM core.finding)
    UNION
    SELECT DISTINCT scheme AS subject, source_id, release
    FROM core.classification
    WHERE scheme IN (SELECT vintages_of FROM core.finding)
    UNION
    -- `readiness`: every reference year of the readiness matrix
    SELECT DISTINCT 'readiness' AS subject, 'reference year' AS source_id, ref_year::VARCHAR AS release
    FROM core.readiness
    WHERE 'readiness' IN (SELECT vintages_of FROM core.finding)
)
SELECT f.finding_id, c.subject, c.source_id, c.release
FROM core.finding f
JOIN carried c ON c.subject = f.vintages_of
LEFT JOIN core.source_file s ON s.source_id = c.source_id AND s.release = c.release
WHERE f.check_sql IS NOT NULL
GROUP BY ALL
ORDER BY f.finding_id, max(coalesce(s.last_updated, s.retrieved_at)) NULLS FIRST, c.source_id, c.release;
