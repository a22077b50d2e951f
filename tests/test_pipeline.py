"""End to end on the embedded snapshots into a real DuckDB file: the data of the session warehouse
(built by the local engine), the same data from the Prefect flow, publishing, killed runs, --only."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading

import pytest

from digigov.errors import WarehouseError
from digigov.flows.cli import main
from digigov.flows.local import refresh as local_refresh
from digigov.settings import EMBEDDED_SNAPSHOTS
from digigov.warehouse.publishing import writer_lock
from digigov.warehouse.query import query as wh_query
from tests.conftest import FIXTURES, query
from tests.view_fingerprint import fingerprints

SEED_2020 = {"ARM": (0.7136, 0.7500), "AZE": (0.7100, 0.6905), "GEO": (0.7174, 0.6429),
             "KAZ": (0.8375, 0.8810), "KGZ": (0.6749, 0.7143), "TJK": (0.4649, 0.3452),
             "UZB": (0.6665, 0.8095)}
PUBLIC_VIEWS = {"countries", "indicators", "sources", "observations", "aggregates", "runs", "rejects"}


def test_every_public_view_is_what_the_previous_release_published(warehouse):
    """The embedded snapshots give the same published data as digigov 0.2.0 did, view by view
    (tests/fixtures/baseline/README.md): a refactor must not change data unnoticed."""
    baseline = json.loads((FIXTURES / "baseline" / "views.json").read_text(encoding="utf-8"))
    got = fingerprints(warehouse)
    differ = {v: {"baseline": baseline.get(v), "now": got.get(v)} for v in sorted(set(baseline) | set(got))
              if baseline.get(v) != got.get(v)}
    assert not differ, "views that differ from the 0.2.0 baseline:\n" + json.dumps(differ, indent=1)
    assert got == baseline


def test_seed_2020_figures_for_the_seven_countries(warehouse):
    rows = query(warehouse, "SELECT iso3, indicator_id, round(value, 4) FROM observations "
                            "WHERE year = 2020 AND indicator_id IN ('un.egdi', 'un.epi') "
                            "AND list_contains((SELECT groups FROM countries c WHERE c.iso3 = observations.iso3), 'focus')")
    got = {}
    for iso3, ind, value in rows:
        got.setdefault(iso3, {})[ind] = value
    assert got == {k: {"un.egdi": e, "un.epi": p} for k, (e, p) in SEED_2020.items()}


@pytest.mark.parametrize("indicator,year,expected", [
    ("un.egdi", 2020, 0.5988), ("un.epi", 2020, 0.5677), ("un.egdi", 2022, 0.6102),
    ("un.egdi", 2024, 0.6382), ("un.egdi", 2008, 0.4514), ("un.egdi", 2010, 0.4406),
    ("un.egdi", 2012, 0.4882)])
def test_world_averages_reproduce_the_published_figures(warehouse, indicator, year, expected):
    value, n, method = query(warehouse, "SELECT value, n_countries, method FROM aggregates "
                                        "WHERE group_id='world' AND indicator_id=? AND year=?", [indicator, year])[0]
    assert round(value, 4) == expected
    assert n == (193 if year >= 2012 else {2008: 182, 2010: 183}[year])
    assert "UN member states" in method


def _egov_rows(year: int) -> dict[str, list[str]]:
    """The raw rows of one UN survey file, by stripped country name, with their line numbers."""
    import csv
    path = EMBEDDED_SNAPSHOTS / "un_egov" / f"EGOV_DATA_{year}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    return {r[1].strip(): [*r, str(line)] for line, r in enumerate(rows[1:], start=2)}


@pytest.mark.parametrize("iso3,name,year", [("UZB", "Uzbekistan", 2003), ("TJK", "Tajikistan", 2003),
                                            ("TJK", "Tajikistan", 2004)])
def test_the_un_no_online_presence_zero_is_missing_with_its_reason(warehouse, iso3, name, year):
    """An EGDI of 0.00000 beside real HCI and TII is the UN's marker: the EGDI and its tied placeholder
    rank are missing, each listed once in `rejects` as an exclusion with the row's line; HCI and TII load."""
    raw = _egov_rows(year)[name]
    assert raw[3] == "0.00000" and float(raw[6]) > 0 and float(raw[7]) > 0   # the file's marker
    got = dict(query(warehouse, "SELECT indicator_id, value FROM observations WHERE iso3=? AND year=?", [iso3, year]))
    assert "un.egdi" not in got and "un.egdi_rank" not in got
    assert round(got["un.hci"], 5) == float(raw[6]) and round(got["un.tii"], 5) == float(raw[7])
    rejects = query(warehouse, "SELECT reason, record FROM rejects WHERE source_id='un_egov' AND file=? AND row=?",
                    [f"EGOV_DATA_{year}.csv", int(raw[-1])])
    reasons = sorted(r for r, _ in rejects)
    assert len(reasons) == 2 and all(r.startswith("excluded: ") and "no-online-presence marker" in r for r in reasons)
    assert reasons[0].startswith("excluded: E-Government Index") and reasons[1].startswith("excluded: E-Government Rank")
    record = json.loads(rejects[0][1])
    assert record["Country Name"] == name and record["E-Government Index"] == 0


