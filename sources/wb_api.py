"""World Bank Indicators API v2, World Development Indicators: one snapshot file per indicator.

A fetched snapshot file `<code>.json` is a JSON array holding the API's pages byte for byte as
received, `[[{page metadata}, [observations]], [{…}, […]], …]`, so `page`, `pages`, `total` and
`lastupdated` (the WDI vintage) stay beside the data they describe. read() also accepts the two
other layouts real copies come in: one raw API response `[{metadata}, [observations]]`, and a bare
observation array `[{observation}, …]` (element [1] of a response re-serialised by someone's ETL,
with no metadata, hence no vintage). The contract every source meets is sources/base.py; this one
is a TableSource. Every quirk handled here is listed in snapshots/wb_api/PROVENANCE.md.
"""

from __future__ import annotations

import codecs
import functools
import json
import re
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from digigov.errors import DigigovError, FetchError, SourceFileError
from digigov.sources.base import VALUE_COLUMN, LastGood, Mapped, SourceContext, TableSource, observation_frame

SOURCE_ID = "wb_api"
# <WDI code>[__<note>].json. Every WDI code contains a dot, so manifest.json never matches.
FILE_GLOB = "*.*.json"
CODE_RE = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)+")
RECORD_FIELDS = ["indicator", "country", "countryiso3code", "date", "value"]
COLUMNS = ["countryiso3code", "country_id", "country_value", "indicator_id", "indicator_value",
           "date", "value", "unit", "obs_status", "decimal"]
NO_VINTAGE = "vintage unknown"


class _NotData(ValueError):
    """A body or file that is not API v2 data; the message says what it is instead."""


# ---- parsing shared by fetch and read -----------------------------------------------------------

