-- Status report "Last runs": the five latest runs, newest first, with how many sources each
-- reused unchanged from the previous warehouse (reused). started_at is UTC, as in the run id.
SELECT run_id AS run, started_at AS "started (UTC)", status, round(seconds, 2) AS seconds,
       (SELECT count(*) FROM json_each(sources) j WHERE j.value->>'reused' = 'true') AS reused
FROM runs
ORDER BY started_at DESC
LIMIT 5;
