"""Excel extract of the published warehouse for reports (`digigov export`).

The workbook is built in two steps. First every sheet is described (model.py) from the queries of
`sql/export/`, with the warehouse opened read-only (the queries share TEMP tables, which live in
memory): that is where it is decided which values an extract shows (the latest up to `--year`,
the readiness reference year up to it) and which charts cannot be drawn. Then layout.py writes the
sheets with XlsxWriter, charts.py draws the charts, and the file is written next to the target and
renamed, so a reader never sees half a workbook.

Sheet order: Cover, Contents, Notes, a profile per focus country and one for the comparators,
Charts, then the data sheets (headline indices first), the method, the survey, the sources, and
the chart data last.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

import xlsxwriter

from digigov.errors import DigigovError
from digigov.settings import load_config
from digigov.warehouse.export import cover, figures, profiles, tables
from digigov.warehouse.export.charts import place_charts
from digigov.warehouse.export.context import Extract, frame, records, run
from digigov.warehouse.export.layout import Formats, finish_sheet, write_sheet
from digigov.warehouse.export.method_sheet import method_sheet
from digigov.warehouse.query import connect_readonly

WORKBOOK_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}


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
    (span,) = records(frame(con, "year_span", year=year))
    if not span["n_values"]:
        lo, hi = span["first_year"], span["last_year"]
        what = f"their data cover {lo}–{hi}" if lo is not None else "they have no observations at all"
        raise DigigovError(f"no data up to {year} for {', '.join(selected)}: {what}")
    return year



def _reference_year(con, year: int | None) -> dict:
    """The readiness reference year of the export (reference_year.sql): the latest one up to `year`
    (none: the earliest, with before_first), or the latest without `year`; its `text` says which."""
    (ref,) = records(frame(con, "reference_year", year=year))
    y, years = ref["ref_year"], ", ".join(str(v) for v in ref["ref_years"])
    if y is None and ref["before_first"]:
        ref["text"] = f"no readiness reference year up to {year} (the warehouse's are {years})"
    elif y is None:
        ref["text"] = "the warehouse holds no readiness scores"
    elif year is None:
        ref["text"] = f"reference year {y}, the latest of {years}"
    else:
        ref["text"] = f"reference year {y}, the latest of {years} up to {year}"
    return ref



def export_workbook(warehouse: Path, out: Path, *, countries: list[str] | None = None,
                    year: int | None = None, force: bool = False, contact: str | None = None) -> dict:
    """Write the Excel extract of `warehouse` to `out`; returns {path, sheets, charts, skipped_charts,
    seconds, bytes}."""
    t0 = time.perf_counter()
    warehouse, out = Path(warehouse), Path(out).expanduser().absolute()
    _check_out(out, force)
    now = dt.datetime.now(dt.timezone.utc)
    cfg = load_config("export")
    with connect_readonly(warehouse) as con:
        known = records(frame(con, "countries"))
        selected, comparators = _resolve_countries(known, countries)
        run(con, "selection", selected=selected, shown=selected + comparators)
        run(con, "setup")
        year = _check_year(con, year, selected)
        ex = Extract(con=con, cfg=cfg, names={c["iso3"]: c["name"] for c in known}, selected=selected,
                     comparators=comparators, comparators_all=[c["iso3"] for c in known if c["comparator"]],
                     year=year, ref=_reference_year(con, year))
        (span,) = records(frame(con, "period", year=year))
        ex.period = (f"{span['first_year']}–{span['last_year']}" if span["first_year"] is not None
                     else "no values")
        sheets = _sheets(ex, now, contact)

    _write(sheets, out, ex, now)
    n_charts = sum(len(s.charts) for s in sheets)
    return {"path": str(out), "sheets": [s.name for s in sheets], "charts": n_charts,
            "skipped_charts": list(ex.skipped_charts), "seconds": round(time.perf_counter() - t0, 3),
            "bytes": out.stat().st_size}


def _sheets(ex: Extract, now: dt.datetime, contact: str | None) -> list:
    """Every sheet, in workbook order, described before any is written."""
    time_series, series = tables.time_series(ex)
    index_blocks = {figures.INDICES[i].lower(): figures.index_block(ex, series, i) for i in figures.INDICES}
    latest, roles = figures.latest_egdi_block(ex, series)
    cells = frame(ex.con, "readiness_cells", ref_year=ex.ref["ref_year"])
    readiness_blocks = [figures.readiness_block(ex, cells, c) for c in ex.shown]
    front = profiles.profiles(ex, index_blocks)
    front.append(figures.group_charts_sheet(ex, index_blocks["egdi"], latest, roles))
    body = [tables.indicators(ex), tables.gtmi_items(ex), time_series, tables.readiness(ex),
            tables.priority_gaps(ex), tables.readiness_components(ex), method_sheet(ex.con),
            tables.findings(ex), tables.institutions(ex), tables.survey_summary(ex), tables.survey_comments(ex),
            tables.survey_answers(ex), tables.sources(ex), tables.definitions(ex),
            figures.chart_data_sheet(ex, [*index_blocks.values(), latest, *readiness_blocks])]
    notes = cover.notes_sheet(ex)
    cover_sheet = cover.cover_sheet(ex, now=now, contact=contact)   # after the charts: it lists those not drawn
    rest = [notes, *front, *body]
    return [cover_sheet, cover.contents_sheet(cover_sheet, rest), *rest]


def _write(sheets: list, out: Path, ex: Extract, now: dt.datetime) -> None:
    """Write the sheets, then the charts (which may refer to any sheet), then page setup; save
    to a temporary file in the target folder and rename it."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".xlsx.tmp", dir=out.parent)
        os.close(fd)
    except OSError as exc:
        raise DigigovError(f"{out}: cannot write in {out.parent}: {exc.strerror or exc}") from None
    try:
        wb = xlsxwriter.Workbook(tmp, WORKBOOK_OPTIONS)
        fmts = Formats(wb)
        written = [write_sheet(wb, fmts, s, text_width=cover.COVER_WIDTH if s.name == "Cover" else None)
                   for s in sheets]
        placed = {(w.sheet.name, key): p for w in written for key, p in w.blocks.items()}
        colours = {"palette": ex.cfg["palette"], "world": ex.cfg["world_colour"],
                   "comparator": ex.cfg["comparator_colour"]}
        title = cover.statistical_title(ex)
        header = f"Digital government: {', '.join(ex.selected)}, {ex.period}"
        footer = f"digigov extract, {now:%Y-%m-%d}"
        for w in written:
            place_charts(wb, w, placed, colours)
            finish_sheet(w, header=header, footer=footer)
        wb.set_properties({
            "title": title, "subject": "Digital-government indices, readiness and survey evidence",
            "author": "digigov", "keywords": "e-government, EGDI, GTMI, readiness, " + ", ".join(ex.selected),
            "comments": f"Extract of a digigov warehouse; {ex.as_of}; readiness {ex.ref_text}.",
            "created": now.replace(tzinfo=None)})
        wb.close()
        _finish_package(Path(tmp), ex.cfg["language"])
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except OSError as exc:
        raise DigigovError(f"{out}: cannot write the workbook: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)




def _finish_package(path: Path, language: str) -> None:
    """Two things XlsxWriter does not write, added to the saved package: the document language
    (docProps/core.xml dc:language, read by screen readers and the accessibility checker) and an
    explicit `<c:smooth val="0"/>` on every line series and `<c:dispBlanksAs val="gap"/>` on every
    chart (XlsxWriter leaves both out as its defaults, and another reader's defaults need not be
    straight lines and gaps)."""
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    fixed = path.with_suffix(".finished")
    with zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            if info.filename == "docProps/core.xml" and b"<dc:language>" not in data:
                data = data.replace(b"</cp:coreProperties>",
                                    f"<dc:language>{language}</dc:language></cp:coreProperties>".encode())
            elif info.filename.startswith("xl/charts/chart"):
                if b"<c:scatterChart>" in data:
                    data = _straight(data)
                if b"<c:dispBlanksAs" not in data:   # XlsxWriter omits its default, a gap: say it
                    data = data.replace(b'<c:plotVisOnly val="1"/>', b'<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/>')
            zout.writestr(info, data)
    shutil.move(fixed, path)


def _straight(chart: bytes) -> bytes:
    """Close every series without a smooth element with smooth off (its last element, per the
    schema, when there is no extension list)."""
    parts = chart.split(b"</c:ser>")
    out = [p if (b"<c:smooth " in p.rsplit(b"<c:ser>", 1)[-1] or b"<c:extLst>" in p.rsplit(b"<c:ser>", 1)[-1])
           else p + b'<c:smooth val="0"/>' for p in parts[:-1]]
    return b"</c:ser>".join(out + parts[-1:])
