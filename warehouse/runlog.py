"""Run history: the `runs` of the published warehouse plus a JSON-lines log beside it.

Failed runs publish nothing, so they are recorded in the log; a run's start is logged too, so
a run that was killed shows up as `interrupted`. Every new build carries the whole history."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb


def log_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".runs.jsonl")


def append(warehouse: Path, record: dict) -> None:
    path = log_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, default=str) + "\n")


def _published_runs(warehouse: Path) -> list[dict]:
    if not warehouse.exists():
        return []
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            df = con.execute("SELECT * FROM core.run").df()
    except duckdb.Error:
        return []  # an unreadable old file must not block a rebuild
    return [{k: (None if v != v else v) for k, v in r.items()} | {"sources": json.loads(r["sources"] or "null")}
            for r in df.astype(object).to_dict("records")]


def history(warehouse: Path, current_run_id: str | None = None) -> list[dict]:
    """Every earlier run, newest record per run id; unfinished runs other than the current one
    are marked interrupted."""
    runs = {r["run_id"]: r for r in _published_runs(warehouse)}
    path = log_path(warehouse)
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a killed run; the others still count
            runs[record["run_id"]] = {**runs.get(record["run_id"], {}), **record}
    out = []
    for run_id, r in runs.items():
        if run_id == current_run_id:
            continue
        if r.get("status") == "running":
            r = {**r, "status": "interrupted", "message": "the run stopped before it finished (killed?)"}
        out.append(r)
    return sorted(out, key=lambda r: str(r.get("started_at")))
