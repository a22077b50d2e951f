-- What a build loaded, for the run summary: (what, rows). Survey answers: those of current workbooks.
SELECT 'observations', count(*) FROM core.observation UNION ALL
SELECT 'aggregates', count(*) FROM core.aggregate UNION ALL
SELECT 'rejects', count(*) FROM core.reject UNION ALL
SELECT 'countries', count(*) FROM core.country UNION ALL
SELECT 'survey_responses', count(*) FROM core.survey_response
    WHERE source_file IN (SELECT source_file FROM core.survey_submission WHERE is_current) UNION ALL
SELECT 'readiness', count(*) FROM core.readiness UNION ALL
SELECT 'findings', count(*) FROM core.finding;
