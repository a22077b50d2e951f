-- The text answers of a replaced survey workbook are no findings: the organisation's corrected
-- workbook speaks for it (its answers stay in survey_responses_all). A survey finding's id is
-- 'S-' || the response id of the answer it comes from (sources/survey/reader.py).
DELETE FROM core.finding
WHERE source_id = 'survey'
  AND finding_id IN (SELECT 'S-' || r.response_id
                     FROM core.survey_response r JOIN core.survey_submission s USING (source_file)
                     WHERE NOT s.is_current);
