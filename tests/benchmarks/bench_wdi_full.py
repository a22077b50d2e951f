"""wdi_full at scale: digigov's whole path against DuckDB's own floor, on synthetic WDICSV.csv files.

For each size (non-empty cells in the file: 1, 5 and 15 million by default) a file in the real
layout is generated under /tmp (generation time excluded) and two measurements run, each in a
fresh subprocess so its peak RSS (ru_maxrss of that process) is its own:

- floor: DuckDB alone reads the CSV (types sniffed: the year columns are DOUBLE), unpivots the
  year columns, drops empty cells and writes the long table, every column kept, into a new DuckDB
  file. (Reading every column as text instead, as digigov did before, made the floor 1.7x slower:
  the faster floor is the honest one.)
- digigov: stage_source("wdi_full") (snapshot verify incl. sha256, every validation rule,
  harmonisation, the staged DuckDB file) + warehouse build of that staged source with an empty history (which
  also builds countries, aggregates, readiness, checks, views) + publish.

Both children pay a Python start-up; the digigov child also imports pandas/pandera/hdx. Wall time
is measured inside each child around the work only. The generated files are deleted afterwards.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks import generate

SIZES = [1_000_000, 5_000_000, 15_000_000]
ROOT = Path(__file__).resolve().parents[2]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def floor(csv_path: str, db_path: str) -> dict:
    import duckdb

    t = time.perf_counter()
    con = duckdb.connect(db_path)
    # DuckDB's own way: sniffed types (the year columns come out DOUBLE), UNPIVOT drops the NULLs
    # that empty cells become, every column kept.
    con.execute(f"""
        CREATE TABLE long AS
        UNPIVOT (FROM read_csv('{csv_path}', header = true)) ON COLUMNS('^\\d{{4}}$') INTO NAME year VALUE value""")
    n = con.execute("SELECT count(*) FROM long").fetchone()[0]
    con.close()
    return {"seconds": time.perf_counter() - t, "peak_mb": _peak_mb(), "rows": n}


def digigov(snapshots: str, work: str, path: str = "fast") -> dict:
    from digigov.transforms.stage import stage_source
    from digigov.warehouse.build import build
    from digigov.warehouse.publishing import publish

    # "exact": what a file with a bad cell costs, i.e. the config's fast_path: false for this run
    overrides = {"fast_path": False} if path == "exact" else None
    t = time.perf_counter()
    summary = stage_source("wdi_full", snapshots, work, config_overrides=overrides)
    staged = time.perf_counter() - t
    target = Path(work) / ".digigov.duckdb.bench.building"
    run = {"run_id": "bench", "status": "ok"}
    counts = build(target, [summary], run, [])
    publish(target, Path(work) / "digigov.duckdb")
    return {"seconds": time.perf_counter() - t, "stage_seconds": staged, "peak_mb": _peak_mb(),
            "rows": counts["observations"], "invalid": summary["rows_invalid"],
            "paths": [f["path"] for f in summary["files"]]}


def _child(kind: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "tests.benchmarks.bench_wdi_full", "--child", kind, *args],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{kind} child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(size: int, scratch: Path, exact: bool) -> dict:
    snap = scratch / "snaps" / "wdi_full"
    snap.mkdir(parents=True)
    csv_path = snap / "WDICSV.csv"
    n_indicators = generate.indicators_for(size)
    cells = generate.write(csv_path, n_indicators)
    try:
        f = _child("floor", str(csv_path), str(scratch / "floor.duckdb"))
        d = _child("digigov", str(scratch / "snaps"), str(scratch / "work"))
        x = _child("digigov", str(scratch / "snaps"), str(scratch / "work_exact"), "exact") if exact else None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    planted = generate.planted_faults(n_indicators)
    if d["invalid"] != planted or d["paths"] != ["fast"] or (x and x["rows"] != d["rows"]):
        raise RuntimeError(f"digigov did not stage the file as expected: {d}, exact {x}, {planted} planted faults")
    return {"size": size, "cells": cells, "floor": f, "digigov": d, "exact": x}


def table(results: list[dict]) -> str:
    exact = all(r["exact"] for r in results)
    lines = ["| cells in file | observations loaded (rows rejected) | floor s | floor MB | digigov s (staging) "
             "| digigov MB | time ratio | memory ratio | µs per cell | marginal µs per cell |"
             + (" exact path s (ratio) |" if exact else ""),
             "|---|---|---|---|---|---|---|---|---|---|" + ("---|" if exact else "")]
    previous = None
    for r in results:
        f, d, x = r["floor"], r["digigov"], r["exact"]
        marginal = (f"{(d['seconds'] - previous[1]) / (r['cells'] - previous[0]) * 1e6:.2f}"
                    if previous and r["cells"] > previous[0] else "–")
        lines.append(f"| {r['cells'] / 1e6:.1f} M | {d['rows'] / 1e6:.2f} M ({d['invalid']}) | {f['seconds']:.1f} | "
                     f"{f['peak_mb']:.0f} | {d['seconds']:.1f} ({d['stage_seconds']:.1f}) | {d['peak_mb']:.0f} | "
                     f"{d['seconds'] / f['seconds']:.2f} | {d['peak_mb'] / f['peak_mb']:.2f} | "
                     f"{d['seconds'] / r['cells'] * 1e6:.2f} | {marginal} |"
                     + (f" {x['seconds']:.1f} ({x['seconds'] / f['seconds']:.2f}) |" if exact else ""))
        previous = (r["cells"], d["seconds"])
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        kind, *args = argv[1:]
        print(json.dumps({"floor": floor, "digigov": digigov}[kind](*args)))
        return 0
    exact = "--exact" in argv  # also time the exact path (what a file with a bad cell costs)
    argv = [a for a in argv if a != "--exact"]
    if argv[:1] == ["--sizes"]:  # `--sizes 1,5` = 1 and 5 million cells
        argv = [str(float(m) * 1e6) for m in argv[1].split(",")]
    sizes = [int(float(a)) for a in argv] or SIZES
    results = []
    for size in sizes:
        scratch = Path(tempfile.mkdtemp(prefix="digigov-bench-", dir="/tmp"))
        results.append(measure(size, scratch, exact))
        print(f"measured {size:,}", file=sys.stderr, flush=True)
    print(f"wdi_full benchmark ({os.cpu_count()} cores)\n")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