def test_central_asia_2003_egdi_mean_leaves_the_markers_out(warehouse):
    """Central Asia 2003 averages only the members with a score, as the raw file gives them."""
    members = [r[0] for r in query(warehouse, "SELECT iso3 FROM countries WHERE list_contains(groups, 'central_asia')")]
    assert sorted(members) == ["KAZ", "KGZ", "TJK", "UZB"]
    raw = _egov_rows(2003)
    scores = [float(raw[n][3]) for n in ("Kazakhstan", "Kyrgyzstan", "Tajikistan", "Uzbekistan") if raw[n][3] != "0.00000"]
    assert len(scores) == 2
    value, n = query(warehouse, "SELECT value, n_countries FROM aggregates "
                                "WHERE group_id='central_asia' AND indicator_id='un.egdi' AND year=2003")[0]
    assert n == 2 and round(value, 6) == round(sum(scores) / 2, 6)
    world = query(warehouse, "SELECT method FROM aggregates WHERE group_id='world' AND indicator_id='un.egdi' AND year=2003")[0][0]
    assert "no-online-presence marker" in world and "left out" in world


def test_world_2012_counts_the_marker_zeros_as_the_un_did(warehouse):
    """2012's published world mean 0.4882 includes its marker zeros: counted as 0 there, and said so."""
    markers = [n for n, r in _egov_rows(2012).items() if r[3] == "0.00000"]
    assert len(markers) == 3
    assert query(warehouse, "SELECT count(*) FROM rejects WHERE file='EGOV_DATA_2012.csv' "
                            "AND reason LIKE 'excluded: E-Government Index%marker%'")[0][0] == 3
    value, n, method = query(warehouse, "SELECT value, n_countries, method FROM aggregates "
                                        "WHERE group_id='world' AND indicator_id='un.egdi' AND year=2012")[0]
    assert n == 193 and round(value, 4) == 0.4882 and "3 states with the no-online-presence marker count as EGDI 0" in method
    # 2010 has no marker zeros beside real components, so it leaves nothing to count
    assert query(warehouse, "SELECT count(*) FROM rejects WHERE file='EGOV_DATA_2010.csv' AND reason LIKE '%marker%'")[0][0] == 0


def test_group_aggregates_and_no_rank_average(warehouse):
    rows = dict(((g, n) for g, n in query(warehouse, "SELECT group_id, n_countries FROM aggregates "
                                                     "WHERE indicator_id='un.egdi' AND year=2020")))
    assert rows == {"world": 193, "focus": 7, "central_asia": 4, "caucasus": 3}
    focus = query(warehouse, "SELECT value FROM aggregates WHERE group_id='focus' AND indicator_id='un.egdi' AND year=2020")[0][0]
    assert round(focus, 6) == round(sum(e for e, _ in SEED_2020.values()) / 7, 6) or abs(focus - 0.6835) < 1e-4
    assert query(warehouse, "SELECT count(*) FROM aggregates WHERE indicator_id='un.egdi_rank'")[0][0] == 0


