"""wdi_full at scale: digigov's whole path against DuckDB's floor, on synthetic WDICSV.csv files of
several shapes (tests/benchmarks/generate.py) and sizes, printed as one markdown table.

    python -m tests.benchmarks [--sizes 1,5,15,26] [--shapes dense,sparse,dense-real,sparse-real]
                               [--repeat 3] [--exact]

Sizes are millions of year-cells (rows x 65 year columns, empty or not; 26 = the real file's
~1,500 indicators x 266 economies). For each shape and size one file is generated under /tmp
(generation time excluded), then the floor and digigov run back to back on it, `--repeat` times
(medians reported), each in a fresh subprocess so its peak RSS (ru_maxrss) is its own:

- floor: the least work that produces the same table. DuckDB reads the CSV with the column types
  given (the year columns DOUBLE, the rest VARCHAR; no sniffing), keeps Country Code, Indicator
  Code, year (INTEGER) and value, unpivoted (empty cells, NULL, dropped), into a table of a new
  DuckDB file. DuckDB's default settings; Python reads the header line to name the columns.
- digigov: stage_source("wdi_full") (snapshot checksum, every validation rule, harmonisation, the
  staged DuckDB file) + the warehouse build of that staged source with an empty history (which also
  builds countries, aggregates, readiness, checks, views) + publish.

Times are measured inside each child around the work only (after imports); digigov's imports are
reported apart. So is each side's CPU time (user + system, every thread), printed in a second table
with the least time ratio that CPU time allows on this machine's cores; a third splits digigov's
time into staging and the warehouse build. The generated files are deleted afterwards.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks import generate

SIZES = [1, 5, 15, 26]  # millions of year-cells
ROOT = Path(__file__).resolve().parents[2]
# One DIGIGOV_HOME for the whole benchmark, made in main() and deleted at the end: its cache keeps
# hdx-python-country's country table between the children, as a user's home does after a first run.
HOME = {"path": ""}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def _cpu_seconds() -> float:
    """User + system CPU time of this process (every DuckDB thread included) and of its children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def floor(csv_path: str, db_path: str) -> dict:
    import duckdb

    t, cpu = time.perf_counter(), _cpu_seconds()
    with open(csv_path, encoding="utf-8", newline="") as fh:
        names = [h or f"column{i}" for i, h in enumerate(next(csv.reader(fh)))]  # "": the trailing comma
    years = [n for n in names if n.isdigit() and len(n) == 4]
    types = ", ".join(f"'{n}': '{'DOUBLE' if n in years else 'VARCHAR'}'" for n in names)
    cols = ", ".join(f'"{y}"' for y in years)
    con = duckdb.connect(db_path)
    con.execute(f"""
        CREATE TABLE observation AS
        SELECT country, indicator, CAST(year AS INTEGER) AS year, value
        FROM (UNPIVOT (SELECT "Country Code" AS country, "Indicator Code" AS indicator, {cols}
                       FROM read_csv('{csv_path}', header = true, columns = {{{types}}}, auto_detect = false,
                                     delim = ',', quote = '"', escape = '"'))
              ON {cols} INTO NAME year VALUE value)""")
    n = con.execute("SELECT count(*) FROM observation").fetchone()[0]
    con.close()
    return {"seconds": time.perf_counter() - t, "cpu_seconds": _cpu_seconds() - cpu, "peak_mb": _peak_mb(), "rows": n}


def digigov(snapshots: str, work: str, path: str = "fast") -> dict:
    t = time.perf_counter()
    from digigov.transforms.stage import stage_source
    from digigov.warehouse.build import build
    from digigov.warehouse.publishing import publish

    imports = time.perf_counter() - t
    # "exact": what a file with a bad cell costs, i.e. the config's fast_path: false for this run
    overrides = {"fast_path": False} if path == "exact" else None
    t, cpu = time.perf_counter(), _cpu_seconds()
    summary = stage_source("wdi_full", snapshots, work, config_overrides=overrides)
    staged = time.perf_counter() - t
    target = Path(work) / ".digigov.duckdb.bench.building"
    run = {"run_id": "bench", "status": "ok"}
    counts = build(target, [summary], run, [])
    publish(target, Path(work) / "digigov.duckdb")
    return {"seconds": time.perf_counter() - t, "cpu_seconds": _cpu_seconds() - cpu,
            "stage_seconds": staged, "import_seconds": imports,
            "peak_mb": _peak_mb(), "rows": counts["observations"], "invalid": summary["rows_invalid"],
            "paths": [f["path"] for f in summary["files"]]}


