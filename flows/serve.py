"""Scheduled refreshes: serve the refresh flow as a Prefect deployment with a cron schedule.

`serve` is a long-running process (like `prefect worker start`): it registers the deployment on a
real Prefect server, and runs the flow in this process's environment whenever the schedule (or a
manual `prefect deployment run`) asks for it. Teams that run work pools use prefect.yaml instead.
"""

from __future__ import annotations

import os

from digigov.errors import DigigovError, UsageError
from digigov.settings import home, warehouse_path

# Mondays 06:00 UTC: the publishers update at most monthly, so a weekly refresh keeps the warehouse
# at most a week behind, and early Monday puts fresh data in front of analysts for the week.
# prefect.yaml carries the same expression (tests/test_serve.py checks that they agree).
DEFAULT_CRON = "0 6 * * 1"
DEFAULT_NAME = "digigov-weekly"

SERVER_HINT = ("start one in another terminal with `prefect server start`, then point this one at it "
               "with `prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api`")


def validate_cron(cron: str) -> str:
    """Refuse a bad expression here, with a message, rather than as a pydantic trace from the runner.
    A usage error (exit 2): the command line is at fault, and nothing was registered."""
    from prefect.client.schemas.schedules import CronSchedule

    try:
        CronSchedule(cron=cron, timezone="UTC")
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise UsageError(f'--cron "{cron}" is not a cron expression Prefect accepts '
                         f'(five fields: minute hour day-of-month month day-of-week, e.g. '
                         f'"{DEFAULT_CRON}" for Mondays 06:00 UTC)') from exc
    return cron


def api_url() -> str:
    """The Prefect API to register with; a schedule needs a server that outlives this process.

    Without PREFECT_API_URL Prefect would start a temporary in-process server, which forgets the
    deployment and its schedule as soon as this process stops."""
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        raise DigigovError(f"serving a schedule needs a running Prefect server and PREFECT_API_URL is not set: "
                           f"{SERVER_HINT}")
    return url


def _check_server(url: str) -> None:
    """Fail with the hint, not a connection traceback from deep in the runner, if nobody answers."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        problem = client.api_healthcheck()
    if problem is not None:
        raise DigigovError(f"no Prefect server answers at PREFECT_API_URL={url} ({problem}); {SERVER_HINT}")


def serve(cron: str = DEFAULT_CRON, *, name: str = DEFAULT_NAME, warehouse: str | None = None,
          online: bool = True, strict: bool = False, task_runner: str | None = None) -> None:
    """Register deployment `digigov-refresh/<name>` with `cron` (UTC) and run its flow runs until stopped.

    `online`/`strict` become the deployment's default parameters (scheduled runs fetch new data; a
    failed fetch falls back to the last good snapshot unless strict). The warehouse and DIGIGOV_HOME
    are resolved to absolute paths now, so runs write where the operator expected whatever the
    runner's working directory. Stopping the process pauses the schedule (Prefect's default).
    `task_runner` (flows/runners.py) reaches the runs through DIGIGOV_TASK_RUNNER, which the flow
    reads when a run imports it."""
    from digigov.flows import runners

    validate_cron(cron)
    try:
        runners.task_runner(task_runner)  # a bad spec fails now, not at the first scheduled run
    except DigigovError as exc:
        raise UsageError(str(exc)) from None
    os.environ["DIGIGOV_TASK_RUNNER"] = runners.task_runner_spec(task_runner)
    url = api_url()
    _check_server(url)
    os.environ["DIGIGOV_HOME"] = str(home())

    from prefect.deployments.runner import EntrypointType

    from digigov.flows.refresh import refresh

    refresh.serve(
        name=name,
        cron=cron,
        parameters={"online": online, "strict": strict, "warehouse": str(warehouse_path(warehouse))},
        description=f"Refresh the digigov warehouse on cron {cron!r} (UTC).",
        tags=["digigov"],
        # The installed package path, not this checkout's file path: runs then import the flow the
        # same way whatever directory the serving process was started from.
        entrypoint_type=EntrypointType.MODULE_PATH,
        limit=1,  # one writer per warehouse anyway: a second concurrent run would only hit the lock
    )
