"""World Bank World Development Indicators: the whole bulk file WDICSV.csv (or WDI_CSV.zip).

15+ million non-empty cells are far too many for the pandas path of the other sources, so this
module is a BulkSource (sources/base.py): in its `stage`, reading, validation, harmonisation and
the staged observations all happen inside DuckDB, with Python touching only the header line.
Every rule of the shared path is still applied to every row and cell:

- file: header = the id columns, then 4-digit year columns, optionally one empty trailing column
  (a fault here fails the file with SourceFileError naming the column);
- row: Country Name non-empty, Country Code 3 letters and known (legacy codes mapped, World Bank
  aggregates excluded), Indicator Code non-empty and matching `indicator_pattern`, the trailing
  column empty; rows of indicators outside the configured subset are skipped and counted;
- cell: the value is a finite plain number, the year inside year_min..year_max, the value inside
  the catalogue's scale for curated ids, and (iso3, indicator, year) unique after code mapping.

The staged values are narrow: one core.observation_line per good file line (its country,
indicator and line number) and one core.observation_bulk row (line, year, value) per value.

Two paths apply those rules. The fast path never holds the file: DuckDB's CSV reader streams it
twice at once: the values (year columns DOUBLE, each line's id computed from its codes, the row
rules applied as they pass) straight into core.observation_bulk, on every core, and the row
columns as text, numbered WITH ORDINALITY (on one core), into a small table of lines; then the
cell rules are checked on what was written (inf/nan, a year outside the range, a value outside its
scale, two lines for one key, and that the values written under each line's id are exactly the
non-empty cells the text pass counted), and an underscore in a year cell is looked for by counting
the file's underscores in its bytes beside the passes. A file where something breaks
one has its part deleted and is read again as text by the exact path, which names every bad cell
in rejects and loads the rest; the run log says which path a file took and why. A clean file
stages the same either way (tested), and real WDI files are clean, so they take the fast path.

Exclusions of aggregates are recorded as ONE reject record per excluded economy (with its row and
cell counts), not one per cell: an aggregate is a whole row of the publisher's design, and 45
aggregates x 1,500 indicators x 65 years would otherwise put millions of rows in core.reject.

Indicators not declared in the catalogue are written to indicators.parquet (see config).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np

from digigov.errors import ConfigError, FetchError, SourceFileError
from digigov.sources.base import EXCLUDED, MAX_SAMPLES, STAGED_BULK, BulkSource, SourceContext
from digigov.sources.wdi_bulk import TRAILING, YEAR, header_columns

SOURCE_ID = "wdi_full"
FILE_GLOB = "WDI*CSV*"  # WDICSV.csv and WDI_CSV.zip (case-sensitive: not WDICountry.csv)
AGGREGATE = "World Bank aggregate (region or income group), not a country"


# ---- file level (Python: header line, zip member, release) ----------------------------------

def _csv_path(path: Path, cfg: dict, scratch: Path) -> Path:
    """The CSV to read: the file itself, or the data member of a zip extracted into `scratch`
    (streamed, so a 150 MB member never sits in memory)."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return path
    if path.suffix.lower() != ".zip":
        raise SourceFileError(path, "neither a .csv nor a .zip file", f"expected {cfg['csv_member']} or WDI_CSV.zip")
    member = cfg["csv_member"]
    try:
        with zipfile.ZipFile(path) as zf:
            found = [i for i in zf.infolist() if Path(i.filename).name == member]
            if len(found) != 1:
                raise SourceFileError(path, f"holds {len(found)} members named {member!r} "
                                      f"(members: {', '.join(zf.namelist()[:8])})", "re-download WDI_CSV.zip")
            scratch.mkdir(parents=True, exist_ok=True)
            out = scratch / member
            with zf.open(found[0]) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst, 8 << 20)
            return out
    except (zipfile.BadZipFile, OSError) as exc:
        raise SourceFileError(path, f"not a readable zip archive ({exc})", "re-download WDI_CSV.zip") from None


