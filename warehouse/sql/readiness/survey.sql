-- Readiness inputs (3/3): scored survey answers that are not SAMPLE data, with the year of the
-- response and the organisation they speak for (the same organisation, ignoring case and spacing,
-- counts once). SAMPLE workbooks never reach a readiness score; the survey_scores view shows them.
SELECT iso3, dimension_id, score,
       try_cast(left(response_date, 4) AS INTEGER) AS year,
       lower(regexp_replace(trim(coalesce(organisation, source_file)), '\s+', ' ', 'g')) AS organisation_key,
       is_sample
FROM core.survey_response
WHERE score IS NOT NULL AND NOT is_sample
ORDER BY response_id;
