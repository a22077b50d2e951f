"""Source modules, one per publisher dataset, all of one shape.

Each module defines SOURCE_ID, FILE_GLOB, fetch(cfg, base_url) -> {file name: bytes},
read(path) -> raw frame (strings, with _file and _row), file_schema(path, cfg) and ROW_SCHEMA
(pandera), release_of(path) and to_observations(clean, catalogue) -> (observations, excluded).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from digigov.errors import DigigovError
from digigov.settings import load_config


def source_ids() -> list[str]:
    return list(load_config("sources"))


def source_config(source_id: str) -> dict:
    cfg = load_config("sources")
    if source_id not in cfg:
        raise DigigovError(f"unknown source '{source_id}'; known sources: {', '.join(cfg)}")
    return cfg[source_id]


def module_for(source_id: str) -> ModuleType:
    return importlib.import_module(f"digigov.sources.{source_config(source_id)['module']}")