def _header(csv_path: Path, shown: Path, cfg: dict) -> tuple[list[str], int, int]:
    """(column names, line number of the header, underscores in the lines up to it: see
    _cells_hold_underscores). Skips an optional World Bank preamble; a missing id column, a column
    that is not a 4-digit year, or a duplicated one fails the file."""
    underscores = 0
    try:
        with open(csv_path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            for rec in reader:
                underscores += sum(f.count("_") for f in rec)
                fields = [f.strip() for f in rec]
                if not any(fields) or fields[0] in cfg["preamble_keys"]:
                    continue
                return header_columns(fields, reader.line_num, shown, cfg), reader.line_num, underscores
    except UnicodeDecodeError as exc:
        raise SourceFileError(shown, f"not UTF-8 ({exc.reason})", "WDICSV.csv is UTF-8; re-download it") from None
    except csv.Error as exc:
        raise SourceFileError(shown, f"header is not a readable CSV line ({exc})") from None
    raise SourceFileError(shown, "no header line: the file is empty", "re-download it")


def _zip_date(path: Path, cfg: dict) -> str | None:
    """The date stamped on the data member of WDI_CSV.zip: the nearest thing to a publication date."""
    if Path(path).suffix.lower() != ".zip":
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            info = next((i for i in zf.infolist() if Path(i.filename).name == cfg["csv_member"]), None)
            return dt.date(*info.date_time[:3]).isoformat() if info else None
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def release_of(path: Path, ctx: SourceContext, meta: dict | None = None) -> str:
    """The vintage: manifest release, else "<stem> <last updated>" (manifest, else the zip
    member's date), else "<stem> (undated)". Two vintages must differ here (observation key).
    `meta` is the file's manifest entry (staging passes it; none = the file alone)."""
    meta = meta or {}
    if meta.get("release"):
        return str(meta["release"])
    date = meta.get("last_updated") or _zip_date(path, ctx.config)
    return f"{Path(path).stem} {date}" if date else f"{Path(path).stem} (undated)"


def last_updated_of(path: Path, ctx: SourceContext) -> str | None:
    return _zip_date(path, ctx.config)


# ---- fetch ----------------------------------------------------------------------------------

def fetch(ctx: SourceContext, base_url: str, session=None) -> dict[str, bytes]:
    """Download WDI_CSV.zip; refuse anything that is not a zip holding the data member."""
    from digigov.sources.http import get_bytes  # requests and urllib3 (0.12 s): imported to fetch, not to stage

    cfg = ctx.config
    name = cfg["download_file"]
    url = f"{base_url.rstrip('/')}/{name}"
    body = get_bytes(url, session=session)
    if len(body) > int(cfg.get("max_zip_bytes", 1_000_000_000)):
        raise FetchError(f"GET {url}: {len(body)} bytes, more than max_zip_bytes; not stored")
    if not zipfile.is_zipfile(io.BytesIO(body)):
        start = body[:60].decode("utf-8", errors="replace").strip()
        raise FetchError(f"GET {url}: not a zip archive (body starts {start!r}); not stored")
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        if cfg["csv_member"] not in {Path(n).name for n in zf.namelist()}:
            raise FetchError(f"GET {url}: the zip holds no {cfg['csv_member']} ({zf.namelist()[:8]}); not stored")
    return {name: body}


# ---- stage inside DuckDB --------------------------------------------------------------------

def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _connect(out_dir: Path, ctx: SourceContext) -> duckdb.DuckDBPyConnection:
    """The staged file itself (core.observation_line and _bulk). Working tables are TEMP (in memory, spilled
    to temp_directory beyond memory_limit), so only the observations end up in the file."""
    db = out_dir / STAGED_BULK
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    settings = ctx.config.get("duckdb") or {}
    if settings.get("memory_limit"):
        con.execute(f"SET memory_limit = {_lit(settings['memory_limit'])}")
    if settings.get("threads"):
        con.execute(f"SET threads = {int(settings['threads'])}")
    con.execute(f"SET temp_directory = {_lit(str(out_dir / '_tmp'))}")
    con.execute(ctx.staged_bulk_ddl)
    return con


READ_BUFFER = 8 << 20  # bytes per CSV reading buffer (DuckDB's default, 32 MB, cost ~100 MB more at 15M cells)


def _reader(csv_path: Path, columns: list[str], header_line: int, typed: bool) -> str:
    """read_csv of the data lines with every column's type given (no sniffing): the year columns
    DOUBLE when `typed`, else everything VARCHAR. With WITH ORDINALITY it numbers the records in
    file order (DuckDB runs that pipeline on one thread and keeps the source's order), so the
    line a user sees is ordinality + header_line, and no table has to hold the file."""
    kind = {c: ("DOUBLE" if typed and YEAR.fullmatch(c) else "VARCHAR") for c in columns}
    spec = "{" + ", ".join(f"{_lit(c)}: {_lit(t)}" for c, t in kind.items()) + "}"
    return (f"read_csv({_lit(str(csv_path))}, header = false, skip = {header_line}, columns = {spec}, "
            "delim = ',', quote = '\"', escape = '\"', auto_detect = false, null_padding = false, "
            f"encoding = 'utf-8', buffer_size = {READ_BUFFER})")


LINE_BITS = 48  # a line id is part_id * 2^48 + k (sources/staged_bulk.sql)


def _part_range(part: int) -> tuple[int, int]:
    """The line ids of a part: [first, end)."""
    return int(part) << LINE_BITS, (int(part) + 1) << LINE_BITS


COUNTRY_BITS = 12  # of a fast-path line id's 48: the country's place among the known codes (< 4096)


def _fast_key(part: int, country: str = "m.n", icode: str = 'trim(w."Indicator Code")') -> str:
    """The fast path's line id, from the line itself (SQL expressions: `country`, the code's
    place in country_map; `icode`, the trimmed indicator code; by default over the relations `w`
    and `m` both passes read, so that they key every line alike): the part, the country, and a
    36-bit hash of the indicator code. So the values pass needs no line numbers (which would
    keep it on one core), and a country's lines keep ids close together, as the file keeps them
    (row groups of one country stay prunable when a query asks for a few countries). Two good
    lines with the same id send the file down the exact path (_why_exact)."""
    hashed = LINE_BITS - COUNTRY_BITS
    return (f"(({int(part)}::BIGINT << {LINE_BITS}) | ({country}::BIGINT << {hashed})"
            f" | (hash({icode}) >> {64 - hashed})::BIGINT)")


def _exact_key(part: int, row: str) -> str:
    """The exact path's line id: the part and the file line."""
    return f"(({int(part)}::BIGINT << {LINE_BITS}) | {row})"


def _filled(column: str) -> str:
    """1 when a text cell holds something other than spaces, else 0 (empty fields, quoted or not,
    read as NULL)."""
    return f"coalesce(trim({_q(column)}) <> '', false)::INTEGER"


def _load_wide(con, csv_path: Path, shown: Path, columns: list[str], header_line: int) -> None:
    """The exact path's input: the file as text in TEMP table `wide`, in file order (rowid +
    header_line + 1 is the line a user sees), and view `id_rows` (the row columns and the
    number of non-empty year cells of each line). A file that is not a readable CSV fails with
    SourceFileError."""
    con.execute("SET preserve_insertion_order = true")
    try:
        text = _reader(csv_path, columns, header_line, False)
        con.execute(f"CREATE OR REPLACE TEMP TABLE wide AS SELECT * FROM {text}")
    except duckdb.Error as exc:
        raise SourceFileError(shown, f"not a readable CSV: {str(exc).splitlines()[0]}",
                              "every line must have as many fields as the header; re-download it") from None
    finally:
        con.execute("SET preserve_insertion_order = false")  # output order is not needed from here on
    years = [c for c in columns if YEAR.fullmatch(c)]
    cells = " + ".join(_filled(y) for y in years) or "0"
    con.execute(f"CREATE OR REPLACE VIEW wide_rows AS SELECT rowid + {header_line + 1} AS _row, * FROM wide")
    con.execute(f"CREATE OR REPLACE VIEW id_rows AS SELECT *, {cells} AS n_cells FROM wide_rows")


def _insert_rows(con, table: str, rows: list[tuple]) -> None:
    """Insert small Python rows in one statement (executemany costs ~2 ms a row in DuckDB)."""
    columns = [list(c) for c in zip(*rows)]
    unnest = ", ".join(f"unnest(${i + 1})" for i in range(len(columns)))
    con.execute(f"INSERT INTO {table} SELECT {unnest}", columns)


def _lookup_tables(con, cfg: dict, known: dict[str, tuple[str | None, str | None]]) -> None:
    """The TEMP tables the row rules join, on this cursor (temp tables are per cursor):
    country_map, every code the country look-up knows (~300, so that codes resolve while the
    file streams), and subset, the configured indicator codes when they are not `all`."""
    con.execute("CREATE OR REPLACE TEMP TABLE country_map (code VARCHAR, iso3 VARCHAR, kind VARCHAR, n INTEGER)")
    if len(known) >= 1 << COUNTRY_BITS:
        raise ConfigError("config/countries.yaml", [f"{len(known)} known country codes: a wdi_full line id has room "
                                                    f"for {1 << COUNTRY_BITS} (COUNTRY_BITS in sources/wdi_full.py)"])
    rows = [(code, *answer, n) for n, (code, answer) in enumerate(sorted(known.items()))]
    if rows:
        _insert_rows(con, "country_map", rows)
    if cfg.get("indicators", "all") != "all":
        con.execute("CREATE OR REPLACE TEMP TABLE subset (code VARCHAR)")
        _insert_rows(con, "subset", [(str(c),) for c in cfg["indicators"]])


def _selected(cfg: dict) -> str:
    if cfg.get("indicators", "all") == "all":
        return "true"
    return 'coalesce(trim(w."Indicator Code") IN (SELECT code FROM subset), false)'


def _trailing(columns: list[str]) -> str:
    return f"nullif(trim(w.{_q(TRAILING)}), '')" if TRAILING in columns else "NULL"


def _row_reason(cfg: dict, columns: list[str]) -> str:
    """The first row rule a line breaks (NULL = a good row), on a relation `w` of the file's
    columns LEFT JOINed to country_map `m`: one expression for the rows table and for the
    values the fast path streams, so that both keep exactly the same lines."""
    pattern = _lit(cfg["indicator_pattern"])
    trailing = _trailing(columns)
    return f"""CASE
                 WHEN nullif(trim(w."Indicator Code"), '') IS NULL THEN 'column ''Indicator Code'' is empty'
                 WHEN NOT regexp_full_match(trim(w."Indicator Code"), {pattern})
                   THEN 'column ''Indicator Code'': ' || to_json(trim(w."Indicator Code"))
                        || ' is not a WDI indicator code (config indicator_pattern)'
                 WHEN nullif(trim(w."Country Name"), '') IS NULL THEN 'column ''Country Name'' is empty'
                 WHEN NOT coalesce(regexp_full_match(trim(w."Country Code"), '[A-Za-z]{{3}}'), false)
                   THEN 'column ''Country Code'': ' || coalesce(to_json(w."Country Code"), 'empty')
                        || ' is not a 3-letter code'
                 WHEN m.kind IS NULL AND m.iso3 IS NULL
                   THEN 'unknown country code ''' || upper(trim(w."Country Code"))
                        || ''': add it to config/countries.yaml (legacy_codes, extra_economies or wb_aggregates)'
                 WHEN {trailing} IS NOT NULL
                   THEN 'the column after the last year (trailing comma) must be empty; holds '
                        || to_json({trailing})
               END"""


def _row_table(con, cfg: dict, columns: list[str], catalogue: dict, source: str, key: str) -> None:
    """One line per published row of `source` (id_rows, or ids on the fast path): its line id
    (`key`, an expression over `w`), the mapped iso3, whether its indicator is kept, the first
    row rule it breaks (NULL = a good row) and its number of non-empty year cells."""
    ids = [(k, v.get("scale_min"), v.get("scale_max")) for k, v in catalogue.items()]
    con.execute("CREATE OR REPLACE TEMP TABLE scale (indicator_id VARCHAR, lo DOUBLE, hi DOUBLE)")
    if ids:
        _insert_rows(con, "scale", ids)
    prefix = _lit(cfg["id_prefix"])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE rows AS
        SELECT w._row, {key} AS line_id, w."Country Name" AS cname, trim(w."Country Code") AS ccode,
               w."Indicator Name" AS iname, trim(w."Indicator Code") AS icode,
               m.iso3, m.kind, {prefix} || trim(w."Indicator Code") AS indicator_id,
               s.lo, s.hi, {_selected(cfg)} AS selected, {_trailing(columns)} AS trailing,
               {_row_reason(cfg, columns)} AS reason,
               w.n_cells  -- a line without a value is not written; aggregates: reported
        FROM {source} w
        LEFT JOIN country_map m ON m.code = upper(trim(w."Country Code"))
        LEFT JOIN scale s ON s.indicator_id = {prefix} || trim(w."Indicator Code")""")
    # Rows sharing (iso3, indicator) after legacy mapping: only their cells can be duplicates.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE dup_rows AS
        SELECT r._row FROM rows r
        JOIN (SELECT iso3, icode FROM rows WHERE selected AND reason IS NULL AND iso3 IS NOT NULL
              GROUP BY ALL HAVING count(*) > 1) d USING (iso3, icode)
        WHERE r.selected AND r.reason IS NULL""")


