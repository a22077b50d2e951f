-- The data "as of" one vintage, for re-running a finding's check against it (warehouse/build.py,
-- evaluate_findings). A vintage is one (source, release) of the finding's `vintages_of` subject: an
-- indicator or a classification scheme. The check's SQL is not rewritten: it is run with
-- search_path = 'check_vintage,main', so its `observations` is the view below: the vintage's values
-- for that indicator (every value the release carries, whether in force today or not) and, for
-- every other indicator, the values in force; its `classifications` likewise hold the vintage's
-- rows for that scheme and every other scheme as published.
-- The schema lives only while the findings are evaluated; it is dropped before publishing.
CREATE SCHEMA check_vintage;

CREATE TABLE check_vintage.param (
    subject      VARCHAR NOT NULL,      -- an indicator id or a classification scheme
    source_id    VARCHAR NOT NULL,
    release      VARCHAR NOT NULL
);

-- The vintage's values of its indicator, filled for each vintage (findings/vintage_values.sql) with
-- the indicator, source and release as constants: a filter that came from joining `param` instead
-- reached the 12M bulk values only after joining them to their lines (0.4-0.5 s a check with the
-- whole WDI file loaded, against 4 ms).
CREATE TABLE check_vintage.vintage_values (
    iso3 VARCHAR, country VARCHAR, indicator_id VARCHAR, indicator VARCHAR, year INTEGER,
    value DOUBLE, unit VARCHAR, source_id VARCHAR, release VARCHAR, is_sample BOOLEAN
);

CREATE VIEW check_vintage.observations AS
SELECT iso3, country, indicator_id, indicator, year, value, unit, source_id, release, is_sample
FROM check_vintage.vintage_values
UNION ALL
SELECT o.iso3, o.country, o.indicator_id, o.indicator, o.year, o.value, o.unit,
       o.source_id, o.release, o.is_sample
FROM main.observations o
WHERE o.indicator_id NOT IN (SELECT subject FROM check_vintage.param);

CREATE VIEW check_vintage.classifications AS
SELECT c.iso3, c.scheme, c.year, c.category, c.source_id, c.release
FROM main.classifications c
JOIN check_vintage.param p ON c.scheme = p.subject
WHERE c.source_id = p.source_id AND c.release = p.release
UNION ALL
SELECT c.iso3, c.scheme, c.year, c.category, c.source_id, c.release
FROM main.classifications c
WHERE c.scheme NOT IN (SELECT subject FROM check_vintage.param);

-- `vintages_of: readiness`: the matrix of one reference year (release = the year).
CREATE VIEW check_vintage.readiness AS
SELECT r.*
FROM main.readiness r, check_vintage.param p
WHERE p.subject <> 'readiness' OR r.ref_year = try_cast(p.release AS INTEGER);
