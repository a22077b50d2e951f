-- Status report "Rejected rows by reason": the 15 most frequent reasons of the latest run's
-- quarantined rows, each cut before its first parenthesis (the row-specific detail).
SELECT source_id AS source, trim(regexp_extract(reason, '^([^(]*)', 1)) AS reason, count(*) AS "rows"
FROM rejects
GROUP BY ALL
ORDER BY "rows" DESC, source, reason
LIMIT 15;
