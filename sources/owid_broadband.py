"""Our World in Data grapher CSV downloads of fixed broadband subscriptions per 100 people.

OWID republishes the World Bank WDI series IT.NET.BBND.P2 (itself ITU data). Each file is one
download of the chart `broadband-penetration-by-country`; the snapshot keeps two downloads
(vintages), told apart by a `__dl<YYYY-MM>` suffix added to the file name. The contract every
source meets is sources/base.py; this one is a TableSource. Every quirk handled below is listed
in snapshots/owid_broadband/PROVENANCE.md:

- The old grapher layout: `Entity,Code,Year,<value column>`, long, one row per entity and year
  where a value exists; values unquoted. The header must be exactly the configured one, since a
  renamed value column would mean another series (or another unit).
- No newline after the last line, so truncation is caught from the last record's width instead.
- `Code` is ISO3 for countries, `OWID_WRL` for the world, and empty for World Bank regions and
  income groups (and, in the 2024 download, for the Faeroe Islands, which config maps by name in
  `name_overrides`). Aggregates are left out with a reason: digigov computes its own.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from digigov.errors import FetchError, SourceFileError
from digigov.sources.base import VALUE_COLUMN, Mapped, SourceContext, TableSource, observation_frame
from digigov.sources.text import decode_text, records_frame

SOURCE_ID = "owid_broadband"
FILE_GLOB = "broadband-penetration-by-country__*.csv"
ENTITY, CODE, YEAR = "Entity", "Code", "Year"


def _header(ctx: SourceContext) -> list[str]:
    return [ENTITY, CODE, YEAR] + list(ctx.config["value_columns"])


def _header_problem(header: list[str], expected: list[str]) -> str | None:
    if header == expected:
        return None
    missing = [c for c in expected if c not in header]
    if missing:
        return f"missing column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}"
    extra = [c for c in header if c not in expected]
    if extra:
        return f"unexpected column{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))}"
    return f"columns out of order: expected {expected}"


# ---- fetch ----------------------------------------------------------------------------------

def fetch(ctx: SourceContext, base_url: str, session=None) -> dict[str, bytes]:
    """Download the chart's CSV today and store it under a name carrying this month's vintage;
    refuse a body whose first line is not the configured grapher header (an HTML page, the newer
    data-package layout)."""
    from digigov.sources.http import get_bytes  # requests: imported to fetch, not to stage

    data = get_bytes(base_url, session=session)
    first = data[:2000].decode("utf-8-sig", errors="replace").splitlines()[:1]
    header = next(csv.reader(first)) if first else []
    if not first or _header_problem([h.strip() for h in header], _header(ctx)):
        raise FetchError(f"{base_url}: the server answered, but not with the OWID grapher CSV "
                         f"(first line {first[0][:80] if first else '(empty)'!r}); not stored")
    stem = ctx.config["file_stem"]
    return {f"{stem}__dl{dt.date.today():%Y-%m}.csv": data}


# ---- read -----------------------------------------------------------------------------------

def read(path: Path, ctx: SourceContext) -> pd.DataFrame:
    """Parse one download as published: every field a string, blanks as missing.

    Adds _file, _row (line number; the header is line 1) and _fields (fields on the line, so a
    short or long line is quarantined rather than lost). Raises SourceFileError for an empty or
    non-UTF-8 file, a header other than the configured one, and a last line cut short."""
    path = Path(path)
    expected = _header(ctx)
    text = decode_text(path, path.read_bytes(), encoding_hint="OWID downloads are UTF-8; re-download the file",
                       require_final_newline=False)
    try:
        records = [r for r in csv.reader(io.StringIO(text, newline=""), strict=True) if r]
    except csv.Error as exc:
        raise SourceFileError(path, f"not a readable CSV ({exc})", "re-download it") from None
    header = [h.strip() for h in records[0]]
    problem = _header_problem(header, expected)
    if problem:
        raise SourceFileError(path, f"header: {problem}", f"expected the OWID grapher layout {expected}")
    if len(records) > 1 and len(records[-1]) < len(header):
        raise SourceFileError(path, f"line {len(records)} (the last) has {len(records[-1])} of {len(header)} "
                              "fields: the file looks truncated", "re-download it")
    return records_frame(records, header, path)


def release_of(path: Path, ctx: SourceContext) -> str:
    """The vintage in the file name (`…__dl2024-06.csv` -> `dl2024-06`): OWID's CSV carries no
    date of its own, and the two downloads differ in their WDI vintage."""
    m = re.search(ctx.config["release_pattern"], Path(path).name)
    if not m:
        raise SourceFileError(path, "file name carries no download vintage",
                              f"name it <chart>__dl<YYYY-MM>.csv (pattern {ctx.config['release_pattern']!r})")
    return m.group(1)


# ---- schemas --------------------------------------------------------------------------------

def file_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """File-level rule: a full download (at least `min_rows` rows); fewer means a cut or filtered file."""
    min_rows = ctx.config["min_rows"]
    return pa.DataFrameSchema(
        checks=[pa.Check(lambda df: len(df) >= min_rows,
                         error=f"expected at least {min_rows} data rows (a full download)")],
        strict=False)


def row_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """Row-level rules: the full field count, a code that is ISO3, OWID_* or blank, a year, a value
    in the indicator's range, one row per entity and year."""
    cfg = ctx.config
    columns = {
        "_fields": pa.Column(int, pa.Check.eq(len(_header(ctx)),
                                              error=f"row must have {len(_header(ctx))} fields")),
        ENTITY: pa.Column(str, nullable=False),
        CODE: pa.Column(str, nullable=True, checks=pa.Check.str_matches(r"^([A-Z]{3}|OWID_[A-Z]+)$")),
        YEAR: pa.Column(int, coerce=True, checks=pa.Check.in_range(1960, 2100)),
    }
    for column, ind in cfg["value_columns"].items():
        spec = ctx.catalogue[ind]
        columns[column] = pa.Column(float, nullable=True, coerce=True,
                                    checks=pa.Check.in_range(spec["scale_min"], spec["scale_max"]),
                                    metadata=VALUE_COLUMN)
    return pa.DataFrameSchema(columns, unique=[ENTITY, YEAR], report_duplicates="all", strict=False)


# ---- to observations ------------------------------------------------------------------------

def to_observations(clean: pd.DataFrame, ctx: SourceContext) -> Mapped:
    """Long observations keyed by ISO3 (`iso3`; the shared step checks every code). OWID_* codes
    and rows without a code (aggregates) are left out with their reason, except entities that
    config names in `name_overrides`."""
    cfg = ctx.config
    by_name = cfg.get("name_overrides") or {}
    code = clean[CODE].where(clean[CODE].notna(), clean[ENTITY].map(by_name))
    aggregate = code.isna() | code.astype(str).str.startswith("OWID_")
    reason = pd.Series("aggregate or region without a country code (digigov computes its own)", index=clean.index)
    reason[code.astype(str).str.startswith("OWID_")] = "OWID aggregate (digigov computes its own)"
    excluded = clean[aggregate].assign(reason=reason[aggregate])
    kept = clean[~aggregate]
    frames = [observation_frame(iso3=code[~aggregate].astype(str), indicator_id=ind, year=kept[YEAR],
                                value=kept[column], file=kept["_file"], row=kept["_row"])
              for column, ind in cfg["value_columns"].items()]
    return Mapped(pd.concat(frames, ignore_index=True), excluded)


SOURCE = TableSource(source_id=SOURCE_ID, file_glob=FILE_GLOB, fetch=fetch, read=read, file_schema=file_schema,
                     row_schema=row_schema, release_of=release_of, to_observations=to_observations)
