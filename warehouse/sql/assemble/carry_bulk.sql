-- Carry a source's bulk observations over from the previous warehouse (attached as `prev`): its parts
-- get new ids from $offset on and its lines from $line_offset on, so they never clash with the
-- parts and lines loaded by this build.
-- Parameters: $offset (the first free part id), $line_offset (the first free line id), $source.
INSERT INTO core.observation_part
SELECT part_id + $offset, source_id, release, is_sample, file
FROM prev.core.observation_part
WHERE source_id = $source;

INSERT INTO core.observation_line
SELECT line_id + $line_offset, part_id + $offset, row, iso3, indicator_id
FROM prev.core.observation_line
WHERE part_id IN (SELECT part_id FROM prev.core.observation_part WHERE source_id = $source);

INSERT INTO core.observation_bulk
SELECT line_id + $line_offset, year, value
FROM prev.core.observation_bulk
WHERE line_id IN (SELECT line_id FROM prev.core.observation_line
                  WHERE part_id IN (SELECT part_id FROM prev.core.observation_part WHERE source_id = $source));