def _cells_sql(cfg: dict, years: list[str], where: str) -> str:
    """Long cells of the good rows selected by `where`, each with the first cell rule it breaks."""
    cols = ", ".join(_q(y) for y in years)
    return f"""
        WITH long AS (
            UNPIVOT (SELECT _row, {cols} FROM wide_rows
                     WHERE _row IN (SELECT _row FROM rows WHERE {where}))
            ON {cols} INTO NAME col VALUE cell
        ), typed AS (
            SELECT l._row, l.col, l.cell, CAST(l.col AS INTEGER) AS year,
                   TRY_CAST(trim(l.cell) AS DOUBLE) AS value
            FROM long l WHERE trim(l.cell) <> ''
        )
        SELECT t._row, r.iso3, r.indicator_id, t.year, t.value, t.col, t.cell,
               r.cname, r.ccode, r.icode, {_cell_reason(cfg)} AS reason
        FROM typed t
        JOIN rows r USING (_row)"""


def _cell_reason(cfg: dict, scale: str = "r") -> str:
    """The first cell rule broken (NULL = a good cell); one expression for both passes, so the
    cells flagged in the fast pass are exactly those the reject pass explains."""
    lo, hi = int(cfg["year_min"]), int(cfg["year_max"])
    return f"""CASE
                 WHEN t.value IS NULL OR NOT isfinite(t.value) OR contains(t.cell, '_')
                   THEN 'column ' || quote_col(t.col) || ': ' || to_json(t.cell) || ' is not a number'
                 WHEN t.year NOT BETWEEN {lo} AND {hi}
                   THEN 'column ' || quote_col(t.col) || ': year outside {lo}–{hi}'
                 WHEN t.value < {scale}.lo OR t.value > {scale}.hi
                   THEN 'column ' || quote_col(t.col) || ': value ' || t.value
                        || ' outside the indicator''s scale (' || coalesce({scale}.lo::VARCHAR, '') || ' to '
                        || coalesce({scale}.hi::VARCHAR, '') || ')'
               END"""


