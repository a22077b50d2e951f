"""Stage one source: snapshot -> read -> validate -> harmonise, written to Parquet (a large
source's observations to a DuckDB file instead: sources/base.py).

Pure and orchestration-free: the Prefect flow calls it once per source and passes only paths
and small summaries between tasks. The warehouse build reads the files it leaves.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd

from digigov.sources import module_for, source_config
from digigov.sources.snapshots import SnapshotFile, locate, verify
from digigov.transforms.catalogue import catalogue
from digigov.transforms.countries import harmonise
from digigov.transforms.observations import COLUMNS as OBS_COLUMNS, observation_schema
from digigov.transforms.validate import REJECT_COLUMNS, check_file, rejects_frame, split_valid

PROVENANCE_FIELDS = ["publisher", "title", "url", "licence"]
CLASSIFICATION_COLUMNS = ["iso3", "scheme", "year", "category", "source_id", "release"]
EXCLUDED = "excluded:"  # reason prefix of rows left out on purpose (not errors)
MAX_SAMPLES = 5         # rejects quoted in the run log; the `rejects` view holds them all


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    con = duckdb.connect()
    con.register("frame", df)
    con.execute(f"COPY frame TO '{path}' (FORMAT parquet)")
    con.close()


def _rows_for(clean: pd.DataFrame, flagged: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
    """Reject records for the raw rows behind `flagged` (which carries _row and reason)."""
    if flagged.empty:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    first = flagged.drop_duplicates("_row").set_index("_row")["reason"]
    rows = clean[clean["_row"].isin(first.index)]
    return rejects_frame(rows, prefix + rows["_row"].map(first))


def stage_file(source_id: str, f: SnapshotFile, cfg: dict) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(observations, rejects, classifications) of one snapshot file.

    Raises SourceFileError when the file as a whole is unusable."""
    mod = module_for(source_id)
    raw = mod.read(f.path)
    check_file(raw, mod.file_schema(f.path, cfg), f.path)
    clean, rejects = split_valid(raw, mod.row_schema(f.path, cfg), f.path)
    mapped = mod.to_observations(clean, cfg, catalogue())
    release = mod.release_of(f.path)
    parts = [rejects]
    if not mapped.excluded.empty:
        parts.append(rejects_frame(mapped.excluded, EXCLUDED + " " + mapped.excluded["reason"]))

    obs, excluded, unmapped = harmonise(mapped.observations, source_id)
    parts += [_rows_for(clean, excluded, EXCLUDED + " "), _rows_for(clean, unmapped)]
    obs = obs.assign(source_id=source_id, release=release, is_sample=False, file=f.name, row=obs["_row"])
    obs, obs_rejects = split_valid(obs[OBS_COLUMNS + ["_file", "_row"]], observation_schema(catalogue()), f.path)
    parts.append(obs_rejects)

    classes = pd.DataFrame(columns=CLASSIFICATION_COLUMNS)
    if not mapped.classifications.empty:
        cls, _, cls_unmapped = harmonise(mapped.classifications, source_id)
        parts.append(_rows_for(clean, cls_unmapped))
        classes = cls.assign(source_id=source_id, release=release)[CLASSIFICATION_COLUMNS]

    parts = [p for p in parts if not p.empty]
    all_rejects = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=REJECT_COLUMNS)
    all_rejects = all_rejects.drop_duplicates(["row", "reason"]).assign(file=f.name)
    return obs[OBS_COLUMNS], all_rejects, classes


def _last_updated(mod, f: SnapshotFile) -> str | None:
    """The publisher's last-updated date: from the file itself when the module can read it
    (optional hook last_updated_of(path)), else the manifest; None when unknown (the warehouse
    then orders by the retrieval date, but never shows it as a publisher date)."""
    hook = getattr(mod, "last_updated_of", None)
    return (hook(f.path) if hook else None) or f.meta.get("last_updated")


# The code a source's staged rows depend on besides its own module: a change to any of these
# (or to the snapshot, its manifest, or the config) invalidates the staged rows.
SHARED_CODE = ["sources/base.py", "sources/text.py", "sources/xlsx.py", "transforms/stage.py",
               "transforms/validate.py", "transforms/countries.py", "transforms/observations.py",
               "transforms/catalogue.py"]
KEEP_CACHED = 2  # staged versions kept per source


def stage_key(source_id: str, mod, files: list[SnapshotFile]) -> str:
    """Fingerprint of everything a source's staged rows depend on: snapshot bytes and manifest
    entries, the module and the shared transforms, the config, and the digigov and DuckDB versions."""
    from digigov import __version__
    from digigov.settings import CONFIG_DIR, SQL_DIR

    # DuckDB's version too: a large source's staged rows are a DuckDB file, which an older
    # DuckDB cannot open.
    h = hashlib.sha256(f"{source_id}\0{__version__}\0{duckdb.__version__}\0".encode())
    for f in files:
        h.update(json.dumps([f.name, f.sha256, f.meta], sort_keys=True, default=str).encode())
    code = [Path(mod.__file__)] + [_package_file(rel) for rel in SHARED_CODE] + [SQL_DIR / "observation_bulk.sql"]
    config = [CONFIG_DIR / "countries.yaml", CONFIG_DIR / "sources" / f"{source_id}.yaml",
              *sorted((CONFIG_DIR / "indicators").glob("*.yaml"))]
    for path in code + config:
        h.update(path.name.encode() + b"\0" + (path.read_bytes() if path.exists() else b""))
    return h.hexdigest()[:20]


