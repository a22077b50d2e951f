-- Status report "Rejected rows by reason": the 15 most frequent reasons of the latest run's
-- quarantined rows, each cut before its first parenthesis (the row-specific detail) and to 70 characters.
SELECT source_id, left(regexp_extract(reason, '^([^(]*)', 1), 70) AS reason, count(*) AS rows
FROM rejects
GROUP BY ALL
ORDER BY rows DESC
LIMIT 15;
