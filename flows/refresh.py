"""The refresh flow: Prefect tasks at source granularity around the pure pipeline functions.

Tasks pass paths and small JSON summaries, never DataFrames or connections, so Prefect can
hash their inputs. Nothing outside flows/ imports Prefect.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import time
import uuid
from pathlib import Path

from prefect import flow, task
from prefect.futures import wait

from digigov import __version__
from digigov.errors import DigigovError, FetchError
from digigov.flows.runners import task_runner
from digigov.settings import EMBEDDED_SNAPSHOTS, home, warehouse_path
from digigov.sources import source_ids
from digigov.transforms.fetch import fetch_snapshot
from digigov.transforms.stage import stage_source
from digigov.warehouse import runlog
from digigov.warehouse.build import build, building_path, publish, remove_stray_builds, writer_lock
from digigov.warehouse.status import as_markdown, status

log = logging.getLogger("digigov")
NO_CACHE = dict(cache_policy=None, persist_result=False)


@task(name="fetch", **NO_CACHE)
def fetch_task(source_id: str) -> str:
    return str(fetch_snapshot(source_id))


@task(name="stage", **NO_CACHE)
def stage_task(source_id: str, snapshots: str | None, work_dir: str) -> dict:
    """Stage a source (reusing its staged rows when nothing changed); a fault in its input comes
    back as {"error": …} for the flow to decide on."""
    try:
        return stage_source(source_id, snapshots, work_dir, cache_dir=home() / "cache" / "staged")
    except DigigovError as exc:
        return {"source_id": source_id, "error": str(exc)}


@task(name="survey", **NO_CACHE)
def survey_task(inbox: str | None, work_dir: str) -> dict:
    from digigov.sources.survey import ingest_inbox

    folder, origin = survey_inbox(inbox)
    summary = ingest_inbox(folder, Path(work_dir))
    return {**summary, "origin": origin, "inbox": str(folder)}


def survey_inbox(inbox: str | None) -> tuple[Path, str]:
    """--inbox, else <DIGIGOV_HOME>/inbox when it exists, else the embedded SAMPLE workbooks."""
    if inbox:
        return Path(inbox).resolve(), "inbox"
    own = home() / "inbox"
    if own.is_dir():
        return own, "inbox"
    return EMBEDDED_SNAPSHOTS / "survey_samples", "embedded samples"


@task(name="build", **NO_CACHE)
def build_task(target: str, staged: list[dict], run: dict, history: list[dict],
               failed: dict[str, str], previous: str, survey: dict | None, kept: list[str]) -> dict:
    return build(Path(target), staged, run, history, failed, Path(previous), survey, kept)


@task(name="publish", **NO_CACHE)
def publish_task(built: str, warehouse: str) -> None:
    publish(Path(built), Path(warehouse))


@task(name="report", **NO_CACHE)
def report_task(warehouse: str) -> None:
    """Prefect artifacts of the run: per-source counts (table) and the data-quality summary."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    report = status(Path(warehouse))
    table = report["sources"].astype(object).where(report["sources"].notna(), None)
    create_table_artifact(key="digigov-sources", table=table.to_dict("records"),
                          description="Rows loaded, rejected and freshness per source")
    create_markdown_artifact(key="digigov-data-quality", markdown=as_markdown(report),
                             description="Rejects by reason, stale sources, contradictions, changes")


def new_run_id() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


