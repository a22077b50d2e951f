-- Sheet Sources: every source file the warehouse records, with its provenance and row counts.
-- No parameters.
SELECT source_id, file, publisher, title, url, licence, release, retrieved_at, last_updated, sha256,
       size, snapshot_origin, rows_loaded, rows_rejected, rows_superseded, stale, error, is_sample
FROM sources
ORDER BY source_id, file;
