"""Publishing a warehouse: one writer at a time, a build file beside the published one, an atomic swap.

Readers never see a half-built warehouse and are never locked out: a run builds into a new file and
replaces the published one with a rename only when the new file is complete and readable; readers
keep the old file (even one opened before the rename) until they reconnect. A failed run removes its
build file; a killed run leaves it, and the next writer removes it. Every run is logged (runlog.py)
before it starts and when it ends, so a killed run shows up as `interrupted`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import duckdb
from filelock import FileLock, Timeout

from digigov.errors import WarehouseError
from digigov.warehouse import runlog

log = logging.getLogger(__name__)


def building_path(warehouse: Path, run_id: str) -> Path:
    return warehouse.with_name(f".{warehouse.name}.{run_id}.building")


def remove_stray_builds(warehouse: Path) -> list[Path]:
    """Delete files left by killed runs. Only call with the writer lock held."""
    stray = list(warehouse.parent.glob(f".{warehouse.name}.*.building"))
    for path in stray:
        path.unlink(missing_ok=True)
    return stray


def owner_path(warehouse: Path) -> Path:
    """Who holds the lock, in words. A file of its own: what a lock file holds differs by OS and
    filelock version (the Unix lock truncates it, the Windows one cannot be read while held)."""
    return warehouse.with_name(warehouse.name + ".lock.owner")


@contextmanager
def writer_lock(warehouse: Path, run_id: str, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the single-writer lock of `warehouse`, or fail naming the run that holds it.

    The operating system releases the lock when its holder dies, so a killed run never blocks the
    next one; its owner note is simply overwritten."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    # Not thread-local: the lock belongs to the run, whichever thread of it releases it.
    lock = FileLock(warehouse.with_name(warehouse.name + ".lock"), thread_local=False)
    try:
        if wait_seconds > 0:
            lock.acquire(timeout=wait_seconds, poll_interval=0.2)
        else:
            lock.acquire(blocking=False)
    except Timeout:
        raise WarehouseError(f"{warehouse} is being built by {_holder(warehouse)}; wait for it to finish "
                             "(readers can keep querying the published warehouse)") from None
    owner = owner_path(warehouse)
    try:
        _write_atomically(owner, f"digigov run {run_id} (pid {os.getpid()})")
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()


def _holder(warehouse: Path, patience: float = 1.0) -> str:
    """Who holds the lock, as its note says. The holder writes the note just after taking the
    lock, so a second writer arriving in between waits a moment for it rather than naming
    nobody; a note that never comes (the holder has just finished) gives "another process"."""
    deadline = time.monotonic() + patience
    while True:
        try:
            note = owner_path(warehouse).read_text(encoding="utf-8").strip()
        except OSError:
            note = ""
        if note or time.monotonic() >= deadline:
            return note or "another process"
        time.sleep(0.02)


def _write_atomically(path: Path, text: str) -> None:
    """A reader sees the old note or the new one, never half of one."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def publish(built: Path, warehouse: Path) -> None:
    """Atomically replace the published warehouse with the freshly built file."""
    with duckdb.connect(str(built), read_only=True) as con:  # refuse to publish an unreadable file
        # binding the public view proves it readable; counting it would resolve every current value
        con.execute("SELECT * FROM observations LIMIT 1").fetchall()
    os.replace(built, warehouse)


@dataclass(frozen=True)
class Publication:
    """The run's side of a `publishing` block: where to build, and the one way to publish it."""

    warehouse: Path
    building: Path

    def publish(self) -> None:
        publish(self.building, self.warehouse)


@contextmanager
def publishing(target: Path, run: dict) -> Iterator[Publication]:
    """Everything around a run that writes `target`: the writer lock, removal of builds left by
    killed runs, the run log (started; then failed with the message, or finished), and the build
    file, which is removed if the block raises. A block that builds must publish (or raise).

    `run` is the run's record (run_id, started_at, …); the block may set its `status` (e.g.
    "succeeded with failed sources") and `sources` before building. On leaving, this sets
    `finished_at` and `seconds` and, on failure, `status` "failed" and `message`."""
    started = time.perf_counter()
    with writer_lock(target, run["run_id"]):
        for path in remove_stray_builds(target):
            log.info("removed %s, left by an interrupted run", path.name)
        runlog.append(target, run)
        house = Publication(target, building_path(target, run["run_id"]))
        try:
            yield house
            if house.building.exists():
                raise WarehouseError(f"run {run['run_id']} built {house.building.name} but did not publish it")
        except BaseException as exc:
            _close(run, started, status="failed", message=str(exc))
            runlog.append(target, run)
            raise
        finally:
            house.building.unlink(missing_ok=True)  # published, it is gone already
        _close(run, started, status=run["status"] if run["status"] != "running" else "succeeded")
        runlog.append(target, run)


def _close(run: dict, started: float, **fields) -> None:
    run.update(fields, finished_at=dt.datetime.now(dt.timezone.utc).isoformat(),
               seconds=round(time.perf_counter() - started, 3))