def _package_file(rel: str) -> Path:
    """A shared module's file, found through its package (the layout maps folders to packages)."""
    package, name = rel.split("/")
    return Path(importlib.import_module(f"digigov.{package}").__file__).parent / name


def stage_source(source_id: str, snapshots_dir: str | None, work_dir: str | Path,
                 cache_dir: str | Path | None = None) -> dict:
    """Stage every file of a source's snapshot; return a JSON-able summary for the build.

    With `cache_dir`, staged rows are kept under a fingerprint of snapshot, code and config
    (stage_key): an unchanged source is not read or validated again, its rows are reused."""
    cfg = source_config(source_id)
    mod = module_for(source_id)
    origin, folder = locate(source_id, snapshots_dir, mod.FILE_GLOB, cfg.get("snapshot_dir"))
    defaults = {k: cfg.get(k) for k in PROVENANCE_FIELDS}
    files, warnings = verify(folder, mod.FILE_GLOB, defaults)
    if cache_dir is None:
        out = Path(work_dir) / source_id
        out.mkdir(parents=True, exist_ok=True)
        return _stage_into(out, source_id, mod, cfg, files, defaults, origin, folder, warnings)
    cached = Path(cache_dir) / source_id
    key = stage_key(source_id, mod, files)
    final = cached / key
    if (final / "summary.json").exists():
        summary = json.loads((final / "summary.json").read_text(encoding="utf-8"))
        os.utime(final)  # most recently used, for the clean-up below
        return {**summary, "origin": origin, "folder": str(folder), "dir": str(final),
                "warnings": warnings, "reused": True}
    partial = cached / f".{key}.{os.getpid()}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    summary = _stage_into(partial, source_id, mod, cfg, files, defaults, origin, folder, warnings)
    shutil.rmtree(final, ignore_errors=True)
    partial.rename(final)
    (final / "summary.json").write_text(json.dumps({**summary, "dir": str(final)}, indent=2, default=str),
                                        encoding="utf-8")
    for old in sorted((p for p in cached.iterdir() if not p.name.startswith(".")),
                      key=lambda p: p.stat().st_mtime, reverse=True)[KEEP_CACHED:]:
        shutil.rmtree(old, ignore_errors=True)
    return {**summary, "dir": str(final)}


def _stage_into(out: Path, source_id: str, mod, cfg: dict, files: list[SnapshotFile], defaults: dict,
                origin: str, folder: Path, warnings: list[str]) -> dict:
    if hasattr(mod, "stage_duckdb"):
        # Large sources validate and reshape inside DuckDB instead of pandas (sources/base.py).
        summary = mod.stage_duckdb(files, cfg, catalogue(), out)
        warnings = [*warnings, *summary.pop("warnings", [])]
        summary["files"] = [{**defaults, **f.meta, **rec, "source_id": source_id, "sha256": f.sha256,
                             "size": f.size, "recorded": f.recorded,
                             "precedence": int(cfg.get("precedence", 0))}
                            for f, rec in zip(files, summary["files"])]
        summary = {"source_id": source_id, "origin": origin, "folder": str(folder), "dir": str(out),
                   "warnings": warnings, "reused": False, **summary}
        (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
        return summary
    observations, rejects, classes, file_records = [], [], [], []
    for f in files:
        obs, rej, cls = stage_file(source_id, f, cfg)
        observations.append(obs)
        rejects.append(rej)
        classes.append(cls)
        file_records.append({**defaults, **f.meta, "source_id": source_id, "file": f.name,
                             "release": mod.release_of(f.path), "sha256": f.sha256, "size": f.size,
                             "last_updated": _last_updated(mod, f),
                             "recorded": f.recorded, "rows_loaded": len(obs), "rows_rejected": len(rej),
                             "precedence": int(cfg.get("precedence", 0))})
    obs_all = pd.concat(observations, ignore_index=True)
    rej_all = pd.concat(rejects, ignore_index=True).assign(source_id=source_id)
    cls_all = pd.concat(classes, ignore_index=True)
    write_parquet(obs_all, out / "observations.parquet")
    write_parquet(rej_all.astype({"row": "Int64"}), out / "rejects.parquet")
    write_parquet(cls_all.astype({"year": "Int64"}), out / "classifications.parquet")
    invalid = rej_all[~rej_all["reason"].str.startswith(EXCLUDED)]
    samples = [f"{r.file} row {r.row}: {r.reason}" for r in invalid.head(MAX_SAMPLES).itertuples()]
    summary = {"source_id": source_id, "origin": origin, "folder": str(folder),
               "dir": str(out), "files": file_records, "warnings": warnings,
               "rows_loaded": len(obs_all), "rows_rejected": len(rej_all),
               "rows_invalid": len(invalid), "reject_samples": samples, "reused": False}
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    return summary
