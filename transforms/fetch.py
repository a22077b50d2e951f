"""Download a source into a new snapshot: the source's own `fetch`, stored byte-exact with a manifest."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from digigov.errors import DigigovError
from digigov.sources import source_for
from digigov.sources.base import InboxSource, LastGood
from digigov.sources.snapshots import locate, store, verify
from digigov.transforms.context import context_for


def fetch_snapshot(source_id: str, root: Path | None = None) -> Path:
    """Download a source and store it as its newest snapshot (all files or none).

    The base URL comes from the environment variable named by `base_url_env` in
    config/sources/<source_id>.yaml, else from `base_url`. Raises FetchError when the download fails."""
    source = source_for(source_id)
    if isinstance(source, InboxSource):
        raise DigigovError(f"{source_id} is not downloaded: its files are sent in (an inbox)")
    ctx = context_for(source_id)
    cfg = ctx.config
    ctx = dataclasses.replace(ctx, last_good=last_good(source_id, source.file_glob, cfg.get("snapshot_dir")))
    base = os.environ.get(cfg.get("base_url_env", ""), "") or cfg["base_url"]
    payloads = source.fetch(ctx, base)
    meta = {k: cfg.get(k) for k in ("publisher", "title", "licence")}
    url_of = source.url_of or (lambda ctx, base, name: f"{base.rstrip('/')}/{name}")
    meta_for = {name: {**meta, "url": url_of(ctx, base, name), "origin": "fetched by digigov --online"}
                for name in payloads}
    return store(source_id, payloads, meta_for, root)


def last_good(source_id: str, pattern: str, configured_dir: str | None) -> LastGood | None:
    """The snapshot an offline run would use now (fetched, config or embedded), which a failed
    fetch falls back to, without the files that no longer match its manifest (nothing in them
    is good to keep); None when there is none."""
    try:
        origin, folder = locate(source_id, None, pattern, configured_dir)
        files, _ = verify(folder, pattern, {}, each_file=True)
    except DigigovError:
        return None
    return LastGood(origin, tuple(f for f in files if not f.fault))
