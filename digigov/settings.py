"""Where things live, and the YAML config loader.

Paths resolve from environment variables so tests and users can redirect every write
(DIGIGOV_HOME for the working data, DIGIGOV_WAREHOUSE for the published file).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import yaml

from digigov.errors import ConfigError

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


def cache_dir() -> Path:
    """Where staged rows are kept between runs: DIGIGOV_CACHE, else <home>/cache. Entries are keyed
    by a fingerprint of input, code and config, so homes (e.g. test runs) can share one folder."""
    env = os.environ.get("DIGIGOV_CACHE")
    return Path(env).resolve() if env else home() / "cache"


def stage_workers() -> int:
    """How many processes a local run stages its sources in: DIGIGOV_STAGE_WORKERS, else two on a
    machine of two cores or more (one on one core). 1 stages them one after another in the run's
    own process."""
    env = os.environ.get("DIGIGOV_STAGE_WORKERS", "").strip()
    if not env:
        return min(2, os.cpu_count() or 1)
    if not env.isdigit() or int(env) < 1:
        raise ConfigError("DIGIGOV_STAGE_WORKERS", [f"{env!r} is not a number of processes: use 1 (no worker "
                                                    "process), 2, …"])
    return int(env)


def fetched_snapshots() -> Path:
    """Where --online stores what it downloads; later offline runs prefer these to the embedded ones."""
    return home() / "snapshots"


@functools.cache
def load_config(name: str, config_dir: Path | None = None) -> dict:
    """Read config/<name>.yaml, checked against its model in digigov.config_models (cached:
    config does not change during a run). `config_dir` replaces config/ (tests).

    Returns the YAML as read, a plain dict: the model only checks it. Raises ConfigError naming
    the file and key at fault."""
    path = (config_dir or CONFIG_DIR) / f"{name}.yaml"
    doc = _read_yaml(path)
    from digigov.config_models import CONFIG_MODELS, validate  # pydantic only when config is read

    # config/<folder>/<name>.yaml files of one kind share a model, e.g. "survey/*" (one per language)
    model = CONFIG_MODELS.get(name) or CONFIG_MODELS.get(name.rsplit("/", 1)[0] + "/*" if "/" in name else "")
    if model is not None:
        validate(model, doc, _shown(path))
    return doc or {}


@functools.cache
def load_source_configs(config_dir: Path | None = None) -> dict[str, dict]:
    """config/sources/<source_id>.yaml, one file per source: {source_id: {"source": …, "indicators": …}}.

    One file per source keeps a new source to one new module plus one new config file. Each file
    is checked against config_models.SourceFile; the dicts returned are the YAML as read."""
    from digigov.config_models import SourceFile, validate

    out = {}
    for path in sorted(((config_dir or CONFIG_DIR) / "sources").glob("*.yaml")):
        doc = _read_yaml(path)
        validate(SourceFile, doc, _shown(path))
        out[path.stem] = {"source": doc["source"], "indicators": doc.get("indicators") or {}}
    return out


# libyaml's parser when PyYAML was built with it: the same documents as yaml.safe_load, read 6x
# faster (the ~30 config files took 0.5 s of every run with the pure-Python parser).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream):
    """yaml.safe_load, with libyaml's parser when available."""
    return yaml.load(stream, Loader=_LOADER)


def _read_yaml(path: Path):
    with open(path, encoding="utf-8") as fh:
        try:
            return safe_load(fh)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}: " if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise ConfigError(_shown(path), [f"{where}not valid YAML ({problem})"]) from None


def _shown(path: Path) -> str:
    """The path as a user would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