def _cells_table(con, cfg: dict, years: list[str], good: str, out_dir: Path) -> None:
    """Every non-empty cell of the good rows, unpivoted and checked ONCE into a narrow Parquet
    file (line, year, value, bad): observations are written from it, and only the few lines
    holding a bad cell are unpivoted again, with their text, to explain the rejects. A file, not
    a table: streamed to disk, so 12M cells add next to nothing to the peak memory."""
    cols = ", ".join(_q(y) for y in years)
    path = _lit(str(out_dir / "_cells.parquet"))
    # The scale bounds ride along through the UNPIVOT: a join after it would let DuckDB, which
    # cannot estimate an UNPIVOT's output, build its hash table on the millions of cells.
    con.execute(f"""
        COPY (
        SELECT t._row::INTEGER AS _row, t.year::INTEGER AS year, t.value,
               ({_cell_reason(cfg, "t")}) IS NOT NULL AS bad
        FROM (SELECT _row, lo, hi, col, cell, CAST(col AS INTEGER) AS year,
                     TRY_CAST(trim(cell) AS DOUBLE) AS value
              FROM (UNPIVOT (SELECT w._row, r.lo, r.hi, {cols} FROM wide_rows w
                             JOIN (SELECT _row, lo, hi FROM rows WHERE {good}) r USING (_row))
                    ON {cols} INTO NAME col VALUE cell)
              WHERE trim(cell) <> '') t
        ) TO {path} (FORMAT parquet)""")
    con.execute(f"CREATE OR REPLACE TEMP VIEW cells AS SELECT * FROM read_parquet({path})")


