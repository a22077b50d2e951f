"""The publishing context: one writer, the run log, the build file and the atomic publish (no Prefect)."""

import json
import logging
import subprocess
import sys

import duckdb
import pytest

from digigov.errors import WarehouseError
from digigov.warehouse import runlog
from digigov.warehouse.publishing import building_path, publishing, writer_lock
from tests.conftest import query


def _run(run_id: str) -> dict:
    return {"run_id": run_id, "started_at": "2026-11-30T00:00:00+00:00", "status": "running"}


def _log(wh) -> list[dict]:
    return [json.loads(line) for line in runlog.log_path(wh).read_text().splitlines()]


def _build(path, value: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(f"CREATE TABLE t AS SELECT {value} AS v; CREATE VIEW observations AS SELECT * FROM t")


@pytest.fixture
def published(tmp_path):
    wh = tmp_path / "w.duckdb"
    with publishing(wh, _run("OLD")) as house:
        _build(house.building, 1)
        house.publish()
    return wh


def test_a_run_that_publishes_is_logged_started_then_finished(published):
    assert query(published, "SELECT v FROM observations") == [(1,)]
    assert [(r["run_id"], r["status"]) for r in _log(published)] == [("OLD", "running"), ("OLD", "succeeded")]
    assert _log(published)[-1]["finished_at"] and "seconds" in _log(published)[-1]
    assert not list(published.parent.glob(".*.building"))


def test_a_failing_step_is_logged_with_its_message_and_its_half_built_file_removed(published):
    run = _run("NEW")
    with pytest.raises(RuntimeError, match="the build broke"):
        with publishing(published, run) as house:
            _build(house.building, 2)  # half built: the step that raises had written part of it
            raise RuntimeError("the build broke")
    assert not house.building.exists()
    assert query(published, "SELECT v FROM observations") == [(1,)]  # the published warehouse is untouched
    last = _log(published)[-1]
    assert (last["run_id"], last["status"], last["message"]) == ("NEW", "failed", "the build broke")
    assert run["status"] == "failed" and last["finished_at"]


def test_the_status_the_run_chose_is_kept(tmp_path):
    wh = tmp_path / "w.duckdb"
    run = _run("R")
    with publishing(wh, run) as house:
        run["status"] = "succeeded with failed sources"
        _build(house.building, 1)
        house.publish()
    assert _log(wh)[-1]["status"] == "succeeded with failed sources"


def test_a_run_that_builds_but_does_not_publish_fails(published):
    with pytest.raises(WarehouseError, match="did not publish"):
        with publishing(published, _run("NEW")) as house:
            _build(house.building, 2)
    assert not house.building.exists() and _log(published)[-1]["status"] == "failed"
    assert query(published, "SELECT v FROM observations") == [(1,)]


def test_an_unreadable_build_is_not_published(published):
    with pytest.raises(duckdb.Error):
        with publishing(published, _run("NEW")) as house:
            with duckdb.connect(str(house.building)) as con:
                con.execute("CREATE TABLE no_public_view AS SELECT 1 AS v")
            house.publish()
    assert query(published, "SELECT v FROM observations") == [(1,)] and not house.building.exists()


def test_builds_left_by_killed_runs_are_removed_and_logged(published, caplog):
    stray = building_path(published, "KILLED")
    stray.write_bytes(b"half a warehouse")
    with caplog.at_level(logging.INFO, logger="digigov"):
        with publishing(published, _run("NEXT")) as house:
            assert not stray.exists()
            _build(house.building, 3)
            house.publish()
    assert f"removed {stray.name}, left by an interrupted run" in caplog.text


def test_a_second_writer_is_refused_at_once_naming_the_first(published):
    with publishing(published, _run("RUN-A")):
        with pytest.raises(WarehouseError, match="being built by digigov run RUN-A"):
            with publishing(published, _run("RUN-B")):
                pass
    assert "RUN-B" not in {r["run_id"] for r in _log(published)}  # refused before it logged anything


def test_the_lock_is_held_against_other_processes_and_released_after(tmp_path):
    wh = tmp_path / "w.duckdb"
    other = ("import sys; from pathlib import Path; from digigov.warehouse.publishing import writer_lock\n"
             "with writer_lock(Path(sys.argv[1]), 'RUN-B'): print('acquired')")
    with writer_lock(wh, "RUN-A"):
        held = subprocess.run([sys.executable, "-c", other, str(wh)], capture_output=True, text=True, timeout=120)
    assert held.returncode == 1 and "being built by digigov run RUN-A" in held.stderr
    free = subprocess.run([sys.executable, "-c", other, str(wh)], capture_output=True, text=True, timeout=120)
    assert free.returncode == 0 and free.stdout.strip() == "acquired", free.stderr


def test_a_second_writer_arriving_before_the_owner_note_still_names_the_run(tmp_path):
    """The holder writes its note just after taking the lock: a writer refused in between waits
    for the note instead of blaming "another process"."""
    import threading

    from filelock import FileLock

    from digigov.warehouse.publishing import owner_path

    wh = tmp_path / "w.duckdb"
    held = FileLock(wh.with_name(wh.name + ".lock"), thread_local=False)
    held.acquire()
    try:
        note = threading.Timer(0.2, lambda: owner_path(wh).write_text("digigov run R-early (pid 1)"))
        note.start()
        with pytest.raises(WarehouseError, match=r"being built by digigov run R-early \(pid 1\)"):
            with writer_lock(wh, "R-late"):
                pass
        note.join()
    finally:
        held.release()
