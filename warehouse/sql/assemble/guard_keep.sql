-- The drop guard keeps the published rows of one indicator of one source: what this build staged
-- of it is set aside (its files' rows_loaded go down by as much) and the rows of the warehouse it
-- replaces (attached as `prev`) take their place, whichever files they came from.
-- Parameters: $source, $indicator. Leaves the temp table guard_files: every file involved.
CREATE OR REPLACE TEMP TABLE guard_set_aside AS
SELECT file, count(*) AS n
FROM core.observation
WHERE source_id = $source AND indicator_id = $indicator
GROUP BY file;

DELETE FROM core.observation_row WHERE source_id = $source AND indicator_id = $indicator;

CREATE OR REPLACE TEMP TABLE guard_lines AS
SELECT line_id FROM core.observation_line
WHERE indicator_id = $indicator
  AND part_id IN (SELECT part_id FROM core.observation_part WHERE source_id = $source);

DELETE FROM core.observation_bulk WHERE line_id IN (SELECT line_id FROM guard_lines);

DELETE FROM core.observation_line WHERE line_id IN (SELECT line_id FROM guard_lines);

INSERT INTO core.observation_row (iso3, indicator_id, year, value, source_id, release, is_sample, file, row)
SELECT iso3, indicator_id, year, value, source_id, release, is_sample, file, row
FROM prev.core.observation
WHERE source_id = $source AND indicator_id = $indicator;

UPDATE core.source_file f SET rows_loaded = f.rows_loaded - a.n
FROM guard_set_aside a
WHERE f.source_id = $source AND f.file = a.file;

CREATE OR REPLACE TEMP TABLE guard_files AS
SELECT file FROM guard_set_aside
UNION
SELECT DISTINCT file FROM prev.core.observation WHERE source_id = $source AND indicator_id = $indicator;
