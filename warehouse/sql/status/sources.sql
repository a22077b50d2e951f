-- Status report "Sources": one row per source, summed over its files: the latest release, the
-- publisher's latest update, our latest retrieval, rows loaded and rejected, and notes on what is
-- amiss (stale, with the error; SAMPLE data). The latest release is the newest file's, "newest" as
-- the build decides which value is in force (assemble/in_force.sql): the file's last_updated,
-- else its retrieval date, then the release. (Text order would put "IT.NET.USER.ZS vintage
-- unknown" above "IT.NET.USER.ZS 2026-07-13".) Counts are cast to BIGINT: a sum is a HUGEINT.
SELECT source_id AS source, count(*) AS files,
       first(release ORDER BY coalesce(last_updated, retrieved_at) DESC NULLS LAST, release DESC NULLS LAST)
           AS "latest release",
       max(last_updated) AS updated, max(retrieved_at) AS retrieved,
       sum(rows_loaded)::BIGINT AS loaded, sum(rows_rejected)::BIGINT AS rejected,
       nullif(concat_ws('; ',
                        CASE WHEN bool_or(stale) THEN 'STALE' END,
                        string_agg(DISTINCT error, '; '),
                        CASE WHEN bool_or(is_sample) THEN 'SAMPLE data, not survey results' END), '') AS notes
FROM sources
GROUP BY source_id
ORDER BY source_id;
