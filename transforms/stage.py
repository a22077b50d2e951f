"""Stage one source: snapshot -> read -> validate -> harmonise, written to files the build loads.

Pure and orchestration-free: a flow calls `stage_source` once per source and passes only paths
and small JSON summaries between steps. What a staged folder holds:

- `observations.parquet`, `rejects.parquet`, `classifications.parquet` (table and bulk sources);
- a bulk source's observations as a DuckDB file instead (sources/base.py STAGED_BULK);
- an inbox source's tables as `<warehouse table>.parquet` (e.g. `survey_response.parquet`);
- `summary.json`: one record per file (provenance, counts) and the run-log lines.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from pathlib import Path

import duckdb
import pandas as pd

from digigov.errors import SourceFileError
from digigov.settings import CONFIG_DIR, EMBEDDED_SNAPSHOTS, home
from digigov.sources import source_for
from digigov.sources.base import (EXCLUDED, MAX_SAMPLES, BulkSource, InboxSource, Source, SourceContext,
                                  TableSource)
from digigov.sources.snapshots import SnapshotFile, locate, sha256_file, verify
from digigov.transforms.context import context_for
from digigov.transforms.countries import harmonise
from digigov.transforms.fingerprint import code_fingerprint
from digigov.transforms.observations import COLUMNS as OBS_COLUMNS, observation_schema
from digigov.transforms.validate import REJECT_COLUMNS, check_file, rejects_frame, split_valid

PROVENANCE_FIELDS = ["publisher", "title", "url", "licence"]
CLASSIFICATION_COLUMNS = ["iso3", "scheme", "year", "category", "source_id", "release"]
KEEP_CACHED = 2  # staged versions kept per source


_WRITER = threading.local()


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write a frame as Parquet through DuckDB. One in-memory connection per thread: opening one
    costs more than writing a typical staged frame (11 ms against 7), and a run writes about 30."""
    con = getattr(_WRITER, "con", None)
    if con is None:
        con = _WRITER.con = duckdb.connect()
    con.register("frame", df)
    try:
        con.execute("COPY frame TO '" + str(path).replace("'", "''") + "' (FORMAT parquet)")
    finally:
        con.unregister("frame")


