"""`digigov describe [VIEW]`: the data dictionary as the published warehouse carries it.

Read from the warehouse's own catalogue (duckdb_views(), duckdb_columns()), not from the YAML it
was built from: what is printed is what any DuckDB client sees in that file.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from digigov.errors import DigigovError
from digigov.warehouse.query import connect_readonly

NO_DESCRIPTION = "(no description)"
MIN_TEXT = 30  # narrower than this, a description goes under its name instead of beside it


class UnknownView(DigigovError):
    """A view name the warehouse does not have (a usage error at the command line)."""


def describe(warehouse: Path, view: str | None = None, width: int = 100) -> str:
    """Every public view with its description, or one view's columns (name, type, description),
    wrapped to `width` characters."""
    with connect_readonly(warehouse) as con:
        views = dict(con.execute(
            "SELECT view_name, comment FROM duckdb_views() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND NOT internal ORDER BY view_name").fetchall())
        if view is None:
            return _table([(name, text or NO_DESCRIPTION) for name, text in views.items()], width)
        name = next((v for v in views if v.lower() == view.lower()), None)
        if name is None:
            raise UnknownView(f"no view {view!r} in {warehouse}; the public views are: {', '.join(views)}")
        columns = con.execute(
            "SELECT column_name, data_type, comment FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = ? ORDER BY column_index", [name]).fetchall()
    head = textwrap.fill(f"{name}: {views[name] or NO_DESCRIPTION}", width, subsequent_indent="  ",
                         break_on_hyphens=False)
    name_width = max(len(column) for column, _, _ in columns)
    rows = [(f"{column:<{name_width}}  {data_type}", text or NO_DESCRIPTION) for column, data_type, text in columns]
    return head + "\n\n" + _table(rows, width)


def _table(rows: list[tuple[str, str]], width: int) -> str:
    """Labels in a column, each text wrapped beside its label; on a narrow terminal each text goes
    on the lines under its label."""
    label_width = max(len(label) for label, _ in rows) + 2
    lines = []
    for label, text in rows:
        if width - label_width >= MIN_TEXT:
            lines += textwrap.wrap(text, width, initial_indent=f"{label:<{label_width}}",
                                   subsequent_indent=" " * label_width, break_on_hyphens=False)
        else:
            lines.append(label)
            lines += textwrap.wrap(text, width, initial_indent="    ", subsequent_indent="    ",
                                   break_on_hyphens=False)
    return "\n".join(lines) + "\n"
