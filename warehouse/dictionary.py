"""The data dictionary (warehouse/sql/dictionary.yaml) written into the warehouse as comments.

COMMENT ON VIEW / COLUMN puts each description in DuckDB's own catalogue, so any client reads it
with duckdb_views() and duckdb_columns(), without digigov and without the README at hand.
"""

from __future__ import annotations

import functools
from typing import Annotated

from digigov.settings import safe_load
from pydantic import BaseModel, ConfigDict, RootModel, StringConstraints

from digigov.errors import WarehouseError
from digigov.warehouse.sqlfiles import SQL_DIR, transaction

DICTIONARY = SQL_DIR / "dictionary.yaml"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ViewEntry(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    rows: Text      # what one row is: "One row per <rows>."
    about: Text
    columns: dict[str, Text]


class Dictionary(RootModel[dict[str, ViewEntry]]):
    """{view: its entry}; a misspelt key or an empty description fails when the file is read."""


@functools.cache
def load_dictionary() -> dict[str, dict]:
    """The dictionary as read from warehouse/sql/dictionary.yaml, checked against `Dictionary`."""
    from digigov.config_models import validate

    doc = safe_load(DICTIONARY.read_text(encoding="utf-8"))
    validate(Dictionary, doc, "warehouse/sql/dictionary.yaml")
    return doc


def view_comment(entry: dict) -> str:
    return f"{entry['about'].strip()} One row per {entry['rows'].strip()}."


def comment_statements(dictionary: dict[str, dict]) -> list[str]:
    """COMMENT ON statements for every view and column the dictionary describes. DuckDB takes no
    parameter in COMMENT ON, so the texts are written as SQL string literals."""
    out = []
    for view, entry in dictionary.items():
        out.append(f"COMMENT ON VIEW {_name(view)} IS {_literal(view_comment(entry))}")
        out += [f"COMMENT ON COLUMN {_name(view)}.{_name(column)} IS {_literal(text.strip())}"
                for column, text in entry["columns"].items()]
    return out


def write_comments(con, dictionary: dict[str, dict] | None = None) -> None:
    """Describe the public views in the warehouse's catalogue. A view or column the dictionary
    names but the warehouse lacks stops the build, naming both (the dictionary has gone stale)."""
    dictionary = load_dictionary() if dictionary is None else dictionary
    public = public_columns(con)
    stale = [f"view {view}" for view in dictionary if view not in public]
    stale += [f"{view}.{column}" for view, entry in dictionary.items() if view in public
              for column in entry["columns"] if column not in public[view]]
    if stale:
        raise WarehouseError(f"warehouse/sql/dictionary.yaml describes {', '.join(stale)}, which the public views "
                             "(warehouse/sql/views.sql) do not have: remove or rename the entries")
    with transaction(con):  # one commit instead of one per statement: 4 times faster
        con.execute(";\n".join(comment_statements(dictionary)))


def public_columns(con) -> dict[str, list[str]]:
    """{view: its columns in order} of the public views (schema main)."""
    out: dict[str, list[str]] = {}
    for view, column in con.execute(
            "SELECT c.table_name, c.column_name FROM duckdb_columns() c "
            "JOIN duckdb_views() v ON v.database_name = c.database_name AND v.schema_name = c.schema_name "
            "AND v.view_name = c.table_name "
            "WHERE c.database_name = current_database() AND c.schema_name = 'main' AND NOT v.internal "
            "ORDER BY c.table_name, c.column_index").fetchall():
        out.setdefault(view, []).append(column)
    return out


def _name(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
