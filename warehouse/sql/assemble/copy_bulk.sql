-- Copy a second bulk source's staged observations (attached as `staged_bulk`) into the build, its
-- part ids shifted by $offset and its line ids by $line_offset (the first bulk source is the file
-- the build started from).
INSERT INTO core.observation_line
SELECT line_id + $line_offset, part_id + $offset, row, iso3, indicator_id
FROM staged_bulk.core.observation_line;

INSERT INTO core.observation_bulk
SELECT line_id + $line_offset, year, value
FROM staged_bulk.core.observation_bulk;
