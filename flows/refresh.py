"""The refresh flow: the pipeline (flows/pipeline.py) with each step a Prefect task.

Tasks wrap the plain step functions of flows/steps.py and pass paths and small JSON summaries,
never DataFrames or connections. Nothing outside flows/ imports Prefect, and within flows/ only
this module, runners.py and serve.py do.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Iterator

from prefect import flow, runtime, task
from prefect.futures import wait
from prefect.logging.handlers import APILogHandler

from digigov.flows import steps
from digigov.flows.pipeline import new_run_id, refresh_with
from digigov.flows.runners import task_runner
from digigov.warehouse.publishing import Publication

NO_CACHE = dict(cache_policy=None, persist_result=False)


@task(name="fetch", task_run_name="fetch-{source_id}", **NO_CACHE)
def fetch_task(source_id: str) -> str:
    return steps.fetch(source_id)


@task(name="stage", task_run_name="stage-{source_id}", **NO_CACHE)
def stage_task(source_id: str, snapshots: str | None, work_dir: str, inbox: str | None = None) -> dict:
    return steps.stage(source_id, snapshots, work_dir, inbox)


@task(name="build", task_run_name="build", **NO_CACHE)
def build_task(target: str, staged: list[dict], run: dict, history: list[dict],
               failed: dict[str, str], previous: str, kept: list[str], accept_drops: list[str]) -> dict:
    return steps.build(Path(target), staged, run, history, failed, Path(previous), kept, accept_drops)


@task(name="publish", task_run_name="publish", **NO_CACHE)
def publish_task(house: Publication) -> None:
    house.publish()


@task(name="report", task_run_name="report", **NO_CACHE)
def report_task(warehouse: str) -> None:
    """Prefect artifacts of the run: per-source counts (table) and the data-quality summary."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    from digigov.warehouse.status import as_markdown, status

    report = status(Path(warehouse))
    create_table_artifact(key="digigov-sources", table=report["sources"].records(),
                          description="Rows loaded, rejected and freshness per source")
    create_markdown_artifact(key="digigov-data-quality", markdown=as_markdown(report),
                             description="Rejects by reason, stale sources, contradictions, changes")


class PrefectEngine:
    """Each step a task of the running flow. The stage tasks are submitted together, so the flow's
    task runner (flows/runners.py) decides how many run at once; all finish before any result is
    used, so a --strict failure never removes the work folder under a task still writing."""

    def fetch(self, source_id: str) -> None:
        fetch_task(source_id)

    def stage(self, source_ids: list[str], snapshots: str | None, work_dir: Path, inbox: str | None) -> list[dict]:
        futures = [stage_task.submit(sid, snapshots, str(work_dir), inbox) for sid in source_ids]
        wait(futures)
        return [f.result() for f in futures]

    def build(self, built: Path, staged: list[dict], run: dict, history: list[dict], failed: dict[str, str],
              previous: Path, kept: list[str], accept_drops: list[str]) -> dict:
        return build_task(str(built), staged, run, history, failed, str(previous), kept, accept_drops)

    def publish(self, house: Publication) -> None:
        publish_task(house)

    def report(self, warehouse: Path) -> None:
        report_task(str(warehouse))


@contextlib.contextmanager
def lines_in_run_logs() -> Iterator[None]:
    """digigov's own lines (per-source counts, rejects, warnings, contradictions) in the flow run's
    logs, where a Prefect user reads a run. Prefect's PREFECT_LOGGING_EXTRA_LOGGERS would do it only
    if set before Prefect first configured logging in the process, which a caller in Python (or a
    test) has long done, so the flow adds Prefect's API handler itself for the run's length. The
    handler finds the flow or task run of each line in Prefect's run context."""
    lines = logging.getLogger("digigov")
    if lines.level == logging.NOTSET:  # a served run's own process: no CLI set it up
        lines.setLevel(logging.INFO)
    if any(isinstance(h, APILogHandler) for h in lines.handlers):  # Prefect's extra loggers did it
        yield
        return
    handler = APILogHandler()
    lines.addHandler(handler)
    try:
        yield
    finally:
        lines.removeHandler(handler)


# Each run is named after its run id (the `runs` view's run_id), so a run in the Prefect UI and its
# rows in the warehouse are found by one name.
@flow(name="digigov-refresh", flow_run_name=new_run_id, log_prints=False,
      task_runner=task_runner())  # $DIGIGOV_TASK_RUNNER
def refresh(online: bool = False, only: list[str] | None = None, snapshots: str | None = None,
            warehouse: str | None = None, strict: bool = False, inbox: str | None = None,
            accept_drops: list[str] | None = None) -> dict:
    """Fetch (online), stage every source, build a new warehouse file and publish it atomically.

    The stage tasks run one after another unless DIGIGOV_TASK_RUNNER (read at import; served
    deployments inherit it) or the caller picks another task runner:
    `refresh.with_options(task_runner=task_runner("threads"))(...)` (the CLI's --task-runner).

    A source that cannot be fetched keeps its last good snapshot; one that cannot be staged keeps
    its last published rows, and so does a file that fails while the rest of its source loads.
    All are marked stale with the error, and the run goes on with a warning, unless `strict`,
    when the run fails and nothing is published. An indicator whose
    published values a new snapshot would remove or cut too far keeps them (config/guard.yaml),
    unless its source is in `accept_drops`."""
    with lines_in_run_logs():
        return refresh_with(PrefectEngine(), online=online, only=only, snapshots=snapshots, warehouse=warehouse,
                            strict=strict, inbox=inbox, run_id=runtime.flow_run.name, accept_drops=accept_drops)
