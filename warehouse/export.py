"""Excel extract of the published warehouse for reports (`digigov export`).

The workbook follows statistical-office conventions so that it can be handed to an analyst as is:
one Excel table per sheet with its header in row 1, units in the headers, number formats, frozen
headers, native charts that reference the data sheets, and notes generated from the warehouse
itself (never hand-written, so they cannot drift from the data).

The warehouse is only ever opened read-only, and the file is written to a temporary file next to
the target and renamed, so a reader never sees half a workbook. SQL stays in this module: the
package data of `digigov.warehouse` only ships `sql/*.sql` and `sql/checks/*.sql`.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.series import SeriesLabel
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.table import Table, TableStyleInfo

from digigov import __version__
from digigov.errors import DigigovError
from digigov.warehouse.query import connect_readonly

UN_INDICES = ["un.egdi", "un.epi", "un.osi", "un.hci", "un.tii"]
EGDI = "un.egdi"
# Text starting with one of these would be taken for a formula by Excel (CSV/formula injection).
FORMULA_START = ("=", "+", "-", "@")
LEVEL_FILLS = {"low": "F8CBAD", "medium": "FFE699", "high": "C6E0B4"}
MAX_WIDTH = 60


@dataclass
class Col:
    """A table column: header (with its unit), number format (or one per row) and width cap."""

    header: str
    fmt: str | Callable[[tuple], str] | None = None
    width: int | None = None
    wrap: bool = False


@dataclass
class SheetSpec:
    title: str
    description: str
    columns: list[Col] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    freeze: str = "A2"
    empty_note: str = "(no rows for the selected countries)"


# ---------------------------------------------------------------------------------------------
# Arguments and output path


def _check_out(out: Path, force: bool) -> Path:
    """Refuse a target we must not or cannot write, before any work is done."""
    if out.suffix.lower() != ".xlsx":
        raise DigigovError(f"{out}: the export is an Excel workbook; give a file name ending in .xlsx "
                           f"(not '{out.suffix or 'no suffix'}')")
    folder = out.parent
    if not folder.exists():
        raise DigigovError(f"{out}: the folder {folder} does not exist; create it first")
    if not folder.is_dir():
        raise DigigovError(f"{out}: {folder} is not a folder")
    if out.is_dir():
        raise DigigovError(f"{out} is a folder; give a file name ending in .xlsx")
    if out.exists() and not force:
        raise DigigovError(f"{out} exists; use --force to replace it")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DigigovError(f"{out}: the folder {folder} is not writable")
    return out


def _resolve_countries(con, countries: list[str] | None) -> tuple[list[str], list[str], dict[str, str]]:
    """(selected, comparators not selected, iso3 -> name); unknown codes are named in the error."""
    names = dict(con.execute("SELECT iso3, name FROM countries").fetchall())
    comparators = [r[0] for r in con.execute(
        "SELECT iso3 FROM countries WHERE list_contains(groups, 'comparator') ORDER BY iso3").fetchall()]
    if countries is None:
        selected = [r[0] for r in con.execute(
            "SELECT iso3 FROM countries WHERE list_contains(groups, 'focus') ORDER BY iso3").fetchall()]
        if not selected:
            raise DigigovError("the warehouse has no `focus` group; name the countries to export")
    else:
        if isinstance(countries, str):
            countries = [countries]
        selected = []
        for code in countries:
            code = str(code).strip().upper()
            if code and code not in selected:
                selected.append(code)
        if not selected:
            raise DigigovError("no country codes given")
        unknown = [c for c in selected if c not in names]
        if unknown:
            raise DigigovError(f"unknown country code{'s' if len(unknown) > 1 else ''} "
                               f"{', '.join(repr(c) for c in unknown)}: not in the warehouse's `countries` "
                               "(give ISO3 codes, e.g. KAZ)")
    return selected, [c for c in comparators if c not in selected], names


def _check_year(con, year: int | None, selected: list[str]) -> int | None:
    if year is None:
        return None
    if isinstance(year, bool) or not isinstance(year, int):
        try:
            year = int(str(year))
        except ValueError:
            raise DigigovError(f"year {year!r} is not a year") from None
    n, lo, hi = con.execute(
        "SELECT count(*) FILTER (WHERE year = ?), min(year), max(year) FROM export_obs "
        "WHERE list_contains(?, iso3)", [year, selected]).fetchone()
    if not n:
        span = f"their data cover {lo}–{hi}" if lo is not None else "they have no observations at all"
        raise DigigovError(f"no data for {year} for {', '.join(selected)}: {span}")
    return year


# ---------------------------------------------------------------------------------------------
# Formats


def unit_format(unit: str | None) -> str:
    """The number format a statistical office would use for a unit."""
    u = (unit or "").lower()
    if u.startswith("index") or u.startswith("score (0-1") or u.startswith("score 0-1"):
        return "0.000"
    if "%" in u or "per 100" in u or "percent" in u:
        return "0.0"
    if u.startswith("rank"):
        return "0"
    if u.startswith("estimate"):
        return "0.00"
    return "General"


def _clean(value: Any) -> Any:
    """Python values openpyxl can write; NaN becomes an empty cell, lists 'a;b', booleans yes/no."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, (int, str, dt.date, dt.datetime)):
        return value
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    try:
        return float(value)  # Decimal, numpy scalars
    except (TypeError, ValueError):
        return str(value)


