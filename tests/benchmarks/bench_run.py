"""A default run on the embedded snapshots, as a user starts it: `digigov run --local` and
`digigov run` (Prefect, with its temporary server), first on an empty DIGIGOV_HOME, then again
with nothing changed (every source's staged rows reused, the warehouse rebuilt and published).

Each run is a fresh `digigov` process, so wall time includes Python's start-up and imports.
"pipeline" is what the run itself reports: stage + build + publish, from taking the writer lock
to the atomic rename. Medians of --repeat rounds (default 3), each round on a new empty home.

    python -m tests.benchmarks run [--repeat N] [--engines local,prefect]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DIGIGOV = Path(sys.executable).with_name("digigov")
PIPELINE = re.compile(r"^pipeline ([0-9.]+) s", re.M)


def one_run(home: Path, engine: str) -> tuple[float, float]:
    """(pipeline seconds as the run reports them, wall seconds of the whole process)."""
    cmd = [str(DIGIGOV), "run", "--warehouse", str(home / "digigov.duckdb")]
    if engine == "local":
        cmd.append("--local")
    env = {k: v for k, v in os.environ.items() if k not in ("DIGIGOV_ENGINE", "DIGIGOV_WAREHOUSE")}
    env["DIGIGOV_HOME"] = str(home)
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return float(PIPELINE.search(done.stdout).group(1)), wall


def measure(engine: str, repeat: int) -> dict[str, list[float]]:
    out = {"first pipeline": [], "first wall": [], "unchanged pipeline": [], "unchanged wall": []}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="digigov-bench-run-") as tmp:
            pipeline, wall = one_run(Path(tmp), engine)
            out["first pipeline"].append(pipeline)
            out["first wall"].append(wall)
            pipeline, wall = one_run(Path(tmp), engine)
            out["unchanged pipeline"].append(pipeline)
            out["unchanged wall"].append(wall)
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.benchmarks run")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--engines", default="local,prefect")
    args = p.parse_args(argv)
    print(f"Default run on the embedded snapshots, median of {args.repeat} (min–max); {os.cpu_count()} cores\n")
    print("| command | run | pipeline (stage + build + publish) | wall |")
    print("|---|---|---|---|")
    for engine in args.engines.split(","):
        label = "`digigov run --local`" if engine == "local" else "`digigov run` (Prefect, temporary server)"
        times = measure(engine, args.repeat)
        for run in ("first", "unchanged"):
            cells = []
            for kind in ("pipeline", "wall"):
                values = times[f"{run} {kind}"]
                cells.append(f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})")
            what = "first (empty home)" if run == "first" else "again, nothing changed"
            print(f"| {label} | {what} | {cells[0]} | {cells[1]} |", flush=True)
    return 0
