"""ITU Global Cybersecurity Index (GCI) overall score as served by the World Bank Data360 API (CSV).

The Data360 *API* CSV is long, value first and without label columns
(`OBS_VALUE,…,INDICATOR,REF_AREA,…,TIME_PERIOD,FREQ,UNIT_MEASURE,UNIT_TYPE`), unlike the Data360
website's wide export that sources/wb_gtmi_data360.py reads (labels, one column per year), so it
has a module of its own; the series, unit and dimension columns it checks are config. The
contract every source meets is sources/base.py; this one is a TableSource. Every quirk handled
below is listed in snapshots/itu_gci/PROVENANCE.md.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from digigov.errors import FetchError, SourceFileError
from digigov.sources.base import VALUE_COLUMN, Mapped, SourceContext, TableSource, observation_frame
from digigov.sources.text import csv_records, records_frame

SOURCE_ID = "itu_gci"
FILE_GLOB = "itu_gci_*.csv"
VALUE, AREA, PERIOD, INDICATOR = "OBS_VALUE", "REF_AREA", "TIME_PERIOD", "INDICATOR"


def _header_problem(header: list[str], expected: list[str]) -> str | None:
    missing = [c for c in expected if c not in header]
    if missing:
        return f"missing column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}"
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        return f"column {dupes[0]!r} appears more than once"
    return None


# ---- fetch ----------------------------------------------------------------------------------

def fetch(ctx: SourceContext, base_url: str, session=None) -> dict[str, bytes]:
    """Ask the Data360 API for the configured series as CSV; refuse a body without its header."""
    from digigov.sources.http import get_bytes  # requests: imported to fetch, not to stage

    cfg = ctx.config
    codes = ",".join(cfg["indicator_codes"])
    url = f"{base_url.rstrip('/')}/data?DATABASE_ID={cfg['database_id']}&INDICATOR={codes}&format=csv&top=2000"
    data = get_bytes(url, session=session)
    first = data[:4000].decode("utf-8-sig", errors="replace").splitlines()[:1]
    header = [h.strip() for h in next(csv.reader(first))] if first else []
    if not first or _header_problem(header, cfg["header"]):
        raise FetchError(f"{url}: the server answered, but not with a Data360 API CSV "
                         f"(first line {first[0][:80] if first else '(empty)'!r}); not stored")
    return {cfg["files"][0]: data}


# ---- read -----------------------------------------------------------------------------------

def read(path: Path, ctx: SourceContext) -> pd.DataFrame:
    """Parse the file as published: every field a string, blanks as missing; columns by name.

    Adds _file, _row (line number; the header is line 1) and _fields (fields on the line).
    Raises SourceFileError for an empty, non-UTF-8 or truncated file and for a header that lacks
    a configured column, naming it."""
    path = Path(path)
    expected = list(ctx.config["header"])
    records = csv_records(path, encoding_hint="Data360 answers are UTF-8; re-download the file")
    header = [h.strip() for h in records[0]]
    problem = _header_problem(header, expected)
    if problem:
        raise SourceFileError(path, f"header: {problem}", f"expected the Data360 API CSV columns {expected}")
    return records_frame(records, header, path)


def release_of(path: Path, ctx: SourceContext) -> str:
    """The latest edition the file holds (its most recent TIME_PERIOD): 2024 for GCI editions 4 and 5."""
    years = pd.to_numeric(read(path, ctx)[PERIOD], errors="coerce").dropna()
    if years.empty:
        raise SourceFileError(path, f"column {PERIOD!r} holds no year: cannot tell the release")
    return str(int(years.max()))


# ---- schemas --------------------------------------------------------------------------------

def file_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """File-level rules: only the configured series and database, in the configured unit and
    multiplier, with no breakdown by sex, age or place. Anything else would mislabel or misscale
    every value, so it fails the file. A blank there is left to the row rules (a short line)."""
    cfg = ctx.config
    constant = {c: pa.Column(str, nullable=True, checks=pa.Check.eq(str(v)))
                for c, v in cfg["constant_columns"].items()}
    return pa.DataFrameSchema(
        {
            INDICATOR: pa.Column(str, nullable=True, checks=pa.Check.isin(list(cfg["indicator_codes"]))),
            **constant,
        },
        checks=[pa.Check(lambda df: len(df) >= cfg["min_rows"],
                         error=f"expected at least {cfg['min_rows']} data rows (a full answer)")],
        strict=False,
    )


def row_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """Row-level rules: the full field count, the series and constant columns filled in, an ISO3
    code, a year, a value in the indicator's range, one row per series, economy and year."""
    cfg = ctx.config
    specs = [ctx.catalogue[i] for i in cfg["indicator_codes"].values()]
    low, high = min(s["scale_min"] for s in specs), max(s["scale_max"] for s in specs)
    width = len(cfg["header"])
    return pa.DataFrameSchema(
        {
            "_fields": pa.Column(int, pa.Check.eq(width, error=f"row must have {width} fields")),
            **{c: pa.Column(str, nullable=False) for c in [INDICATOR, *cfg["constant_columns"]]},
            AREA: pa.Column(str, nullable=False, checks=pa.Check.str_matches(r"^[A-Z]{3}$")),
            PERIOD: pa.Column(int, coerce=True, checks=pa.Check.in_range(1990, 2100)),
            VALUE: pa.Column(float, nullable=True, coerce=True, checks=pa.Check.in_range(low, high),
                              metadata=VALUE_COLUMN),
        },
        unique=[INDICATOR, AREA, PERIOD],
        report_duplicates="all",
        strict=False,
    )


# ---- to observations ------------------------------------------------------------------------

def to_observations(clean: pd.DataFrame, ctx: SourceContext) -> Mapped:
    """Long observations keyed by REF_AREA in `iso3` (the shared step checks every code)."""
    obs = observation_frame(iso3=clean[AREA].astype(str),
                            indicator_id=clean[INDICATOR].map(ctx.config["indicator_codes"]),
                            year=clean[PERIOD], value=clean[VALUE], file=clean["_file"], row=clean["_row"])
    return Mapped(obs)


SOURCE = TableSource(source_id=SOURCE_ID, file_glob=FILE_GLOB, fetch=fetch, read=read, file_schema=file_schema,
                     row_schema=row_schema, release_of=release_of, to_observations=to_observations)