@flow(name="digigov-refresh", log_prints=False, task_runner=task_runner())  # $DIGIGOV_TASK_RUNNER
def refresh(online: bool = False, only: list[str] | None = None, snapshots: str | None = None,
            warehouse: str | None = None, strict: bool = False, inbox: str | None = None) -> dict:
    """Fetch (online), stage every source, build a new warehouse file and publish it atomically.

    The stage tasks run one after another unless DIGIGOV_TASK_RUNNER (read at import; served
    deployments inherit it) or the caller picks another task runner:
    `refresh.with_options(task_runner=task_runner("threads"))(...)` (the CLI's --task-runner).

    A source that cannot be fetched keeps its last good snapshot; one that cannot be staged keeps
    its last published rows. Both are marked stale with the error, and the run goes on with a
    warning, unless `strict`, when the run fails and nothing is published."""
    started = time.perf_counter()
    run_id = new_run_id()
    target = warehouse_path(warehouse)
    selected = only or source_ids()
    run = {"run_id": run_id, "started_at": dt.datetime.now(dt.timezone.utc).isoformat(),
           "digigov_version": __version__, "warehouse": str(target), "status": "running"}
    work = home() / "staging" / run_id
    built = building_path(target, run_id)
    with writer_lock(target, run_id):
        for path in remove_stray_builds(target):
            log.info("removed %s, left by an interrupted run", path.name)
        runlog.append(target, run)
        try:
            stale = _fetch_all(selected, strict) if online else {}
            staged, failed = [], {}
            # Every source at once: the flow's task runner decides how many run together
            # (flows/runners.py). All finish before any result is used, so a --strict failure
            # never removes the work folder under a task that is still writing.
            futures = [stage_task.submit(sid, snapshots, str(work)) for sid in selected]
            survey_future = survey_task.submit(inbox, str(work))
            wait([*futures, survey_future])
            for sid, future in zip(selected, futures):
                summary = future.result()
                if "error" in summary:
                    if strict:
                        raise DigigovError(f"{sid} failed and --strict is set: {summary['error']}")
                    failed[sid] = summary["error"]
                    log.warning("%s: FAILED, keeping its last published data (marked stale): %s",
                                sid, summary["error"])
                    continue
                _report(summary)
                for f in summary["files"]:
                    f["stale"], f["error"] = sid in stale, stale.get(sid)
                staged.append(summary)
            survey = survey_future.result()
            _report_survey(survey)
            run.update(status="succeeded" if not failed else "succeeded with failed sources",
                       finished_at=dt.datetime.now(dt.timezone.utc).isoformat(),
                       seconds=round(time.perf_counter() - started, 3),
                       sources={**{s["source_id"]: {
                           "rows_loaded": s["rows_loaded"], "rows_rejected": s["rows_rejected"],
                           "reused": s.get("reused", False),
                           "stale": s["source_id"] in stale, "origin": s["origin"],
                           "sha256": {f["file"]: f["sha256"] for f in s["files"]}} for s in staged},
                           **{sid: {"failed": True, "stale": True, "error": err} for sid, err in failed.items()},
                           "survey": {"rows_loaded": survey["rows_loaded"], "rows_rejected": survey["rows_rejected"],
                                      "origin": survey["origin"],
                                      "sha256": {f["file"]: f.get("sha256") for f in survey["files"]}}})
            kept = [sid for sid in source_ids(include_disabled=True) if sid not in selected]  # --only: the rest stays
            counts = build_task(str(built), staged, run, runlog.history(target, run_id), failed, str(target),
                                survey, kept)
            for problem in counts.get("check_problems", []) + counts.get("contradictions", []):
                log.warning(problem)
            publish_task(str(built), str(target))
            report_task(str(target))
        except BaseException as exc:
            built.unlink(missing_ok=True)
            run.update(status="failed", finished_at=dt.datetime.now(dt.timezone.utc).isoformat(),
                       seconds=round(time.perf_counter() - started, 3), message=str(exc))
            runlog.append(target, run)
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
    run["seconds"] = round(time.perf_counter() - started, 3)
    runlog.append(target, run)
    return {"run_id": run_id, "warehouse": str(target), "seconds": run["seconds"],
            "sources": staged, "failed": failed, "counts": counts, "stale": stale, "survey": survey}


def _fetch_all(selected: list[str], strict: bool) -> dict[str, str]:
    """Fetch every source; return {source_id: error} for those that keep their last snapshot."""
    stale = {}
    for sid in selected:
        try:
            fetch_task(sid)
            log.info("%s: fetched a new snapshot", sid)
        except FetchError as exc:
            if strict:
                raise DigigovError(f"{sid}: fetch failed and --strict is set: {exc}") from exc
            stale[sid] = str(exc)
            log.warning("%s: fetch failed, using the last good snapshot: %s", sid, exc)
    return stale


def _report_survey(survey: dict) -> None:
    for w in survey.get("warnings", []):
        log.warning("survey: %s", w)
    for f in survey["files"]:
        if f["status"] == "quarantined":
            log.warning("survey: %s quarantined: %s", f["file"], f.get("reason"))
    sample = " (SAMPLE data, not survey results)" if any(f.get("is_sample") for f in survey["files"]) else ""
    log.info("survey: %d answers loaded from %d workbook(s) in %s%s", survey["rows_loaded"],
             sum(f["status"] == "loaded" for f in survey["files"]), survey["inbox"], sample)


def _report(summary: dict) -> None:
    sid = summary["source_id"]
    for w in summary["warnings"]:
        log.warning(w)
    for line in summary["reject_samples"]:
        log.warning("%s: rejected %s", sid, line)
    if summary["rows_invalid"] > len(summary["reject_samples"]):
        log.warning("%s: %d more rejected rows: SELECT * FROM rejects", sid,
                    summary["rows_invalid"] - len(summary["reject_samples"]))
    log.info("%s: %d observations %s, %d rows rejected (%s snapshot, %d files)",
             sid, summary["rows_loaded"],
             "reused (snapshot, code and config unchanged)" if summary.get("reused") else "loaded",
             summary["rows_rejected"], summary["origin"], len(summary["files"]))
