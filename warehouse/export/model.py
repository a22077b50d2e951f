"""What the extract's sheets are made of, before any cell is written: a sheet is a title, a few
lines that say what it holds, and titled tables (blocks) of named columns.

Each sheet module builds these from queries; `layout.py` alone decides rows, formats, widths, row
heights and page setup, so every sheet follows the same conventions (UK Government Analysis
Function, *Releasing statistics in spreadsheets*: a title in A1, text rows above the tables, one
header row per table, shorthand for missing values, notes by marker).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

# Shorthand for a cell without a value, explained on sheet Notes (the guidance's own symbols).
NOT_AVAILABLE = "[x]"     # the source publishes no value
NOT_APPLICABLE = "[z]"    # there can be no value (e.g. a change since the previous survey in the first one)
SHORTHAND = (NOT_AVAILABLE, NOT_APPLICABLE)


@dataclass
class Col:
    """A column: the query column it shows, its header (unit in brackets), number format (one for
    the column, or one per row from the row's values), width cap, whether text wraps, and what an
    empty cell shows (`""` leaves it blank, as chart data must be: Excel draws text as zero)."""

    name: str
    header: str
    fmt: str | Callable[[dict], str] | None = None
    width: int | None = None
    wrap: bool = False
    missing: str = NOT_AVAILABLE
    link: bool = False     # the value names a sheet: a link to its cell A1


@dataclass
class Block:
    """One table with its title row: `title` says what, where and when (period included)."""

    title: str
    columns: list[Col]
    frame: pd.DataFrame
    empty: str = "No rows for the countries of this extract."
    key: str = ""          # a name the sheet module uses to find where the block was written (charts)
    scores: list[str] = field(default_factory=list)   # columns of 0-1 scores: a colour scale repeats the number
    levels: list[str] = field(default_factory=list)   # columns of levels (low/medium/high): a fill repeats the word


@dataclass
class ChartSpec:
    """A chart the sheet wants below (or beside) its tables; drawn by charts.py once every sheet is
    written, so it can reference any block by (sheet, key)."""

    kind: str              # "years" (lines over a numeric year axis) or "bars" (columns, optional intervals)
    title: str
    alt_text: str
    data: dict             # what charts.py needs: block keys and series (see charts.py)
    width: int = 720
    height: int = 340
    after: str = ""        # the key of the block it follows; "": after every block


@dataclass
class Sheet:
    """A worksheet: name (≤ 31 characters), the statistical title in A1, lines of text under it,
    blocks, charts, and how it prints."""

    name: str
    title: str
    lines: list[str | tuple[str, str]] = field(default_factory=list)   # ("h", text): a heading
    blocks: list[Block] = field(default_factory=list)
    charts: list[ChartSpec] = field(default_factory=list)
    contents: str = ""     # the sheet's line on sheet Contents
    landscape: bool | None = None    # None: landscape when the tables are too wide for portrait
    freeze_header: bool = True   # freeze panes under the header of the (first) table
    repeat_header: bool = True   # print the (first) table's header row on every page
    page_breaks: tuple[str, ...] = ()   # block keys that start a new printed page
