-- Status report "Sources": one row per source, summed over its files: latest release, freshness,
-- rows loaded and rejected, and whether it is stale, failed or SAMPLE data.
SELECT source_id, count(*) AS files, max(release) AS latest_release,
       max(last_updated) AS last_updated, max(retrieved_at) AS retrieved_at,
       sum(rows_loaded) AS rows_loaded, sum(rows_rejected) AS rows_rejected,
       bool_or(stale) AS stale, any_value(error) AS error, bool_or(is_sample) AS sample
FROM sources
GROUP BY source_id
ORDER BY source_id;
