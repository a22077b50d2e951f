"""Where things live, and the YAML config loader.

Paths resolve from environment variables so tests and users can redirect every write
(DIGIGOV_HOME for the working data, DIGIGOV_WAREHOUSE for the published file).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import yaml

PACKAGE_ROOT = Path(__file__).resolve().parent
CONFIG_DIR = Path(__import__("digigov.config", fromlist=["_"]).__file__).resolve().parent
EMBEDDED_SNAPSHOTS = Path(__import__("digigov.snapshots", fromlist=["_"]).__file__).resolve().parent


def home() -> Path:
    """Working folder for fetched snapshots, staging and run history (default ./data)."""
    return Path(os.environ.get("DIGIGOV_HOME", "data")).resolve()


def warehouse_path(override: str | os.PathLike | None = None) -> Path:
    """The published warehouse: --warehouse, else DIGIGOV_WAREHOUSE, else <home>/digigov.duckdb."""
    if override:
        return Path(override).resolve()
    env = os.environ.get("DIGIGOV_WAREHOUSE")
    return Path(env).resolve() if env else home() / "digigov.duckdb"


def fetched_snapshots() -> Path:
    """Where --online stores what it downloads; later offline runs prefer these to the embedded ones."""
    return home() / "snapshots"


@functools.cache
def load_config(name: str) -> dict:
    """Read config/<name>.yaml (cached: config does not change during a run)."""
    path = CONFIG_DIR / f"{name}.yaml"
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


@functools.cache
def load_source_configs() -> dict[str, dict]:
    """config/sources/<source_id>.yaml, one file per source: {source_id: {"source": …, "indicators": …}}.

    One file per source keeps a new source to one new module plus one new config file."""
    out = {}
    for path in sorted((CONFIG_DIR / "sources").glob("*.yaml")):
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh) or {}
        out[path.stem] = {"source": doc.get("source") or {}, "indicators": doc.get("indicators") or {}}
    return out
