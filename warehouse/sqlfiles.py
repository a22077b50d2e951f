"""The warehouse's SQL lives in `.sql` files beside this module; this is how code finds and runs them."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"
_PARAMETER = re.compile(r"\$([A-Za-z_]\w*)")


def sql(name: str) -> str:
    """The text of warehouse/sql/<name> (e.g. "views.sql", "checks/gtmi_agreement.sql")."""
    return (SQL_DIR / name).read_text(encoding="utf-8")


def run_script(con, name: str, params: dict | None = None) -> None:
    """Run every statement of a .sql file, each with the named ($name) parameters it uses.

    DuckDB binds parameters to one statement only, and refuses parameters a statement does not
    use; a file of several statements sharing parameters would otherwise need one file each.
    Statements are split at a semicolon that ends a line, so our files keep that layout."""
    params = params or {}
    for statement in re.split(r";\s*\n", sql(name)):
        body = "\n".join(line for line in statement.splitlines() if not line.lstrip().startswith("--")).strip()
        if body:
            used = {key: params[key] for key in dict.fromkeys(_PARAMETER.findall(body))}
            con.execute(body, used)


@contextmanager
def transaction(con):
    """Run many small statements as one transaction: outside one, DuckDB commits (and writes its
    log) after every statement, which costs far more than the statements themselves (the 342
    COMMENT ON statements of the data dictionary: 0.14 s alone, 0.04 s in one transaction). Not
    for a statement that may fail and be carried on from: a failed statement aborts the transaction."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def columns(con, table: str, catalog: str | None = None) -> set[str]:
    """The columns of `schema.table` in `catalog` (default: the build's own database), so rows can
    be copied from a warehouse an older digigov wrote, which may lack a column or two."""
    schema, name = table.split(".")
    # duckdb_columns(), not information_schema.columns (a view over it): a third of the time, and a
    # build asks a few dozen times
    return {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() "
        "WHERE database_name = coalesce(?, current_database()) AND schema_name = ? AND table_name = ?",
        [catalog, schema, name]).fetchall()}
