-- Sheet Findings: the findings on the selected countries and the group-wide ones (iso3 NULL, listed
-- first), with the dimension's name and the result of checking each against the data.
-- No parameters. Needs export_country (selection.sql).
SELECT f.finding_id, f.iso3, f.dimension_id, d.name AS dimension, f.topic, f.statement, f.evidence,
       f.count_countries, f.source_id, f.is_sample, f.check_status, f.check_detail
FROM findings f
LEFT JOIN dimensions d USING (dimension_id)
WHERE f.iso3 IS NULL OR f.iso3 IN (SELECT iso3 FROM export_country WHERE selected)
ORDER BY f.iso3 NULLS FIRST, f.finding_id;