def put(ws, row: int, col: int, value: Any):
    """Write one cell; text is always text — never a formula, never an error code."""
    value = _clean(value)
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = value
        if cell.data_type != "s":  # "=…" became a formula, "#N/A" an error: force plain text
            cell.data_type = "s"
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True  # Excel keeps it text when the cell is edited
    else:
        cell.value = value
    return cell


# ---------------------------------------------------------------------------------------------
# Sheets


def _write_table(wb: Workbook, spec: SheetSpec, index: int) -> Any:
    ws = wb.create_sheet(spec.title)
    ncol = len(spec.columns)
    for j, col in enumerate(spec.columns, 1):
        put(ws, 1, j, col.header)
    rows = spec.rows or [(spec.empty_note,) + (None,) * (ncol - 1)]
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(rows, 2):
        for j, (col, value) in enumerate(zip(spec.columns, row), 1):
            cell = put(ws, i, j, value)
            if col.fmt and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                cell.number_format = col.fmt(row) if callable(col.fmt) else col.fmt
            if col.wrap:
                cell.alignment = wrap
    last = len(rows) + 1
    ref = f"A1:{get_column_letter(ncol)}{last}"
    name = "tbl" + "".join(ch for ch in spec.title.title() if ch.isalnum()) + str(index)
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = spec.freeze
    _widths(ws, spec.columns, rows)
    return ws


def _widths(ws, columns: list[Col], rows: list[tuple]) -> None:
    for j, col in enumerate(columns):
        longest = len(col.header)
        for row in rows[:300]:
            v = row[j] if j < len(row) else None
            if v is None:
                continue
            text = f"{v:.3f}" if isinstance(v, float) else str(v)
            longest = max(longest, len(text))
        width = min(col.width or MAX_WIDTH, longest + 2)
        ws.column_dimensions[get_column_letter(j + 1)].width = max(8, width)


def _label(iso3: str, names: dict[str, str]) -> str:
    return f"{names.get(iso3, iso3)} ({iso3})"


