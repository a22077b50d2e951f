"""Excel extract of the published warehouse for reports (`digigov export`).

The workbook follows statistical-office conventions so that it can be handed to an analyst as is:
one Excel table per sheet with its header in row 1, units in the headers, number formats, frozen
headers, native charts that reference the data sheets, and notes generated from the warehouse
itself (never hand-written, so they cannot drift from the data).

Every sheet's rows come from one query in `sql/export/` (package data), world averages and
comparator columns included (PIVOTs there); this module only resolves the arguments, runs the
queries and writes their frames, naming each column it writes. The warehouse is only ever opened
read-only (the queries share TEMP tables, which live in memory), and the file is written to a
temporary file next to the target and renamed, so a reader never sees half a workbook.
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

import pandas as pd
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

SQL_DIR = Path(__file__).parent.parent / "sql" / "export"
UN_INDICES = ["un.egdi", "un.epi", "un.osi", "un.hci", "un.tii"]
EGDI = "un.egdi"
# Text starting with one of these would be taken for a formula by Excel (CSV/formula injection).
FORMULA_START = ("=", "+", "-", "@")
LEVEL_FILLS = {"low": "F8CBAD", "medium": "FFE699", "high": "C6E0B4"}
MAX_WIDTH = 60
MAX_CELL_TEXT = 32_767  # characters an Excel cell holds


@dataclass
class Col:
    """A table column: the query column it shows, header (with its unit), number format (or one
    per row, from the row's values by name) and width cap."""

    name: str
    header: str
    fmt: str | Callable[[dict], str] | None = None
    width: int | None = None
    wrap: bool = False


@dataclass
class SheetSpec:
    title: str
    description: str
    columns: list[Col] = field(default_factory=list)
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    freeze: str = "A2"
    empty_note: str = "(no rows for the selected countries)"


def _col(columns: list[Col], name: str) -> int:
    """Sheet column number (1-based) of the query column `name`: what the charts reference."""
    return next(j for j, col in enumerate(columns, 1) if col.name == name)


# ---------------------------------------------------------------------------------------------
# SQL


def _sql(name: str) -> str:
    """Text of sql/export/<name>.sql, shipped next to this module as package data."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def _run(con, name: str, **params):
    """Execute sql/export/<name>.sql with its $name parameters (a file without any may hold
    several statements, which DuckDB only runs unprepared)."""
    return con.execute(_sql(name), params) if params else con.execute(_sql(name))


def _frame(con, name: str, **params) -> pd.DataFrame:
    """The rows of sql/export/<name>.sql as a frame of the Python values DuckDB returns.

    dtype=object keeps those values as they are (an integer next to a NULL stays an integer, a
    boolean stays a boolean), so every cell holds what the warehouse holds, not a pandas conversion."""
    cur = _run(con, name, **params)
    return pd.DataFrame(cur.fetchall(), columns=[d[0] for d in cur.description], dtype=object)


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as {column: value}, so that every value is taken by its column's name."""
    return frame.to_dict("records")


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


def _resolve_countries(known: list[dict], countries: list[str] | None) -> tuple[list[str], list[str]]:
    """(selected, comparators not selected) from the rows of countries.sql; unknown codes are named
    in the error."""
    comparators = [c["iso3"] for c in known if c["comparator"]]
    if countries is None:
        selected = [c["iso3"] for c in known if c["focus"]]
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
        codes = {c["iso3"] for c in known}
        unknown = [c for c in selected if c not in codes]
        if unknown:
            raise DigigovError(f"unknown country code{'s' if len(unknown) > 1 else ''} "
                               f"{', '.join(repr(c) for c in unknown)}: not in the warehouse's `countries` "
                               "(give ISO3 codes, e.g. KAZ)")
    return selected, [c for c in comparators if c not in selected]


def _check_year(con, year: int | None, selected: list[str]) -> int | None:
    if year is None:
        return None
    if isinstance(year, bool) or not isinstance(year, int):
        try:
            year = int(str(year))
        except ValueError:
            raise DigigovError(f"year {year!r} is not a year") from None
    (span,) = _records(_frame(con, "year_span", year=year))
    if not span["n_values"]:
        lo, hi = span["first_year"], span["last_year"]
        what = f"their data cover {lo}–{hi}" if lo is not None else "they have no observations at all"
        raise DigigovError(f"no data for {year} for {', '.join(selected)}: {what}")
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
        if len(value) > MAX_CELL_TEXT:  # Excel would cut it without a word: cut it here, and say so
            mark = f" […cut: {len(value):,} characters in the warehouse]"
            value = value[:MAX_CELL_TEXT - len(mark)] + mark
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
    # Selecting the named columns fails loudly on a name the query does not return.
    rows = _records(spec.frame[[col.name for col in spec.columns]])
    rows = rows or [{spec.columns[0].name: spec.empty_note}]
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(rows, 2):
        for j, col in enumerate(spec.columns, 1):
            cell = put(ws, i, j, row.get(col.name))
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


def _widths(ws, columns: list[Col], rows: list[dict]) -> None:
    for j, col in enumerate(columns):
        longest = len(col.header)
        for row in rows[:300]:
            v = row.get(col.name)
            if v is None:
                continue
            text = f"{v:.3f}" if isinstance(v, float) else str(v)
            longest = max(longest, len(text))
        width = min(col.width or MAX_WIDTH, longest + 2)
        ws.column_dimensions[get_column_letter(j + 1)].width = max(8, width)


def _label(iso3: str, names: dict[str, str]) -> str:
    return f"{names.get(iso3, iso3)} ({iso3})"


def _indicators(con, comparators_all: list[str], names, year) -> tuple[SheetSpec, dict]:
    """Latest (or year N) value of every indicator per selected country, with world and comparators.

    The comparators are all of the group, also one that is selected: the columns stay the same
    whatever the selection."""
    frame = _frame(con, "indicators", year=year)
    fmt = lambda row: unit_format(row["unit"])  # noqa: E731 - the row's own unit decides
    columns = [Col("indicator_id", "Indicator id"), Col("indicator", "Indicator", width=50), Col("unit", "Unit"),
               Col("iso3", "ISO3"), Col("country", "Country"), Col("year", "Year"),
               Col("value", "Value [unit]", fmt), Col("world_value", "World average [unit]", fmt),
               Col("world_countries", "World average: countries averaged", "0")]
    columns += [Col(c, f"{_label(c, names)} [unit]", fmt) for c in comparators_all]
    columns += [Col("source_id", "Source"), Col("release", "Release", width=30), Col("is_sample", "SAMPLE data")]
    what = f"in {year}" if year is not None else "latest year available per country and indicator"
    spec = SheetSpec("Indicators",
                     f"Value of every indicator for each selected country ({what}), next to the world "
                     f"average and the comparators ({', '.join(comparators_all)}) for the same year",
                     columns, frame, freeze="F2")
    egdi = [(k + 2, row["year"]) for k, row in enumerate(_records(frame)) if row["indicator_id"] == EGDI]
    return spec, {"egdi_rows": [k for k, _ in egdi], "egdi_years": sorted({y for _, y in egdi}),
                  "value_col": _col(columns, "value"), "world_col": _col(columns, "world_value"),
                  "country_col": _col(columns, "country")}


def _time_series(con, shown, names) -> tuple[SheetSpec, dict]:
    """UN indices over all survey years: one row per index × year, one column per country."""
    units = set(_frame(con, "un_indices", indices=UN_INDICES)["unit"])
    unit = units.pop() if len(units) == 1 else "unit of the indicator"
    fmt = unit_format(unit) if unit != "unit of the indicator" else "General"
    frame = _frame(con, "time_series", indices=UN_INDICES)
    columns = [Col("indicator_id", "Indicator id"), Col("indicator", "Indicator", width=45), Col("year", "Year")]
    columns += [Col(c, f"{_label(c, names)} [{unit}]", fmt, width=24) for c in shown]
    columns += [Col("world_value", f"World average [{unit}]", fmt, width=24)]
    spec = SheetSpec("Time series",
                     "UN E-Government indices (EGDI, EPI, OSI, HCI, TII) in every survey year for the "
                     "selected countries, the comparators and the world average",
                     columns, frame, freeze="D2")
    return spec, {"egdi_rows": [k + 2 for k, ind in enumerate(frame["indicator_id"]) if ind == EGDI],
                  "first_series_col": _col(columns, shown[0]), "n_series": len(shown) + 1,
                  "year_col": _col(columns, "year")}


def _reference_year(con, year: int | None) -> dict:
    """The readiness reference year of the export (reference_year.sql): the latest one up to `year`
    (none: the earliest, with before_first), or the latest without `year`; its `text` says which."""
    (ref,) = _records(_frame(con, "reference_year", year=year))
    y, years = ref["ref_year"], ", ".join(str(v) for v in ref["ref_years"])
    if y is None:
        ref["text"] = "the warehouse holds no readiness scores"
    elif ref["before_first"]:
        ref["text"] = f"reference year {y} (the earliest: none of {years} is {year} or earlier)"
    elif year is None:
        ref["text"] = f"reference year {y}, the latest of {years}"
    else:
        ref["text"] = f"reference year {y}, the latest of {years} up to {year}"
    return ref


def _readiness(con, ref: dict) -> tuple[SheetSpec, list[int], list[int]]:
    """One row per exported country: per dimension the score, its 5-95 % interval and the level."""
    columns = [Col("iso3", "ISO3"), Col("country", "Country")]
    score_cols, level_cols = [], []
    for dim in _records(_frame(con, "dimensions")):
        d = dim["dimension_id"]
        score_cols.append(len(columns) + 1)
        columns.append(Col(f"{d}_score", f"D{d} {dim['name']} (score 0-1)", "0.000", width=22))
        columns.append(Col(f"{d}_p05", f"D{d} 5th percentile (score 0-1)", "0.000", width=14))
        columns.append(Col(f"{d}_p95", f"D{d} 95th percentile (score 0-1)", "0.000", width=14))
        level_cols.append(len(columns) + 1)
        columns.append(Col(f"{d}_level", f"D{d} level", width=12))
    columns.append(Col("unscored", "Dimensions without a score: why", width=60, wrap=True))
    spec = SheetSpec("Readiness",
                     f"Readiness matrix, {ref['text']}: one row per country, for each of the nine dimensions "
                     "the score (0-1), its 5-95 % interval from the uncertainty analysis (Monte Carlo over "
                     "the method's choices) and the level (low/medium/high); 'no score' where the "
                     "dimension cannot be scored, the reason in the last column. A score rests on the "
                     "international indicators and, where real survey answers are dated in its window, on "
                     "the survey; SAMPLE answers never enter it",
                     columns, _frame(con, "readiness", ref_year=ref["ref_year"]), freeze="C2")
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


def _priority_gaps(con, ref: dict) -> SheetSpec:
    columns = [Col("iso3", "ISO3"), Col("country", "Country"), Col("priority", "Priority (1 = weakest)", "0"),
               Col("dimension_id", "Dimension id", "0"), Col("dimension", "Dimension", width=40),
               Col("score", "Score (0-1)", "0.000"), Col("score_p05", "Score 5th percentile (0-1)", "0.000"),
               Col("score_p95", "Score 95th percentile (0-1)", "0.000"), Col("level", "Level"),
               Col("gap_to_comparators", "Gap to comparators (score points)", "0.000"),
               Col("gap_to_world", "Gap to world (score points)", "0.000"),
               Col("missing", "Missing evidence", width=45, wrap=True)]
    return SheetSpec("Priority gaps", f"Each selected country's weakest scored dimensions (its priority gaps), "
                     f"{ref['text']}, with the score's 5-95 % interval and the gap to the comparators and to "
                     "the world", columns, _frame(con, "priority_gaps", ref_year=ref["ref_year"]), freeze="C2")


def _readiness_components(con, ref: dict) -> SheetSpec:
    fmt = lambda row: unit_format(row["unit"])  # noqa: E731 - the row's own unit decides
    columns = [Col("iso3", "ISO3"), Col("country", "Country"), Col("dimension_id", "Dimension id", "0"),
               Col("dimension", "Dimension", width=35), Col("concept", "Concept", width=30),
               Col("indicator_id", "Indicator id"), Col("indicator", "Indicator", width=45), Col("unit", "Unit"),
               Col("value", "Value [unit]", fmt), Col("value_year", "Value year"),
               Col("goalpost_low", "Goalpost low [unit]", fmt), Col("goalpost_high", "Goalpost high [unit]", fmt),
               Col("normalised", "Normalised (0-1)", "0.000"), Col("weight", "Weight in the evidence score", "0.000"),
               Col("source_id", "Source"), Col("release", "Release", width=30),
               Col("note", "Note", width=60, wrap=True)]
    return SheetSpec("Readiness components",
                     f"What each selected country's readiness scores rest on, {ref['text']}: one row per "
                     "dimension and concept with the series used, its value and year, the goalposts, the "
                     "normalised value and its weight in the evidence score (the international-data part "
                     "of the score)", columns, _frame(con, "readiness_components", ref_year=ref["ref_year"]),
                     freeze="C2")


def _findings(con) -> SheetSpec:
    columns = [Col("finding_id", "Finding id"), Col("iso3", "ISO3 (blank: the whole group)"),
               Col("dimension_id", "Dimension id", "0"), Col("dimension", "Dimension", width=30),
               Col("topic", "Topic", width=25), Col("statement", "Statement", width=60, wrap=True),
               Col("evidence", "Evidence", width=40, wrap=True), Col("count_countries", "Countries counted", "0"),
               Col("source_id", "Source"), Col("is_sample", "SAMPLE data"),
               Col("check_status", "Check against the data"),
               Col("check_detail", "Check detail", width=50, wrap=True)]
    return SheetSpec("Findings", "Findings of the needs assessment (and of the survey workbooks) for the "
                     "selected countries, with the result of checking each against the data",
                     columns, _frame(con, "findings"), freeze="B2")


def _survey_answers(con) -> SheetSpec:
    columns = [Col("iso3", "ISO3"), Col("country", "Country"), Col("organisation", "Organisation", width=40, wrap=True),
               Col("organisation_type", "Type"), Col("organisation_level", "Level"), Col("response_date", "Date"),
               Col("number", "No."), Col("question_id", "Question id"),
               Col("question", "Question", width=50, wrap=True), Col("answer", "Answer", width=40, wrap=True),
               Col("comment", "Comment", width=50, wrap=True), Col("source_file", "Workbook", width=30),
               Col("cell", "Cell", width=20), Col("is_sample", "SAMPLE data")]
    return SheetSpec("Survey answers", "Survey answers of each organisation (its current workbook) for the selected "
                     "countries, with the comment given with each answer",
                     columns, _frame(con, "survey_answers"), freeze="D2",
                     empty_note="(no survey answers for the selected countries)")


def _survey_lines(con) -> list[str]:
    """Plain sentences on who answered the survey, per selected country (response tracking)."""
    lines = []
    for t in _records(_frame(con, "survey_tracking")):
        parts = []
        if t["expected"]:
            parts.append(f"{t['answered']} of {t['expected']} expected organisations sent real answers "
                         f"({t['response_rate']:.0%})")
            if t["not_answered"]:
                parts.append("not yet: " + "; ".join(t["not_answered"]))
        else:
            parts.append(f"{t['organisations']} organisation(s) sent real answers (no roster of expected organisations)")
        if t["sample_organisations"]:
            parts.append(f"{t['sample_organisations']} SAMPLE workbook(s), never counted as answers")
        lines.append(f"{t['country']} ({t['iso3']}): " + "; ".join(parts) + ".")
    return lines or ["No survey workbooks and no roster of expected organisations for the countries shown."]


def _institutions(con) -> SheetSpec:
    columns = [Col("iso3", "ISO3"), Col("country", "Country"), Col("body", "Body", width=50, wrap=True),
               Col("role", "Role", width=40, wrap=True), Col("parent_body", "Parent body", width=40, wrap=True),
               Col("note", "Note", width=50, wrap=True), Col("source_id", "Source")]
    return SheetSpec("Institutions", "Institutions responsible for digital government in each selected country",
                     columns, _frame(con, "institutions"), freeze="C2")


def _sources(con) -> SheetSpec:
    columns = [Col("source_id", "Source id"), Col("file", "File", width=45), Col("publisher", "Publisher", width=40),
               Col("title", "Title", width=50), Col("url", "URL", width=50), Col("licence", "Licence", width=40),
               Col("release", "Release", width=30), Col("retrieved_at", "Retrieved"),
               Col("last_updated", "Last updated by publisher"), Col("sha256", "SHA-256", width=20),
               Col("size", "Size [bytes]", "#,##0"), Col("snapshot_origin", "Snapshot origin"),
               Col("rows_loaded", "Rows loaded", "#,##0"), Col("rows_rejected", "Rows rejected", "#,##0"),
               Col("rows_superseded", "Rows superseded", "#,##0"), Col("stale", "Stale"),
               Col("error", "Error", width=50), Col("is_sample", "SAMPLE data")]
    return SheetSpec("Sources", "Every source file in the warehouse: publisher, title, URL, licence, release, "
                     "retrieval date, checksum and rows loaded", columns, _frame(con, "sources"), freeze="C2",
                     empty_note="(the warehouse records no source files)")


def _indicator_notes(con) -> SheetSpec:
    columns = [Col("indicator_id", "Indicator id"), Col("name", "Name", width=50),
               Col("definition", "Definition", width=70, wrap=True), Col("unit", "Unit"), Col("source_id", "Source"),
               Col("dimension_id", "Dimension id", "0"), Col("dimension", "Dimension", width=35),
               Col("higher_is_better", "Higher is better"), Col("scale_min", "Scale minimum"),
               Col("scale_max", "Scale maximum")]
    return SheetSpec("Indicator notes", "Definition, unit, source and readiness dimension of every indicator",
                     columns, _frame(con, "indicator_notes"), freeze="B2",
                     empty_note="(the warehouse records no indicators)")


def _sample_statement(con) -> list[str]:
    """Plain sentences saying which parts rest on SAMPLE data — or that none do."""
    (s,) = _records(_frame(con, "sample_data"))
    files, answers = s["sample_files"], s["sample_answers"]
    findings, obs = s["sample_findings"], s["sample_values"]
    if not (files or answers or findings or obs):
        return ["None: no part of this workbook rests on SAMPLE data."]
    lines = []
    if files:
        lines.append(f"The warehouse holds {len(files)} SAMPLE file(s) — made-up data, not survey results: "
                     + ", ".join(files) + ".")
    if answers:
        lines.append(f"{answers} survey answers of the countries shown are SAMPLE data. They are in the "
                     "warehouse's survey views and sheet Survey answers only and never enter a readiness score "
                     "(sheets Readiness, Priority gaps, Readiness components).")
    if findings:
        lines.append(f"{findings} findings are SAMPLE data: sheet Findings, column 'SAMPLE data'.")
    if obs:
        lines.append(f"{obs} indicator values are SAMPLE data: sheet Indicators, column 'SAMPLE data'.")
    else:
        lines.append("No indicator value rests on SAMPLE data (sheets Indicators, Time series, Charts).")
    return lines


def _cover(wb, con, warehouse: Path, selected, comparators, names, year, ref, sample_lines, now) -> None:
    ws = wb.create_sheet("Cover", 0)
    runs = _records(_frame(con, "last_run"))
    run = runs[0] if runs else None
    run_text = (f"{run['run_id']} ({run['status']}, finished {run['finished_at']:%Y-%m-%d %H:%M} UTC)"
                if run and run["finished_at"] is not None
                else f"{run['run_id']} ({run['status']})" if run else "no succeeded run recorded in `runs`")
    put(ws, 1, 1, "digigov: digital-government evidence extract").font = Font(bold=True, size=14)
    lines = [
        ("Countries", "; ".join(_label(c, names) for c in selected)),
        ("Comparators", "; ".join(_label(c, names) for c in comparators) or "(selected above)"),
        ("World average", "unweighted mean over the UN member states with a value (aggregates, group 'world')"),
        ("Indicator year", str(year) if year is not None
         else "the latest year available for each country and indicator"),
        ("Readiness", ref["text"][:1].upper() + ref["text"][1:]
         + " (sheets Readiness, Priority gaps, Readiness components)"),
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
    put(ws, r, 1, "Survey responses").font = Font(bold=True)
    for line in _survey_lines(con):
        put(ws, r, 2, line).alignment = Alignment(wrap_text=True, vertical="top")
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
        known = _records(_frame(con, "countries"))
        names = {c["iso3"]: c["name"] for c in known}
        comparators_all = [c["iso3"] for c in known if c["comparator"]]
        selected, comparators = _resolve_countries(known, countries)
        shown = selected + comparators
        _run(con, "selection", selected=selected, shown=shown)
        _run(con, "setup")
        year = _check_year(con, year, selected)
        ref = _reference_year(con, year)

        wb = Workbook()
        wb.remove(wb.active)
        ind_spec, ind_meta = _indicators(con, comparators_all, names, year)
        ts_spec, ts_meta = _time_series(con, shown, names)
        rd_spec, score_cols, level_cols = _readiness(con, ref)
        specs = [_sources(con), _indicator_notes(con), ind_spec, ts_spec, rd_spec,
                 _priority_gaps(con, ref), _readiness_components(con, ref), _findings(con), _survey_answers(con),
                 _institutions(con)]
        sheets = {}
        for k, spec in enumerate(specs, 1):
            sheets[spec.title] = _write_table(wb, spec, k)
        _colour_readiness(sheets["Readiness"], max(1, len(rd_spec.frame)), score_cols, level_cols)
        n_charts, charts_title = _charts(wb, sheets["Indicators"], ind_meta, sheets["Time series"], ts_meta, year)
        contents = [("Cover", "Title, countries, warehouse run, export date, what rests on SAMPLE data and "
                              "who answered the survey"),
                    ("Contents", "This list")]
        contents += [(s.title, s.description) for s in specs]
        contents.append((charts_title, "Native Excel charts: EGDI of each country against the world average, "
                                       "and EGDI over time (drawn from Indicators and Time series)"))
        _cover(wb, con, warehouse, selected, comparators, names, year, ref, _sample_statement(con), now)
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
