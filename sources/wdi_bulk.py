"""World Bank World Development Indicators, bulk CSV files.

Two layouts share one reader, because they are one layout with different wrapping:
- the per-indicator download `API_<code>_DS2_en_csv_v2_<n>.csv` (inside the zip that
  data.worldbank.org serves), with a 4-line preamble that users often strip;
- the all-indicator `WDICSV.csv` of WDI_CSV.zip (no preamble, every indicator in one file).
Both: Country Name, Country Code, Indicator Name, Indicator Code, then one column per year.

The contract every source meets is sources/base.py; this one is a TableSource. Every quirk
handled below is listed in snapshots/wdi_bulk/PROVENANCE.md.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from digigov.errors import FetchError, SourceFileError
from digigov.sources.base import VALUE_COLUMN, Mapped, SourceContext, TableSource, observation_frame
from digigov.sources.snapshots import read_manifest

SOURCE_ID = "wdi_bulk"
FILE_GLOB = "*.csv"
LAST_UPDATED = "Last Updated Date"
TRAILING = "_trailing"  # the empty column a trailing comma creates; must stay empty
YEAR = re.compile(r"\d{4}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
API_NAME = re.compile(r"API_(?P<code>.+?)_DS2_.*\.csv", re.IGNORECASE)
# A published number: WB writes plain decimals ("126.70562", "66", "1.5e-05"). Checked on the text
# so that "n/a" or "nan" in a year column is a rejected row, never a silently missing value.
NUMBER = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"


# ---- layout -------------------------------------------------------------------------------------

@dataclass
class Layout:
    """What precedes the data rows: preamble values, the header and where it is."""

    preamble: dict
    columns: list[str]      # header names, the trailing comma's empty column as TRAILING
    header_line: int

    @property
    def years(self) -> list[str]:
        return [c for c in self.columns if YEAR.fullmatch(c)]


def _records(stream, path):
    """(line number, fields) of every CSV record; decoding and CSV faults name the file and line."""
    reader = csv.reader(stream)
    try:
        for rec in reader:
            yield reader.line_num, rec
    except UnicodeDecodeError as exc:
        raise SourceFileError(path, f"not UTF-8 after line {reader.line_num} ({exc.reason})",
                              "the World Bank files are UTF-8; re-download or re-save as UTF-8") from None
    except csv.Error as exc:
        raise SourceFileError(path, f"line {reader.line_num}: not a readable CSV ({exc})") from None


def _layout(records, path, cfg: dict) -> Layout:
    """Skip the optional preamble and check the header.

    The preamble ("Data Source", "Last Updated Date" and blank lines) may be present or stripped:
    the header is the first other line. Missing id columns and unknown column names fail the file."""
    preamble = {}
    for lineno, rec in records:
        fields = [f.strip() for f in rec]
        if not any(fields):
            continue
        if fields[0] in cfg["preamble_keys"]:
            preamble[fields[0]] = fields[1] if len(fields) > 1 else ""
            continue
        return Layout(preamble, header_columns(fields, lineno, path, cfg), lineno)
    raise SourceFileError(path, "no header line: the file is empty or holds only the preamble",
                          "re-download it")


def header_columns(header: list[str], lineno: int, path, cfg: dict) -> list[str]:
    """The header as column names, the trailing comma's empty column named TRAILING; raises
    SourceFileError for a missing id column, a column that is not a year, or a duplicate.
    Shared with sources/wdi_full.py (same layout)."""
    expected = f"expected {', '.join(cfg['id_columns'])}, then one column per year (line {lineno})"
    names = list(header)
    if len(names) > 1 and names[-1] == "":
        names[-1] = TRAILING  # the trailing comma of the WB layout
    for col in cfg["id_columns"]:
        if col not in names:
            raise SourceFileError(path, f"missing column {col!r}", expected)
    odd = [f"{n!r} (position {i + 1})" for i, n in enumerate(names)
           if n not in cfg["id_columns"] and n != TRAILING and not YEAR.fullmatch(n)]
    if odd:
        raise SourceFileError(path, f"unexpected column {', '.join(odd)} is not a 4-digit year", expected)
    dupes = sorted(n for n, k in Counter(names).items() if k > 1)
    if dupes:
        raise SourceFileError(path, f"duplicated column {', '.join(map(repr, dupes))}", expected)
    if not any(YEAR.fullmatch(n) for n in names):
        raise SourceFileError(path, "no year column", expected)
    return names


def _check_last_updated(layout: Layout, path) -> None:
    value = layout.preamble.get(LAST_UPDATED)
    if value is not None and not DATE.fullmatch(value):
        raise SourceFileError(path, f"preamble: {LAST_UPDATED!r} is {value!r}, not a YYYY-MM-DD date")


def _parse(stream, path, codes: set[str], cfg: dict) -> tuple[Layout, pd.DataFrame, Counter]:
    """The rows of the configured indicators as published (strings, blanks as missing).

    Rows of other indicator codes (an all-indicator WDICSV.csv holds ~1,500) are skipped here,
    before any frame is built, and counted by code. A row with too few or too many fields is
    kept (padded or cut) with its field count, so the row schema quarantines it, not the file."""
    records = _records(stream, path)
    layout = _layout(records, path, cfg)
    _check_last_updated(layout, path)
    width = len(layout.columns)
    at_code = layout.columns.index("Indicator Code")
    rows, skipped = [], Counter()
    for lineno, rec in records:
        fields = [f.strip() or None for f in rec]
        if not any(fields):
            continue
        code = fields[at_code] if len(fields) > at_code else None
        if code is not None and code not in codes:
            skipped[code] += 1
            continue
        rows.append((fields + [None] * width)[:width] + [str(path), lineno, len(rec)])
    if not rows:
        found = ", ".join(f"{c} ({n} rows)" for c, n in skipped.most_common(5))
        raise SourceFileError(path, "no data rows of the configured indicators" + (f"; found {found}" if found else ""),
                              "add the code to wdi_codes in config/sources/wdi_bulk.yaml and declare "
                              "wdi.<code> in config/indicators/wdi.yaml" if found else "re-download it")
    frame = pd.DataFrame(rows, columns=layout.columns + ["_file", "_row", "_fields"])
    return layout, frame.astype({c: "object" for c in layout.columns}), skipped


def _head(path: Path, cfg: dict) -> Layout:
    """The preamble and header only (a few lines), for release, date and schema lookups."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return _layout(_records(fh, path), path, cfg)


