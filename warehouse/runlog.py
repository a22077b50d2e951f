"""Run history kept beside the warehouse as JSON lines, so failed runs (which publish nothing)
are still recorded and every new build carries the whole history into the `runs` view."""

from __future__ import annotations

import json
from pathlib import Path


def log_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".runs.jsonl")


def append(warehouse: Path, record: dict) -> None:
    path = log_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, default=str) + "\n")


def history(warehouse: Path) -> list[dict]:
    path = log_path(warehouse)
    if not path.exists():
        return []
    runs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            runs.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a line cut by a killed run; the others still count
    return runs
