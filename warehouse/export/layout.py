"""Writes the sheets of model.py into an XlsxWriter workbook: where every row goes, its format,
column widths, row heights and how the sheet prints.

One place decides the conventions of the UK Government Analysis Function's *Releasing statistics
in spreadsheets*: the sheet's title in A1 and its text in column A above the tables (wrapped into
rows at the tables' width, so nothing runs off the printed page); a title row above each table;
one header row; shorthand instead of blank cells; an Excel table for each, so a screen reader
knows its header. Row heights are set from the text of wrapped cells, because neither Excel nor
LibreOffice grows a row that a program wrote.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

from digigov.warehouse.export.model import SHORTHAND, Block, Col, Sheet

LINE_HEIGHT = 15.0           # points per line of 11-point Calibri
MAX_WIDTH = 60               # characters, for a column without its own cap
MIN_TEXT_WIDTH = 90          # characters: the text above a narrow table still wraps at this width
TEXT_FILL = 0.9              # text lines fill this share of the width: a substitute font may be wider
MAX_CELL_TEXT = 32_767       # characters an Excel cell holds
ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")   # control characters XML cannot hold
HEADER_FILL = "DCE6F1"
LEVEL_FILLS = {"low": "F8CBAD", "medium": "FFE699", "high": "C6E0B4"}
TABLE_STYLE = "Table Style Light 1"
PX_PER_CHAR = 7.0            # a column of width w is about 7 w + 5 pixels wide (Calibri 11)
ROW_PX = 20                  # a 15-point row
LANDSCAPE_FROM = 125         # characters of table width: wider tables print landscape


@dataclass
class Placed:
    """Where a block landed (0-based rows and columns): what charts and tests refer to."""

    sheet: str
    title_row: int
    header_row: int
    first_row: int
    last_row: int            # inclusive; first_row - 1 when the block has no rows
    cols: dict[str, int]
    n_rows: int

    def col(self, name: str) -> int:
        return self.cols[name]


@dataclass
class Written:
    """A written sheet: its worksheet, blocks by key, the next free row and the width in use."""

    ws: Any
    sheet: Sheet
    blocks: dict[str, Placed] = field(default_factory=dict)
    next_row: int = 0
    last_col: int = 0
    widths: list[float] = field(default_factory=list)
    anchors: list = field(default_factory=list)     # (ChartSpec, row, x offset in pixels)


class Formats:
    """XlsxWriter formats made once per workbook and shared (each distinct one is a style)."""

    def __init__(self, wb):
        self._wb = wb
        self._cache: dict[tuple, Any] = {}

    def dxf(self, **props) -> Any:
        """A conditional format: only what it changes (no font, which Excel would refuse)."""
        key = ("dxf",) + tuple(sorted(props.items()))
        if key not in self._cache:
            self._cache[key] = self._wb.add_format(props)
        return self._cache[key]

    def get(self, **props) -> Any:
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            self._cache[key] = self._wb.add_format({"font_name": "Calibri", "font_size": 11, **props})
        return self._cache[key]


def text(value: Any) -> str:
    """A cell's text as the reader sees it: control characters removed, cut (and said so) where
    Excel would cut it without a word."""
    value = ILLEGAL.sub("", str(value))
    if len(value) > MAX_CELL_TEXT:
        mark = f" […cut: {len(value):,} characters in the warehouse]"
        value = value[:MAX_CELL_TEXT - len(mark)] + mark
    return value


def plain(value: Any) -> Any:
    """Python values a cell can hold; None for a missing one (NaN included)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, (int, str, dt.date, dt.datetime)):
        return value
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    try:
        number = float(value)  # Decimal, numpy scalars
    except (TypeError, ValueError):
        return str(value)
    return None if math.isnan(number) else number


def shown(value: Any) -> str:
    """How wide a value is on screen, for column widths."""
    if isinstance(value, float):
        return f"{value:,.3f}"
    if isinstance(value, dt.datetime):
        return "2026-01-01 00:00"
    return str(value)


def lines_of(value: str, width: float, fill: float = 1.1) -> int:
    """Lines a wrapped cell of `width` characters needs for `value`: Calibri's letters are narrower
    than the width unit's "0" (`fill` 1.1), bold ones less so."""
    chars = max(1, int(width * fill) - 1)
    return sum(max(1, len(textwrap.wrap(part, chars, break_long_words=True))) for part in value.split("\n"))


def wrap_lines(value: str, width: int) -> list[str]:
    return textwrap.wrap(value, width, break_long_words=False, break_on_hyphens=False) or [""]


