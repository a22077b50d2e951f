-- Status report "Survey response rates": per country, the organisations expected
-- (config/survey_roster.yaml), how many of them sent real answers and the rate, the real
-- organisations that answered (on the roster or not) and the SAMPLE workbooks (never answers).
SELECT iso3, expected, answered,
       CASE WHEN expected > 0 THEN round(100 * response_rate)::INTEGER || '%' END AS rate,
       organisations AS real_organisations, len(not_on_roster) AS not_on_roster,
       sample_organisations AS sample_workbooks
FROM survey_response_rates
ORDER BY iso3;