def _read_ids(con, csv_path: Path, columns: list[str], header_line: int) -> None:
    """The fast path's row pass, as text: TEMP table `ids` with each line's row columns (not its
    values) and its number of non-empty year cells (an empty field, quoted or not, is NULL)."""
    keep = ", ".join(_q(c) for c in columns if not YEAR.fullmatch(c))
    years = [c for c in columns if YEAR.fullmatch(c)]
    cells = " + ".join(f"({_q(y)} IS NOT NULL)::INTEGER" for y in years) or "0"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE ids AS
        SELECT ordinality + {header_line} AS _row, {keep}, {cells} AS n_cells
        FROM {_reader(csv_path, columns, header_line, False)} WITH ORDINALITY""")


UNDERSCORE = ord("_")


def _underscores(csv_path: Path) -> int:
    """How many underscores the file holds, counted in its bytes (numpy, in a thread beside the
    two passes). DuckDB's reader takes "1_000" in a year cell for 1000 while the cell
    rule says it is no number; looking for it in 65 text cells a line cost the text pass more
    than it costs to read them. Each byte of the file ends up in one field of one line, or in the
    lines before the data, and "_" is no delimiter, quote or part of a longer UTF-8 character:
    so the file holds no underscore in a year cell exactly when this count is that of the text
    columns and of the header lines (_why_exact)."""
    count = 0
    with open(csv_path, "rb") as fh:
        while chunk := fh.read(READ_BUFFER):
            count += int(np.count_nonzero(np.frombuffer(chunk, np.uint8) == UNDERSCORE))
    return count


def _cells_hold_underscores(con, columns: list[str], before_data: int, in_file: int) -> bool:
    """Whether a year cell holds an underscore: the file's underscores (`in_file`, _underscores)
    are more, or fewer, than those of the lines up to the header (`before_data`, from _header)
    and of the text columns in `ids`. Fewer cannot happen to a file DuckDB and Python read
    alike; it too takes the exact path, which is never wrong, only slower."""
    text = [c for c in columns if not YEAR.fullmatch(c)]
    counted = " + ".join(f"coalesce(sum(length({_q(c)}) - length(replace({_q(c)}, '_', ''))), 0)" for c in text)
    return in_file != before_data + con.execute(f"SELECT {counted or 0} FROM ids").fetchone()[0]


def _stream_values(cur, csv_path: Path, columns: list[str], header_line: int, cfg: dict, part: int) -> None:
    """Every non-empty cell of the good lines, streamed from the CSV reader (year columns
    DOUBLE) into core.observation_bulk as (line, year, value). The row rules are applied and
    each line's id computed from the line itself as the file streams, so DuckDB reads, unpivots
    and writes on every core and no table ever holds the file."""
    years = [c for c in columns if YEAR.fullmatch(c)]
    cols = ", ".join(_q(y) for y in years)
    key = _fast_key(part)
    cur.execute(f"""
        INSERT INTO core.observation_bulk
        SELECT line_id, CAST(col AS INTEGER), value
        FROM (UNPIVOT (SELECT {key} AS line_id, {", ".join("w." + _q(y) for y in years)}
                       FROM {_reader(csv_path, columns, header_line, True)} AS w
                       LEFT JOIN country_map m ON m.code = upper(trim(w."Country Code"))
                       WHERE {_selected(cfg)} AND m.iso3 IS NOT NULL AND ({_row_reason(cfg, columns)}) IS NULL)
              ON {cols} INTO NAME col VALUE value)""")


def _why_exact(con, cfg: dict, good: str, part: int, separated: bool) -> str | None:
    """After the fast path's write: why some line or cell breaks a rule that only the exact path
    explains (the part is then deleted and the file read again), or None when every cell passes
    them all. The values written under each good line's id must also be exactly its non-empty
    cells as the text pass counted them: two readings of the file that disagree (a line keyed
    differently, a cell one reading finds empty) send it down the exact path as well.
    `separated`: a year cell holds an underscore (_cells_hold_underscores)."""
    breaks = " OR ".join(f"contains(coalesce({_q(c)}, ''), chr(10))" for c in cfg["id_columns"])
    if con.execute(f"SELECT count(*) FROM ids WHERE {breaks}").fetchone()[0]:
        return "a name or code holds a line break (line numbers would no longer be the file's)"
    if separated:
        return ("a year cell holds an underscore, as digit separators do (1_000), which the CSV reader "
                "would take for a number")
    if con.execute("SELECT count(*) FROM dup_rows").fetchone()[0]:
        return "two rows carry the same country and indicator (a legacy code and its successor)"
    if con.execute(f"SELECT count(*) - count(DISTINCT line_id) FROM rows WHERE {good} AND n_cells > 0").fetchone()[0]:
        return "two lines' codes hash to the same line id"
    lo, hi = int(cfg["year_min"]), int(cfg["year_max"])
    first, end = _part_range(part)
    part_values = f"core.observation_bulk WHERE line_id >= {first} AND line_id < {end}"
    read = f"rows WHERE {good} AND n_cells > 0"
    # One scan, not grouped by line (a third of the time): the values' count and the sum of their
    # lines' hashes must be those of the cells the text pass counted. A value lost, added or
    # written under another line changes the sum; that the changes cancel out is a 1 in 2^64 chance.
    n, keyed, odd, outside = con.execute(f"""
        SELECT count(*), coalesce(sum(hash(line_id)), 0), count(*) FILTER (WHERE NOT isfinite(value)),
               count(*) FILTER (WHERE year NOT BETWEEN {lo} AND {hi})
        FROM {part_values}""").fetchone()
    if odd:
        return "a year cell holds inf or nan"
    if outside:
        return f"a year column outside {lo}–{hi} holds values"
    if (n, keyed) != con.execute(f"SELECT coalesce(sum(n_cells), 0), coalesce(sum(hash(line_id)::HUGEINT * n_cells), 0) "
                                 f"FROM {read}").fetchone():
        differ, example = con.execute(f"""
            WITH written AS (SELECT line_id, count(*) AS n FROM {part_values} GROUP BY line_id)
            SELECT count(*), min(r._row) FROM written w FULL JOIN (SELECT line_id, _row, n_cells AS n FROM {read}) r
            USING (line_id) WHERE w.n IS DISTINCT FROM r.n""").fetchone()
        lines = "1 line" if differ == 1 else f"{differ:,} lines"
        first_line = f"line {example}" if example is not None else "values under an id no line has"
        return (f"its numeric and text readings disagree on {lines} (the first: {first_line}): "
                "the values written are not the non-empty cells read")
    scaled = f"SELECT line_id, lo, hi FROM {read} AND (lo IS NOT NULL OR hi IS NOT NULL)"
    if con.execute(f"""
            SELECT count(*) FROM core.observation_bulk v JOIN ({scaled}) r USING (line_id)
            WHERE v.line_id >= {first} AND v.line_id < {end} AND (v.value < r.lo OR v.value > r.hi)""").fetchone()[0]:
        return "a value is outside its indicator's scale"
    return None


def _write_lines(con, good: str, part: int, valued: str) -> None:
    """The good rows holding a value (`valued`) as core.observation_line. Only lines with a
    value, so that the lines alone say which country × indicator a release carries (the build
    reads the lines, not 12M values, for that)."""
    con.execute(f"""
        INSERT INTO core.observation_line
        SELECT line_id, {int(part)}, _row, iso3, indicator_id FROM rows WHERE {good} AND {valued}""")


def _delete_part(con, part: int) -> None:
    first, end = _part_range(part)
    for table in ("observation_bulk", "observation_line"):
        con.execute(f"DELETE FROM core.{table} WHERE line_id >= ? AND line_id < ?", [first, end])


def _stage_fast(con, csv_path: Path, columns: list[str], header_line: int, ctx: SourceContext,
                good: str, part: int, before_data: int) -> str | None:
    """The fast path: two passes over the file at the same time, the values streamed into
    core.observation_bulk on every core (a second cursor, in a thread: DuckDB releases the GIL)
    and the row columns read as text into `ids`, numbered, on one; beside them the file's
    underscores are counted (`before_data`: those up to the header). Returns why the file must
    take the exact path instead (its part deleted), or None when it is staged."""
    cfg = ctx.config
    cur = con.cursor()
    failed = None
    known = ctx.countries.known_codes()
    try:
        _lookup_tables(con, cfg, known)
        _lookup_tables(cur, cfg, known)
        with ThreadPoolExecutor(2) as pool:
            values = pool.submit(_stream_values, cur, csv_path, columns, header_line, cfg, part)
            underscores = pool.submit(_underscores, csv_path)
            try:
                _read_ids(con, csv_path, columns, header_line)
                _row_table(con, cfg, columns, ctx.catalogue, "ids", _fast_key(part))
            except duckdb.Error as exc:
                failed = exc
            try:
                values.result()
            except duckdb.Error as exc:
                failed = failed or exc
    finally:
        cur.close()
    if failed is not None:
        _delete_part(con, part)
        return f"the CSV reader could not read it with numeric year columns ({str(failed).splitlines()[0]})"
    separated = _cells_hold_underscores(con, columns, before_data, underscores.result())
    why = _why_exact(con, cfg, good, part, separated)
    if why is not None:
        _delete_part(con, part)
        return why
    _write_lines(con, good, part, "n_cells > 0")
    return None


def _write_exact(con, cfg: dict, years: list[str], good: str, out_dir: Path, part: int) -> str:
    """The text table: check every cell (sources of the reasons), write the good ones to the
    staged observations and return the SELECT of the cell rejects (bad or duplicated cells)."""
    _cells_table(con, cfg, years, good, out_dir)
    # Duplicated (iso3, indicator, year) cells: looked for only among rows that share a key.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE dup_cells AS
        WITH d AS (SELECT c._row, c.year, r.iso3, r.indicator_id FROM cells c JOIN rows r USING (_row)
                   WHERE c._row IN (SELECT _row FROM dup_rows)),
             k AS (SELECT iso3, indicator_id, year, string_agg(_row::VARCHAR, ', ' ORDER BY _row) AS lines
                   FROM d GROUP BY ALL HAVING count(*) > 1)
        SELECT d._row, d.year, k.lines FROM d JOIN k USING (iso3, indicator_id, year)""")
    con.execute(f"""
        INSERT INTO core.observation_bulk
        SELECT {_exact_key(part, "c._row")}, c.year, c.value
        FROM cells c
        WHERE NOT c.bad AND NOT EXISTS (SELECT 1 FROM dup_cells d WHERE d._row = c._row AND d.year = c.year)""")
    first, end = _part_range(part)
    _write_lines(con, good, part, f"line_id IN (SELECT line_id FROM core.observation_bulk "
                                  f"WHERE line_id >= {first} AND line_id < {end})")
    # Lines whose cells need explaining in rejects: a bad cell, or a duplicated one.
    explain = f"{good} AND (_row IN (SELECT _row FROM cells WHERE bad) OR _row IN (SELECT _row FROM dup_cells))"
    return f"""
          SELECT c._row,
                 coalesce(c.reason, 'duplicate: ' || c.iso3 || ' ' || c.indicator_id || ' ' || c.year
                          || ' appears on lines ' || d.lines) AS reason,
                 json_merge_patch({RECORD}, json_object(c.col, c.cell))::VARCHAR AS record
          FROM ({_cells_sql(cfg, years, explain)}) c
          LEFT JOIN dup_cells d ON d._row = c._row AND d.year = c.year
          WHERE c.reason IS NOT NULL OR d._row IS NOT NULL"""


