-- Cover, survey responses: per selected country, organisations expected (the roster), how many
-- sent real answers, who has not, and SAMPLE workbooks. No parameters. Needs export_country.
SELECT r.iso3, s.name AS country, r.expected, r.answered, r.response_rate, r.not_answered,
       r.organisations, r.sample_organisations
FROM survey_response_rates r
JOIN export_country s USING (iso3)
WHERE s.selected
ORDER BY s.pos;
