-- Carry a source's bulk observations over from the previous warehouse (attached as `prev`): its parts
-- get new ids from $offset on, and each line the id part_id * 2^48 + k of its new part, k being the
-- low 48 bits of its previous id (unique within its part: a file line or a hash, sources/staged_bulk.sql;
-- a warehouse of 2026-12-01, whose line ids were small numbers unique in the file, gives the same).
-- So they never clash with the parts and lines loaded by this build.
-- Parameters: $offset (the first free part id), $source.
INSERT INTO core.observation_part
SELECT part_id + $offset, source_id, release, is_sample, file
FROM prev.core.observation_part
WHERE source_id = $source;

INSERT INTO core.observation_line
SELECT ((part_id + $offset)::BIGINT << 48) | (line_id & ((1::BIGINT << 48) - 1)), part_id + $offset, row, iso3, indicator_id
FROM prev.core.observation_line
WHERE part_id IN (SELECT part_id FROM prev.core.observation_part WHERE source_id = $source);

INSERT INTO core.observation_bulk
SELECT ((l.part_id + $offset)::BIGINT << 48) | (b.line_id & ((1::BIGINT << 48) - 1)), b.year, b.value
FROM prev.core.observation_bulk b
JOIN prev.core.observation_line l USING (line_id)
WHERE l.part_id IN (SELECT part_id FROM prev.core.observation_part WHERE source_id = $source);
