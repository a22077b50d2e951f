"""The pipeline's steps as plain functions, whichever engine runs them (a direct call or a Prefect task).

They take and return paths and small JSON-able summaries, never DataFrames or connections, so an
engine can run them anywhere: in this process, in a thread pool, on a Dask worker. No Prefect here.
"""

from __future__ import annotations

from digigov.errors import DigigovError
from digigov.settings import cache_dir
from digigov.transforms.fetch import fetch_snapshot
from digigov.transforms.stage import stage_source
from digigov.warehouse.build import build

__all__ = ["fetch", "reused", "stage", "build"]  # build: warehouse/build.py as it is


def fetch(source_id: str) -> str:
    """Download a source as its newest snapshot; raises FetchError when the download fails."""
    return str(fetch_snapshot(source_id))


def reused(source_id: str, snapshots: str | None, work_dir: str, inbox: str | None = None) -> dict | None:
    """What `stage` would return when it can reuse a source's staged rows as they are, else None
    (nothing is staged): cheap, it reads the snapshot's checksums only."""
    try:
        return stage_source(source_id, snapshots, work_dir, cache_dir=cache_dir() / "staged", inbox=inbox,
                            reuse_only=True)
    except DigigovError as exc:
        return {"source_id": source_id, "error": str(exc)}


def stage(source_id: str, snapshots: str | None, work_dir: str, inbox: str | None = None) -> dict:
    """Stage a source (reusing its staged rows when nothing changed). A fault in its input comes
    back as {"error": …}, not as an exception, so the pipeline decides: stale source or failed run.
    `inbox` is the folder an inbox source (the survey) reads; publisher sources ignore it."""
    try:
        return stage_source(source_id, snapshots, work_dir, cache_dir=cache_dir() / "staged", inbox=inbox)
    except DigigovError as exc:
        return {"source_id": source_id, "error": str(exc)}
