-- The run that published the warehouse, for the cover: the latest succeeded run (zero or one row).
-- Returns run_id, finished_at, status. No parameters.
SELECT run_id, finished_at, status
FROM runs
WHERE status LIKE 'succeeded%'
ORDER BY finished_at DESC NULLS LAST, started_at DESC
LIMIT 1;