def _indicators(con, selected, comparators, names, year) -> tuple[SheetSpec, dict]:
    """Latest (or year N) value of every indicator per selected country, with world and comparators."""
    params: list[Any] = [selected]
    where_year = ""
    if year is not None:
        where_year = " AND o.year = ?"
        params.append(year)
    rows = con.execute(f"""
        SELECT o.indicator_id, o.indicator, o.unit, o.iso3, o.country, o.year, o.value,
               o.source_id, o.release, o.is_sample
        FROM export_obs o
        WHERE list_contains(?, o.iso3){where_year}
        QUALIFY row_number() OVER (PARTITION BY o.iso3, o.indicator_id ORDER BY o.year DESC) = 1
        """, params).fetchall()
    world = {(i, y): (v, n) for i, y, v, n in con.execute(
        "SELECT indicator_id, year, value, n_countries FROM aggregates WHERE group_id = 'world'").fetchall()}
    comp_codes = _comparator_codes(con)  # always shown, also when one of them is selected
    comp = {(c, i, y): v for c, i, y, v in con.execute(
        "SELECT iso3, indicator_id, year, value FROM export_obs WHERE list_contains(?, iso3)",
        [comp_codes]).fetchall()}
    order = {c: k for k, c in enumerate(selected)}
    rows.sort(key=lambda r: (r[7], r[0], order[r[3]]))
    out = []
    for ind, name, unit, iso3, country, yr, value, src, release, sample in rows:
        w = world.get((ind, yr), (None, None))
        out.append((ind, name, unit, iso3, country, yr, value, w[0], w[1],
                    *[comp.get((c, ind, yr)) for c in comp_codes], src, release, sample))
    fmt = lambda r: unit_format(r[2])  # noqa: E731 - the row's own unit decides
    columns = [Col("Indicator id"), Col("Indicator", width=50), Col("Unit"), Col("ISO3"), Col("Country"),
               Col("Year"), Col("Value [unit]", fmt), Col("World average [unit]", fmt),
               Col("World average: countries averaged", "0")]
    columns += [Col(f"{_label(c, names)} [unit]", fmt) for c in comp_codes]
    columns += [Col("Source"), Col("Release", width=30), Col("SAMPLE data")]
    what = f"in {year}" if year is not None else "latest year available per country and indicator"
    spec = SheetSpec("Indicators",
                     f"Value of every indicator for each selected country ({what}), next to the world "
                     f"average and the comparators ({', '.join(comp_codes)}) for the same year",
                     columns, out, freeze="F2")
    egdi_rows = [k + 2 for k, r in enumerate(out) if r[0] == EGDI]
    return spec, {"egdi_rows": egdi_rows, "egdi_years": sorted({r[5] for r in out if r[0] == EGDI}),
                  "value_col": 7, "world_col": 8, "country_col": 5}


def _comparator_codes(con) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT iso3 FROM countries WHERE list_contains(groups, 'comparator') ORDER BY iso3").fetchall()]


def _time_series(con, selected, comparators, names) -> tuple[SheetSpec, dict]:
    """UN indices over all survey years: one row per index × year, one column per country."""
    shown = selected + comparators
    meta = {i: (n, u) for i, n, u in con.execute(
        "SELECT indicator_id, name, unit FROM indicators WHERE list_contains(?, indicator_id)",
        [UN_INDICES]).fetchall()}
    indices = [i for i in UN_INDICES if i in meta]
    values = {(c, i, y): v for c, i, y, v in con.execute(
        "SELECT iso3, indicator_id, year, value FROM export_obs "
        "WHERE list_contains(?, iso3) AND list_contains(?, indicator_id)", [shown, indices]).fetchall()}
    world = {(i, y): v for i, y, v in con.execute(
        "SELECT indicator_id, year, value FROM aggregates "
        "WHERE group_id = 'world' AND list_contains(?, indicator_id)", [indices]).fetchall()}
    units = {meta[i][1] for i in indices}
    unit = units.pop() if len(units) == 1 else "unit of the indicator"
    fmt = unit_format(unit) if unit != "unit of the indicator" else "General"
    rows, egdi_rows = [], []
    for ind in indices:
        years = sorted({y for (c, i, y) in values if i == ind} | {y for (i, y) in world if i == ind})
        for y in years:
            if ind == EGDI:
                egdi_rows.append(len(rows) + 2)
            rows.append((ind, meta[ind][0], y, *[values.get((c, ind, y)) for c in shown], world.get((ind, y))))
    columns = [Col("Indicator id"), Col("Indicator", width=45), Col("Year")]
    columns += [Col(f"{_label(c, names)} [{unit}]", fmt, width=24) for c in shown]
    columns += [Col(f"World average [{unit}]", fmt, width=24)]
    spec = SheetSpec("Time series",
                     "UN E-Government indices (EGDI, EPI, OSI, HCI, TII) in every survey year for the "
                     "selected countries, the comparators and the world average",
                     columns, rows, freeze="D2")
    return spec, {"egdi_rows": egdi_rows, "first_series_col": 4, "n_series": len(shown) + 1, "year_col": 3}


