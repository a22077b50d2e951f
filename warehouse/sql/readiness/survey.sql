-- Readiness inputs (3/3): scored survey answers that are not SAMPLE data, from each organisation's
-- current workbook only (a corrected workbook replaces the earlier one: core.survey_submission),
-- with the year of the response and the organisation they speak for (organisation_key: the same
-- organisation, ignoring case and spacing, counts once). SAMPLE workbooks never reach a readiness
-- score; the survey_scores view shows them.
SELECT r.iso3, r.dimension_id, r.score,
       try_cast(left(r.response_date, 4) AS INTEGER) AS year,
       s.organisation_key,
       r.is_sample
FROM core.survey_response r
JOIN core.survey_submission s USING (source_file)
WHERE s.is_current AND r.score IS NOT NULL AND NOT r.is_sample
ORDER BY r.response_id;
