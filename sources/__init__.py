"""Source modules, one per publisher dataset, all of one shape.

Each module defines SOURCE_ID, FILE_GLOB, fetch(cfg, base_url) -> {file name: bytes},
read(path) -> raw frame (strings, with _file and _row), file_schema(path, cfg) and ROW_SCHEMA
(pandera), release_of(path) and to_observations(clean, catalogue) -> (observations, excluded).
"""

from __future__ import annotations

import importlib
from types import ModuleType

import os
from pathlib import Path

from digigov.errors import DigigovError
from digigov.settings import load_source_configs


def source_ids(include_disabled: bool = False) -> list[str]:
    """Sources a run covers by default; `enabled: false` in a source's config leaves it to --only
    (e.g. a large optional source without an embedded snapshot)."""
    return [sid for sid, cfg in load_source_configs().items()
            if include_disabled or cfg["source"].get("enabled", True)]


def source_config(source_id: str) -> dict:
    """The `source` part of config/sources/<source_id>.yaml."""
    cfg = load_source_configs()
    if source_id not in cfg:  # disabled sources are known: --only may name them
        raise DigigovError(f"unknown source '{source_id}'; known sources: {', '.join(cfg)}")
    return cfg[source_id]["source"]


def module_for(source_id: str) -> ModuleType:
    return importlib.import_module(f"digigov.sources.{source_config(source_id)['module']}")


def fetch_snapshot(source_id: str, root: Path | None = None) -> Path:
    """Download a source and store it as its newest snapshot (all files or none).

    The base URL comes from the environment variable named by `base_url_env` in
    config/sources/<source_id>.yaml, else from `base_url`. Raises FetchError when the download fails."""
    from digigov.sources.snapshots import store

    cfg = source_config(source_id)
    base = os.environ.get(cfg.get("base_url_env", ""), "") or cfg["base_url"]
    mod = module_for(source_id)
    payloads = mod.fetch(cfg, base)
    meta = {k: cfg.get(k) for k in ("publisher", "title", "licence")}
    # A module whose files do not live at <base>/<file name> says where they came from (url_of).
    url_of = getattr(mod, "url_of", lambda cfg, base, name: f"{base.rstrip('/')}/{name}")
    meta_for = {name: {**meta, "url": url_of(cfg, base, name), "origin": "fetched by digigov --online"}
                for name in payloads}
    return store(source_id, payloads, meta_for, root)