def test_public_views_sources_and_runs(warehouse):
    views = {r[0] for r in query(warehouse, "SELECT view_name FROM duckdb_views() WHERE schema_name='main' AND NOT internal")}
    assert PUBLIC_VIEWS <= views
    manifest = json.loads((EMBEDDED_SNAPSHOTS / "un_egov" / "manifest.json").read_text())
    expected = {f["file"]: f["sha256"] for f in manifest["files"]}
    got = dict(query(warehouse, "SELECT file, sha256 FROM sources WHERE source_id='un_egov'"))
    assert got == expected
    loaded = query(warehouse, "SELECT sum(rows_loaded) FROM sources WHERE source_id = 'un_egov'")[0][0]
    assert loaded == query(warehouse, "SELECT count(*) FROM observations_all WHERE source_id = 'un_egov'")[0][0]
    assert loaded == query(warehouse, "SELECT count(*) FROM observations WHERE source_id = 'un_egov'")[0][0]
    status, sources = query(warehouse, "SELECT status, sources FROM runs")[0]
    assert status == "succeeded" and json.loads(sources)["un_egov"]["rows_loaded"] == loaded
    indicators = {r[0] for r in query(warehouse, "SELECT indicator_id FROM indicators")}
    assert {"un.egdi", "un.epi", "un.osi", "un.hci", "un.tii", "un.egdi_rank"} <= indicators
    geo = query(warehouse, "SELECT name, un_subregion, groups FROM countries WHERE iso3='GEO'")[0]
    assert geo == ("Georgia", "Western Asia", ["caucasus", "focus"])


def test_a_new_survey_year_is_picked_up_without_code_change(tmp_path, snapshot_copy, capsys):
    text = (snapshot_copy / "un_egov" / "EGOV_DATA_2024.csv").read_text(encoding="utf-8")
    (snapshot_copy / "un_egov" / "EGOV_DATA_2026.csv").write_text(text.replace("\n2024,", "\n2026,"), encoding="utf-8")
    wh = tmp_path / "w.duckdb"
    assert main(["run", "--local", "--only", "un_egov", "--snapshots", str(snapshot_copy), "--warehouse", str(wh)]) == 0
    assert "EGOV_DATA_2026.csv: not in manifest.json" in capsys.readouterr().err
    assert query(wh, "SELECT count(DISTINCT iso3) FROM observations WHERE year=2026")[0][0] == 193
    assert query(wh, "SELECT n_countries FROM aggregates WHERE group_id='world' AND indicator_id='un.egdi' AND year=2026")[0][0] == 193
    assert query(wh, "SELECT recorded FROM sources WHERE file='EGOV_DATA_2026.csv'")[0][0] is False


@pytest.mark.parametrize("engine", [pytest.param([], marks=pytest.mark.prefect, id="prefect"),
                                    pytest.param(["--local"], id="local")])
def test_a_killed_run_leaves_the_old_warehouse(tmp_path, warehouse_copy, engine):
    """Both engines: the publish runs as a Prefect task in one and as a plain call in the other."""
    wh = warehouse_copy
    before = query(wh, "SELECT count(*), (SELECT max(run_id) FROM runs) FROM observations_all")
    # A real `digigov run`, killed with SIGKILL after its new file is fully built, before publishing.
    script = ("import os, signal, sys; import digigov.warehouse.publishing as p; "
              "p.publish = lambda *a: os.kill(os.getpid(), signal.SIGKILL); "
              "from digigov.flows.cli import main; "
              f"sys.exit(main(['run', *{engine!r}, '--only', 'un_egov', '--warehouse', sys.argv[1]]))")
    env = dict(os.environ)
    if not engine:
        from prefect.settings import PREFECT_API_URL

        env["PREFECT_API_URL"] = PREFECT_API_URL.value()
    log = tmp_path / "run.log"
    with open(log, "w") as out:  # a file, not a pipe: nothing can hold the test up
        proc = subprocess.run([sys.executable, "-c", script, str(wh)], stdout=out, stderr=subprocess.STDOUT,
                              env=env, timeout=300)
    assert proc.returncode == -signal.SIGKILL, log.read_text()
    assert list(tmp_path.glob(".w.duckdb.*.building"))  # the unpublished build is left aside ...
    assert query(wh, "SELECT count(*), (SELECT max(run_id) FROM runs) FROM observations_all") == before
    # ... and the next run takes the (released) lock, publishes, and clears the stray file
    assert main(["run", *engine, "--only", "un_egov", "--warehouse", str(wh)]) == 0
    assert not list(tmp_path.glob(".w.duckdb.*.building"))
    statuses = [r[0] for r in query(wh, "SELECT status FROM runs ORDER BY started_at")]
    assert statuses == ["succeeded", "interrupted", "succeeded"]


