-- The public views: the documented interface for ad hoc SQL and Excel extracts.

CREATE VIEW countries AS
SELECT c.iso3, c.name, c.un_region, c.un_subregion, c.un_intermediate_region, c.un_member,
       coalesce((SELECT list(g.group_id ORDER BY g.group_id) FROM core.country_group g
                 WHERE g.iso3 = c.iso3), []::VARCHAR[]) AS groups
FROM core.country c;

CREATE VIEW indicators AS
SELECT indicator_id, name, unit, source_id, dimension_id, higher_is_better,
       scale_min, scale_max, definition
FROM core.indicator;

CREATE VIEW sources AS
SELECT source_id, file, publisher, title, url, licence, release, retrieved_at, sha256, size,
       snapshot_origin, recorded, rows_loaded, rows_rejected, stale, error, false AS is_sample
FROM core.source_file;

CREATE VIEW observations AS
SELECT o.iso3, c.name AS country, o.indicator_id, i.name AS indicator, o.year, o.value, i.unit,
       o.source_id, o.release, o.is_sample
FROM core.observation o
JOIN core.country c USING (iso3)
JOIN core.indicator i USING (indicator_id);

CREATE VIEW aggregates AS
SELECT group_id, indicator_id, year, value, n_countries, method FROM core.aggregate;

CREATE VIEW runs AS
SELECT run_id, started_at, finished_at, status, digigov_version, seconds, sources, message
FROM core.run;

CREATE VIEW rejects AS
SELECT run_id, source_id, file, row, reason, record FROM core.reject;
