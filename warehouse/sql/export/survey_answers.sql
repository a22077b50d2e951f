-- Sheet Survey answers: every answer of each organisation's current workbook for the selected
-- countries, with the comment given with it; coded answers in words. SAMPLE answers are marked.
-- No parameters. Needs export_country (selection.sql).
SELECT r.iso3, s.name AS country, r.organisation, r.organisation_type, r.organisation_level,
       r.response_date, q.number, r.question_id, q.text AS question,
       CASE r.answer WHEN 'yes' THEN 'yes' WHEN 'partial' THEN 'partly' WHEN 'no' THEN 'no'
                     WHEN 'unknown' THEN 'don''t know' ELSE r.answer END AS answer,
       r.comment, r.source_file, r.cell, r.is_sample
FROM survey_responses r
JOIN export_country s USING (iso3)
JOIN survey_questions q USING (question_id)
WHERE s.selected AND (r.answer IS NOT NULL OR r.comment IS NOT NULL)
ORDER BY s.pos, r.organisation, r.dimension_id, q.number;