@pytest.mark.prefect
def test_a_local_run_publishes_the_same_views_as_the_prefect_flow(tmp_path, warehouse):
    """The one full run of the Prefect flow: the same public views as the local engine's build."""
    flow = tmp_path / "prefect.duckdb"
    assert main(["run", "--warehouse", str(flow)]) == 0
    assert fingerprints(flow) == fingerprints(warehouse)


@pytest.mark.prefect
def test_both_engines_print_the_same_summary(tmp_path, built_warehouse, capsys):
    outputs = {}
    for engine in ([], ["--local"]):
        wh = tmp_path / f"w{len(outputs)}.duckdb"
        shutil.copy(built_warehouse, wh)
        wh.chmod(0o644)
        assert main(["run", *engine, "--only", "wb_dai,itu", "--warehouse", str(wh)]) == 0
        outputs[tuple(engine)] = capsys.readouterr().out.splitlines()
    prefect, local = outputs[()], outputs[("--local",)]
    assert prefect[1:-1] == local[1:-1] and len(local) > 4  # the table, the warehouse counts, contradictions
    assert prefect[0].startswith("run ") and local[0].startswith("run ")
    assert re.fullmatch(r"pipeline [0-9.]+ s, total with Prefect [0-9.]+ s", prefect[-1])
    assert re.fullmatch(r"pipeline [0-9.]+ s, total [0-9.]+ s", local[-1])


def test_readers_keep_working_while_a_run_builds(warehouse_copy):
    wh = warehouse_copy
    held = __import__("duckdb").connect(str(wh), read_only=True)  # a reader open across the publish
    old_runs = held.execute("SELECT count(*) FROM runs").fetchone()[0]
    done, results, errors = threading.Event(), [], []

    def reader():
        while not done.is_set():
            try:
                results.append(len(wh_query(wh, "SELECT * FROM observations WHERE year=2020")))
            except Exception as exc:  # noqa: BLE001 - any failure is what the test looks for
                errors.append(repr(exc))

    t = threading.Thread(target=reader)
    t.start()
    try:
        local_refresh(warehouse=str(wh), only=["un_egov"])
    finally:
        done.set()
        t.join()
    assert errors == [] and len(results) >= 3 and set(results) == {results[0]}
    assert held.execute("SELECT count(*) FROM runs").fetchone()[0] == old_runs
    held.close()
    assert query(wh, "SELECT count(*) FROM runs")[0][0] == old_runs + 1


def test_a_second_writer_is_refused_with_the_running_run_named(tmp_path, capsys):
    wh = tmp_path / "w.duckdb"
    with writer_lock(wh, "RUN-A"):
        assert main(["run", "--local", "--only", "un_egov", "--warehouse", str(wh)]) == 1
    err = capsys.readouterr().err
    assert "being built by digigov run RUN-A" in err and not wh.exists()
    with pytest.raises(WarehouseError):
        with writer_lock(wh, "RUN-B"):
            with writer_lock(wh, "RUN-C"):
                pass


def test_only_refreshes_the_named_sources_and_keeps_the_others(warehouse_copy):
    wh = warehouse_copy
    before = query(wh, "SELECT source_id, count(*), round(sum(value), 6) FROM observations_all GROUP BY 1 ORDER BY 1")
    assert len(before) >= 8
    assert main(["run", "--local", "--only", "un_egov", "--warehouse", str(wh)]) == 0
    after = query(wh, "SELECT source_id, count(*), round(sum(value), 6) FROM observations_all GROUP BY 1 ORDER BY 1")
    assert after == before
    assert query(wh, "SELECT count(*) FROM sources WHERE stale")[0][0] == 0
