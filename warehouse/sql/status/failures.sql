-- Status report "Failed sources and files": each source or file the latest run could not use, with
-- the reason and how many rows of its last published data the warehouse still holds (0: nothing
-- had been published, so nothing could be kept).
SELECT s.source_id, nullif(s.file, '') AS file, s.error,
       (SELECT count(*) FROM observations_all o WHERE o.source_id = s.source_id AND o.file = s.file) AS rows_kept
FROM sources s
WHERE s.stale AND s.error IS NOT NULL
ORDER BY s.source_id, s.file;
