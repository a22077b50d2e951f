-- What a build loaded, for the run summary: (what, rows).
SELECT 'observations', count(*) FROM core.observation UNION ALL
SELECT 'aggregates', count(*) FROM core.aggregate UNION ALL
SELECT 'rejects', count(*) FROM core.reject UNION ALL
SELECT 'countries', count(*) FROM core.country UNION ALL
SELECT 'survey_responses', count(*) FROM core.survey_response UNION ALL
SELECT 'readiness', count(*) FROM core.readiness UNION ALL
SELECT 'findings', count(*) FROM core.finding;
