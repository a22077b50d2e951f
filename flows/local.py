"""The pipeline in this process, without Prefect: `digigov run --local` or DIGIGOV_ENGINE=local.

Each step is a direct call; the sources that need staging are shared between this process and one
started for the purpose (DIGIGOV_STAGE_WORKERS, default two on two cores or more; 1 = one after
another here). No Prefect server to start, no Prefect import: a quick run for a laptop or a CI job.
Runs, logs and publishes exactly what the Prefect flow does; only the Prefect artifacts are missing
(`digigov status` shows the same report).
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections import deque
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from digigov.flows import steps
from digigov.flows.pipeline import refresh_with
from digigov.settings import stage_workers
from digigov.sources.snapshots import keep_checksums
from digigov.warehouse.publishing import Publication

log = logging.getLogger("digigov")


def stage_shared(source_ids: list[str], snapshots: str | None, work_dir: str, inbox: str | None,
                 workers: int, stage=None) -> dict[str, dict]:
    """Stage `source_ids` in `workers` processes: this one and processes started for the purpose,
    each taking the next source when it is free (this one from the front of the list, the others
    from the back, so that a worker's start-up is not waited for). Processes, as pandas and pandera
    hold the interpreter lock (two threads staged no faster than one); spawned, not forked: a fork
    would copy a process that may be running DuckDB's threads, which the copy does not have (and
    spawning is what macOS and Windows do anyway). A worker holds nothing of the run (its writer
    lock included) and returns a JSON-able summary. `stage` (default steps.stage) must be
    importable by name in a new process."""
    stage = stage or steps.stage
    n = min(workers, len(source_ids))
    if n < 2:
        return {sid: stage(sid, snapshots, work_dir, inbox) for sid in source_ids}
    waiting = deque(source_ids)
    lock = threading.Lock()
    done: dict[str, dict] = {}

    def take(front: bool) -> str | None:
        with lock:
            return (waiting.popleft() if front else waiting.pop()) if waiting else None

    def feed(pool: ProcessPoolExecutor) -> None:  # one source at a time to a free worker
        while (sid := take(front=False)) is not None:
            try:
                done[sid] = pool.submit(stage, sid, snapshots, work_dir, inbox).result()
            except BrokenProcessPool as exc:  # the worker died: this process stages the rest
                log.warning("digigov: a worker process stopped while staging %s (%s); the sources left are "
                            "staged in the run's own process", sid, exc)
                with lock:
                    waiting.append(sid)
                return

    with ProcessPoolExecutor(n - 1, mp_context=multiprocessing.get_context("spawn")) as pool, \
            ThreadPoolExecutor(n - 1) as feeders:
        fed = [feeders.submit(feed, pool) for _ in range(n - 1)]
        try:
            while (sid := take(front=True)) is not None:
                done[sid] = stage(sid, snapshots, work_dir, inbox)
        except BaseException:  # a fault or Ctrl-C here: the workers take nothing more
            with lock:
                waiting.clear()
            raise
        for f in fed:
            f.result()
    while (sid := take(front=True)) is not None:  # what a stopped worker left
        done[sid] = stage(sid, snapshots, work_dir, inbox)
    return done


class LocalEngine:
    def fetch(self, source_id: str) -> None:
        steps.fetch(source_id)

    def stage(self, source_ids: list[str], snapshots: str | None, work_dir: Path, inbox: str | None) -> list[dict]:
        """Every source's staged summary, in order. Sources whose staged rows are reused are looked
        up here; the others are shared with worker processes (stage_workers) when there are two
        or more to stage."""
        workers = stage_workers()
        if workers < 2 or len(source_ids) < 2:
            return [steps.stage(sid, snapshots, str(work_dir), inbox) for sid in source_ids]
        with keep_checksums():  # the look-up and this process's own staging read each file once
            found = {sid: steps.reused(sid, snapshots, str(work_dir), inbox) for sid in source_ids}
            todo = [sid for sid in source_ids if found[sid] is None]
            found.update(stage_shared(todo, snapshots, str(work_dir), inbox, workers))
        return [found[sid] for sid in source_ids]

    def build(self, built: Path, staged: list[dict], run: dict, history: list[dict], failed: dict[str, str],
              previous: Path, kept: list[str], accept_drops: list[str]) -> dict:
        return steps.build(built, staged, run, history, failed, previous, kept, accept_drops)

    def publish(self, house: Publication) -> None:
        house.publish()

    def report(self, warehouse: Path) -> None:
        """The data-quality report the Prefect flow makes an artifact of, to the debug log."""
        if log.isEnabledFor(logging.DEBUG):
            from digigov.warehouse.status import as_markdown, status

            log.debug("%s", as_markdown(status(warehouse)))


def refresh(online: bool = False, only: list[str] | None = None, snapshots: str | None = None,
            warehouse: str | None = None, strict: bool = False, inbox: str | None = None,
            accept_drops: list[str] | None = None) -> dict:
    """The Prefect flow's `refresh`, same parameters and result, run in this process."""
    return refresh_with(LocalEngine(), online=online, only=only, snapshots=snapshots, warehouse=warehouse,
                        strict=strict, inbox=inbox, accept_drops=accept_drops)