def _readiness(con, shown, names) -> tuple[SheetSpec, list[int], list[int]]:
    dims = con.execute("SELECT dimension_id, name FROM dimensions ORDER BY dimension_id").fetchall()
    cells = {(c, d): (s, lv) for c, d, s, lv in con.execute(
        "SELECT iso3, dimension_id, score, level FROM readiness WHERE list_contains(?, iso3)",
        [shown]).fetchall()}
    extra = {c: (y, s) for c, y, s in con.execute(
        "SELECT iso3, max(year), bool_or(uses_sample) FROM readiness WHERE list_contains(?, iso3) "
        "GROUP BY iso3", [shown]).fetchall()}
    columns = [Col("ISO3"), Col("Country")]
    score_cols, level_cols = [], []
    for d, name in dims:
        score_cols.append(len(columns) + 1)
        columns.append(Col(f"D{d} {name} (score 0-1)", "0.000", width=22))
        level_cols.append(len(columns) + 1)
        columns.append(Col(f"D{d} level", width=12))
    columns += [Col("Latest evidence year"), Col("Uses SAMPLE survey data")]
    rows = []
    for c in shown:
        row = [c, names.get(c, c)]
        for d, _ in dims:
            s, lv = cells.get((c, d), (None, None))
            row += [s, lv]
        y, s = extra.get(c, (None, None))
        rows.append(tuple(row + [y, s]))
    spec = SheetSpec("Readiness",
                     "Readiness matrix: one row per country, a score (0-1) and a level (low/medium/high) "
                     "for each of the nine dimensions",
                     columns, rows, freeze="C2")
    return spec, score_cols, level_cols


def _colour_readiness(ws, nrows: int, score_cols: list[int], level_cols: list[int]) -> None:
    last = nrows + 1
    scores = " ".join(f"{get_column_letter(c)}2:{get_column_letter(c)}{last}" for c in score_cols)
    levels = " ".join(f"{get_column_letter(c)}2:{get_column_letter(c)}{last}" for c in level_cols)
    ws.conditional_formatting.add(scores, ColorScaleRule(
        start_type="num", start_value=0, start_color="F8696B",
        mid_type="num", mid_value=0.5, mid_color="FFEB84",
        end_type="num", end_value=1, end_color="63BE7B"))
    for level, colour in LEVEL_FILLS.items():
        ws.conditional_formatting.add(levels, CellIsRule(
            operator="equal", formula=[f'"{level}"'], fill=PatternFill("solid", start_color=colour,
                                                                       end_color=colour)))


def _priority_gaps(con, selected) -> SheetSpec:
    order = {c: k for k, c in enumerate(selected)}
    rows = con.execute(
        "SELECT iso3, country, priority, dimension_id, dimension, score, level, gap_to_comparators, "
        "gap_to_world, missing, uses_sample FROM priority_gaps WHERE list_contains(?, iso3)",
        [selected]).fetchall()
    rows.sort(key=lambda r: (order[r[0]], r[2] if r[2] is not None else 99))
    columns = [Col("ISO3"), Col("Country"), Col("Priority (1 = weakest)", "0"), Col("Dimension id", "0"),
               Col("Dimension", width=40), Col("Score (0-1)", "0.000"), Col("Level"),
               Col("Gap to comparators (score points)", "0.000"), Col("Gap to world (score points)", "0.000"),
               Col("Missing evidence", width=45, wrap=True), Col("Uses SAMPLE survey data")]
    return SheetSpec("Priority gaps", "Each selected country's weakest dimensions (its priority gaps), "
                     "with the gap to the comparators and to the world", columns, rows, freeze="C2")


