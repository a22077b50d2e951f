"""Reuse the readiness result of an earlier build when its inputs are the same.

The readiness method with its 1,000-draw uncertainty analysis is the largest cost of a build (about
0.8 s of a default run's 2.4 s), and in a run where nothing changed it computes exactly what the
previous run did: the result is a function of the values in force of the mapped series, the
countries, the real survey answers, the method and the code, and nothing else (the draws are
seeded). So the four result tables are kept in the cache folder under a fingerprint of all of
those, as Parquet written by DuckDB, and loaded back when the fingerprint matches. Any change in an
input value, a country flag, an answer, the configured method or the installed code makes a new
fingerprint, and the result is computed again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from pathlib import Path

import pandas as pd

from digigov.settings import cache_dir
from digigov.transforms.fingerprint import code_fingerprint

RESULT_TABLES = ["core.readiness", "core.readiness_component", "core.readiness_goalpost",
                 "core.readiness_sensitivity"]
KEEP = 4  # results kept: a few recent inputs, e.g. with and without a new survey workbook


def result_key(method, *frames: pd.DataFrame) -> str:
    """The fingerprint of a readiness computation: code, method (canonical JSON) and each input
    frame's columns, types and row hashes in order."""
    h = hashlib.sha256(code_fingerprint().encode())
    h.update(json.dumps(dataclasses.asdict(method), sort_keys=True, default=str).encode())
    for frame in frames:
        h.update(json.dumps([list(map(str, frame.columns)), list(map(str, frame.dtypes))]).encode())
        h.update(pd.util.hash_pandas_object(frame, index=False).values.tobytes())
    return h.hexdigest()


def _folder(key: str) -> Path:
    return cache_dir() / "readiness" / key


def _file(folder: Path, table: str) -> Path:
    return folder / f"{table.split('.')[-1]}.parquet"


def reuse(con, key: str) -> bool:
    """Load the kept result for `key` into the (empty) result tables; False when there is none."""
    folder = _folder(key)
    if not all(_file(folder, t).exists() for t in RESULT_TABLES):
        return False
    for table in RESULT_TABLES:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet(?)", [str(_file(folder, table))])
    os.utime(folder)  # most recently used, for the clean-up in keep()
    return True


def keep(con, key: str) -> None:
    """Write the result tables for `key`, whole or not at all (a folder renamed into place), and
    drop all but the KEEP most recently used results."""
    folder = _folder(key)
    partial = folder.with_name(f".{key}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        for table in RESULT_TABLES:
            path = str(_file(partial, table)).replace("'", "''")
            con.execute(f"COPY {table} TO '{path}' (FORMAT parquet)")
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    kept = sorted((p for p in folder.parent.iterdir() if not p.name.startswith(".")),
                  key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
