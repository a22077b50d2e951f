-- What of the export rests on SAMPLE (made-up) data, for the cover. One row: sample_files (list of
-- the warehouse's SAMPLE files), and for the exported countries sample_answers (survey answers:
-- shown in the warehouse's survey_responses and survey_scores, never in a readiness score),
-- sample_findings (including group-wide findings) and sample_values (indicator values).
-- No parameters. Needs export_country and export_obs (selection.sql, setup.sql).
WITH shown AS (SELECT iso3 FROM export_country)
SELECT
    (SELECT coalesce(list(file ORDER BY file), []::VARCHAR[]) FROM sources WHERE is_sample) AS sample_files,
    (SELECT count(*) FROM survey_responses
     WHERE is_sample AND iso3 IN (SELECT iso3 FROM shown)) AS sample_answers,
    (SELECT count(*) FROM findings
     WHERE is_sample AND (iso3 IS NULL OR iso3 IN (SELECT iso3 FROM shown))) AS sample_findings,
    (SELECT count(*) FROM export_obs WHERE is_sample) AS sample_values;
