"""The Prefect task runner of a run, chosen by a switch (--task-runner or DIGIGOV_TASK_RUNNER).

The flow submits one stage task per source and passes only paths and JSON summaries, so where
the tasks run is a deployment choice, not code: one after another, in threads, or on a Dask
cluster (prefect-dask; every worker must see the same DIGIGOV_HOME and snapshot folders).
"""

from __future__ import annotations

import os

from prefect.task_runners import ThreadPoolTaskRunner

from digigov.errors import DigigovError

CHOICES = "sequential, threads[:N], dask or dask:ADDRESS"
DEFAULT = "sequential"


def task_runner_spec(spec: str | None = None) -> str:
    return (spec or os.environ.get("DIGIGOV_TASK_RUNNER") or DEFAULT).strip()


def task_runner(spec: str | None = None):
    """The task runner a spec names: `sequential` (default), `threads` or `threads:N` (N
    concurrent sources), `dask` (a local Dask cluster) or `dask:tcp://host:8786` (a running one)."""
    spec = task_runner_spec(spec)
    kind, _, arg = spec.partition(":")
    if kind == "sequential" and not arg:
        return ThreadPoolTaskRunner(max_workers=1)
    if kind == "threads":
        if arg and not (arg.isdigit() and int(arg) > 0):
            raise DigigovError(f"task runner {spec!r}: N in threads:N must be a positive whole number")
        return ThreadPoolTaskRunner(max_workers=int(arg) if arg else None)
    if kind == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError:
            raise DigigovError(f"task runner {spec!r} needs prefect-dask: pip install 'digigov[dask]'") from None
        return DaskTaskRunner(address=arg) if arg else DaskTaskRunner()
    raise DigigovError(f"unknown task runner {spec!r}; use {CHOICES}")
