"""Read-only access to the published warehouse, for `digigov sql` and the Excel export."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from digigov.errors import WarehouseError


def connect_readonly(warehouse: Path) -> duckdb.DuckDBPyConnection:
    if not warehouse.exists():
        raise WarehouseError(f"no warehouse at {warehouse}: run `digigov run` first, "
                             "or point --warehouse / DIGIGOV_WAREHOUSE at one")
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot open {warehouse} read-only: {exc}") from None


def query(warehouse: Path, statement: str) -> pd.DataFrame:
    """Run one statement read-only; a write is refused by DuckDB and reported plainly."""
    with connect_readonly(warehouse) as con:
        try:
            rel = con.execute(statement)
            if rel.description is None:
                return pd.DataFrame()
            return rel.df()
        except duckdb.Error as exc:
            text = str(exc)
            if "read-only" in text.lower() or "read only" in text.lower():
                raise WarehouseError("the warehouse is opened read-only by `digigov sql`; write statements "
                                     f"are refused and nothing was changed ({text.splitlines()[0]})") from None
            raise WarehouseError(f"query failed: {text}") from None


def _is_list(value) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, (str, bytes, dict))


def _flatten_lists(df: pd.DataFrame) -> pd.DataFrame:
    """List cells (e.g. countries.groups) as 'a;b' for CSV and tables."""
    return df.apply(lambda col: col.map(lambda v: ";".join(map(str, v)) if _is_list(v) else v)
                    if col.dtype == object else col)


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
        return df.to_string(index=False) + f"\n({len(df)} row{'s' if len(df) != 1 else ''})\n"
