"""Read-only access to the published warehouse, for `digigov sql` and the Excel export.

`digigov sql` is for reading: one statement per call, and nothing it runs can change what digigov
owns (the warehouse, its run history, the staged-rows cache, snapshots, the inbox) or how DuckDB is
set up. Two locks: statements other than queries are refused before they run (with a message that
says what to do instead), and the connection itself cannot touch any file but the warehouse
(DuckDB's `enable_external_access` off: no COPY TO, ATTACH, EXPORT, read_csv, INSTALL or LOAD) and
has its configuration locked, which holds for whatever gets past the first lock.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from digigov.errors import UsageError, WarehouseError

ST = duckdb.StatementType
# Queries: SELECT (with FROM-first, VALUES, DESCRIBE, SHOW, SUMMARIZE), EXPLAIN, PRAGMA and CALL of
# the catalogue functions, and PIVOT (parsed as several statements in one).
READING = {ST.SELECT, ST.EXPLAIN, ST.PRAGMA, ST.CALL, ST.MULTI}
SANDBOX = {
    "enable_external_access": False,  # no file but the warehouse: no COPY TO, ATTACH, INSTALL, LOAD, read_*
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    "lock_configuration": True,  # and none of the above can be SET back
}
LOCKS_AFTER_ATTACH = ("enable_external_access", "lock_configuration")  # in this order
KEEP_TO_STDOUT = ('To keep a result, redirect the output to a file: digigov sql "SELECT …" --format csv > result.csv '
                  "(or --format json).")
WHY_REFUSED = {
    ST.COPY: KEEP_TO_STDOUT, ST.EXPORT: KEEP_TO_STDOUT, ST.COPY_DATABASE: KEEP_TO_STDOUT,
    ST.ATTACH: "To query another database, open it with a DuckDB client of your own.",
    ST.DETACH: "The warehouse stays attached.",
    ST.LOAD: "Extensions cannot be installed or loaded from digigov sql.",
    ST.SET: "DuckDB's settings cannot be changed from digigov sql.",
    ST.VARIABLE_SET: "DuckDB's settings cannot be changed from digigov sql.",
}
KIND_NAMES = {ST.LOAD: "INSTALL and LOAD", ST.SET: "SET, RESET and USE", ST.VARIABLE_SET: "SET VARIABLE",
              ST.COPY_DATABASE: "COPY FROM DATABASE", ST.CREATE_FUNC: "CREATE FUNCTION",
              ST.TRANSACTION: "BEGIN, COMMIT and ROLLBACK", ST.MERGE_INTO: "MERGE"}


def _require(warehouse: Path) -> None:
    if not warehouse.exists():
        raise WarehouseError(f"no warehouse at {warehouse}: run `digigov run` first, "
                             "or point --warehouse / DIGIGOV_WAREHOUSE at one")


def connect_readonly(warehouse: Path) -> duckdb.DuckDBPyConnection:
    _require(warehouse)
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot open {warehouse} read-only: {exc}") from None


def connect_sandboxed(warehouse: Path, temp_dir: str | Path) -> duckdb.DuckDBPyConnection:
    """The warehouse read-only, with no access to any other file and a locked configuration.

    An in-memory database attaches the warehouse before the locks go on: opening the file itself
    with these settings fails while the same process holds another connection to it (DuckDB shares
    one instance per file and path). The warehouse keeps the name it has when opened directly (its
    file name). DuckDB may spill a large query to `temp_dir`, not to a folder beside the warehouse."""
    _require(warehouse)
    name = warehouse.stem if warehouse.stem.lower() not in ("memory", "system", "temp") else "warehouse"
    con = duckdb.connect(":memory:", config={k: v for k, v in SANDBOX.items() if k not in LOCKS_AFTER_ATTACH}
                         | {"temp_directory": str(temp_dir)})
    try:
        con.execute(f"ATTACH ? AS {_identifier(name)} (READ_ONLY)", [str(warehouse)])
        con.execute(f"USE {_identifier(name)}")
        for key in LOCKS_AFTER_ATTACH:
            con.execute(f"SET {key} = {str(SANDBOX[key]).lower()}")
    except duckdb.Error as exc:
        con.close()
        raise WarehouseError(f"cannot open {warehouse} read-only: {exc}") from None
    return con


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def one_statement(text: str) -> duckdb.Statement:
    """The single statement in `text`, parsed by DuckDB itself (a ';' inside a string is no split).
    Several statements would run with only the last result shown, so they are refused."""
    try:
        statements = duckdb.extract_statements(text)
    except duckdb.Error as exc:
        raise WarehouseError(f"query failed: {exc}") from None
    if not statements:
        raise UsageError('no SQL statement given (the text is empty or only comments): give one, e.g. '
                         'digigov sql "SELECT * FROM observations LIMIT 5"')
    if len(statements) > 1:
        raise UsageError(f"{len(statements)} statements given; digigov sql runs exactly one per call, so no result "
                         "is left unshown: run them one at a time")
    statement = statements[0]
    if statement.type not in READING:
        kind = KIND_NAMES.get(statement.type, statement.type.name.replace("_", " "))
        why = WHY_REFUSED.get(statement.type, "The warehouse changes only through digigov run.")
        raise WarehouseError(f"only queries run on the warehouse, which is opened read-only: {kind} statements are "
                             f"refused and nothing was changed. {why}")
    return statement


def query(warehouse: Path, text: str) -> pd.DataFrame:
    """Run one reading statement on the warehouse (see the module docstring for what is refused)."""
    statement = one_statement(text)
    with tempfile.TemporaryDirectory(prefix="digigov-sql-") as spill, connect_sandboxed(warehouse, spill) as con:
        try:
            rel = con.execute(statement)
            if rel.description is None:
                return pd.DataFrame()
            return rel.df()
        except duckdb.Error as exc:
            raise WarehouseError(_refusal(exc)) from None


def _refusal(exc: duckdb.Error) -> str:
    text = str(exc)
    first = text.splitlines()[0]
    lower = text.lower()
    if isinstance(exc, duckdb.PermissionException):
        return ("a statement may read the warehouse only, no other file, database or extension; nothing was "
                f"changed ({first})")
    if "configuration has been locked" in lower:
        return f"DuckDB's settings cannot be changed from digigov sql; nothing was changed ({first})"
    if "read-only" in lower or "read only" in lower:
        return ("the warehouse is opened read-only by `digigov sql`; write statements are refused and "
                f"nothing was changed ({first})")
    return f"query failed: {text}"


def _is_list(value) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, (str, bytes, dict))


def _flatten_lists(df: pd.DataFrame) -> pd.DataFrame:
    """List cells (e.g. countries.groups) as 'a;b' for CSV and tables."""
    return df.apply(lambda col: col.map(lambda v: ";".join(map(str, v)) if _is_list(v) else v)
                    if col.dtype == object else col)


MISSING = "NULL"


def _missing_as_null(df: pd.DataFrame) -> pd.DataFrame:
    """A missing value spelt one way in a table. pandas prints NaN, None, <NA> or NaT depending on
    the column's type; `na_rep` reaches float, date and interval columns only, so the others are
    filled here (as objects, which keeps their values as they print)."""
    out = df.copy()
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if col.dtype.kind not in "fmM" and col.isna().any():
            out.isetitem(i, col.astype(object).where(col.notna(), MISSING))
    return out


def render(df: pd.DataFrame, fmt: str) -> str:
    if fmt == "json":
        return df.to_json(orient="records", date_format="iso", force_ascii=False, indent=2) + "\n"
    df = _flatten_lists(df)
    if fmt == "csv":
        return df.to_csv(index=False)
    if df.empty:
        return f"(0 rows; columns: {', '.join(map(str, df.columns))})\n" if len(df.columns) else "(no result)\n"
    with pd.option_context("display.max_rows", None, "display.max_columns", None,
                           "display.width", 200, "display.max_colwidth", 80):
        return (_missing_as_null(df).to_string(index=False, na_rep=MISSING)
                + f"\n({len(df)} row{'s' if len(df) != 1 else ''})\n")