def _findings(con, selected) -> SheetSpec:
    rows = con.execute(
        "SELECT f.finding_id, f.iso3, f.dimension_id, d.name, f.topic, f.statement, f.evidence, "
        "f.count_countries, f.source_id, f.is_sample, f.check_status, f.check_detail "
        "FROM findings f LEFT JOIN dimensions d USING (dimension_id) "
        "WHERE f.iso3 IS NULL OR list_contains(?, f.iso3) "
        "ORDER BY f.iso3 NULLS FIRST, f.finding_id", [selected]).fetchall()
    columns = [Col("Finding id"), Col("ISO3 (blank: the whole group)"), Col("Dimension id", "0"),
               Col("Dimension", width=30), Col("Topic", width=25), Col("Statement", width=60, wrap=True),
               Col("Evidence", width=40, wrap=True), Col("Countries counted", "0"), Col("Source"),
               Col("SAMPLE data"), Col("Check against the data"), Col("Check detail", width=50, wrap=True)]
    return SheetSpec("Findings", "Findings of the needs assessment (and of the survey workbooks) for the "
                     "selected countries, with the result of checking each against the data",
                     columns, rows, freeze="B2")


def _institutions(con, selected, names) -> SheetSpec:
    order = {c: k for k, c in enumerate(selected)}
    rows = con.execute("SELECT iso3, body, role, parent_body, note, source_id FROM institutions "
                       "WHERE list_contains(?, iso3)", [selected]).fetchall()
    rows.sort(key=lambda r: (order[r[0]], r[1]))
    rows = [(r[0], names.get(r[0], r[0]), *r[1:]) for r in rows]
    columns = [Col("ISO3"), Col("Country"), Col("Body", width=50, wrap=True), Col("Role", width=40, wrap=True),
               Col("Parent body", width=40, wrap=True), Col("Note", width=50, wrap=True), Col("Source")]
    return SheetSpec("Institutions", "Institutions responsible for digital government in each selected country",
                     columns, rows, freeze="C2")


def _sources(con) -> SheetSpec:
    rows = con.execute(
        "SELECT source_id, file, publisher, title, url, licence, release, retrieved_at, last_updated, sha256, "
        "size, snapshot_origin, rows_loaded, rows_rejected, rows_superseded, stale, error, is_sample "
        "FROM sources ORDER BY source_id, file").fetchall()
    columns = [Col("Source id"), Col("File", width=45), Col("Publisher", width=40), Col("Title", width=50),
               Col("URL", width=50), Col("Licence", width=40), Col("Release", width=30), Col("Retrieved"),
               Col("Last updated by publisher"), Col("SHA-256", width=20), Col("Size [bytes]", "#,##0"),
               Col("Snapshot origin"), Col("Rows loaded", "#,##0"), Col("Rows rejected", "#,##0"),
               Col("Rows superseded", "#,##0"), Col("Stale"), Col("Error", width=50), Col("SAMPLE data")]
    return SheetSpec("Sources", "Every source file in the warehouse: publisher, title, URL, licence, release, "
                     "retrieval date, checksum and rows loaded", columns, rows, freeze="C2",
                     empty_note="(the warehouse records no source files)")


def _indicator_notes(con) -> SheetSpec:
    rows = con.execute(
        "SELECT i.indicator_id, i.name, i.definition, i.unit, i.source_id, i.dimension_id, d.name, "
        "i.higher_is_better, i.scale_min, i.scale_max "
        "FROM indicators i LEFT JOIN dimensions d USING (dimension_id) ORDER BY i.source_id, i.indicator_id"
    ).fetchall()
    columns = [Col("Indicator id"), Col("Name", width=50), Col("Definition", width=70, wrap=True), Col("Unit"),
               Col("Source"), Col("Dimension id", "0"), Col("Dimension", width=35), Col("Higher is better"),
               Col("Scale minimum"), Col("Scale maximum")]
    return SheetSpec("Indicator notes", "Definition, unit, source and readiness dimension of every indicator",
                     columns, rows, freeze="B2", empty_note="(the warehouse records no indicators)")