def _rows_for(clean: pd.DataFrame, flagged: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
    """Reject records for the raw rows behind `flagged` (which carries _row and reason)."""
    if flagged.empty:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    first = flagged.drop_duplicates("_row").set_index("_row")["reason"]
    rows = clean[clean["_row"].isin(first.index)]
    return rejects_frame(rows, prefix + rows["_row"].map(first))


def stage_file(source: TableSource, f: SnapshotFile, ctx: SourceContext, release: str | None = None
               ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(observations, rejects, classifications) of one snapshot file.

    `release` when the caller knows it already: some sources read the whole file to tell.
    Raises SourceFileError when the file as a whole is unusable."""
    raw = source.read(f.path, ctx)
    check_file(raw, source.file_schema(f.path, ctx), f.path)
    clean, rejects = split_valid(raw, source.row_schema(f.path, ctx), f.path)
    mapped = source.to_observations(clean, ctx)
    release = source.release_of(f.path, ctx) if release is None else release
    parts = [rejects]
    if not mapped.excluded.empty:
        parts.append(rejects_frame(mapped.excluded, EXCLUDED + " " + mapped.excluded["reason"]))

    obs, excluded, unmapped = harmonise(mapped.observations, ctx.source_id)
    parts += [_rows_for(clean, excluded, EXCLUDED + " "), _rows_for(clean, unmapped)]
    obs = obs.assign(source_id=ctx.source_id, release=release, is_sample=False, file=f.name, row=obs["_row"])
    obs, obs_rejects = split_valid(obs[OBS_COLUMNS + ["_file", "_row"]], observation_schema(ctx.catalogue), f.path)
    parts.append(obs_rejects)

    classes = pd.DataFrame(columns=CLASSIFICATION_COLUMNS)
    if not mapped.classifications.empty:
        cls, _, cls_unmapped = harmonise(mapped.classifications, ctx.source_id)
        parts.append(_rows_for(clean, cls_unmapped))
        classes = cls.assign(source_id=ctx.source_id, release=release)[CLASSIFICATION_COLUMNS]

    parts = [p for p in parts if not p.empty]
    all_rejects = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=REJECT_COLUMNS)
    all_rejects = all_rejects.drop_duplicates(["row", "reason"]).assign(file=f.name)
    return obs[OBS_COLUMNS], all_rejects, classes


def _last_updated(source: TableSource | BulkSource, f: SnapshotFile, ctx: SourceContext) -> str | None:
    """The publisher's last-updated date: from the file itself when the source can read it, else
    the manifest; None when unknown (the warehouse then orders by the retrieval date, but never
    shows it as a publisher date)."""
    found = source.last_updated_of(f.path, ctx) if source.last_updated_of else None
    return found or f.meta.get("last_updated")


def stage_key(source_id: str, files: list[SnapshotFile], ctx: SourceContext) -> str:
    """Fingerprint of everything a source's staged rows depend on: snapshot bytes and manifest
    entries, the source's effective config, and the code and libraries staging runs
    (transforms/fingerprint.py)."""
    h = hashlib.sha256(f"{source_id}\0{code_fingerprint()}\0".encode())
    h.update(json.dumps(dict(ctx.config), sort_keys=True, default=str).encode())
    for f in files:
        h.update(json.dumps([f.name, f.sha256, f.meta], sort_keys=True, default=str).encode())
    return h.hexdigest()[:20]


def inbox_folder(source_id: str, inbox: str | Path | None, cfg) -> tuple[str, Path]:
    """--inbox, else <DIGIGOV_HOME>/inbox when it exists, else the embedded examples
    (`embedded_folder` of the source's config)."""
    if inbox:
        return "inbox", Path(inbox).resolve()
    own = home() / "inbox"
    if own.is_dir():
        return "inbox", own
    return "embedded samples", EMBEDDED_SNAPSHOTS / cfg["embedded_folder"]


def _inbox_files(folder: Path) -> list[SnapshotFile]:
    """Every file in an inbox folder, as it is (no manifest: people drop files in)."""
    if not folder.is_dir():
        return []
    return [SnapshotFile(p, sha256_file(p), p.stat().st_size, {}, recorded=False)
            for p in sorted(folder.iterdir()) if p.is_file()]


def stage_source(source_id: str, snapshots_dir: str | None, work_dir: str | Path,
                 cache_dir: str | Path | None = None, inbox: str | Path | None = None,
                 config_overrides: dict | None = None, reuse_only: bool = False) -> dict | None:
    """Stage every file of a source; return a JSON-able summary for the build.

    With `cache_dir`, staged rows are kept under a fingerprint of input, code and config
    (stage_key): an unchanged source is not read or validated again, its rows are reused.
    `reuse_only` returns those reused rows' summary, or None when there are none (nothing is
    staged): an engine learns which sources need work before it shares them out.
    `config_overrides` replace keys of the source's config for this staging only (tests,
    benchmarks: e.g. {"fast_path": False}); they are part of the fingerprint."""
    source = source_for(source_id)
    ctx = context_for(source_id, **(config_overrides or {}))
    cfg = ctx.config
    if isinstance(source, InboxSource):
        origin, folder = inbox_folder(source_id, inbox, cfg)
        files, warnings = _inbox_files(folder), []
    else:
        origin, folder = locate(source_id, snapshots_dir, source.file_glob, cfg.get("snapshot_dir"))
        files, warnings = verify(folder, source.file_glob, {k: cfg.get(k) for k in PROVENANCE_FIELDS},
                                 each_file=isinstance(source, TableSource))  # a bulk source stages all or nothing
    context = {"origin": origin, "folder": str(folder), "warnings": warnings}
    if cache_dir is None and reuse_only:
        return None
    if cache_dir is None:
        out = Path(work_dir) / source_id
        out.mkdir(parents=True, exist_ok=True)
        return _stage_into(out, source, ctx, files, context)
    cached = Path(cache_dir) / source_id
    key = stage_key(source_id, files, ctx)
    final = cached / key
    if (final / "summary.json").exists():
        summary = json.loads((final / "summary.json").read_text(encoding="utf-8"))
        os.utime(final)  # most recently used, for the clean-up below
        return {**summary, **context, "warnings": warnings + summary.get("stage_warnings", []),
                "dir": str(final), "reused": True}
    if reuse_only:
        return None
    partial = cached / f".{key}.{os.getpid()}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    summary = _stage_into(partial, source, ctx, files, context)
    if any(f.get("failed") for f in summary["files"]):
        # not cached: its error messages name this run's folder, and the next run should read again
        out = Path(work_dir) / source_id
        shutil.rmtree(out, ignore_errors=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(partial, out)  # the cache and the run's folder may be on different disks
        summary["dir"] = str(out)
        (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
        return summary
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    summary["dir"] = str(final)
    (final / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    for old in sorted((p for p in cached.iterdir() if not p.name.startswith(".")),
                      key=lambda p: p.stat().st_mtime, reverse=True)[KEEP_CACHED:]:
        shutil.rmtree(old, ignore_errors=True)
    return summary


def _file_record(f: SnapshotFile, ctx: SourceContext, **fields) -> dict:
    """One row of `sources`: provenance from config and manifest, then what staging found."""
    cfg = ctx.config
    return {**{k: cfg.get(k) for k in PROVENANCE_FIELDS}, **f.meta, "source_id": ctx.source_id,
            "file": f.name, "sha256": f.sha256, "size": f.size, "recorded": f.recorded,
            "precedence": int(cfg.get("precedence", 0)), **fields}


def _stage_into(out: Path, source: Source, ctx: SourceContext, files: list[SnapshotFile], context: dict) -> dict:
    base = {"source_id": ctx.source_id, "kind": source.kind, **context, "dir": str(out), "reused": False}
    if isinstance(source, BulkSource):
        summary = source.stage(files, ctx, out)
        stage_warnings = summary.pop("warnings", [])
        summary["files"] = [_file_record(f, ctx, **rec) for f, rec in zip(files, summary["files"])]
        summary = {**base, **summary, "warnings": context["warnings"] + stage_warnings,
                   "stage_warnings": stage_warnings}
    elif isinstance(source, InboxSource):
        staged = source.stage(Path(context["folder"]), ctx)
        for table, frame in staged.tables.items():
            write_parquet(frame, out / f"{table}.parquet")
        invalid = staged.tables.get("reject", pd.DataFrame(columns=REJECT_COLUMNS))
        summary = {**base, "files": staged.files, "rows_loaded": staged.rows_loaded,
                   "rows_rejected": staged.rows_rejected, "rows_invalid": len(invalid),
                   "reject_samples": [], "warnings": context["warnings"] + staged.warnings,
                   "stage_warnings": staged.warnings}
    else:
        summary = {**base, **_stage_tables(out, source, ctx, files), "stage_warnings": []}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    return summary


def _stage_tables(out: Path, source: TableSource, ctx: SourceContext, files: list[SnapshotFile]) -> dict:
    """Stage every file. A file that cannot be used fails alone: its record carries the error
    (`failed`), the build keeps its previously published rows, and the other files load. Only
    when every file fails does the source fail (SourceFileError), as a one-file source always did."""
    observations, rejects, classes, file_records, faults = [], [], [], [], []
    for f in files:
        try:
            if f.fault:
                raise SourceFileError(f.path, f.fault)
            release = source.release_of(f.path, ctx)
            obs, rej, cls = stage_file(source, f, ctx, release)
            updated = _last_updated(source, f, ctx)
        except SourceFileError as exc:
            faults.append(exc)
            file_records.append(_file_record(f, ctx, release=None, last_updated=None, rows_loaded=0,
                                             rows_rejected=0, failed=True, error=str(exc)))
            continue
        observations.append(obs)
        rejects.append(rej)
        classes.append(cls)
        file_records.append(_file_record(f, ctx, release=release, last_updated=updated,
                                         rows_loaded=len(obs), rows_rejected=len(rej)))
    if len(faults) == len(files):
        raise faults[0] if len(faults) == 1 else SourceFileError(
            Path(files[0].path).parent, "every file failed: " + "; ".join(str(e) for e in faults))
    obs_all = pd.concat(observations, ignore_index=True)
    rej_all = pd.concat(rejects, ignore_index=True).assign(source_id=ctx.source_id)
    cls_all = pd.concat(classes, ignore_index=True)
    write_parquet(obs_all, out / "observations.parquet")
    write_parquet(rej_all.astype({"row": "Int64"}), out / "rejects.parquet")
    write_parquet(cls_all.astype({"year": "Int64"}), out / "classifications.parquet")
    invalid = rej_all[~rej_all["reason"].str.startswith(EXCLUDED)]
    samples = [f"{r.file} row {r.row}: {r.reason}" for r in invalid.head(MAX_SAMPLES).itertuples()]
    return {"files": file_records, "rows_loaded": len(obs_all), "rows_rejected": len(rej_all),
            "rows_invalid": len(invalid), "reject_samples": samples}
