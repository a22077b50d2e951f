-- The data "as of" one vintage, for re-running a finding's check against it (warehouse/build.py,
-- evaluate_findings). A vintage is one (source, release) of the finding's `vintages_of` indicator.
-- The check's SQL is not rewritten: it is run with search_path = 'check_vintage,main', so its
-- `observations` is this view: the vintage's values for that indicator (every value the release
-- carries, whether in force today or not) and, for every other indicator, the values in force.
-- The schema lives only while the findings are evaluated; it is dropped before publishing.
CREATE SCHEMA check_vintage;

CREATE TABLE check_vintage.param (
    indicator_id VARCHAR NOT NULL,
    source_id    VARCHAR NOT NULL,
    release      VARCHAR NOT NULL
);

CREATE VIEW check_vintage.observations AS
SELECT o.iso3, o.country, o.indicator_id, i.name AS indicator, o.year, o.value, o.unit,
       o.source_id, o.release, o.is_sample
FROM main.observations_all o
JOIN core.indicator i USING (indicator_id)
JOIN check_vintage.param p ON o.indicator_id = p.indicator_id
WHERE o.source_id = p.source_id AND o.release = p.release
UNION ALL
SELECT o.iso3, o.country, o.indicator_id, o.indicator, o.year, o.value, o.unit,
       o.source_id, o.release, o.is_sample
FROM main.observations o
WHERE o.indicator_id NOT IN (SELECT indicator_id FROM check_vintage.param);
