-- Observations of large sources, without the per-row constants of core.observation_row: the source,
-- release, file and sample flag of a row are its part's (core.observation_part), because writing four
-- constant columns next to 12M values cost more than the values themselves. A large source writes
-- this table straight into its staged DuckDB file (sources/wdi_full.py, declared by sources/base.py), and the warehouse build
-- starts from a copy of that file, so the rows are written once. Read them through core.observation.
CREATE SCHEMA IF NOT EXISTS core;

CREATE TABLE IF NOT EXISTS core.observation_bulk (
    iso3         VARCHAR NOT NULL,
    indicator_id VARCHAR NOT NULL,
    year         INTEGER NOT NULL,
    value        DOUBLE NOT NULL,
    row          BIGINT,
    part_id      INTEGER NOT NULL
);