def _widths(sheet: Sheet) -> list[float]:
    """One width per column over every block of the sheet (they share the columns)."""
    widths: list[float] = []
    for block in sheet.blocks:
        rows = block.frame[[c.name for c in block.columns]].head(400).to_dict("records") if len(block.frame) else []
        for j, col in enumerate(block.columns):
            cap = col.width or MAX_WIDTH
            longest_word = max((len(w) for w in col.header.split()), default=4)
            values = [shown(plain(r[col.name])) for r in rows if plain(r[col.name]) is not None]
            longest = max((len(v) for v in values), default=len(col.missing))
            if not values and not len(block.frame):
                longest = len(block.empty) if j == 0 else 4
                if j == 0:
                    longest = min(longest, cap)
            want = max(8, longest_word + 2, min(cap, longest + 2), min(cap, len(col.header) // 2 + 2))
            want = min(want, max(cap, longest_word + 2))
            while len(widths) <= j:
                widths.append(0)
            widths[j] = max(widths[j], want)
    return widths


def write_sheet(wb, fmts: Formats, sheet: Sheet, *, text_width: int | None = None) -> Written:
    """Write `sheet`'s title, text and blocks; charts and page setup come later (charts.py,
    finish_sheet), once every sheet exists and can be referred to."""
    ws = wb.add_worksheet(sheet.name)
    widths = _widths(sheet)
    table_chars = int(sum(widths)) if widths else 0
    wrap_at = text_width or max(MIN_TEXT_WIDTH, table_chars)
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    if not widths:
        ws.set_column(0, 0, wrap_at)
    out = Written(ws=ws, sheet=sheet, widths=widths, last_col=max(0, len(widths) - 1))

    row = 0
    title_fmt = fmts.get(bold=True, font_size=15)
    for k, part in enumerate(wrap_lines(sheet.title, int(wrap_at * TEXT_FILL / 1.35))):
        ws.write_string(row, 0, text(part), title_fmt)
        ws.set_row(row, 21)
        row += 1
    for line in sheet.lines:
        heading = isinstance(line, tuple)
        body = line[1] if heading else line
        fmt = fmts.get(bold=True, font_size=12) if heading else fmts.get()
        if heading:
            row += 1
        for part in wrap_lines(body, int(wrap_at * TEXT_FILL / (1.1 if heading else 1.0))):
            ws.write_string(row, 0, text(part), fmt)
            row += 1

    breaks = []
    for k, block in enumerate(sheet.blocks):
        row += 1
        if block.key and block.key in sheet.page_breaks:
            breaks.append(row)
        placed = _write_block(ws, fmts, sheet, block, k, row, widths, wrap_at)
        out.blocks[block.key or f"block{k}"] = placed
        row = placed.last_row + 1 if placed.n_rows else placed.first_row + 1
        if k == 0 and sheet.freeze_header and len(sheet.blocks) == 1:
            ws.freeze_panes(placed.header_row + 1, 0)
        if k == 0 and sheet.repeat_header and len(sheet.blocks) == 1:
            ws.repeat_rows(placed.header_row)
        row = _reserve_charts(out, [c for c in sheet.charts if c.after == block.key], row)
    row = _reserve_charts(out, [c for c in sheet.charts if not c.after or c.after not in out.blocks], row)
    if breaks:
        ws.set_h_pagebreaks(breaks)
    out.next_row = row + 1
    return out


def _reserve_charts(out: Written, charts: list, row: int) -> int:
    """Rows for charts under a block, two side by side when they fit the tables' width; each
    chart's anchor (row, x offset in pixels) goes to `out.anchors` for charts.py."""
    if not charts:
        return row
    row += 1
    page_px = max(sum(w * PX_PER_CHAR + 5 for w in out.widths), 1100)
    x, tallest = 0, 0
    for spec in charts:
        if x and x + spec.width > page_px:
            row += math.ceil(tallest / ROW_PX) + 1
            x, tallest = 0, 0
        out.anchors.append((spec, row, x))
        x += spec.width + 16
        tallest = max(tallest, spec.height)
        reach, j = 0.0, 0
        while j < 200:
            reach += out.widths[j] * PX_PER_CHAR + 5 if j < len(out.widths) else 64
            if reach >= x:
                break
            j += 1
        out.last_col = max(out.last_col, j)
    return row + math.ceil(tallest / ROW_PX) + 1


def _write_block(ws, fmts: Formats, sheet: Sheet, block: Block, k: int, row: int, widths: list[float],
                 wrap_at: int) -> Placed:
    title_row = row
    for part in wrap_lines(block.title, int(wrap_at * TEXT_FILL / 1.1)):
        ws.write_string(row, 0, text(part), fmts.get(bold=True, font_size=12))
        row += 1
    header_row = row
    header_fmt = fmts.get(bold=True, text_wrap=True, valign="top", bg_color=HEADER_FILL, bottom=1)
    header_lines = max(lines_of(c.header, widths[j], fill=0.95) for j, c in enumerate(block.columns))
    ws.set_row(header_row, LINE_HEIGHT * header_lines)
    records = block.frame[[c.name for c in block.columns]].to_dict("records") if len(block.frame) else []
    first = header_row + 1
    if not records:
        ws.write_string(first, 0, text(block.empty), fmts.get(italic=True))
        for j in range(1, len(block.columns)):
            ws.write_string(first, j, "")
        records_written = 1
    else:
        for i, rec in enumerate(records):
            r = first + i
            height = 1
            for j, col in enumerate(block.columns):
                lines = _write_cell(ws, fmts, r, j, col, rec, widths[j])
                height = max(height, lines)
            if height > 1:
                ws.set_row(r, LINE_HEIGHT * height)
        records_written = len(records)
    last = first + records_written - 1
    name = re.sub(r"\W", "", f"t{sheet.name.title()}{k + 1}")[:250]
    ws.add_table(header_row, 0, last, len(block.columns) - 1, {
        "name": name, "style": TABLE_STYLE, "autofilter": len(sheet.blocks) == 1,
        "columns": [{"header": c.header, "header_format": header_fmt} for c in block.columns]})
    cols = {c.name: j for j, c in enumerate(block.columns)}
    if records:
        for name in block.scores:
            ws.conditional_format(first, cols[name], last, cols[name], {
                "type": "3_color_scale", "min_type": "num", "min_value": 0, "min_color": "#F8696B",
                "mid_type": "num", "mid_value": 0.5, "mid_color": "#FFEB84",
                "max_type": "num", "max_value": 1, "max_color": "#63BE7B"})
        for name in block.levels:
            for level, colour in LEVEL_FILLS.items():
                ws.conditional_format(first, cols[name], last, cols[name], {
                    "type": "cell", "criteria": "==", "value": f'"{level}"',
                    "format": fmts.dxf(bg_color=f"#{colour}")})
    return Placed(sheet=sheet.name, title_row=title_row, header_row=header_row, first_row=first,
                  last_row=last if records else first - 1, cols=cols, n_rows=len(records))


def _write_cell(ws, fmts: Formats, r: int, j: int, col: Col, rec: dict, width: float) -> int:
    """Write one cell; returns the lines it needs. Text is always written as text (never a
    formula, a number or a link), numbers with the column's format, a missing value as its
    shorthand."""
    value = plain(rec.get(col.name))
    wrap = {"text_wrap": True} if col.wrap else {}
    if value is None:
        if col.missing:
            ws.write_string(r, j, col.missing, fmts.get(align="right", font_color="595959", valign="top"))
        else:
            ws.write_blank(r, j, None)
        return 1
    if isinstance(value, str):
        value = text(value)
        if col.link:
            ws.write_url(r, j, f"internal:'{value}'!A1", fmts.get(font_color="#0563C1", underline=1, valign="top"),
                         string=value, tip=f"Go to sheet {value}")
            return 1
        if value in SHORTHAND:
            ws.write_string(r, j, value, fmts.get(align="right", font_color="595959", valign="top"))
            return 1
        ws.write_string(r, j, value, fmts.get(valign="top", **wrap))
        return lines_of(value, width) if col.wrap else 1
    if isinstance(value, dt.datetime):
        ws.write_datetime(r, j, value.replace(tzinfo=None), fmts.get(num_format="yyyy-mm-dd hh:mm", valign="top"))
        return 1
    if isinstance(value, dt.date):
        ws.write_datetime(r, j, dt.datetime.combine(value, dt.time()), fmts.get(num_format="yyyy-mm-dd", valign="top"))
        return 1
    fmt = col.fmt(rec) if callable(col.fmt) else col.fmt
    ws.write_number(r, j, value, fmts.get(num_format=fmt or "General", valign="top"))
    return 1


def escape_header(value: str) -> str:
    """Text for a page header or footer, where & starts a code."""
    return value.replace("&", "&&")


def finish_sheet(written: Written, *, header: str, footer: str, last_row: int | None = None,
                 last_col: int | None = None) -> None:
    """Page setup: A4, landscape or portrait, fit to one page wide, the table header repeated,
    the extract's title and the page number in the header and footer, and a print area that
    holds the charts as well as the cells."""
    ws, sheet = written.ws, written.sheet
    wide = sum(written.widths) >= LANDSCAPE_FROM if sheet.landscape is None else sheet.landscape
    if wide:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
    ws.set_header(f"&L&8{escape_header(header)[:120]}&R&8{escape_header(sheet.name)}")
    ws.set_footer(f"&L&8{escape_header(footer)[:120]}&R&8Page &P of &N")
    ws.print_area(0, 0, max(0, last_row if last_row is not None else written.next_row - 1),
                  last_col if last_col is not None else written.last_col)