RECORD = "json_object('Country Name', cname, 'Country Code', ccode, 'Indicator Code', icode)"


def _stage_file(con, f, ctx: SourceContext, out_dir: Path, part: int) -> dict:
    """Stage one file. The fast path reads the year columns as numbers and writes observations in
    one pass; a file where some cell breaks a cell rule takes the exact path (text columns, every
    bad cell explained). Both apply every rule: a file with no bad cell stages the same either way."""
    cfg, catalogue, source_id = ctx.config, ctx.catalogue, ctx.source_id
    shown = Path(f.path)
    csv_path = _csv_path(shown, cfg, out_dir / "_extract")
    columns, header_line, before_data = _header(csv_path, shown, cfg)
    years = [c for c in columns if YEAR.fullmatch(c)]
    release = release_of(shown, ctx, f.meta)
    good = "selected AND reason IS NULL AND iso3 IS NOT NULL"
    why = None if cfg.get("fast_path", True) else "fast_path is off in the config"
    if why is None:
        why = _stage_fast(con, csv_path, columns, header_line, ctx, good, part, before_data)
    cell_rejects = None
    if why is not None:
        _load_wide(con, csv_path, shown, columns, header_line)
        _lookup_tables(con, cfg, ctx.countries.known_codes())
        _row_table(con, cfg, columns, catalogue, "id_rows", _exact_key(part, "w._row"))
        con.execute("CREATE OR REPLACE TEMP MACRO quote_col(c) AS '''' || c || ''''")
        cell_rejects = _write_exact(con, cfg, years, good, out_dir, part)
    if csv_path != shown:
        csv_path.unlink(missing_ok=True)  # the extracted member is in the database now

    name = _lit(f.name)
    rej = out_dir / f"_rej_{part}.parquet"
    cells_part = (f"SELECT {name} AS file, _row::BIGINT AS row, reason, record, {_lit(source_id)} AS source_id "
                  f"FROM ({cell_rejects}) UNION ALL") if cell_rejects else ""
    con.execute(f"""
        COPY (
          {cells_part}
          SELECT {name} AS file, _row::BIGINT AS row, reason,
                 json_merge_patch({RECORD}, json_object('Indicator Name', iname))::VARCHAR AS record,
                 {_lit(source_id)} AS source_id
          FROM rows WHERE selected AND reason IS NOT NULL
          UNION ALL
          SELECT {name}, min(_row)::BIGINT,
                 {_lit(EXCLUDED + ' ' + AGGREGATE)} || ': ' || ccode || ' (' || any_value(cname) || '), '
                   || sum(n_cells) || ' non-empty cells on ' || count(*) || ' rows (lines '
                   || min(_row) || '–' || max(_row) || ') left out',
                 json_object('Country Code', ccode, 'Country Name', any_value(cname),
                             'rows', count(*), 'cells', sum(n_cells))::VARCHAR,
                 {_lit(source_id)}
          FROM rows WHERE selected AND reason IS NULL AND kind = 'aggregate'
          GROUP BY ccode
        ) TO {_lit(str(rej))} (FORMAT parquet)""")

    prefix = _lit(cfg["id_prefix"])
    known = ", ".join(_lit(k) for k in catalogue) or "NULL"
    ind = out_dir / f"_ind_{part}.parquet"
    con.execute(f"""
        COPY (SELECT {prefix} || icode AS indicator_id, min(trim(iname)) AS name,
                     coalesce(regexp_extract(min(trim(iname)), '\\(([^()]*)\\)\\s*$', 1), '') AS unit,
                     {_lit(source_id)} AS source_id, NULL::INTEGER AS dimension_id,
                     NULL::BOOLEAN AS higher_is_better, NULL::DOUBLE AS scale_min, NULL::DOUBLE AS scale_max,
                     false AS aggregate,
                     'WDI ' || icode || ', registered from ' || {name}
                       || ' (not curated: no direction, scale or group means)' AS definition
              FROM rows WHERE {good} AND {prefix} || icode NOT IN ({known})
              GROUP BY icode ORDER BY icode)
        TO {_lit(str(ind))} (FORMAT parquet)""")

    loaded = con.execute("SELECT count(*) FROM core.observation_bulk WHERE line_id >= ? AND line_id < ?",
                         list(_part_range(part))).fetchone()[0]
    rejected, invalid = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE NOT starts_with(reason, ?)) FROM read_parquet(?)",
        [EXCLUDED, str(rej)]).fetchone()
    skipped = con.execute("SELECT count(*) FROM rows WHERE NOT selected").fetchone()[0]
    for v in ("id_rows", "wide_rows", "cells"):
        con.execute(f"DROP VIEW IF EXISTS {v}")
    (out_dir / "_cells.parquet").unlink(missing_ok=True)
    for t in ("wide", "ids", "rows", "dup_rows", "dup_cells", "country_map", "subset", "scale"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return {"file": f.name, "release": release,
            "last_updated": f.meta.get("last_updated") or _zip_date(shown, cfg),
            "rows_loaded": loaded, "rows_rejected": rejected, "_invalid": invalid,
            "rows_skipped": skipped, "path": "exact" if why else "fast", "_why": why}


def stage(files, ctx: SourceContext, out_dir) -> dict:
    """Stage every file inside DuckDB: observations into out_dir/STAGED_BULK (part = file index),
    rejects, classifications (empty) and indicators (ids not in the catalogue) as Parquet.
    Contract: sources/base.py (BulkSource)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = _connect(out_dir, ctx)
    try:
        records = [_stage_file(con, f, ctx, out_dir, i) for i, f in enumerate(files)]
        for kind, target in (("rej", "rejects"), ("ind", "indicators")):
            parts = [out_dir / f"_{kind}_{i}.parquet" for i in range(len(files))]
            if len(parts) == 1:
                parts[0].replace(out_dir / f"{target}.parquet")
                continue
            union = "DISTINCT ON (indicator_id) * " if kind == "ind" else "*"
            con.execute(f"COPY (SELECT {union} FROM read_parquet({[str(p) for p in parts]})) "
                        f"TO {_lit(str(out_dir / (target + '.parquet')))} (FORMAT parquet)")
            for p in parts:
                p.unlink()
        con.execute(f"""COPY (SELECT NULL::VARCHAR AS iso3, NULL::VARCHAR AS scheme, NULL::INTEGER AS year,
                                     NULL::VARCHAR AS category, NULL::VARCHAR AS source_id,
                                     NULL::VARCHAR AS release WHERE false)
                        TO {_lit(str(out_dir / 'classifications.parquet'))} (FORMAT parquet)""")
        samples = [f"{r[0]} row {r[1]}: {r[2]}" for r in con.execute(
            "SELECT file, row, reason FROM read_parquet(?) WHERE NOT starts_with(reason, ?) "
            "ORDER BY file, row, reason LIMIT ?", [str(out_dir / "rejects.parquet"), EXCLUDED, MAX_SAMPLES]).fetchall()]
        con.execute("CHECKPOINT")  # the staged file is complete on disk before the build copies it
    finally:
        con.close()
        (out_dir / "_cells.parquet").unlink(missing_ok=True)
        shutil.rmtree(out_dir / "_tmp", ignore_errors=True)
        shutil.rmtree(out_dir / "_extract", ignore_errors=True)
    invalid = sum(r.pop("_invalid") for r in records)
    warnings = [f"{ctx.source_id}: {r['file']} staged by the exact path, slower (same rules, same result): {why}"
                for r in records if (why := r.pop("_why"))]
    return {"files": records, "rows_loaded": sum(r["rows_loaded"] for r in records),
            "rows_rejected": sum(r["rows_rejected"] for r in records), "rows_invalid": invalid,
            "reject_samples": samples, "warnings": warnings}


SOURCE = BulkSource(source_id=SOURCE_ID, file_glob=FILE_GLOB, fetch=fetch, release_of=release_of, stage=stage,
                    last_updated_of=last_updated_of)
