"""The pipeline's steps as plain functions, whichever engine runs them (a direct call or a Prefect task).

They take and return paths and small JSON-able summaries, never DataFrames or connections, so an
engine can run them anywhere: in this process, in a thread pool, on a Dask worker. No Prefect here.
"""

from __future__ import annotations

from pathlib import Path

from digigov.errors import DigigovError
from digigov.settings import EMBEDDED_SNAPSHOTS, home
from digigov.sources import fetch_snapshot
from digigov.transforms.stage import stage_source
from digigov.warehouse.build import build

__all__ = ["fetch", "stage", "survey", "survey_inbox", "build"]  # build: warehouse/build.py as it is


def fetch(source_id: str) -> str:
    """Download a source as its newest snapshot; raises FetchError when the download fails."""
    return str(fetch_snapshot(source_id))


def stage(source_id: str, snapshots: str | None, work_dir: str) -> dict:
    """Stage a source (reusing its staged rows when nothing changed). A fault in its input comes
    back as {"error": …}, not as an exception, so the pipeline decides: stale source or failed run."""
    try:
        return stage_source(source_id, snapshots, work_dir, cache_dir=home() / "cache" / "staged")
    except DigigovError as exc:
        return {"source_id": source_id, "error": str(exc)}


def survey(inbox: str | None, work_dir: str) -> dict:
    """Load the survey workbooks of the inbox (see survey_inbox)."""
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