# ---- release and vintage ------------------------------------------------------------------------

def _manifest_entry(path: Path) -> dict:
    return next((e for e in read_manifest(Path(path).parent).get("files", [])
                 if e.get("file") == Path(path).name), {})


def _label(path: Path) -> str:
    match = API_NAME.fullmatch(Path(path).name)
    return match.group("code") if match else Path(path).stem


def last_updated_of(path: Path, ctx: SourceContext) -> str | None:
    """The WB "Last Updated Date" of the preamble; when it was stripped, the manifest's last_updated.

    This date decides which vintage is in force when two files carry a country-year."""
    date = _head(Path(path), ctx.config).preamble.get(LAST_UPDATED)
    return date or _manifest_entry(path).get("last_updated") or None


def release_of(path: Path, ctx: SourceContext) -> str:
    """The vintage a file holds, e.g. "IT.CEL.SETS.P2 2023-03-01".

    Two vintages of one indicator must differ here, or their observations would collide on
    (iso3, indicator_id, year, source_id, release). Order: the preamble's date, the manifest's
    release, the manifest's last_updated, and for an undated unrecorded file its name."""
    path = Path(path)
    date = _head(path, ctx.config).preamble.get(LAST_UPDATED)
    if date:
        return f"{_label(path)} {date}"
    entry = _manifest_entry(path)
    if entry.get("release"):
        return str(entry["release"])
    if entry.get("last_updated"):
        return f"{_label(path)} {entry['last_updated']}"
    return f"{_label(path)} (undated)"


# ---- fetch --------------------------------------------------------------------------------------