def _child(kind: str, *args: str) -> dict:
    # every run computes readiness as a first build does: the result an earlier run kept would be
    # reused (warehouse/readiness_reuse.py), since each repeat stages the same file
    shutil.rmtree(Path(HOME["path"]) / "cache" / "readiness", ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DIGIGOV_HOME": HOME["path"],
           "DIGIGOV_CACHE": str(Path(HOME["path"]) / "cache")}  # the folder cleared above, whatever the shell says
    out = subprocess.run([sys.executable, "-m", "tests.benchmarks.bench_wdi_full", "--child", kind, *args],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{kind} child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median(runs: list[dict]) -> dict:
    return {k: statistics.median(r[k] for r in runs) if isinstance(runs[0][k], float) else runs[0][k]
            for k in runs[0]}


def measure(shape: str, millions: float, repeat: int, exact: bool) -> dict:
    scratch = Path(tempfile.mkdtemp(prefix="digigov-bench-", dir="/tmp"))
    try:
        snap = scratch / "snaps" / "wdi_full"
        snap.mkdir(parents=True)
        csv_path = snap / "WDICSV.csv"
        n_indicators = generate.indicators_for(int(millions * 1e6))
        made = generate.write(csv_path, n_indicators, shape)
        floors, runs, exacts = [], [], []
        for i in range(repeat):  # back to back on the same file: both see the same machine load
            shutil.rmtree(scratch / "work", ignore_errors=True)
            (scratch / "floor.duckdb").unlink(missing_ok=True)
            floors.append(_child("floor", str(csv_path), str(scratch / "floor.duckdb")))
            runs.append(_child("digigov", str(scratch / "snaps"), str(scratch / "work")))
            if exact and i == 0:
                exacts.append(_child("digigov", str(scratch / "snaps"), str(scratch / "work_exact"), "exact"))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    f, d = _median(floors), _median(runs)
    x = exacts[0] if exacts else None
    planted = generate.planted_faults(n_indicators)
    if (d["invalid"] != planted or d["paths"] != ["fast"] or d["rows"] != made["loaded"]
            or f["rows"] != made["filled"] or (x and x["rows"] != d["rows"])):
        raise RuntimeError(f"{shape} {millions} M: not staged as expected: digigov {d}, exact {x}, floor {f}; "
                           f"the file: {made}, {planted} planted faults")
    return {"shape": shape, "millions": millions, **made, "floor": f, "digigov": d, "exact": x}


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b > 0 else "–"


def table(results: list[dict]) -> str:
    """One line per shape and size; the marginal ratios compare the growth from the shape's
    smallest size: (pipeline(size) - pipeline(smallest)) / (floor(size) - floor(smallest))."""
    exact = all(r["exact"] for r in results)
    lines = ["| shape | year-cells | values (empty) | pipeline s | floor s | time ratio | pipeline MB | floor MB "
             "| RSS ratio | marginal time ratio | marginal RSS ratio |" + (" exact path s (ratio) |" if exact else ""),
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if exact else "")]
    first = {}
    for r in results:
        f, d, x = r["floor"], r["digigov"], r["exact"]
        base = first.setdefault(r["shape"], r)
        if base is r:
            marginal = ["–", "–"]
        else:
            bf, bd = base["floor"], base["digigov"]
            marginal = [_ratio(d[k] - bd[k], f[k] - bf[k]) for k in ("seconds", "peak_mb")]
        empty = 1 - r["filled"] / r["year_cells"]
        lines.append(f"| {r['shape']} | {r['year_cells'] / 1e6:.1f} M | {r['filled'] / 1e6:.2f} M ({empty:.0%}) "
                     f"| {d['seconds']:.2f} | {f['seconds']:.2f} | {_ratio(d['seconds'], f['seconds'])} "
                     f"| {d['peak_mb']:.0f} | {f['peak_mb']:.0f} | {_ratio(d['peak_mb'], f['peak_mb'])} "
                     f"| {marginal[0]} | {marginal[1]} |"
                     + (f" {x['seconds']:.2f} ({x['seconds'] / f['seconds']:.2f}) |" if exact else ""))
    return "\n".join(lines)


