"""Split a frame into rows that pass a pandera schema and rows to quarantine, with reasons.

File-level problems (a wrong header, the wrong number of rows) make a file unusable and raise
SourceFileError; row-level problems quarantine the row and let the rest load.
"""

from __future__ import annotations

import json

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from digigov.errors import SourceFileError

REJECT_COLUMNS = ["file", "row", "reason", "record"]


def record_json(row: pd.Series) -> str:
    """The original record as published, for the rejects view."""
    return json.dumps({k: (None if pd.isna(v) else v) for k, v in row.items()
                       if not str(k).startswith("_")}, ensure_ascii=False, default=str)


def rejects_frame(rows: pd.DataFrame, reasons: pd.Series | str) -> pd.DataFrame:
    """Build reject records (file, row, reason, record) from raw rows carrying _file and _row."""
    if rows.empty:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    out = pd.DataFrame({
        "file": rows["_file"].astype(str),
        "row": rows["_row"].astype("Int64"),
        "reason": reasons if isinstance(reasons, str) else reasons.reindex(rows.index),
        "record": rows.apply(record_json, axis=1),
    }, index=rows.index)
    return out.reset_index(drop=True)


def describe_failure(case: pd.Series) -> str:
    col = case.get("column")
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


def split_valid(df: pd.DataFrame, schema: pa.DataFrameSchema, path,
                max_passes: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (validated rows with coerced dtypes, rejects with reasons).

    Failing rows are set aside and the rest validated again: a value that cannot be coerced
    (text in a number column) can make a column check fail for the whole column, which is not
    a file-level fault once that row is out. Failures that persist without a row are file-level."""
    reasons = pd.Series(dtype=object)
    current = df
    for _ in range(max_passes):
        try:
            clean = schema.validate(current, lazy=True)
            return clean, rejects_frame(df.loc[reasons.index], reasons)
        except SchemaErrors as exc:
            fc = exc.failure_cases
        rows = fc[fc["index"].notna()]
        if rows.empty:
            raise SourceFileError(path, "; ".join(sorted({describe_failure(r) for _, r in fc.iterrows()})))
        rows = rows.assign(index=rows["index"].astype(int))
        found = rows.groupby("index").apply(
            lambda g: "; ".join(dict.fromkeys(describe_failure(r) for _, r in g.iterrows())),
            include_groups=False)
        reasons = pd.concat([reasons, found])
        current = current.drop(index=found.index)
    raise SourceFileError(path, f"rows still fail validation after {max_passes} passes")
