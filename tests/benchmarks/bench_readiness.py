"""What the readiness uncertainty analysis costs: the readiness step on the default warehouse's
inputs with 0, 250, 1,000 and 4,000 draws (the median of `--repeat` runs each), printed as markdown.

    python -m tests.benchmarks readiness [--warehouse FILE] [--repeat N]

Without --warehouse, a default local run is made in a temporary home first.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from digigov.transforms.readiness import compute, load_method
from digigov.warehouse.build import readiness_inputs

DRAWS = (0, 250, 1000, 4000)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks readiness")
    parser.add_argument("--warehouse", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    warehouse = args.warehouse
    if warehouse is None:
        home = Path(tempfile.mkdtemp(prefix="digigov-bench-readiness-"))
        subprocess.run([sys.executable, "-m", "digigov.flows.cli", "run", "--local", "--warehouse",
                        str(home / "w.duckdb")], check=True, capture_output=True,
                       env={**__import__("os").environ, "DIGIGOV_HOME": str(home)})
        warehouse = home / "w.duckdb"
    method = load_method()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        direction = dict(con.execute("SELECT indicator_id, coalesce(higher_is_better, true) FROM core.indicator").fetchall())
        method = dataclasses.replace(method, direction=direction)
        inputs = readiness_inputs(con, max(method.reference_years))
    print("| draws | cells | readiness step (median s) | added by the draws (s) |")
    print("|---:|---:|---:|---:|")
    base = None
    for n in DRAWS:
        m = dataclasses.replace(method, uncertainty=dataclasses.replace(method.uncertainty, draws=n))
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            result = compute(*inputs, m)
            times.append(time.perf_counter() - t)
        med = statistics.median(times)
        base = med if base is None else base
        print(f"| {n:,} | {len(result.cells):,} | {med:.2f} | {med - base:.2f} |")
    return 0
