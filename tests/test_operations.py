"""Operations: incremental refresh, status, Prefect artifacts, two writers at once, task runners.

Only what is about Prefect runs the Prefect flow (marked `prefect`); the rest runs the local engine.
"""

import re
import subprocess
import sys

import pytest

from digigov.flows.cli import main
from digigov.flows.local import refresh as local_refresh
from tests.conftest import query

CONTENT = {  # what analysts query; must not differ between an unchanged run and its repeat
    "observations": "SELECT * FROM observations_all ORDER BY ALL",
    "aggregates": "SELECT * FROM aggregates ORDER BY ALL",
    "readiness": "SELECT * FROM readiness ORDER BY ALL",
    "findings": "SELECT * FROM findings ORDER BY ALL",
    "rejects": "SELECT source_id, file, row, reason, record FROM rejects ORDER BY ALL",
    "sources": "SELECT * FROM sources ORDER BY ALL",
}


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """An empty staged-rows cache of this test's own (DIGIGOV_CACHE), not the session's."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("DIGIGOV_CACHE", str(cache))
    return cache


def test_an_unchanged_second_run_reuses_staged_rows_and_publishes_the_same_content(tmp_path, own_cache, isolated_home):
    wh = tmp_path / "w.duckdb"
    first = local_refresh(warehouse=str(wh))
    before = {k: query(wh, q) for k, q in CONTENT.items()}
    second = local_refresh(warehouse=str(wh))
    assert not any(s["reused"] for s in first["sources"])
    # the staged rows are kept where DIGIGOV_CACHE says, not in the home
    assert {p.name for p in (own_cache / "staged").iterdir()} == {s["source_id"] for s in first["sources"]}
    assert not (isolated_home / "cache").exists()
    assert all(s["reused"] for s in second["sources"])
    assert {k: query(wh, q) for k, q in CONTENT.items()} == before
    assert query(wh, "SELECT count(*) FROM changes")[0][0] == 0
    reused = query(wh, "SELECT count(*) FROM runs, json_each(sources) j WHERE j.value->>'reused' = 'true'")
    assert reused[0][0] == len(second["sources"])


def test_a_changed_snapshot_is_staged_again(tmp_path, snapshot_copy, own_cache):
    wh = tmp_path / "w.duckdb"
    first = local_refresh(warehouse=str(wh), only=["un_egov"], snapshots=str(snapshot_copy))
    assert not first["sources"][0]["reused"]
    target = snapshot_copy / "un_egov" / "EGOV_DATA_2026.csv"  # a new year: the source changed
    target.write_text((snapshot_copy / "un_egov" / "EGOV_DATA_2024.csv").read_text(encoding="utf-8")
                      .replace("\n2024,", "\n2026,"), encoding="utf-8")
    again = local_refresh(warehouse=str(wh), only=["un_egov"], snapshots=str(snapshot_copy))
    assert not again["sources"][0]["reused"]
    changes = dict(query(wh, "SELECT item, detail FROM changes WHERE kind = 'values changed'"))
    assert changes["un.egdi"].startswith("0 changed, 193 new")


def test_status_prints_runs_sources_rejects_and_contradictions(tmp_path, warehouse, capsys):
    assert main(["status", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    for heading in ("Last runs", "Sources", "Rejected rows by reason", "Findings contradicted by the data"):
        assert heading in out
    assert "un_egov" in out and "F17" in out and "succeeded" in out
    assert main(["status", "--warehouse", str(tmp_path / "none.duckdb")]) == 1


@pytest.mark.prefect
def test_a_run_publishes_prefect_artifacts(tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from digigov.flows.refresh import refresh

    refresh(warehouse=str(tmp_path / "w.duckdb"), only=["un_egov"])
    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=["digigov-sources", "digigov-data-quality"])))
    kinds = {a.key: a.type for a in arts}
    assert kinds == {"digigov-sources": "table", "digigov-data-quality": "markdown"}
    markdown = next(a for a in arts if a.key == "digigov-data-quality").data
    assert "# digigov data quality" in markdown and "Rejected rows by reason" in markdown


def test_two_runs_at_once_never_corrupt_the_warehouse(tmp_path):
    """Two real `digigov run` processes on one warehouse: the writer lock and the publish are the
    pipeline's, not the engine's, so the local engine shows it without a Prefect server."""
    wh = tmp_path / "w.duckdb"
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    procs = []
    for log in logs:
        with open(log, "w") as out:
            procs.append(subprocess.Popen([sys.executable, "-m", "digigov.flows.cli", "run", "--local", "--only",
                                           "un_egov", "--warehouse", str(wh)], stdout=out, stderr=subprocess.STDOUT))
    codes = [p.wait(timeout=300) for p in procs]
    texts = [log.read_text() for log in logs]
    assert 0 in codes, texts
    for code, text in zip(codes, texts):
        assert code in (0, 1), text
        if code == 1:  # the loser names the run that holds the warehouse (publishing._holder waits
            # for the note the holder writes just after taking the lock)
            assert re.search(r"is being built by digigov run \S+ \(pid \d+\); wait", text), text
    runs = query(wh, "SELECT status FROM runs")
    assert sorted(r[0] for r in runs) == ["succeeded"] * codes.count(0)
    assert query(wh, "SELECT count(*) FROM observations WHERE source_id = 'un_egov'")[0][0] > 13000


# ---- where the per-source tasks run (flows/runners.py) ----------------------------------------

RUNNER_SOURCES = ["un_egov", "wb_wgi", "wb_dai"]


@pytest.mark.prefect
@pytest.mark.parametrize("spec", ["threads:2", "dask"])
def test_the_task_runner_switch_stages_sources_concurrently_with_the_same_result(tmp_path, monkeypatch, spec):
    """The concurrent run stages for real (an empty cache of its own) and must publish what the
    local engine publishes, one source after another."""
    from digigov.flows.refresh import refresh
    from digigov.flows.runners import task_runner

    one_by_one, concurrent = tmp_path / "sequential.duckdb", tmp_path / "concurrent.duckdb"
    local_refresh(warehouse=str(one_by_one), only=RUNNER_SOURCES)
    monkeypatch.setenv("DIGIGOV_CACHE", str(tmp_path / "cache"))  # Dask workers inherit it
    result = refresh.with_options(task_runner=task_runner(spec))(warehouse=str(concurrent), only=RUNNER_SOURCES)
    # the survey inbox is staged on every run, --only or not
    assert [s["source_id"] for s in result["sources"]] == [*RUNNER_SOURCES, "survey"] and not result["failed"]
    assert not any(s["reused"] for s in result["sources"])
    for name in ("observations", "aggregates", "readiness", "rejects"):
        assert query(concurrent, CONTENT[name]) == query(one_by_one, CONTENT[name]), name


@pytest.mark.parametrize("spec, message", [("threads:0", "positive whole number"), ("spark", "unknown task runner"),
                                           ("sequential:4", "unknown task runner")])
def test_a_bad_task_runner_is_a_usage_error(tmp_path, capsys, spec, message):
    assert main(["run", "--task-runner", spec, "--warehouse", str(tmp_path / "w.duckdb")]) == 2
    assert message in capsys.readouterr().err and not (tmp_path / "w.duckdb").exists()


def test_the_task_runner_comes_from_the_environment(monkeypatch):
    from prefect.task_runners import ThreadPoolTaskRunner

    from digigov.flows.runners import task_runner

    monkeypatch.setenv("DIGIGOV_TASK_RUNNER", "threads:3")
    runner = task_runner()
    assert isinstance(runner, ThreadPoolTaskRunner) and runner._max_workers == 3
    assert task_runner("sequential")._max_workers == 1  # an explicit spec wins over the environment