def _sample_statement(con, shown: list[str]) -> list[str]:
    """Plain sentences saying which parts rest on SAMPLE data — or that none do."""
    files = [r[0] for r in con.execute("SELECT file FROM sources WHERE is_sample ORDER BY file").fetchall()]
    answers = con.execute("SELECT count(*) FROM survey_responses WHERE is_sample AND list_contains(?, iso3)",
                          [shown]).fetchone()[0]
    cells = con.execute("SELECT count(*), string_agg(DISTINCT iso3, ', ' ORDER BY iso3) FROM readiness "
                        "WHERE uses_sample AND list_contains(?, iso3)", [shown]).fetchone()
    findings = con.execute("SELECT count(*) FROM findings WHERE is_sample "
                           "AND (iso3 IS NULL OR list_contains(?, iso3))", [shown]).fetchone()[0]
    obs = con.execute("SELECT count(*) FROM export_obs WHERE is_sample AND list_contains(?, iso3)",
                      [shown]).fetchone()[0]
    if not (files or answers or cells[0] or findings or obs):
        return ["None: no part of this workbook rests on SAMPLE data."]
    lines = []
    if files:
        lines.append(f"The warehouse holds {len(files)} SAMPLE file(s) — made-up data, not survey results: "
                     + ", ".join(files) + ".")
    if answers:
        lines.append(f"{answers} survey answers of the countries shown are SAMPLE data.")
    if cells[0]:
        lines.append(f"{cells[0]} readiness cells ({cells[1]}) use them: sheets Readiness and Priority gaps, "
                     "column 'Uses SAMPLE survey data'.")
    if findings:
        lines.append(f"{findings} findings are SAMPLE data: sheet Findings, column 'SAMPLE data'.")
    if obs:
        lines.append(f"{obs} indicator values are SAMPLE data: sheet Indicators, column 'SAMPLE data'.")
    else:
        lines.append("No indicator value rests on SAMPLE data (sheets Indicators, Time series, Charts).")
    return lines


def _cover(wb, con, warehouse: Path, selected, comparators, names, year, sample_lines, now) -> None:
    ws = wb.create_sheet("Cover", 0)
    run = con.execute("SELECT run_id, finished_at, status FROM runs WHERE status LIKE 'succeeded%' "
                      "ORDER BY finished_at DESC NULLS LAST, started_at DESC LIMIT 1").fetchone()
    run_text = (f"{run[0]} ({run[2]}, finished {run[1]:%Y-%m-%d %H:%M} UTC)" if run and run[1] is not None
                else f"{run[0]} ({run[2]})" if run else "no succeeded run recorded in `runs`")
    put(ws, 1, 1, "digigov: digital-government evidence extract").font = Font(bold=True, size=14)
    lines = [
        ("Countries", "; ".join(_label(c, names) for c in selected)),
        ("Comparators", "; ".join(_label(c, names) for c in comparators) or "(selected above)"),
        ("World average", "unweighted mean over the UN member states with a value (aggregates, group 'world')"),
        ("Reference year", str(year) if year is not None
         else "the latest year available for each country and indicator"),
        ("Warehouse", str(warehouse)),
        ("Warehouse run", run_text),
        ("Exported", f"{now:%Y-%m-%d %H:%M} UTC by digigov {__version__}"),
    ]
    r = 3
    for label, text in lines:
        put(ws, r, 1, label).font = Font(bold=True)
        put(ws, r, 2, text)
        r += 1
    r += 1
    put(ws, r, 1, "SAMPLE data").font = Font(bold=True)
    for line in sample_lines:
        put(ws, r, 2, line)
        r += 1
    r += 1
    put(ws, r, 1, "How to read").font = Font(bold=True)
    put(ws, r, 2, "Each sheet after Contents holds one Excel table with its header in row 1; units are in "
                  "the headers; blank cells are values the sources do not publish.")
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 110


