"""The wdi_full benchmark's tables (tests/benchmarks/bench_wdi_full.py), on a real measurement of a
tiny generated file: the floor and digigov each run in a child process, as `make bench` runs them,
and the ratios printed are the ones their numbers give."""

from __future__ import annotations

import pytest

from tests.benchmarks import bench_wdi_full as bench


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    home = tmp_path_factory.mktemp("bench-home")
    saved = bench.HOME["path"]
    bench.HOME["path"] = str(home)
    try:
        # two sizes of one shape (10 and 40 indicators): the second line has marginal ratios
        yield [bench.measure("sparse-real", m, 1, False) for m in (0.17, 0.69)]
    finally:
        bench.HOME["path"] = saved


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def test_each_side_reports_its_cpu_time(measured):
    for r in measured:
        for side in ("floor", "digigov"):
            assert r[side]["cpu_seconds"] > 0, (side, r[side])
        # digigov validates, harmonises and builds a warehouse: it cannot do less work than the floor
        assert r["digigov"]["cpu_seconds"] > r["floor"]["cpu_seconds"]


def test_cpu_table_gives_the_least_time_ratio_the_cpu_time_allows(measured):
    cores = 2
    lines = bench.cpu_table(measured, cores).splitlines()
    assert f"least time ratio on {cores} cores" in lines[0]
    rows = [_cells(line) for line in lines[2:]]
    assert len(rows) == len(measured)
    for r, row in zip(measured, rows):
        d, f = r["digigov"], r["floor"]
        assert row[0] == "sparse-real"
        assert float(row[2]) == pytest.approx(d["cpu_seconds"], abs=0.006)
        assert float(row[4]) == pytest.approx(d["cpu_seconds"] / f["cpu_seconds"], abs=0.006)
        assert float(row[5]) == pytest.approx(d["cpu_seconds"] / d["seconds"], abs=0.006)
        assert float(row[7]) == pytest.approx(d["cpu_seconds"] / cores / f["seconds"], abs=0.006)


def test_time_table_gives_whole_run_and_marginal_ratios(measured):
    lines = bench.table(measured).splitlines()
    first, second = (_cells(line) for line in lines[2:])
    small, large = measured
    assert first[9] == first[10] == "–"  # the smallest size has nothing to grow from
    assert float(second[5]) == pytest.approx(large["digigov"]["seconds"] / large["floor"]["seconds"], abs=0.006)
    floor_grew = large["floor"]["seconds"] - small["floor"]["seconds"]
    if floor_grew <= 0:  # files this small can swap places in a noisy moment: no ratio then
        assert second[9] == "–"
    else:
        grown = (large["digigov"]["seconds"] - small["digigov"]["seconds"]) / floor_grew
        assert float(second[9]) == pytest.approx(grown, abs=0.006)


def test_split_table_parts_the_run_into_staging_and_build(measured):
    lines = bench.split_table(measured).splitlines()
    rows = [_cells(line) for line in lines[2:]]
    assert len(rows) == len(measured)
    for r, row in zip(measured, rows):
        d, f = r["digigov"], r["floor"]
        assert 0 < d["stage_seconds"] < d["seconds"]
        assert float(row[2]) == pytest.approx(d["stage_seconds"], abs=0.006)
        assert float(row[3]) == pytest.approx(d["stage_seconds"] / f["seconds"], abs=0.006)
        assert float(row[4]) == pytest.approx(d["seconds"] - d["stage_seconds"], abs=0.006)
        assert row[5] == f"{(d['seconds'] - d['stage_seconds']) / d['seconds']:.0%}"
