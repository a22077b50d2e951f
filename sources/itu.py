"""ITU DataHub: the "download" CSV export of one indicator (here i99H, individuals using the Internet).

The contract every source meets is sources/base.py; this one is a TableSource.
Every quirk handled below is listed in snapshots/itu/PROVENANCE.md:

- UTF-8 with a BOM; quoted fields, some of them (`dataSource`) holding newlines. The file is parsed
  with the csv module as a whole, never split into lines, so `_row` is the CSV *record* number
  (header = 1, first observation = 2) — the row a spreadsheet shows, not the physical line, which
  runs ahead of it after each embedded newline.
- The file does not end with a newline, so truncation is detected from the parse instead (an
  unterminated quote or an incomplete last record).
- Long format, one row per economy x year; `dataValue` is a quoted decimal string.
- Economies are coded ISO3 in `entityIso`, except a few ITU-specific codes (AAA Guernsey, GBJ Jersey,
  KSO Kosovo, ASC Ascension) which config/sources/itu.yaml maps (`code_overrides`) or excludes
  (`excluded_codes`) with a reason. Names (`entityName`) are kept only in the raw record.
- `dataSource` says whether a value is an ITU estimate; that is kept as a classification
  (scheme in config `estimate_scheme`). `dataNote` (age bands, reference periods), `seriesDescription`
  (the definition, repeated) and the ids are not loaded; they stay in the snapshot and in rejects.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from digigov.errors import FetchError, SourceFileError
from digigov.sources.base import VALUE_COLUMN, Mapped, SourceContext, TableSource, observation_frame
from digigov.sources.text import decode_text

SOURCE_ID = "itu"
FILE_GLOB = "individuals-using-the-internet.csv"
HEADER = ["seriesID", "seriesCode", "seriesName", "seriesParent", "seriesUnits", "entityID",
          "entityIso", "entityName", "dataValue", "dataYear", "dataNote", "dataSource",
          "seriesDescription"]
CODE, UNITS, ISO, VALUE = "seriesCode", "seriesUnits", "entityIso", "dataValue"
YEAR, DATA_SOURCE = "dataYear", "dataSource"


def _series(ctx: SourceContext) -> dict[str, dict]:
    """{ITU series code: indicator spec with its id} for the indicators this source declares."""
    return {spec["series_code"]: {**spec, "indicator_id": ind} for ind, spec in ctx.indicators.items()
            if spec.get("series_code")}


# ---- fetch ----------------------------------------------------------------------------------

def fetch(ctx: SourceContext, base_url: str, session=None) -> dict[str, bytes]:
    """Download the export from the configured URL; refuse anything that is not the DataHub CSV.

    DataHub sits behind a CDN that answers outages and bot checks with an HTML page and status 200,
    so the body itself is checked: an HTML page, or a CSV without the expected header, is refused."""
    from digigov.sources.http import get_bytes  # requests: imported to fetch, not to stage

    data = get_bytes(base_url, session=session)
    head = data[:4000].decode("utf-8-sig", errors="replace")
    if head.lstrip()[:1] == "<" or "<html" in head[:500].lower():
        raise FetchError(f"{base_url}: the server answered with an HTML page, not the ITU DataHub CSV "
                         f"(starts {head.lstrip()[:60]!r}); not stored")
    first = next(csv.reader(io.StringIO(head, newline="")), [])
    missing = [h for h in HEADER if h not in [f.strip() for f in first]]
    if missing:
        line = head.splitlines()[0][:80] if head else "(empty)"
        raise FetchError(f"{base_url}: the body is not the ITU DataHub CSV layout (missing columns "
                         f"{missing}; first line {line!r}); not stored")
    return {FILE_GLOB: data}


# ---- read -----------------------------------------------------------------------------------

def read(path: Path, ctx: SourceContext | None = None) -> pd.DataFrame:
    """Parse the export as published: every field a string, blanks as missing.

    Adds _file, _row (CSV record number; the header is record 1) and _fields (fields in the
    record, so a short or long record is quarantined rather than lost). Columns are taken by name;
    extra columns are ignored. Raises SourceFileError for an empty file, bytes that are not UTF-8,
    a broken or truncated CSV, or a missing column."""
    path = Path(path)
    # The DataHub export does not end with a newline: truncation is caught by the strict parser.
    text = decode_text(path, path.read_bytes(), encoding_hint="the DataHub export is UTF-8; re-download it",
                       require_final_newline=False)
    try:
        # strict: an unterminated quoted field (a download cut inside dataSource) is an error,
        # not a record silently swallowing the rest of the file.
        records = [r for r in csv.reader(io.StringIO(text, newline=""), strict=True) if r]
    except csv.Error as exc:
        raise SourceFileError(path, f"not a readable CSV ({exc}); the file looks truncated or damaged",
                              "re-download it") from None
    header = [h.strip() for h in records[0]]
    missing = [h for h in HEADER if h not in header]
    if missing:
        raise SourceFileError(path, "missing column " + ", ".join(repr(m) for m in missing),
                              f"expected the ITU DataHub columns {HEADER}")
    dupes = sorted({h for h in header if header.count(h) > 1 and h in HEADER})
    if dupes:
        raise SourceFileError(path, f"column {dupes[0]!r} appears more than once in the header")
    if len(records) > 1 and len(records[-1]) < len(header):
        raise SourceFileError(path, f"last record (record {len(records)}) has {len(records[-1])} of "
                              f"{len(header)} fields: the file looks truncated", "re-download it")
    where = [header.index(h) for h in HEADER]
    width = len(header)
    rows = []
    for recno, rec in enumerate(records[1:], start=2):
        padded = rec + [""] * max(0, width - len(rec))
        fields = [padded[i].strip() or None for i in where]
        # _fields equals len(HEADER) exactly when the record is as wide as the header.
        rows.append(fields + [str(path), recno, len(HEADER) + len(rec) - width])
    df = pd.DataFrame(rows, columns=HEADER + ["_file", "_row", "_fields"])
    return df.astype({c: "object" for c in HEADER})


def release_of(path: Path, ctx: SourceContext | None = None) -> str:
    """The release: the latest data year in the export (DataHub exports carry no edition stamp)."""
    years = pd.to_numeric(read(path, ctx)[YEAR], errors="coerce")
    if years.notna().any():
        return str(int(years.max()))
    raise SourceFileError(path, f"column {YEAR!r} holds no year: cannot tell the release")


# ---- schemas --------------------------------------------------------------------------------

def file_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """File-level rules: the export is of a catalogued series, in its units, and not cut short."""
    series = _series(ctx)
    units = sorted({spec.get("series_units", "%") for spec in series.values()})
    min_rows = ctx.config["min_rows"]
    return pa.DataFrameSchema(
        {
            CODE: pa.Column(str, nullable=False, checks=pa.Check.isin(sorted(series))),
            UNITS: pa.Column(str, nullable=False, checks=pa.Check.isin(units)),
        },
        checks=[pa.Check(lambda df: len(df) >= min_rows,
                         error=f"expected at least {min_rows} observation records (a full export)")],
        strict=False,
    )


def row_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """Row-level rules; the value range is the indicator's scale."""
    return ROW_SCHEMA


