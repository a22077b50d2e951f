"""Sources: one module per publisher dataset, each declaring `SOURCE` in one of the typed shapes
of sources/base.py. This package only finds them: which sources exist (config/sources/*.yaml),
their settings, and the declaration of each."""

from __future__ import annotations

import importlib

from digigov.errors import DigigovError
from digigov.settings import load_source_configs
from digigov.sources.base import BulkSource, InboxSource, Source, TableSource


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


def source_for(source_id: str) -> Source:
    """The declaration (`SOURCE`) of the module named by `module` in the source's config."""
    module = importlib.import_module(f"digigov.sources.{source_config(source_id)['module']}")
    declared = vars(module).get("SOURCE")
    if not isinstance(declared, (TableSource, BulkSource, InboxSource)) or declared.source_id != source_id:
        raise DigigovError(f"sources/{module.__name__.rsplit('.', 1)[-1]}.py declares no SOURCE for "
                           f"'{source_id}' (see sources/base.py)")
    return declared
