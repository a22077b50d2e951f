"""Split a frame into rows that pass a pandera schema and rows to quarantine, with reasons.

File-level problems (a wrong header, the wrong number of rows) make a file unusable and raise
SourceFileError; row-level problems quarantine the row and let the rest load; a bad cell of a
value column (sources/base.py VALUE_COLUMN) is set missing and rejected, and its row loads.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from digigov.errors import SourceFileError
from digigov.sources.base import is_value_column

REJECT_COLUMNS = ["file", "row", "reason", "record"]


def record_json(row: pd.Series) -> str:
    """The original record as published, for the rejects view."""
    return json.dumps({k: (None if pd.isna(v) else v) for k, v in row.items()
                       if not str(k).startswith("_")}, ensure_ascii=False, default=str)


def rejects_frame(rows: pd.DataFrame, reasons: pd.Series | list | str) -> pd.DataFrame:
    """Build reject records (file, row, reason, record) from raw rows carrying _file and _row.

    `reasons`: one text for all, a Series aligned on the rows' index, or a list in row order
    (for rows given more than once, e.g. one reject per bad cell)."""
    if rows.empty:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    if isinstance(reasons, pd.Series):
        reasons = reasons.reindex(rows.index)
    elif not isinstance(reasons, str):
        reasons = list(reasons)
    out = pd.DataFrame({
        "file": rows["_file"].astype(str).to_numpy(),
        "row": rows["_row"].astype("Int64").to_numpy(),
        "reason": reasons if isinstance(reasons, str) else pd.Series(reasons).to_numpy(),
        "record": rows.apply(record_json, axis=1).to_numpy(),
    })
    return out


def describe_failure(case: pd.Series, column: str | None = None) -> str:
    """One failure case as a reason: the column (`column` when known better than the case's own)
    and the failing value; a row-wide check of a row names the check once, not every column."""
    index = case.get("index")
    if (case.get("schema_context") == "DataFrameSchema" and index is not None and pd.notna(index)
            and case.get("check") != "multiple_fields_uniqueness"):
        return f"row: failed {case.get('check')}"
    col = column or case.get("column")
    where = f"column '{col}'" if isinstance(col, str) and col else "file"
    value = case.get("failure_case")
    return f"{where}: failed {case.get('check')} (value {value!r})"


def check_file(df: pd.DataFrame, schema: pa.DataFrameSchema, path) -> None:
    """Apply a file-level schema; any failure fails the whole file with every reason listed."""
    try:
        schema.validate(df, lazy=True)
    except SchemaErrors as exc:
        fc = exc.failure_cases
        msgs = sorted({describe_failure(r) for _, r in fc.iterrows()})
        raise SourceFileError(path, "; ".join(msgs)) from None
    except SchemaError as exc:  # pragma: no cover - lazy=True raises SchemaErrors
        raise SourceFileError(path, str(exc)) from None


ROW_CHECKS = ("field_uniqueness", "not_nullable")  # column checks that concern the row, not the cell
CELL_KEPT = "; only this cell is rejected, the row's other values load"


def value_columns_of(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> dict[str, list[str]]:
    """{schema column key: the frame's columns it covers} for the value columns (VALUE_COLUMN)."""
    out = {}
    for key, col in schema.columns.items():
        if is_value_column(col.metadata):
            out[key] = ([c for c in frame.columns if re.match(str(key), str(c))] if col.regex
                        else [key] if key in frame.columns else [])
    return out


def _cell_of(case: pd.Series, frame: pd.DataFrame, values: dict[str, list[str]]) -> str | None:
    """The value column a failure case is about, or None when the failure concerns the row.

    A regex column's coercion failure names the pattern, not the column: the column is the one
    holding the failing value in that row."""
    if case["schema_context"] != "Column" or case["check"] in ROW_CHECKS:
        return None
    name = case["column"]
    covered = values.get(name)
    if covered is None:  # a column of the frame: a value column when some value column covers it
        return name if any(name in cols for cols in values.values()) else None
    if covered == [name]:
        return name
    hits = [c for c in covered if str(frame.at[case["index"], c]) == str(case["failure_case"])]
    return hits[0] if hits else None


def split_valid(df: pd.DataFrame, schema: pa.DataFrameSchema, path,
                max_passes: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (validated rows with coerced dtypes, rejects with reasons).

    A column check failing on a *value column* (pandera metadata VALUE_COLUMN, sources/base.py)
    concerns that cell alone: the cell is set missing and rejected on its own (reason naming column
    and value; the record as published), and the row's other cells load. Any other failure with a
    row (an identity column, a row-wide check, a uniqueness check, the field count) quarantines the
    whole row, with every reason found for it. Then the rest is validated again: a value that
    cannot be coerced (text in a number column) can make a column check fail for the whole
    column, which is not a file-level fault once that cell or row is out. Failures that persist
    without a row are file-level."""
    row_reasons: dict = {}
    cell_reasons: dict = {}  # (index, column) -> reason
    current = df
    for _ in range(max_passes):
        try:
            clean = schema.validate(current, lazy=True)
        except SchemaErrors as exc:
            fc = exc.failure_cases
        else:
            return clean, _rejects(df, row_reasons, cell_reasons)
        rows = fc[fc["index"].notna()]
        if rows.empty:
            raise SourceFileError(path, "; ".join(sorted({describe_failure(r) for _, r in fc.iterrows()})))
        rows = rows.assign(index=rows["index"].astype(int))
        values = value_columns_of(schema, current)
        found_rows: dict = {}
        found_cells: dict = {}
        for _, case in rows.iterrows():
            cell = _cell_of(case, current, values)
            text = describe_failure(case, cell)
            target = found_rows if cell is None else found_cells
            key = case["index"] if cell is None else (case["index"], cell)
            target.setdefault(key, {})[text] = None
        for (idx, col), texts in found_cells.items():
            if idx in found_rows:  # the row goes as a whole, with this reason too
                found_rows[idx].update(texts)
                continue
            # coercion also fails the dtype check on the same cell: name the coercion only
            kept = [t for t in texts if "failed dtype(" not in t] or list(texts)
            cell_reasons[(idx, col)] = "; ".join(kept) + CELL_KEPT
        for idx, texts in found_rows.items():
            earlier = [cell_reasons.pop(k).removesuffix(CELL_KEPT)
                       for k in [k for k in cell_reasons if k[0] == idx]]
            row_reasons[idx] = "; ".join(dict.fromkeys(earlier + list(texts)))
        current = current.drop(index=list(found_rows)).copy() if found_rows else current.copy()
        for idx, col in found_cells:
            if idx in current.index:
                current.at[idx, col] = None
    raise SourceFileError(path, f"rows still fail validation after {max_passes} passes")


def _rejects(df: pd.DataFrame, row_reasons: dict, cell_reasons: dict) -> pd.DataFrame:
    """Row rejects and cell rejects in file order, each with the record as published."""
    keys = sorted([(idx, "") for idx in row_reasons] + list(cell_reasons), key=lambda k: (df.index.get_loc(k[0]), k[1]))
    if not keys:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    reasons = [row_reasons[idx] if col == "" else cell_reasons[(idx, col)] for idx, col in keys]
    return rejects_frame(df.loc[[idx for idx, _ in keys]], reasons)
