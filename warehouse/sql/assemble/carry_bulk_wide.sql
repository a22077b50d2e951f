-- carry_bulk.sql for a previous warehouse written before the bulk values were stored narrow
-- (2026-12-01), whose core.observation_bulk carried the country, indicator and file line on every
-- value (no core.observation_line): its lines are rebuilt from the distinct (part, line, country,
-- indicator) of the source's values.
-- Parameters: $offset (the first free part id), $source.
INSERT INTO core.observation_part
SELECT part_id + $offset, source_id, release, is_sample, file
FROM prev.core.observation_part
WHERE source_id = $source;

INSERT INTO core.observation_line
SELECT ((part_id + $offset)::BIGINT << 48) | row_number() OVER (PARTITION BY part_id ORDER BY row, iso3, indicator_id),
       part_id + $offset, row, iso3, indicator_id
FROM (SELECT DISTINCT part_id, row, iso3, indicator_id
      FROM prev.core.observation_bulk
      WHERE part_id IN (SELECT part_id FROM prev.core.observation_part WHERE source_id = $source));

INSERT INTO core.observation_bulk
SELECT l.line_id, b.year, b.value
FROM prev.core.observation_bulk b
JOIN core.observation_line l
  ON l.part_id = b.part_id + $offset AND l.row IS NOT DISTINCT FROM b.row
 AND l.iso3 = b.iso3 AND l.indicator_id = b.indicator_id
WHERE b.part_id IN (SELECT part_id FROM prev.core.observation_part WHERE source_id = $source);
