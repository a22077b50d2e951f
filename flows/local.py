"""The pipeline in this process, without Prefect: `digigov run --local` or DIGIGOV_ENGINE=local.

Each step is a direct call, the sources one after another. No Prefect server to start, no Prefect
import: a quick run for a laptop or a CI job. Runs, logs and publishes exactly what the Prefect flow
does; only the Prefect artifacts are missing (`digigov status` shows the same report).
"""

from __future__ import annotations

import logging
from pathlib import Path

from digigov.flows import steps
from digigov.flows.pipeline import refresh_with
from digigov.warehouse.publishing import Publication

log = logging.getLogger("digigov")


class LocalEngine:
    def fetch(self, source_id: str) -> None:
        steps.fetch(source_id)

    def stage(self, source_ids: list[str], snapshots: str | None, work_dir: Path, inbox: str | None) -> list[dict]:
        return [steps.stage(sid, snapshots, str(work_dir), inbox) for sid in source_ids]

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
