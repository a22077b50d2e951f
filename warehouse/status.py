"""What the last runs did and how fresh each source is, read from the published warehouse.

Shared by `digigov status` (text) and the run's Prefect artifact (markdown), so both say the same.
The values stay as DuckDB returns them (int, None, datetime …) up to one formatter, `cell`: a count
prints as 36818, not 36818.0 (pandas turns an integer column with a gap into floats), a missing value
prints blank, not NaN or None, a time to the second. Long texts are wrapped, never cut.
"""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from digigov.warehouse.query import connect_readonly

SQL_DIR = Path(__file__).parent / "sql" / "status"
# One query per section, in report order: sql/status/<name>.sql.
TITLES = {"runs": "Last runs", "sources": "Sources", "failures": "Stale: failed fetches, sources and files",
          "drops": "Drops caught by the guard (config/guard.yaml)", "rejects": "Rejected rows by reason",
          "checks": "Cross-source checks with problems", "contradictions": "Findings contradicted by the data",
          "changes": "Changes since the previous warehouse",
          "survey": "Survey response rates (expected organisations: config/survey_roster.yaml)",
          "survey_missing": "Survey: who has not answered"}
GAP = 2         # spaces between two columns
NARROWEST = 16  # a wrapped column is never narrower, whatever the terminal


class Section(NamedTuple):
    columns: list[str]
    rows: list[tuple]

    def records(self) -> list[dict]:
        """One dict per row for a JSON table (the Prefect artifact): numbers and gaps as they are,
        the rest as `cell` prints it."""
        return [{c: v if v is None or isinstance(v, (int, float)) else cell(v) for c, v in zip(self.columns, row)}
                for row in self.rows]


def _sql(name: str) -> str:
    """Text of sql/status/<name>.sql, shipped next to this module as package data."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def status(warehouse: Path) -> dict[str, Section]:
    with connect_readonly(warehouse) as con:
        report = {}
        for name in TITLES:
            cur = con.execute(_sql(name))
            report[name] = Section([d[0] for d in cur.description], cur.fetchall())
        return report


def cell(value: Any) -> str:
    """One value as a person reads it: blank when missing, counts whole, times to the second."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (float, Decimal)):
        return f"{value:.2f}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _numeric(section: Section, k: int) -> bool:
    values = [row[k] for row in section.rows if row[k] is not None]
    return bool(values) and all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in values)


def _widths(section: Section, cells: list[list[str]], width: int) -> list[int | None]:
    """The widest each column may be so the table fits `width`: only columns of text with spaces
    are wrapped (never a code, a time or a number), the narrowest of them first getting what it needs."""
    header = section.columns
    natural = [max([len(h)] + [len(row[k]) for row in cells]) for k, h in enumerate(header)]
    wrappable = [k for k in range(len(header))
                 if any(isinstance(row[k], str) and " " in row[k] for row in section.rows)]
    fixed = sum(w for k, w in enumerate(natural) if k not in wrappable) + GAP * (len(header) - 1)
    if fixed + sum(natural[k] for k in wrappable) <= width:
        return [None] * len(header)
    room, limits = width - fixed, [None] * len(header)
    for n, k in enumerate(sorted(wrappable, key=lambda k: natural[k])):
        share = max(NARROWEST, room // (len(wrappable) - n))
        limits[k] = max(len(header[k]), min(natural[k], share))
        room -= limits[k]
    return limits


def _lines(text: str, limit: int | None) -> list[str]:
    """A cell's lines: wrapped at spaces to `limit` (a word longer than that is split), else one."""
    if not text:
        return [""]
    return textwrap.wrap(text, limit or len(text), break_on_hyphens=False) or [""]


def _table(section: Section, width: int) -> str:
    """Header, dashes, rows; numbers right-aligned; a blank line sets off a record that wraps."""
    cells = [[cell(v) for v in row] for row in section.rows]
    limits = _widths(section, cells, width)
    records = [[_lines(text, limit) for text, limit in zip(row, limits)] for row in cells]
    right = [_numeric(section, k) for k in range(len(section.columns))]
    widths = [max([len(h)] + [len(line) for rec in records for line in rec[k]])
              for k, h in enumerate(section.columns)]

    def join(parts: list[str]) -> str:
        return (" " * GAP).join(p.rjust(w) if r else p.ljust(w) for p, w, r in zip(parts, widths, right)).rstrip()

    out = [join(section.columns), join(["-" * w for w in widths])]
    depths = [max(len(lines) for lines in rec) for rec in records]
    for n, rec in enumerate(records):
        if n and max(depths[n - 1], depths[n]) > 1:
            out.append("")
        out += [join([lines[i] if i < len(lines) else "" for lines in rec]) for i in range(depths[n])]
    return "\n".join(out)


def as_text(report: dict[str, Section], width: int | None = None) -> str:
    """The report for a terminal `width` columns wide (default: this one's, else 100)."""
    width = width or shutil.get_terminal_size((100, 24)).columns
    parts = []
    for name, section in report.items():
        body = _table(section, width) if section.rows else "(none)"
        parts.append(f"== {TITLES[name]}\n{body}\n")
    return "\n".join(parts)


def as_markdown(report: dict[str, Section]) -> str:
    parts = ["# digigov data quality\n"]
    for name, section in report.items():
        parts.append(f"## {TITLES[name]}\n")
        if not section.rows:
            parts.append("(none)\n")
            continue
        parts.append("| " + " | ".join(section.columns) + " |\n|" + "---|" * len(section.columns) + "\n")
        for row in section.rows:
            parts.append("| " + " | ".join(cell(v).replace("|", "/").replace("\n", " ") for v in row) + " |\n")
        parts.append("\n")
    return "".join(parts)