ROW_SCHEMA = pa.DataFrameSchema(
    {
        "_fields": pa.Column(int, pa.Check.eq(len(HEADER), error=f"record must have {len(HEADER)} fields")),
        ISO: pa.Column(str, nullable=False, checks=pa.Check.str_matches(r"^[A-Z]{3}$")),
        YEAR: pa.Column(int, coerce=True, checks=pa.Check.in_range(1960, 2100)),
        VALUE: pa.Column(float, nullable=True, coerce=True, checks=pa.Check.in_range(0, 100),
                         metadata=VALUE_COLUMN),
    },
    unique=[CODE, ISO, YEAR],
    report_duplicates="all",
    strict=False,
)


# ---- to observations ------------------------------------------------------------------------

def to_observations(clean: pd.DataFrame, ctx: SourceContext) -> Mapped:
    """Map validated rows to long observations (iso3 = publisher code, indicator_id, year, value).

    ITU-specific codes go through `code_overrides`; codes in `excluded_codes` are left out with
    their configured reason. The shared harmonise step then checks every code. A blank value is
    simply not emitted. Each observation also gets a classification saying whether ITU estimated it.
    """
    cfg = ctx.config
    series = _series(ctx)
    overrides = cfg.get("code_overrides") or {}
    excluded_codes = cfg.get("excluded_codes") or {}
    out_of_scope = clean[ISO].isin(list(excluded_codes))
    excluded = clean[out_of_scope].assign(reason=clean.loc[out_of_scope, ISO].map(excluded_codes))
    df = clean[~out_of_scope & clean[VALUE].notna()]
    iso3 = df[ISO].map(lambda c: overrides.get(c, c))
    obs = observation_frame(iso3=iso3, indicator_id=df[CODE].map(lambda c: series[c]["indicator_id"]),
                            year=df[YEAR], value=df[VALUE], file=df["_file"], row=df["_row"])
    estimate = re.compile(cfg["estimate_pattern"], re.IGNORECASE)
    basis = df[DATA_SOURCE].map(lambda s: "no source stated" if pd.isna(s)
                                else "ITU estimate" if estimate.search(s) else "other source")
    classes = pd.DataFrame({
        "iso3": iso3,
        "scheme": cfg["estimate_scheme"],
        "year": df[YEAR].astype(int),
        "category": basis,
        "_file": df["_file"],
        "_row": df["_row"],
    }).reset_index(drop=True)
    return Mapped(obs, excluded, classes)


SOURCE = TableSource(source_id=SOURCE_ID, file_glob=FILE_GLOB, fetch=fetch, read=read, file_schema=file_schema,
                     row_schema=row_schema, release_of=release_of, to_observations=to_observations)
