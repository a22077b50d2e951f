-- Sheet Survey comments: every comment an organisation wrote beside an answer (its current
-- workbook), for the selected countries, with the question and the answer; SAMPLE workbooks marked.
-- No parameters. Needs export_country (selection.sql).
SELECT r.iso3, s.name AS country, r.organisation, q.number, q.text AS question,
       CASE r.answer WHEN 'yes' THEN 'yes' WHEN 'partial' THEN 'partly' WHEN 'no' THEN 'no'
                     WHEN 'unknown' THEN 'don''t know' ELSE r.answer END AS answer,
       r.comment, CASE WHEN r.is_sample THEN 'SAMPLE' ELSE 'real' END AS data,
       r.source_file, r.cell
FROM survey_responses r
JOIN export_country s USING (iso3)
JOIN survey_questions q USING (question_id)
WHERE s.selected AND r.comment IS NOT NULL AND trim(r.comment) <> ''
ORDER BY s.pos, r.organisation, r.dimension_id, q.number;
