"""The refresh pipeline, written once: fetch (online) → stage every source → build → publish → report.

An engine runs each step: flows/local.py calls them in this process (`digigov run --local`),
flows/refresh.py runs them as Prefect tasks (the `digigov-refresh` flow). This module decides what
the steps' results mean (a stale or failed source, --strict) and never imports Prefect, so a
local run does not pay for it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
import uuid
from pathlib import Path
from typing import Iterator, Protocol

from digigov import __version__
from digigov.errors import DigigovError, FetchError
from digigov.flows import progress
from digigov.settings import home, warehouse_path
from digigov.sources import source_for, source_ids
from digigov.warehouse import runlog
from digigov.warehouse.guard import with_guard
from digigov.warehouse.publishing import Publication, publishing

log = logging.getLogger("digigov")


class Engine(Protocol):
    """How the steps run. Each takes and returns paths and JSON-able summaries (flows/steps.py)."""

    def fetch(self, source_id: str) -> None: ...

    def stage(self, source_ids: list[str], snapshots: str | None, work_dir: Path, inbox: str | None) -> list[dict]:
        """Every source's summary, in order, once all have finished (they may run concurrently)."""

    def build(self, built: Path, staged: list[dict], run: dict, history: list[dict], failed: dict[str, str],
              previous: Path, kept: list[str], accept_drops: list[str]) -> dict: ...

    def publish(self, house: Publication) -> None: ...

    def report(self, warehouse: Path) -> None: ...


def refresh_with(engine: Engine, online: bool = False, only: list[str] | None = None, snapshots: str | None = None,
                 warehouse: str | None = None, strict: bool = False, inbox: str | None = None,
                 run_id: str | None = None, accept_drops: list[str] | None = None) -> dict:
    """Fetch (online), stage every source, build a new warehouse file and publish it atomically.

    A source that cannot be fetched keeps its last good snapshot; one that cannot be staged keeps
    its last published rows, and so does a file that fails while the rest of its source loads.
    All are marked stale with the error, and the run goes on with a warning, unless `strict`,
    when the run fails and nothing is published. An indicator whose published values a new
    snapshot would remove or cut too far keeps them, unless its source is in `accept_drops`.
    `run_id` (from `new_run_id`) lets an engine name its own record of the run after it; by
    default a new one."""
    target = warehouse_path(warehouse)
    selected = selection(only)
    run = new_run(target, run_id)
    with publishing(target, run) as house, scratch_folder(run["run_id"]) as work:
        stale = fetch_all(engine, [s for s in selected if s not in inbox_sources()], strict) if online else {}
        staged, failed = settle(selected, engine.stage(selected, snapshots, work, inbox), stale, strict)
        run.update(status=run_status(failed, failed_files(staged)), sources=run_sources(staged, failed, stale))
        counts = engine.build(house.building, staged, run, runlog.history(target, run["run_id"]), failed,
                              target, left_out(selected), list(accept_drops or []))
        run.update(sources=with_guard(run, counts.get("guard", []))["sources"])
        progress.kept(counts.get("carried", []))
        progress.drops_found(counts.get("guard", []))
        progress.problems_found(counts)
        engine.publish(house)
    engine.report(target)
    return {"run_id": run["run_id"], "warehouse": str(target), "seconds": run["seconds"],
            "sources": staged, "failed": failed, "counts": counts, "stale": stale}


def run_status(failed: dict[str, str], broken_files: list[dict]) -> str:
    if failed:
        return "succeeded with failed sources"
    return "succeeded with failed files" if broken_files else "succeeded"


def inbox_sources() -> list[str]:
    """Sources whose files people send in (the survey): nothing to download, nothing to carry over."""
    return [sid for sid in source_ids(include_disabled=True) if source_for(sid).kind == "inbox"]


def selection(only: list[str] | None) -> list[str]:
    """The sources a run stages: --only, else every enabled source. Inbox sources are always
    staged: their folder is read as it is on every run, as a user who drops a workbook in expects."""
    chosen = list(only or source_ids())
    return chosen + [sid for sid in inbox_sources() if sid not in chosen]


def new_run_id() -> str:
    """When the run started (UTC), so run ids sort by time, and a random suffix for runs started
    in the same second."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def new_run(target: Path, run_id: str | None = None) -> dict:
    """The run's record as the run log and the `runs` view keep it."""
    return {"run_id": run_id or new_run_id(), "started_at": dt.datetime.now(dt.timezone.utc).isoformat(),
            "digigov_version": __version__, "warehouse": str(target), "status": "running"}


@contextlib.contextmanager
def scratch_folder(run_id: str) -> Iterator[Path]:
    """The run's staging folder, removed when the run ends (the staged cache lives elsewhere)."""
    work = home() / "staging" / run_id
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fetch_all(engine: Engine, selected: list[str], strict: bool) -> dict[str, str]:
    """Fetch every source; return {source_id: error} for those that keep their last snapshot."""
    stale = {}
    for sid in selected:
        try:
            engine.fetch(sid)
            log.info("%s: fetched a new snapshot", sid)
        except FetchError as exc:
            if strict:
                raise DigigovError(f"{sid}: fetch failed and --strict is set: {exc}") from exc
            stale[sid] = str(exc)
            log.warning("%s: fetch failed, using the last good snapshot: %s", sid, exc)
    return stale


def settle(selected: list[str], summaries: list[dict], stale: dict[str, str],
           strict: bool) -> tuple[list[dict], dict[str, str]]:
    """(staged, {source_id: error}): a source that failed keeps its published rows, or, with
    `strict`, fails the run. Files of a source whose fetch failed are marked stale."""
    staged, failed = [], {}
    for sid, summary in zip(selected, summaries):
        if "error" in summary:
            if strict:
                raise DigigovError(f"{sid} failed and --strict is set: {summary['error']}")
            failed[sid] = summary["error"]
            progress.source_failed(sid, summary["error"])
            continue
        broken = [f for f in summary["files"] if f.get("failed")]
        if broken and strict:
            raise DigigovError(f"{sid}: {broken[0]['file']} failed and --strict is set: {broken[0]['error']}")
        progress.source_staged(summary)
        for f in summary["files"]:
            f["stale"] = sid in stale or bool(f.get("failed"))
            if sid in stale and not f.get("failed"):
                f["error"] = stale[sid]
            f.setdefault("error", None)  # a quarantined workbook or a failed file keeps its reason
        staged.append(summary)
    return staged, failed


def failed_files(staged: list[dict]) -> list[dict]:
    """The files that failed while the rest of their source loaded (a broken year of the UN survey)."""
    return [{"source_id": s["source_id"], "file": f["file"], "error": f["error"]}
            for s in staged for f in s["files"] if f.get("failed")]


def run_sources(staged: list[dict], failed: dict[str, str], stale: dict[str, str]) -> dict:
    """Per source, what the run did: the `sources` of its record in `runs`."""
    out = {s["source_id"]: {"rows_loaded": s["rows_loaded"], "rows_rejected": s["rows_rejected"],
                            "reused": s.get("reused", False), "stale": s["source_id"] in stale,
                            "origin": s["origin"], "sha256": {f["file"]: f["sha256"] for f in s["files"]}}
           for s in staged}
    out.update({sid: {"failed": True, "stale": True, "error": err} for sid, err in failed.items()})
    return out


def left_out(selected: list[str]) -> list[str]:
    """Sources this run does not refresh (--only): the build carries their rows over as they were."""
    return [sid for sid in source_ids(include_disabled=True) if sid not in selected]
