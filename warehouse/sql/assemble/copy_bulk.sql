-- Copy a second bulk source's staged observations (attached as `staged_bulk`) into the build, its
-- part ids shifted by $offset (the first bulk source is the file the build started from).
INSERT INTO core.observation_bulk
SELECT iso3, indicator_id, year, value, row, part_id + $offset
FROM staged_bulk.core.observation_bulk;
