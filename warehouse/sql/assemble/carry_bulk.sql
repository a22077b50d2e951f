-- Carry a source's bulk observations over from the previous warehouse (attached as `prev`): its parts
-- get new ids from $offset on, so they never clash with the parts loaded by this build.
-- Parameters: $offset (the first free part id), $source (the source id).
INSERT INTO core.observation_part
SELECT part_id + $offset, source_id, release, is_sample, file
FROM prev.core.observation_part
WHERE source_id = $source;

INSERT INTO core.observation_bulk
SELECT iso3, indicator_id, year, value, row, part_id + $offset
FROM prev.core.observation_bulk
WHERE part_id IN (SELECT part_id FROM prev.core.observation_part WHERE source_id = $source);