def _json(data: bytes):
    """Parse JSON keeping every number as the text published (no float round-trip).

    Raises _NotData describing the body: an HTML/XML page, bytes that are not UTF-8, or JSON that
    stops early (a truncated transfer)."""
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _NotData(f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    try:
        return json.loads(text, parse_float=str, parse_int=str)
    except json.JSONDecodeError as exc:
        start = text.lstrip()[:60].replace("\n", " ")
        if start.startswith("<"):
            kind = "an XML page" if start.startswith("<?xml") else "an HTML page"
            raise _NotData(f"{kind}, not JSON (starts {start!r})") from None
        if not text.strip():
            raise _NotData("an empty body, not JSON") from None
        raise _NotData(f"invalid JSON, truncated or damaged ({exc.msg} at line {exc.lineno} "
                       f"column {exc.colno}, {len(data)} bytes)") from None


def _api_error(obj) -> str | None:
    """'key: value (id …)' of the API's error answer `[{"message": [{id, key, value}]}]`, else None.

    The API sends these with HTTP 200 (an unknown indicator, a bad parameter)."""
    if not (isinstance(obj, list) and len(obj) == 1 and isinstance(obj[0], dict) and "message" in obj[0]):
        return None
    messages = obj[0]["message"]
    parts = []
    for m in messages if isinstance(messages, list) else [messages]:
        if isinstance(m, dict):
            parts.append(f"{m.get('key')}: {m.get('value')} (id {m.get('id')})")
        else:
            parts.append(str(m))
    return "; ".join(parts) or "(no message text)"


def _int(meta: dict, key: str) -> int:
    """A page-metadata integer; old responses give some as strings ("per_page":"50")."""
    try:
        return int(str(meta[key]))
    except (KeyError, ValueError):
        raise _NotData(f"page metadata has no integer {key!r} (got {meta.get(key)!r})") from None


def _page(obj) -> tuple[dict, list]:
    """(metadata, records) of one API page; `[{…, "total": 0}, null]` is a page with no records."""
    error = _api_error(obj)
    if error:
        raise _NotData(f"the World Bank API answered with an error message instead of data: {error}")
    if not (isinstance(obj, list) and len(obj) == 2 and isinstance(obj[0], dict) and "page" in obj[0]):
        raise _NotData("not the API v2 response shape [{page metadata}, [observations]]")
    meta, records = obj
    for key in ("page", "pages", "total"):
        _int(meta, key)
    if records is None:
        if _int(meta, "total") != 0:
            raise _NotData(f"observation array is null but the metadata says total {meta['total']}")
        return meta, []
    if not isinstance(records, list):
        raise _NotData("element [1] is not an observation array")
    return meta, records


def _no_data(meta: dict, records: list) -> bool:
    """The API's answer for an indicator it has nothing of: total 0 and no records (null or []).
    Its one page says page 1, or page 0 on some servers: either way it is "no data", not a paging fault."""
    return _int(meta, "total") == 0 and not records


def _check_pages(pages: list[tuple[dict, list]]) -> None:
    """The pages of one answer must be 1..pages in order, agree on pages/total/lastupdated, and
    hold `total` records between them: anything else is a missing, repeated or truncated page."""
    first = pages[0][0]
    if len(pages) == 1 and _no_data(*pages[0]):
        return  # the one page of an empty answer, whatever number it gives itself
    expected = max(_int(first, "pages"), 1)  # "pages": 0 is the one page of an empty answer
    for i, (meta, records) in enumerate(pages, start=1):
        if i > 1 and _no_data(meta, records):
            raise _NotData(f"page {i} came back with no data (total 0) though page 1 announced "
                           f"{first['total']} observations: the data changed while paging")
        if _int(meta, "page") != i:
            raise _NotData(f"page {i} of the answer says it is page {meta['page']}")
        for key in ("pages", "total", "lastupdated"):
            mine, theirs = ((_int(meta, key), _int(first, key)) if key != "lastupdated"
                            else (meta.get(key), first.get(key)))
            if mine != theirs:
                raise _NotData(f"page {i} says {key} {mine!r} but page 1 says {theirs!r}: "
                               "the data changed while paging")
    if len(pages) != expected:
        raise _NotData(f"{len(pages)} page(s) present, the metadata says {expected}")
    count = sum(len(records) for _, records in pages)
    if count != _int(first, "total"):
        raise _NotData(f"{count} observations present, the metadata says total {first['total']}")


def _layout(obj) -> tuple[str, list[tuple[dict | None, list]]]:
    """Recognise the three layouts; return (layout, [(metadata or None, records), …])."""
    if isinstance(obj, list) and obj and all(isinstance(p, list) for p in obj):
        pages = [_page(p) for p in obj]
        _check_pages(pages)
        return "pages", pages
    if isinstance(obj, list) and len(obj) in (1, 2) and isinstance(obj[0], dict) \
            and ("page" in obj[0] or "message" in obj[0]):
        pages = [_page(obj)]
        _check_pages(pages)
        return "response", pages
    if isinstance(obj, list) and obj and not any(
            isinstance(r, list) or (isinstance(r, dict) and ("page" in r or "message" in r)) for r in obj):
        return "observations", [(None, obj)]
    raise _NotData("neither an API v2 response, a list of its pages, nor an observation array")


# ---- file names, release, vintage ---------------------------------------------------------------

def code_of(path: Path) -> str:
    """The WDI code a snapshot file holds, from its name `<code>.json` or `<code>__<note>.json`."""
    name = Path(path).name
    code = name.removesuffix(".json").split("__")[0]
    if not name.endswith(".json") or not CODE_RE.fullmatch(code):
        raise SourceFileError(path, "file name is not <WDI code>.json (e.g. IT.NET.USER.ZS.json)")
    return code


@functools.lru_cache(maxsize=16)
def _parsed(path: str, mtime_ns: int, size: int) -> tuple[str, list[tuple[dict | None, list]]]:
    try:
        return _layout(_json(Path(path).read_bytes()))
    except _NotData as exc:
        raise SourceFileError(path, str(exc), "fetch the indicator again (digigov run --online)") from None


def _load(path: Path) -> tuple[str, list[tuple[dict | None, list]]]:
    """Parsed once per file version: read, release_of and last_updated_of all need it."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError as exc:
        raise SourceFileError(path, f"cannot be read ({exc.strerror})") from None
    if st.st_size == 0:
        raise SourceFileError(path, "file is empty", "fetch the indicator again (digigov run --online)")
    return _parsed(str(path), st.st_mtime_ns, st.st_size)


def last_updated_of(path: Path, ctx: SourceContext | None = None) -> str | None:
    """The WDI vintage (`lastupdated`, YYYY-MM-DD) the pages carry; None for a bare observation
    array or an old response without it (the manifest's dates are used then)."""
    _, pages = _load(path)
    meta = pages[0][0]
    value = meta.get("lastupdated") if meta else None
    return str(value) if value else None


def release_of(path: Path, ctx: SourceContext | None = None) -> str:
    """'<code> <lastupdated>', e.g. 'IT.NET.USER.ZS 2026-07-13'; '<code> vintage unknown' without one."""
    return f"{code_of(path)} {last_updated_of(path, ctx) or NO_VINTAGE}"


# ---- fetch ----------------------------------------------------------------------------------------

def _countries_part(countries) -> str:
    """`all` or ISO3 codes joined by ';', as the API's /country/ path segment wants them."""
    if countries in (None, "all"):
        return "all"
    codes = [countries] if isinstance(countries, str) else list(countries)
    bad = [c for c in codes if not (isinstance(c, str) and re.fullmatch(r"[A-Z]{3}", c))]
    if not codes or bad:
        raise DigigovError(f"config/sources/{SOURCE_ID}.yaml: countries must be 'all' or a list of "
                           f"ISO3 codes; got {bad or countries!r}")
    return ";".join(codes)


def _fetched_page(body: bytes, code: str, number: int) -> tuple[dict, list]:
    where = f"{code} page {number}"
    try:
        meta, records = _page(_json(body))
    except _NotData as exc:
        raise FetchError(f"{where}: the server answered, but {exc}; nothing stored") from None
    if _int(meta, "page") != number and not _no_data(meta, records):  # no data: said by _check_pages
        raise FetchError(f"{where}: asked for page {number}, the API answered with page {meta['page']}; "
                         "nothing stored")
    others = {r["indicator"].get("id") for r in records
              if isinstance(r, dict) and isinstance(r.get("indicator"), dict)} - {code}
    if others:
        raise FetchError(f"{where}: the answer holds indicator(s) {sorted(others)}, not {code}; nothing stored")
    return meta, records


def fetch_indicator(base_url: str, code: str, countries: str, per_page: int, max_pages: int,
                    session=None, last_good: LastGood | None = None) -> bytes:
    """All pages of one indicator as one snapshot file: `[<page 1 bytes>,\\n<page 2 bytes>…]`.

    Pages are requested until page == pages. Every page is checked before the next is asked for;
    any fault raises FetchError and nothing of this indicator is returned. An answer with no data
    is stored as such only when the `last_good` snapshot has no value of the indicator either:
    otherwise it is refused (FetchError), since replacing values with nothing is a loss, not news."""
    from digigov.sources.http import get_bytes  # requests: imported to fetch, not to stage

    url = f"{base_url.rstrip('/')}/country/{countries}/indicator/{code}"
    bodies, pages, number, last = [], [], 1, 1
    while number <= last:
        params = {"format": "json", "per_page": per_page, "page": number}
        try:
            body = get_bytes(url, params=params, session=session)
        except FetchError as exc:
            raise FetchError(f"{code} page {number}: {exc}; nothing stored") from None
        meta, records = _fetched_page(body, code, number)
        if number == 1 and _no_data(meta, records):
            _refuse_to_lose(code, meta, last_good)
            last = 1
        elif number == 1:
            last = max(_int(meta, "pages"), 1)
            if last > max_pages:
                raise FetchError(f"{code}: the API announces {last} pages of {per_page}, more than "
                                 f"max_pages {max_pages} in config/sources/{SOURCE_ID}.yaml; nothing stored")
        bodies.append(body.removeprefix(codecs.BOM_UTF8))  # a BOM inside the array would break it
        pages.append((meta, records))
        number += 1
    try:
        _check_pages(pages)
    except _NotData as exc:
        raise FetchError(f"{code}: {exc}; nothing stored") from None
    return b"[" + b",\n".join(bodies) + b"]\n"


def url_of(ctx: SourceContext, base_url: str, name: str) -> str:
    """The request behind a fetched file, for its manifest `url` (the default `<base>/<file name>`
    of transforms.fetch.fetch_snapshot names no real resource here)."""
    cfg = ctx.config
    return (f"{base_url.rstrip('/')}/country/{_countries_part(cfg.get('countries', 'all'))}/indicator/"
            f"{code_of(Path(name))}?format=json&per_page={int(cfg.get('per_page', 1000))}")


def fetch(ctx: SourceContext, base_url: str, session=None) -> dict[str, bytes]:
    """Download every configured indicator, all pages; {'<code>.json': bytes}. All or nothing:
    one failing indicator raises FetchError before anything is returned."""
    cfg = ctx.config
    countries = _countries_part(cfg.get("countries", "all"))
    per_page, max_pages = int(cfg.get("per_page", 1000)), int(cfg.get("max_pages", 200))
    return {f"{code}.json": fetch_indicator(base_url, code, countries, per_page, max_pages, session, ctx.last_good)
            for code in cfg["indicator_codes"]}


def _refuse_to_lose(code: str, meta: dict, last_good: LastGood | None) -> None:
    """Raise FetchError when the API says it has no data for `code` while the last good snapshot
    holds values of it: a withdrawn series and an API fault look the same, so the values stay."""
    kept, dated = values_of(code, last_good)
    if kept:
        origin = {"config": "configured"}.get(last_good.origin, last_good.origin)
        raise FetchError(f"the API returned no data for {code} (page {meta.get('page')}: total 0); keeping "
                         f"{kept:,} values from the {origin} snapshot of {dated}; nothing stored")


def values_of(code: str, snapshot: LastGood | None) -> tuple[int, str | None]:
    """(values of `code` in a snapshot's files, when the newest of those files was retrieved).
    A file that cannot be read counts for nothing: it is no value to keep."""
    total, dates = 0, []
    for f in snapshot.files if snapshot else ():
        try:
            if code_of(f.path) != code:
                continue
            _, pages = _load(f.path)
        except SourceFileError:
            continue
        n = sum(isinstance(r, dict) and r.get("value") is not None for _, records in pages for r in records)
        if n:
            total += n
            dates.append(str(f.meta.get("retrieved_at") or "an unknown date")[:10])
    return total, max(dates, default=None)


# ---- read -----------------------------------------------------------------------------------------

def _text(value) -> str | None:
    """A JSON value as published text: numbers stay as written, null is missing."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _record(rec) -> tuple[list, str | None]:
    """The columns of one observation, and what is wrong with its shape (None when nothing)."""
    if not isinstance(rec, dict):
        return [None] * len(COLUMNS), f"not a JSON object: {_text(rec)!r}"[:120]
    problems = [f"no field {k!r}" for k in RECORD_FIELDS if k not in rec]
    nested = {}
    for key in ("country", "indicator"):
        part = rec.get(key)
        if key in rec and not isinstance(part, dict):
            problems.append(f"{key!r} is not an object")
        nested[key] = part if isinstance(part, dict) else {}
    row = [_text(rec.get("countryiso3code")), _text(nested["country"].get("id")),
           _text(nested["country"].get("value")), _text(nested["indicator"].get("id")),
           _text(nested["indicator"].get("value")), _text(rec.get("date")), _text(rec.get("value")),
           _text(rec.get("unit")), _text(rec.get("obs_status")), _text(rec.get("decimal"))]
    return row, "; ".join(problems) or None


def read(path: Path, ctx: SourceContext | None = None) -> pd.DataFrame:
    """One row per observation record, every field a string as published (null -> missing).

    `_row` is the record's 1-based position counted across all pages of the file (what a user
    finds by counting records), `_page` the API page it came on (0 for a bare observation array).
    Raises SourceFileError for a file that is not one of the three layouts, an API error message,
    or pages that are missing, out of order or short of the announced total."""
    path = Path(path)
    layout, pages = _load(path)
    rows, number = [], 0
    for page_no, (meta, records) in enumerate(pages, start=1):
        for rec in records:
            number += 1
            fields, problem = _record(rec)
            rows.append(fields + [problem, page_no if meta is not None else 0, str(path), number])
    df = pd.DataFrame(rows, columns=COLUMNS + ["_problem", "_page", "_file", "_row"])
    # pandas' string dtype even when empty: a no-data file must meet the same schemas.
    return df.astype({c: "str" for c in COLUMNS + ["_problem"]}).astype({"_page": int, "_row": int})


# ---- schemas --------------------------------------------------------------------------------------

def file_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """File-level rules: the file holds the one indicator its name says, and that indicator is
    declared (config/indicators/wdi.yaml) — otherwise every row would be refused one by one."""
    code = code_of(path)
    declared = f"wdi.{code}" in ctx.catalogue
    return pa.DataFrameSchema(
        {"indicator_id": pa.Column(str, nullable=True, checks=pa.Check(
            lambda s: s.dropna().eq(code).all(),
            error=f"every indicator.id must be {code}, the code in the file name"))},
        checks=[pa.Check(lambda df: declared,
                         error=f"indicator wdi.{code} is not declared in config/indicators/wdi.yaml")],
    )


def row_schema(path: Path, ctx: SourceContext) -> pa.DataFrameSchema:
    """Row-level rules, the same for every file."""
    return ROW_SCHEMA


ROW_SCHEMA = pa.DataFrameSchema(
    {
        "_problem": pa.Column(str, nullable=True, checks=pa.Check(
            lambda s: s.isna(),
            error="record must be an object with indicator, country, countryiso3code, date and value")),
        # "" is published for income groups (XD, XM, XN, XT, XY); excluded in to_observations.
        "countryiso3code": pa.Column(str, nullable=False, checks=pa.Check.str_matches(r"^([A-Z0-9]{3})?$")),
        "country_id": pa.Column(str, nullable=False, checks=pa.Check.str_length(min_value=1)),
        "date": pa.Column(int, coerce=True, checks=pa.Check.in_range(1950, 2100)),
        "value": pa.Column(float, nullable=True, coerce=True, metadata=VALUE_COLUMN),
    },
    unique=["country_id", "date"],
    report_duplicates="all",
    strict=False,
)


# ---- to observations ------------------------------------------------------------------------------

def to_observations(clean: pd.DataFrame, ctx: SourceContext) -> Mapped:
    """Long observations with the publisher's code in `iso3` (harmonise maps legacy codes and
    excludes the aggregate codes listed in config/countries.yaml wb_aggregates).

    Records with an empty countryiso3code are income-group aggregates (PROVENANCE: XD, XM, XN,
    XT, XY) and are excluded here with that reason, because the shared step keys on the code.
    A null value is missing and simply not emitted."""
    no_code = clean["countryiso3code"].fillna("").str.strip().eq("")
    excluded = clean[no_code]
    excluded = excluded.assign(reason=(
        "World Bank aggregate with no ISO3 code (country id " + excluded["country_id"].astype(str)
        + ", " + excluded["country_value"].astype(str) + "), not a country"))
    df = clean[~no_code & clean["value"].notna()]
    obs = observation_frame(iso3=df["countryiso3code"], indicator_id="wdi." + df["indicator_id"].astype(str),
                            year=df["date"], value=df["value"], file=df["_file"], row=df["_row"])
    return Mapped(obs, excluded)


SOURCE = TableSource(source_id=SOURCE_ID, file_glob=FILE_GLOB, fetch=fetch, read=read, file_schema=file_schema,
                     row_schema=row_schema, release_of=release_of, to_observations=to_observations,
                     last_updated_of=last_updated_of, url_of=url_of)
