-- Copy a second bulk source's staged observations (attached as `staged_bulk`) into the build, its
-- parts shifted by $offset (the first bulk source is the file the build started from). A line id
-- holds its part in its top 16 bits (sources/staged_bulk.sql), so shifting the part shifts the id.
INSERT INTO core.observation_line
SELECT line_id + ($offset::BIGINT << 48), part_id + $offset, row, iso3, indicator_id
FROM staged_bulk.core.observation_line;

INSERT INTO core.observation_bulk
SELECT line_id + ($offset::BIGINT << 48), year, value
FROM staged_bulk.core.observation_bulk;
