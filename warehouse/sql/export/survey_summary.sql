-- Sheet Survey summary: per selected country and question, how the organisations answered (the
-- survey_summary view, country scope), real answers and SAMPLE ones in separate rows, never mixed.
-- No parameters. Needs export_country (selection.sql).
SELECT m.iso3, s.name AS country, m.number, m.dimension_id, m.question,
       CASE WHEN m.is_sample THEN 'SAMPLE' ELSE 'real' END AS data,
       m.organisations, m.n_yes, m.n_partial, m.n_no, m.n_unknown, m.share_yes,
       CASE m.majority WHEN 'partial' THEN 'partly' WHEN 'unknown' THEN 'don''t know' ELSE m.majority END AS majority,
       m.mean_value, m.mean_score
FROM survey_summary m
JOIN export_country s USING (iso3)
WHERE m.scope = 'country' AND s.selected
ORDER BY s.pos, m.is_sample, m.dimension_id, m.number;
