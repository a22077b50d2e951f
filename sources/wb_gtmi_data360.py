"""World Bank Data360 wide CSV exports of the GovTech Maturity Index 2022 (database WB_GTMI).

Five files, one series each: the GTMI and its sub-indices CGSI, PSDI, DCEI, GTEI, rounded to
2 decimals. The contract every source meets is sources/base.py; this one is a TableSource. Every
quirk handled below is listed in snapshots/wb_gtmi_data360/PROVENANCE.md.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from digigov.errors import FetchError, SourceFileError
from digigov.sources.base import VALUE_COLUMN, Mapped, SourceContext, TableSource, observation_frame
from digigov.sources.text import csv_records, records_frame

SOURCE_ID = "wb_gtmi_data360"
FILE_GLOB = "GTMI_*.csv"
YEAR = re.compile(r"^\d{4}$")


def release_of(path: Path, ctx: SourceContext) -> str:
    """Every file is the GTMI 2022 release (DATABASE_ID_LABEL 'GovTech Maturity Index 2022')."""
    return str(ctx.config["release"])


def _header_problem(header: list[str], fixed: list[str]) -> str | None:
    """Why a header is not the Data360 wide layout (fixed columns, then one or more year columns)."""
    if header[:len(fixed)] != fixed:
        missing = [c for c in fixed if c not in header]
        return (f"missing column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}" if missing
                else f"columns out of order: expected {fixed}")
    years = header[len(fixed):]
    if not years:
        return "no year column after OBS_CONF_LABEL"
    bad = [c for c in years if not YEAR.match(c)]
    if bad:
        return f"column{'s' if len(bad) > 1 else ''} {', '.join(map(repr, bad))} after OBS_CONF_LABEL " \
               "is not a year"
    return None


# ---- fetch ----------------------------------------------------------------------------------

def fetch(ctx: SourceContext, base_url: str, session=None) -> dict[str, bytes]:
    """Download every configured export; refuse a body whose first line is not the Data360 header
    (an HTML error page, a rate-limit notice, another layout)."""
    from digigov.sources.http import get_bytes  # requests: imported to fetch, not to stage

    cfg = ctx.config
    payloads = {}
    for name in cfg["files"]:
        data = get_bytes(f"{base_url.rstrip('/')}/{name}", session=session)
        first = data[:2000].decode("utf-8-sig", errors="replace").splitlines()[:1]
        header = next(csv.reader(first)) if first else []
        if not first or _header_problem(header, cfg["header"]):
            raise FetchError(f"{name}: the server answered, but not with a Data360 wide CSV "
                             f"(first line {first[0][:80] if first else '(empty)'!r}); not stored")
        payloads[name] = data
    return payloads


# ---- read -----------------------------------------------------------------------------------

def read(path: Path, ctx: SourceContext) -> pd.DataFrame:
    """Parse one export as published: every field a string, blanks as missing.

    Adds _file, _row (line number) and _fields (fields on the line, so a short or long line is
    quarantined rather than lost). Raises SourceFileError for an empty, non-UTF-8 or truncated
    file and for a header that is not the Data360 wide layout, naming the column at fault."""
    path = Path(path)
    cfg = ctx.config
    records = csv_records(path, encoding_hint="Data360 exports are UTF-8; re-download the file")
    header = [h.strip() for h in records[0]]
    problem = _header_problem(header, cfg["header"])
    if problem:
        raise SourceFileError(path, f"header: {problem}", "expected the Data360 wide layout "
                              f"{cfg['header'] + ['<year>', '...']}")
    return records_frame(records, header, path)


def year_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if YEAR.match(str(c))]


# ---- schemas --------------------------------------------------------------------------------

def _full_width(df: pd.DataFrame) -> pd.Series:
    """A line with fewer or more fields than the header (its values would shift columns)."""
    return df["_fields"] == sum(not str(c).startswith("_") for c in df.columns)


def file_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """File-level rules: one known series per file, in the unit and multiplier the catalogue assumes.

    A different series code, unit or multiplier would silently mislabel or misscale every value,
    so it fails the file rather than the rows."""
    cfg = ctx.config
    codes = list(cfg["indicator_codes"])
    return pa.DataFrameSchema(
        {
            "INDICATOR": pa.Column(str, checks=pa.Check.isin(codes)),
            "UNIT_MEASURE": pa.Column(str, checks=pa.Check.eq(cfg["unit_measure"])),
            "UNIT_MULT": pa.Column(str, checks=pa.Check.eq(str(cfg["unit_mult"]))),
        },
        checks=[
            pa.Check(lambda df: len(df) > 0, error="no data rows"),
            pa.Check(lambda df: df["INDICATOR"].nunique() <= 1,
                     error="column 'INDICATOR': more than one series in one file"),
        ],
        strict=False,
    )


def row_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """Row-level rules: the full field count, one row per economy code (a failure quarantines the
    row); values numbers in 0-1 or blank (a failure rejects that year's cell only)."""
    return pa.DataFrameSchema(
        {
            "REF_AREA": pa.Column(str, unique=True, checks=pa.Check.str_matches(r"^[A-Z]{3}$")),
            r"^\d{4}$": pa.Column(float, nullable=True, coerce=True, regex=True,
                                  checks=pa.Check.in_range(0, 1), metadata=VALUE_COLUMN),
        },
        checks=[pa.Check(_full_width, error="row must have as many fields as the header")],
        strict=False,
    )


# ---- to observations ------------------------------------------------------------------------

def to_observations(clean: pd.DataFrame, ctx: SourceContext) -> Mapped:
    """Long observations: REF_AREA codes in `iso3` (harmonised by the shared step), one per year
    column with a value; blank cells are missing and not emitted."""
    years = year_columns(clean)
    long = clean.melt(id_vars=["REF_AREA", "INDICATOR", "_file", "_row"], value_vars=years,
                      var_name="year", value_name="value")
    obs = observation_frame(iso3=long["REF_AREA"].astype(str),
                            indicator_id=long["INDICATOR"].map(ctx.config["indicator_codes"]),
                            year=long["year"], value=long["value"], file=long["_file"], row=long["_row"])
    return Mapped(obs)


SOURCE = TableSource(source_id=SOURCE_ID, file_glob=FILE_GLOB, fetch=fetch, read=read, file_schema=file_schema,
                     row_schema=row_schema, release_of=release_of, to_observations=to_observations)
