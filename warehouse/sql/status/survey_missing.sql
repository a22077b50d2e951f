-- Status report "Survey: who has not answered": each expected organisation without a real
-- workbook yet, and each real organisation that answered but is not on the roster (add it, or an
-- alias of its name, to config/survey_roster.yaml).
SELECT iso3, 'not answered yet' AS status, organisation
FROM survey_roster WHERE NOT answered
UNION ALL
SELECT iso3, 'answered, not on the roster', unnest(not_on_roster)
FROM survey_response_rates
ORDER BY iso3, status, organisation;
