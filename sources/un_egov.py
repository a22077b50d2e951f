"""UN E-Government Survey: the egovkb Data Center's `EGOV_DATA_<year>.csv`, one file per survey year.

The contract every source meets is sources/base.py; this one is a TableSource.
Every quirk handled below is listed in snapshots/un_egov/PROVENANCE.md.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from digigov.errors import FetchError, SourceFileError
from digigov.sources.base import VALUE_COLUMN, Mapped, SourceContext, TableSource, melt_wide
from digigov.sources.text import csv_records, records_frame

SOURCE_ID = "un_egov"
FILE_GLOB = "EGOV_DATA_*.csv"
HEADER = ["Survey Year", "Country Name", "E-Government Rank", "E-Government Index",
          "E-Participation Index", "Online Service Index", "Human Capital Index",
          "Telecommunication Infrastructure Index"]
INDEX_COLUMNS = HEADER[3:]
RANK = "E-Government Rank"
# The reason on the reject of a marker cell; warehouse/sql/aggregates.sql matches on it.
NO_ONLINE_PRESENCE = ("is the UN's no-online-presence marker (EGDI 0.00000 with HCI and TII present), "
                      "not a score: left out as missing")
EGDI, HCI, TII = "E-Government Index", "Human Capital Index", "Telecommunication Infrastructure Index"


def release_of(path: Path, ctx: SourceContext | None = None) -> str:
    """The release a file holds: its survey year."""
    return str(year_of(path))


def year_of(path: Path) -> int:
    match = re.fullmatch(r"EGOV_DATA_(\d{4})\.csv", Path(path).name)
    if not match:
        raise SourceFileError(path, "file name is not EGOV_DATA_<year>.csv")
    return int(match.group(1))


# ---- fetch ----------------------------------------------------------------------------------

def fetch(ctx: SourceContext, base_url: str, session=None) -> dict[str, bytes]:
    """Download every configured survey year; refuse any body that is not the egovkb CSV."""
    from digigov.sources.http import get_bytes  # requests: imported to fetch, not to stage

    cfg = ctx.config
    payloads = {}
    for year in cfg["years"]:
        name = cfg["file_pattern"].format(year=year)
        data = get_bytes(f"{base_url.rstrip('/')}/{name}", session=session)
        first = data[:400].decode("utf-8-sig", errors="replace").splitlines()[:1]
        if not first or next(csv.reader(first)) != HEADER:
            raise FetchError(f"{name}: the server answered, but not with the egovkb CSV layout "
                             f"(first line {first[0][:80] if first else '(empty)'!r}); not stored")
        payloads[name] = data
    return payloads


# ---- read -----------------------------------------------------------------------------------

def read(path: Path, ctx: SourceContext | None = None) -> pd.DataFrame:
    """Parse one file as published: every field a string, blanks as missing.

    Adds _file and _row (line number in the file) for rejects. Handles BOM, CRLF or LF, and the
    trailing spaces inside quoted country names. Raises SourceFileError for an empty file,
    bytes that are not UTF-8, a wrong header, or an unterminated final line."""
    path = Path(path)
    records = csv_records(path, encoding_hint="the egovkb files are UTF-8; re-save the file as UTF-8")
    header = [h.strip() for h in records[0]]
    if header != HEADER:
        missing = [h for h in HEADER if h not in header]
        extra = [h for h in header if h not in HEADER]
        raise SourceFileError(path, f"unexpected header {records[0]!r}",
                              f"expected {HEADER!r}" + (f"; missing {missing}" if missing else "")
                              + (f"; unexpected {extra}" if extra else ""))
    # A short or long row is kept (padded/trimmed) and flagged, so it is quarantined, not lost.
    return records_frame(records, HEADER, path)


# ---- schemas --------------------------------------------------------------------------------

def file_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """File-level rules: the exact header in order, one survey year matching the file name, one
    row per UN member state. (read() already refuses a wrong header with a fuller message.)"""
    year, expected_rows = year_of(path), ctx.config["expected_rows_per_year"]
    return pa.DataFrameSchema(
        {h: pa.Column(nullable=True) for h in HEADER},
        ordered=True,
        checks=[
            pa.Check(lambda df: len(df) == expected_rows,
                     error=f"expected {expected_rows} country rows (one per UN member state)"),
            pa.Check(lambda df: (df["Survey Year"] == str(year)).all(),
                     error=f"every 'Survey Year' must be {year}, the year in the file name"),
        ])


def _rank_when_scored(df: pd.DataFrame) -> pd.Series:
    """A row with any index value must carry a rank (blank rank = not a member that year)."""
    return df[RANK].notna() | df[INDEX_COLUMNS].fillna(0).eq(0).all(axis=1)


def row_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """Row-level rules: the same for every survey year. The rank and the five indices are value
    columns (a bad one is rejected as a cell, the row's other values load); the field count, the
    year, the country name and the rank-when-scored rule concern the row."""
    return ROW_SCHEMA


_INDEX = pa.Column(float, nullable=True, coerce=True, checks=pa.Check.in_range(0, 1), metadata=VALUE_COLUMN)
ROW_SCHEMA = pa.DataFrameSchema(
    {
        "_fields": pa.Column(int, pa.Check.eq(len(HEADER), error=f"row must have {len(HEADER)} fields")),
        "Survey Year": pa.Column(int, coerce=True, checks=pa.Check.in_range(2000, 2100)),
        "Country Name": pa.Column(str, nullable=False, unique=True,
                                  checks=pa.Check.str_length(min_value=2)),
        RANK: pa.Column("Int64", nullable=True, coerce=True, checks=pa.Check.in_range(1, 250), metadata=VALUE_COLUMN),
        **{c: _INDEX for c in INDEX_COLUMNS},
    },
    checks=[pa.Check(_rank_when_scored, error="rank is blank but the row has index values")],
    strict=False,
)


# ---- to observations ------------------------------------------------------------------------

def to_observations(clean: pd.DataFrame, ctx: SourceContext) -> Mapped:
    """Map validated rows to long observations (country_name, indicator_id, year, value).

    Missing-value markers (PROVENANCE item 5): this vintage writes 0.00000 where a value was not
    measured. A zero HCI or TII is a real score from 2012 on (min-max scaling gives the lowest
    country 0), so zeros alone cannot be read as missing. A row whose EGDI is 0 while its HCI or
    TII is 0 was not computable: its EGDI, placeholder rank and zero components are missing (the
    older download leaves such cells blank, and the UN's 2008 and 2010 world averages exclude these
    rows).

    An EGDI of 0 with its components present (2003-2005 and three 2012 rows, e.g. Uzbekistan
    2003: HCI 0.91, TII 0.05) is not a score either: it is the UN's marker for a country with no
    online presence (its OSI and EPI are 0 too), and an EGDI that averages OSI, HCI and TII cannot
    be 0 with those components. Its EGDI and its rank (the tied last place every marker row shares,
    174 in 2003) are made missing, and each of the two cells is reported as an exclusion, one
    reject record per cell with the row's line number. They go in as exclusions ("excluded:"), not
    as invalid rejects: the file is right and says what the UN meant; the pipeline leaves the cell
    out on purpose because a marker is not a value of the indicator. The row's HCI and TII (real
    scores) still load, and so do its OSI and EPI of 0 (no online services is what they measure).
    Whether the UN's world mean counts a marker as 0 depends on the survey year: see
    warehouse/sql/aggregates.sql, which counts these reject records where the UN did.
    Rows of non-members (blank rank, no values) are returned separately as exclusions.
    """
    df = clean.copy()
    non_member = df[RANK].isna() & df[INDEX_COLUMNS].fillna(0).eq(0).all(axis=1)
    excluded = clean[non_member].assign(
        reason="not a UN member state in this survey year (blank rank, no values)")
    df = df[~non_member]
    absent = {col: df[col].isna() | (df[col] == 0) for col in (HCI, TII)}
    uncomputable = (df[EGDI] == 0) & (absent[HCI] | absent[TII])
    for col in (HCI, TII):
        df.loc[uncomputable & (df[col] == 0), col] = np.nan
    df.loc[uncomputable, [EGDI, RANK]] = np.nan
    marker = (df[EGDI] == 0) & ~uncomputable
    marker_cells = pd.concat([
        clean.loc[marker[marker].index].assign(reason=f"{col} {NO_ONLINE_PRESENCE}")
        for col in (EGDI, RANK)])
    excluded = pd.concat([excluded, marker_cells], ignore_index=True)
    df.loc[marker, [EGDI, RANK]] = np.nan
    column_to_id = {spec["column"]: ind for ind, spec in ctx.indicators.items()}
    obs = melt_wide(df, country="Country Name", year="Survey Year", column_to_id=column_to_id)
    return Mapped(obs, excluded)


SOURCE = TableSource(source_id=SOURCE_ID, file_glob=FILE_GLOB, fetch=fetch, read=read, file_schema=file_schema,
                     row_schema=row_schema, release_of=release_of, to_observations=to_observations)