def _contents(wb, specs: list[tuple[str, str]], index: int) -> None:
    ws = wb.create_sheet("Contents", 1)
    put(ws, 1, 1, "Sheet")
    put(ws, 1, 2, "What it holds")
    for i, (title, text) in enumerate(specs, 2):
        cell = put(ws, i, 1, title)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{title}'!A1", display=title)
        cell.font = Font(color="0563C1", underline="single")
        put(ws, i, 2, text)
    table = Table(displayName=f"tblContents{index}", ref=f"A1:B{len(specs) + 1}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 110


def _charts(wb, ind_ws, ind_meta, ts_ws, ts_meta, year) -> tuple[int, str]:
    ws = wb.create_sheet("Charts")
    n = 0
    notes = []
    rows = ind_meta["egdi_rows"]
    if rows and rows == list(range(rows[0], rows[-1] + 1)):
        years = ind_meta["egdi_years"]
        bar = BarChart()
        bar.type = "col"
        bar.grouping = "clustered"
        when = str(years[0]) if len(years) == 1 else "latest survey year of each country, see Indicators"
        bar.title = f"EGDI {when}: each country against the world average"
        bar.y_axis.title = "EGDI (index 0-1)"
        bar.y_axis.scaling.min = 0
        bar.y_axis.scaling.max = 1
        for col in (ind_meta["value_col"], ind_meta["world_col"]):
            data = Reference(ind_ws, min_col=col, max_col=col, min_row=rows[0], max_row=rows[-1])
            bar.add_data(data, titles_from_data=False)
        _name_series(bar.series[0], ind_ws, 1, ind_meta["value_col"], "EGDI")
        _name_series(bar.series[1], ind_ws, 1, ind_meta["world_col"], "World average")
        # Country names are text: a string reference, or Excel would number the bars 1, 2, 3 …
        cats = Reference(ind_ws, min_col=ind_meta["country_col"], min_row=rows[0], max_row=rows[-1])
        for series in bar.series:
            series.cat = AxDataSource(strRef=StrRef(f=str(cats)))
        _axes_visible(bar)
        bar.width, bar.height = 24, 11
        ws.add_chart(bar, "A3")
        n += 1
    else:
        notes.append(f"No EGDI value for the selection in {year}: the bar chart is left out."
                     if year is not None else "No EGDI value for the selection: the bar chart is left out.")
    trows = ts_meta["egdi_rows"]
    if trows:
        line = LineChart()
        line.title = "EGDI over time (index 0-1)"
        line.y_axis.title = "EGDI (index 0-1)"
        line.x_axis.title = "Survey year"
        line.y_axis.scaling.min = 0
        line.y_axis.scaling.max = 1
        first = ts_meta["first_series_col"]
        data = Reference(ts_ws, min_col=first, max_col=first + ts_meta["n_series"] - 1,
                         min_row=trows[0] - 1 if trows[0] == 2 else trows[0], max_row=trows[-1])
        if trows[0] == 2:  # header row directly above: take series names from it
            line.add_data(data, titles_from_data=True)
        else:
            line.add_data(data, titles_from_data=False)
            for k, s in enumerate(line.series):
                _name_series(s, ts_ws, 1, first + k, None)
        line.set_categories(Reference(ts_ws, min_col=ts_meta["year_col"], min_row=trows[0], max_row=trows[-1]))
        _axes_visible(line)
        line.width, line.height = 24, 11
        ws.add_chart(line, "A26")
        n += 1
    else:
        notes.append("No EGDI time series for the selection: the line chart is left out.")
    put(ws, 1, 1, " ".join(["Native Excel charts drawn from the sheets Indicators and Time series.", *notes]))
    return n, ws.title


def _name_series(series, ws, row: int, col: int, fallback: str | None) -> None:
    """Name a series after its header cell, so renaming the header renames the legend."""
    ref = f"'{ws.title}'!${get_column_letter(col)}${row}"
    series.tx = SeriesLabel(strRef=StrRef(ref)) if fallback is None else SeriesLabel(v=fallback)


def _axes_visible(chart) -> None:
    # openpyxl 3.1 writes <c:delete val="1"/> on axes unless told otherwise; Excel then hides them.
    chart.x_axis.delete = False
    chart.y_axis.delete = False


# ---------------------------------------------------------------------------------------------


def export_workbook(warehouse: Path, out: Path, *, countries: list[str] | None = None,
                    year: int | None = None, force: bool = False) -> dict:
    """Write the Excel extract of `warehouse` to `out`; returns {path, sheets, charts, seconds, bytes}."""
    t0 = time.perf_counter()
    warehouse, out = Path(warehouse), Path(out).expanduser().absolute()
    _check_out(out, force)
    now = dt.datetime.now(dt.timezone.utc)
    with connect_readonly(warehouse) as con:
        selected, comparators, names = _resolve_countries(con, countries)
        shown = selected + comparators
        # One pass over the `observations` view (its "value in force" window is the costly part);
        # a TEMP table lives in memory, so the warehouse file stays read-only.
        con.execute("CREATE TEMP TABLE export_obs AS SELECT * FROM observations WHERE list_contains(?, iso3)",
                    [shown])
        year = _check_year(con, year, selected)

        wb = Workbook()
        wb.remove(wb.active)
        ind_spec, ind_meta = _indicators(con, selected, comparators, names, year)
        ts_spec, ts_meta = _time_series(con, selected, comparators, names)
        rd_spec, score_cols, level_cols = _readiness(con, shown, names)
        specs = [_sources(con), _indicator_notes(con), ind_spec, ts_spec, rd_spec,
                 _priority_gaps(con, selected), _findings(con, selected), _institutions(con, selected, names)]
        sheets = {}
        for k, spec in enumerate(specs, 1):
            sheets[spec.title] = _write_table(wb, spec, k)
        _colour_readiness(sheets["Readiness"], max(1, len(rd_spec.rows)), score_cols, level_cols)
        n_charts, charts_title = _charts(wb, sheets["Indicators"], ind_meta, sheets["Time series"], ts_meta, year)
        contents = [("Cover", "Title, countries, warehouse run, export date and what rests on SAMPLE data"),
                    ("Contents", "This list")]
        contents += [(s.title, s.description) for s in specs]
        contents.append((charts_title, "Native Excel charts: EGDI of each country against the world average, "
                                       "and EGDI over time (drawn from Indicators and Time series)"))
        _cover(wb, con, warehouse, selected, comparators, names, year, _sample_statement(con, shown), now)
        _contents(wb, contents, len(specs) + 1)

    props = wb.properties
    props.title = f"digigov extract: {', '.join(selected)}" + (f", {year}" if year is not None else "")
    props.creator = "digigov"
    props.description = (f"Digital-government evidence for {', '.join(selected)} against "
                         f"{', '.join(comparators) or 'the comparators'} and the world average, "
                         f"from the digigov warehouse {warehouse.name}")
    props.created = now.replace(tzinfo=None)
    _save_atomically(wb, out)
    return {"path": str(out), "sheets": wb.sheetnames, "charts": n_charts,
            "seconds": round(time.perf_counter() - t0, 3), "bytes": out.stat().st_size}


def _save_atomically(wb: Workbook, out: Path) -> None:
    """Temp file in the target folder, then rename: a reader never sees half a workbook."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".xlsx.tmp", dir=out.parent)
    except OSError as exc:
        raise DigigovError(f"{out}: cannot write in {out.parent}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            wb.save(fh)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except OSError as exc:
        raise DigigovError(f"{out}: cannot write the workbook: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