def _csv_from_zip(body: bytes, code: str, url: str, max_bytes: int) -> tuple[str, bytes]:
    """The API_<code> CSV inside the download zip; anything else (an HTML page) is refused."""
    if not zipfile.is_zipfile(io.BytesIO(body)):
        start = body[:60].decode("utf-8", errors="replace").strip()
        raise FetchError(f"GET {url}: the server answered, but not with a zip archive "
                         f"(body starts {start!r}); not stored")
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            members = [m for m in zf.infolist() if (match := API_NAME.fullmatch(Path(m.filename).name))
                       and match.group("code") == code]
            if len(members) != 1:
                raise FetchError(f"GET {url}: the zip holds {[m.filename for m in zf.infolist()]}, "
                                 f"not exactly one API_{code}_DS2_….csv; not stored")
            member = members[0]
            if member.file_size > max_bytes:
                raise FetchError(f"GET {url}: {member.filename} unpacks to {member.file_size} bytes, "
                                 f"more than max_csv_bytes ({max_bytes}); not stored")
            return Path(member.filename).name, zf.read(member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as exc:
        raise FetchError(f"GET {url}: damaged zip archive ({exc}); not stored") from None


def url_of(ctx: SourceContext, base_url: str, name: str) -> str:
    """The download URL a fetched API_<code> file came from (for its manifest entry)."""
    cfg = ctx.config
    code = _label(Path(name))
    query = "&".join(f"{k}={v}" for k, v in (cfg.get("download_params") or {}).items())
    return f"{base_url.rstrip('/')}/{cfg['download_path'].format(code=code)}" + (f"?{query}" if query else "")


def fetch(ctx: SourceContext, base_url: str, session=None) -> dict[str, bytes]:
    """Download the bulk zip of every configured code and keep its API_ CSV, checked by the reader."""
    from digigov.sources.http import get_bytes  # requests (0.12 s): imported to fetch, not to stage

    cfg = ctx.config
    out = {}
    for code in cfg["wdi_codes"]:
        url = f"{base_url.rstrip('/')}/{cfg['download_path'].format(code=code)}"
        body = get_bytes(url, params=cfg.get("download_params"), session=session)
        name, data = _csv_from_zip(body, code, url, int(cfg.get("max_csv_bytes", 50_000_000)))
        stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
        try:
            _, frame, skipped = _parse(stream, name, {code}, cfg)
        except SourceFileError as exc:
            raise FetchError(f"GET {url}: {exc}; not stored") from None
        if skipped:
            raise FetchError(f"GET {url}: {name} also holds codes {sorted(skipped)}; not stored")
        out[name] = data
    return out


# ---- read ---------------------------------------------------------------------------------------

def read(path: Path, ctx: SourceContext, codes: set[str] | None = None) -> pd.DataFrame:
    """Parse one file as published: every field a string, blanks as missing.

    Accepts the BOM or none, the preamble or none, the trailing comma or none, quoted or bare
    fields. Keeps only rows of `codes` (default: wdi_codes of the config); frame.attrs holds the
    preamble and the count of skipped rows per code. _row is the line number in the file.
    Raises SourceFileError for an empty, non-UTF-8 or truncated file, or a wrong header."""
    path = Path(path)
    cfg = ctx.config
    codes = set(cfg["wdi_codes"] if codes is None else codes)
    with open(path, "rb") as fb:
        size = fb.seek(0, io.SEEK_END)
        if size == 0:
            raise SourceFileError(path, "file is empty", "re-download it or remove it from the snapshot")
        fb.seek(-1, io.SEEK_END)
        if fb.read(1) not in (b"\n", b"\r"):
            raise SourceFileError(path, "last line is not terminated: the file looks truncated", "re-download it")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        layout, frame, skipped = _parse(fh, path, codes, cfg)
    frame.attrs.update(preamble=layout.preamble, header_line=layout.header_line,
                       skipped_rows=dict(skipped))
    return frame


# ---- schemas ------------------------------------------------------------------------------------

def file_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """File-level rule: a per-indicator download holds only the indicator in its name."""
    match = API_NAME.fullmatch(Path(path).name)
    checks = []
    if match:
        code = match.group("code")
        checks.append(pa.Check(lambda df: (df["Indicator Code"].isna() | (df["Indicator Code"] == code)).all(),
                               error=f"every 'Indicator Code' must be {code}, the code in the file name"))
    return pa.DataFrameSchema(checks=checks)


def row_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """Row-level rules; year values stay text here and must look like numbers (a year cell that
    does not is rejected on its own, the row's other years load)."""
    layout = _head(Path(path), ctx.config)
    width = len(layout.columns)
    text = pa.Column(str, nullable=False, checks=pa.Check.str_length(min_value=1))
    return pa.DataFrameSchema(
        {
            "_fields": pa.Column(int, pa.Check.eq(width, error=f"row must have {width} fields like the "
                                                                f"header (line {layout.header_line})")),
            "Country Name": text,
            "Country Code": pa.Column(str, nullable=False, checks=pa.Check.str_matches(r"^[A-Za-z0-9]{3}$")),
            "Indicator Name": pa.Column(str, nullable=True),
            "Indicator Code": text,
            r"^\d{4}$": pa.Column(str, nullable=True, regex=True,
                                  checks=pa.Check.str_matches(NUMBER, error="number format"), metadata=VALUE_COLUMN),
            TRAILING: pa.Column(object, nullable=True, required=False,
                                checks=pa.Check(lambda s: s.isna(), error="blank (nothing may follow the trailing comma)")),
        },
        unique=["Country Code", "Indicator Code"],
        report_duplicates="all",
        strict=False,
    )


# ---- to observations ----------------------------------------------------------------------------

def to_observations(clean: pd.DataFrame, ctx: SourceContext) -> Mapped:
    """Long observations (iso3 = the WB country code, wdi.<code>, year, value).

    Blank cells are missing and not emitted. A row whose wdi.<code> is not in the catalogue is
    excluded with that reason (only possible when wdi_codes names an undeclared code). Aggregates
    (WLD, ECS ...) pass through: the shared harmonise step excludes them by code."""
    ids = "wdi." + clean["Indicator Code"].astype(str)
    known = ids.isin(list(ctx.catalogue))
    excluded = clean[~known].assign(
        reason="indicator " + ids[~known] + " is not declared in config/indicators/wdi.yaml")
    df = clean[known].assign(indicator_id=ids[known])
    years = [c for c in df.columns if YEAR.fullmatch(str(c))]
    long = df.melt(id_vars=["Country Code", "indicator_id", "_file", "_row"], value_vars=years,
                   var_name="year", value_name="value")
    obs = observation_frame(iso3=long["Country Code"].astype(str), indicator_id=long["indicator_id"].astype(str),
                            year=long["year"], value=long["value"], file=long["_file"], row=long["_row"])
    return Mapped(obs, excluded)


SOURCE = TableSource(source_id=SOURCE_ID, file_glob=FILE_GLOB, fetch=fetch, read=read, file_schema=file_schema,
                     row_schema=row_schema, release_of=release_of, to_observations=to_observations,
                     last_updated_of=last_updated_of, url_of=url_of)