def cpu_table(results: list[dict], cores: int) -> str:
    """How low the time ratio can go on this machine: CPU seconds (every thread) of each side,
    the cores each kept busy on average (CPU s / s), and the least time ratio digigov could reach
    with its CPU seconds if it kept all `cores` busy from start to end: pipeline CPU s / cores /
    floor s. A measured time ratio cannot fall below it without less work."""
    lines = [f"| shape | year-cells | pipeline CPU s | floor CPU s | CPU ratio | cores busy: pipeline | cores busy: floor "
             f"| least time ratio on {cores} cores |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        f, d = r["floor"], r["digigov"]
        least = _ratio(d["cpu_seconds"] / cores, f["seconds"])
        lines.append(f"| {r['shape']} | {r['year_cells'] / 1e6:.1f} M | {d['cpu_seconds']:.2f} | {f['cpu_seconds']:.2f} "
                     f"| {_ratio(d['cpu_seconds'], f['cpu_seconds'])} | {_ratio(d['cpu_seconds'], d['seconds'])} "
                     f"| {_ratio(f['cpu_seconds'], f['seconds'])} | {least} |")
    return "\n".join(lines)


def split_table(results: list[dict]) -> str:
    """Where digigov's time goes: staging (the snapshot's checksum, both passes, every check; its
    result is the staged DuckDB file of values, which is what the floor's table is) against the
    floor, and the warehouse build and publish after it, whose work the floor does not do at all
    (countries, aggregates, readiness, checks, findings, views, the data dictionary)."""
    lines = ["| shape | year-cells | staging s | staging ÷ floor | build and publish s | build share of the run |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in results:
        f, d = r["floor"], r["digigov"]
        built = d["seconds"] - d["stage_seconds"]
        lines.append(f"| {r['shape']} | {r['year_cells'] / 1e6:.1f} M | {d['stage_seconds']:.2f} "
                     f"| {_ratio(d['stage_seconds'], f['seconds'])} | {built:.2f} | {built / d['seconds']:.0%} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        kind, *args = argv[1:]
        print(json.dumps({"floor": floor, "digigov": digigov}[kind](*args)))
        return 0
    p = argparse.ArgumentParser(prog="python -m tests.benchmarks")
    p.add_argument("--sizes", default=",".join(map(str, SIZES)), help="millions of year-cells, e.g. 1,15")
    p.add_argument("--shapes", default=",".join(generate.SHAPES), help=", ".join(generate.SHAPES))
    p.add_argument("--repeat", type=int, default=3, help="runs of each measurement (the median is shown)")
    p.add_argument("--exact", action="store_true", help="also time the exact path once (a file with a bad cell)")
    args = p.parse_args(argv)
    shapes = args.shapes.split(",")
    for s in shapes:
        generate.shape(s)  # an unknown shape fails before any work
    sizes = sorted(float(m) for m in args.sizes.split(","))
    started = time.perf_counter()
    results = []
    HOME["path"] = tempfile.mkdtemp(prefix="digigov-bench-home-", dir="/tmp")
    try:
        for shape in shapes:
            for millions in sizes:
                results.append(measure(shape, millions, args.repeat, args.exact))
                print(f"measured {shape} {millions:g} M", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(HOME["path"], ignore_errors=True)
    print(f"wdi_full benchmark: {os.cpu_count()} cores, median of {args.repeat}, "
          f"{time.perf_counter() - started:.0f} s in all\n")
    print(table(results))
    print(f"\nCPU seconds (user + system, every thread), medians of the same runs:\n")
    print(cpu_table(results, os.cpu_count() or 1))
    print("\nStaging (the validated values in their DuckDB file) and the warehouse build after it:\n")
    print(split_table(results))
    digi = [r["digigov"] for r in results]
    print(f"\ndigigov's imports (not in the times above): median {statistics.median(d['import_seconds'] for d in digi):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
