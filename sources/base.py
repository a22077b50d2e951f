"""The contract every source module meets, and the result its mapping step returns.

A source module (sources/<name>.py) defines:

    SOURCE_ID            the id used in config/sources/<SOURCE_ID>.yaml and in `sources`
    FILE_GLOB            the snapshot files it reads, e.g. "EGOV_DATA_*.csv"
    fetch(cfg, base_url) -> {file name: bytes}       download; raise FetchError, never return an error body
    read(path) -> DataFrame                          the file as published: strings, plus _file and _row
    file_schema(path, cfg) -> pandera schema         file-level rules: a failure fails the file
    row_schema(path, cfg) -> pandera schema          row-level rules: a failure quarantines the row
    release_of(path) -> str                          the release (survey year, vintage) a file holds
    to_observations(clean, cfg, catalogue) -> Mapped the common long format

Everything after that (country harmonisation, the observation schema, staging) is shared.

A large source may instead define stage_duckdb(files, cfg, catalogue, out_dir) -> dict, which
validates and harmonises inside DuckDB and writes its observations into the DuckDB file
out_dir/STAGED_BULK (table core.observation_bulk of warehouse/sql/observation_bulk.sql, part_id =
the file's index), and out_dir/{rejects,classifications}.parquet (same columns as the shared
path). It returns {"files": [one record per file with file, release, last_updated, rows_loaded,
rows_rejected], "rows_loaded", "rows_rejected", "rows_invalid", "reject_samples", "warnings"}.
The warehouse build starts from a copy of that file, so 12M rows are written once, not twice.
A source with `enabled: false` in its config runs only with --only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

STAGED_BULK = "observations.duckdb"  # a large source's staged observations (see above)


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass
class Mapped:
    """What to_observations() returns.

    observations: country_name or iso3, indicator_id, year, value, _file, _row
    excluded: raw rows left out on purpose, with a `reason` column (non-members, aggregates …)
    classifications: country_name or iso3, scheme, year, category, _file, _row (e.g. GTMI group)
    """

    observations: pd.DataFrame
    excluded: pd.DataFrame = field(default_factory=_empty)
    classifications: pd.DataFrame = field(default_factory=_empty)


def melt_wide(df: pd.DataFrame, *, country: str, year: str, column_to_id: dict[str, str],
              key: str = "country_name") -> pd.DataFrame:
    """Publisher rows with one column per indicator to observation rows (`key` is `country_name`
    for names, `iso3` for publisher codes). Blank cells are missing values: not emitted."""
    long = df.melt(id_vars=[country, year, "_file", "_row"], value_vars=list(column_to_id),
                   var_name="column", value_name="value")
    long = long[long["value"].notna()]
    return pd.DataFrame({
        key: long[country].astype(str),
        "indicator_id": long["column"].map(column_to_id),
        "year": long[year].astype(int),
        "value": long["value"].astype(float),
        "_file": long["_file"],
        "_row": long["_row"],
    }).reset_index(drop=True)
