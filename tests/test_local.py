"""`digigov run --local`: the same pipeline in this process, without Prefect (no Prefect harness here)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from digigov.flows.cli import main
from digigov.flows.local import LocalEngine
from digigov.flows.pipeline import refresh_with
from digigov.warehouse import runlog
from tests.conftest import query

ONE_SOURCE = ["--only", "wb_dai"]  # a small source: these tests are about the engine, not the data


def test_a_local_run_publishes_without_importing_prefect(tmp_path):
    wh = tmp_path / "w.duckdb"
    script = ("import sys; from digigov.flows.cli import main; rc = main(sys.argv[1:]); "
              "loaded = sorted(m for m in sys.modules if m == 'prefect' or m.startswith('prefect.')); "
              "print('prefect modules:', loaded); sys.exit(rc)")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    proc = subprocess.run([sys.executable, "-c", script, "run", "--local", *ONE_SOURCE, "--warehouse", str(wh)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "prefect modules: []" in proc.stdout
    closing = proc.stdout.splitlines()[-2]
    assert closing.startswith("pipeline ") and ", total " in closing and "Prefect" not in closing
    assert query(wh, "SELECT status FROM runs") == [("succeeded",)]
    assert query(wh, "SELECT count(*) FROM observations WHERE source_id = 'wb_dai'")[0][0] > 1000


def test_digigov_engine_local_picks_the_local_engine(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIGIGOV_ENGINE", "local")
    assert main(["run", *ONE_SOURCE, "--warehouse", str(tmp_path / "w.duckdb")]) == 0
    closing = capsys.readouterr().out.splitlines()[-1]
    assert ", total " in closing and "Prefect" not in closing


@pytest.mark.parametrize("env, args, message", [
    ({}, ["--local", "--task-runner", "threads:2"], "a local run has no Prefect"),
    ({"DIGIGOV_ENGINE": "local"}, ["--task-runner", "dask"], "a local run has no Prefect"),
    ({"DIGIGOV_ENGINE": "spark"}, [], "DIGIGOV_ENGINE='spark': use local"),
    ({"DIGIGOV_ENGINE": "spark"}, ["--local"], "DIGIGOV_ENGINE='spark': use local"),
])
def test_engine_usage_errors(tmp_path, monkeypatch, capsys, env, args, message):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    wh = tmp_path / "w.duckdb"
    assert main(["run", *args, "--warehouse", str(wh)]) == 2
    err = capsys.readouterr().err
    assert "usage error" in err and message in err and not wh.exists()


class BuildBreaks(LocalEngine):
    """The build writes part of its file, then fails."""

    def build(self, built, *args):
        built.write_bytes(b"half a warehouse")
        raise RuntimeError("disk full")


def test_a_failing_step_fails_the_run_logs_it_and_leaves_the_published_warehouse(tmp_path):
    wh = tmp_path / "w.duckdb"
    assert main(["run", "--local", *ONE_SOURCE, "--warehouse", str(wh)]) == 0
    before = query(wh, "SELECT count(*), (SELECT max(run_id) FROM runs) FROM observations_all")
    with pytest.raises(RuntimeError, match="disk full"):
        refresh_with(BuildBreaks(), only=["wb_dai"], warehouse=str(wh))
    assert not list(tmp_path.glob(".w.duckdb.*.building"))
    assert query(wh, "SELECT count(*), (SELECT max(run_id) FROM runs) FROM observations_all") == before
    last = json.loads(runlog.log_path(wh).read_text().splitlines()[-1])
    assert (last["status"], last["message"]) == ("failed", "disk full")
    # the next run carries the failed one in its history
    assert main(["run", "--local", *ONE_SOURCE, "--warehouse", str(wh)]) == 0
    assert [r[0] for r in query(wh, "SELECT status FROM runs ORDER BY started_at")] == ["succeeded", "failed",
                                                                                         "succeeded"]


# ---- sources staged in worker processes (DIGIGOV_STAGE_WORKERS) -------------------------------

def pid_of(source_id, snapshots, work_dir, inbox):
    """A stand-in for steps.stage, importable by name in a worker: which process staged what."""
    return {"source_id": source_id, "pid": os.getpid()}


def test_sources_to_stage_are_shared_between_this_process_and_a_worker():
    from digigov.flows.local import stage_shared

    ids = [f"s{i}" for i in range(6)]
    done = stage_shared(ids, None, "", None, 2, stage=pid_of)
    assert sorted(done) == ids and all(done[s]["source_id"] == s for s in ids)
    pids = {r["pid"] for r in done.values()}
    assert os.getpid() in pids and len(pids) == 2  # this process and one spawned for it
    assert done["s0"]["pid"] == os.getpid()  # this one starts from the front of the list


SMALL = ["wb_dai", "itu_gci", "wb_gtmi_panel", "owid_broadband"]


def _published(wh):
    return (query(wh, "SELECT source_id, count(*), round(sum(value), 6) FROM observations GROUP BY ALL ORDER BY ALL"),
            query(wh, "SELECT source_id, file, rows_loaded, rows_rejected FROM sources ORDER BY ALL"),
            query(wh, "SELECT source_id, file, row, reason FROM rejects ORDER BY ALL"))


def test_a_run_staged_in_two_processes_publishes_what_one_process_does(tmp_path, monkeypatch):
    """Each run on an empty cache, so that every source is staged: four sources, two per process."""
    published = []
    for workers in ("1", "2"):
        monkeypatch.setenv("DIGIGOV_STAGE_WORKERS", workers)
        monkeypatch.setenv("DIGIGOV_CACHE", str(tmp_path / f"cache{workers}"))
        wh = tmp_path / f"w{workers}.duckdb"
        assert main(["run", "--local", "--only", ",".join(SMALL), "--warehouse", str(wh)]) == 0
        published.append(_published(wh))
    assert published[0] == published[1]
    assert {r[0] for r in published[1][0]} == set(SMALL)


def test_a_source_that_fails_in_a_worker_is_reported_as_in_this_process(tmp_path, monkeypatch):
    """A snapshot folder where one source's file is broken: the source fails (stale, its error
    named) whichever process staged it, and the others load."""
    from digigov.flows.local import stage_shared
    from digigov.settings import EMBEDDED_SNAPSHOTS

    snaps = tmp_path / "snaps"
    for sid in SMALL:
        shutil.copytree(EMBEDDED_SNAPSHOTS / sid, snaps / sid)
    broken = next(p for p in sorted((snaps / "itu_gci").iterdir()) if p.suffix in (".csv", ".xlsx"))
    broken.write_bytes(b"not what the publisher wrote")
    monkeypatch.setenv("DIGIGOV_CACHE", str(tmp_path / "cache"))
    results = {}
    for workers in (1, 2):
        done = stage_shared(SMALL, str(snaps), str(tmp_path / f"work{workers}"), None, workers)
        results[workers] = {sid: ("error" in r, r.get("rows_loaded")) for sid, r in done.items()}
        monkeypatch.setenv("DIGIGOV_CACHE", str(tmp_path / "cache2"))  # stage again, not reuse
    assert results[1] == results[2]
    assert results[2]["itu_gci"][0] and not any(results[2][s][0] for s in SMALL if s != "itu_gci")


def dies_here_sleeps_there(source_id, snapshots, work_dir, inbox):
    """A stand-in for steps.stage: the run's own process is killed (SIGKILL) a second in, while
    its worker is still at work (asleep)."""
    if os.getpid() == int(os.environ["RUN_PID"]):
        time.sleep(1)
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(10)
    return {"source_id": source_id}


def test_a_killed_run_does_not_leave_its_worker_holding_the_warehouse_lock(tmp_path):
    """The run holds the writer lock and is killed while its worker stages: the lock is free at
    once, whatever the worker is still doing (it holds nothing of the run)."""
    from digigov.warehouse.publishing import writer_lock

    wh = tmp_path / "w.duckdb"
    script = ("import os, sys; os.environ['RUN_PID'] = str(os.getpid())\n"
              "from pathlib import Path\n"
              "from digigov.flows.local import stage_shared\n"
              "from digigov.warehouse.publishing import writer_lock\n"
              "from tests.test_local import dies_here_sleeps_there\n"
              "with writer_lock(Path(sys.argv[1]), 'killed'):\n"
              "    stage_shared(['a', 'b', 'c'], None, '', None, 2, stage=dies_here_sleeps_there)\n")
    with open(tmp_path / "run.log", "w") as out:  # a file, not a pipe the worker would keep open
        proc = subprocess.run([sys.executable, "-c", script, str(wh)], stdout=out, stderr=subprocess.STDOUT,
                              timeout=60)
    assert proc.returncode == -signal.SIGKILL, (tmp_path / "run.log").read_text()
    with writer_lock(wh, "next"):  # raises WarehouseError naming the holder if the worker held it
        pass


def exits_there(source_id, snapshots, work_dir, inbox):
    """A stand-in for steps.stage whose worker process dies at once (as one does when a script
    starts a run without `if __name__ == "__main__"`)."""
    if os.getpid() != int(os.environ["RUN_PID"]):
        os._exit(3)
    return {"source_id": source_id, "pid": os.getpid()}


def test_when_the_worker_dies_the_run_stages_every_source_itself(monkeypatch, caplog):
    from digigov.flows.local import stage_shared

    monkeypatch.setenv("RUN_PID", str(os.getpid()))
    ids = [f"s{i}" for i in range(5)]
    done = stage_shared(ids, None, "", None, 2, stage=exits_there)
    assert sorted(done) == ids and {r["pid"] for r in done.values()} == {os.getpid()}
    assert "a worker process stopped while staging" in caplog.text


def test_a_bad_number_of_workers_stops_the_run_before_it_starts(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIGIGOV_STAGE_WORKERS", "two")
    wh = tmp_path / "w.duckdb"
    assert main(["run", "--local", *ONE_SOURCE, "--warehouse", str(wh)]) == 1
    err = capsys.readouterr().err
    assert "DIGIGOV_STAGE_WORKERS: 'two' is not a number of processes" in err
    assert not wh.exists() and not runlog.log_path(wh).exists()
