-- Observations of large sources, stored narrow. A row of the source file (one country, one
-- indicator, 65 years) is one core.observation_line; each of its values is a core.observation_bulk
-- row of three numbers (line, year, value). The source, release, file and sample flag of a line are
-- its part's (core.observation_part, one part per staged file). Writing the country and indicator
-- next to each of 12M values cost more than the values themselves (0.60 s against 0.28 s at 15M
-- year-cells, measured 2026-12-01), and every query of one indicator is faster through the small
-- line table. A large source writes these tables straight into its staged DuckDB file
-- (sources/wdi_full.py, declared by sources/base.py), and the warehouse build starts from a copy
-- of that file, so the rows are written once. Read them through core.observation.
--
-- A line id holds its part in its top bits: line_id = part_id * 2^48 + k, k < 2^48 unique within
-- the part: the file line on the exact path; on the fast path the country's place among the known
-- codes * 2^36 + a 36-bit hash of the indicator code, checked unique, which lets the values pass
-- find a line without numbering the file, and so run on every core (sources/wdi_full.py). Parts
-- shift as a whole (copy, carry-over) by adding offset * 2^48.
CREATE SCHEMA IF NOT EXISTS core;

CREATE TABLE IF NOT EXISTS core.observation_line (
    line_id      BIGINT NOT NULL,    -- part_id * 2^48 + k: the key of the values
    part_id      INTEGER NOT NULL,
    row          INTEGER,            -- the line of the source file a user sees
    iso3         VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS core.observation_bulk (
    line_id      BIGINT NOT NULL,
    year         INTEGER NOT NULL,
    value        DOUBLE NOT NULL
);
