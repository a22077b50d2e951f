"""Snapshots: every input kept byte-exact beside a manifest that says where it came from.

A snapshot folder is `<root>/<source_id>/` holding the files and `manifest.json`. Three roots are
searched in order: the folder given with --snapshots, the store that --online writes to
(<DIGIGOV_HOME>/snapshots), and the snapshots embedded in the package. The checksum, not the
release name, says whether anything changed, because publishers back-fill files in place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from digigov.errors import SnapshotError
from digigov.settings import EMBEDDED_SNAPSHOTS, fetched_snapshots

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class SnapshotFile:
    """One verified file of a snapshot, with its provenance record."""

    path: Path
    sha256: str
    size: int
    meta: dict = field(hash=False, compare=False)
    recorded: bool = True  # False: found in the folder but not (yet) in its manifest
    fault: str | None = None  # what is wrong with it (verify(..., each_file=True)); None when good

    @property
    def name(self) -> str:
        return self.path.name


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_KEPT: dict[tuple[str, int, int], str] | None = None  # checksums kept while keep_checksums() is open


def sha256_file(path: Path) -> str:
    """Checksum read in 1 MB chunks, so a 150 MB bulk file never sits in memory whole. Inside
    keep_checksums() a file's checksum is read once (while its size and time stay the same)."""
    key = None
    if _KEPT is not None:
        stat = os.stat(path)
        key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)
        if key in _KEPT:
            return _KEPT[key]
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    if key is not None:
        _KEPT[key] = h.hexdigest()
    return h.hexdigest()


@contextmanager
def keep_checksums():
    """Read each snapshot file's checksum once for the duration: a local run looks up which sources
    it can reuse before it stages the others (the whole WDI file takes 0.25 s to read). Not for
    longer: a file rewritten within one tick of the clock would keep its size and time."""
    global _KEPT
    outer = _KEPT
    _KEPT = {} if outer is None else outer
    try:
        yield
    finally:
        _KEPT = outer


def candidate_roots(snapshots_dir: str | Path | None) -> list[tuple[str, Path]]:
    """The roots searched for a source's snapshot, most specific first."""
    roots = []
    if snapshots_dir:
        roots.append(("--snapshots", Path(snapshots_dir).resolve()))
    roots.append(("fetched", fetched_snapshots()))
    roots.append(("embedded", EMBEDDED_SNAPSHOTS))
    return roots


def locate(source_id: str, snapshots_dir: str | Path | None = None,
           pattern: str = "*", configured_dir: str | None = None) -> tuple[str, Path]:
    """Return (origin, folder) of the snapshot a run should use for `source_id`.

    A --snapshots folder may hold <source_id>/ subfolders or, for a one-source run, the source's
    files themselves. Next comes the source's `snapshot_dir` in config (a folder holding its files,
    e.g. where an analyst keeps WDI_CSV.zip), then fetched and embedded snapshots. A folder given
    on the command line or in config that does not exist is an error, not a silent fall-back."""
    if snapshots_dir:
        given = Path(snapshots_dir).resolve()
        if not given.is_dir():
            raise SnapshotError(f"--snapshots {snapshots_dir}: no such folder")
        if not (given / source_id).is_dir() and any(given.glob(pattern)):
            return "--snapshots", given
    if configured_dir and not snapshots_dir:
        folder = Path(configured_dir).expanduser().resolve()
        if not folder.is_dir():
            raise SnapshotError(f"snapshot_dir {configured_dir} of config/sources/{source_id}.yaml: no such folder")
        if not any(folder.glob(pattern)):
            raise SnapshotError(f"snapshot_dir {configured_dir} of config/sources/{source_id}.yaml holds no "
                                f"file matching {pattern}")
        return "config", folder
    for origin, root in candidate_roots(snapshots_dir):
        folder = root / source_id
        if folder.is_dir() and any(folder.iterdir()):
            return origin, folder
    raise SnapshotError(f"no snapshot of source '{source_id}' found in " +
                        ", ".join(str(r) for _, r in candidate_roots(snapshots_dir)))


def read_manifest(folder: Path) -> dict:
    path = folder / MANIFEST
    if not path.exists():
        return {"source_id": folder.name, "files": []}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{path}: not a readable manifest ({exc})") from exc


def verify(folder: Path, pattern: str, defaults: dict,
           each_file: bool = False) -> tuple[list[SnapshotFile], list[str]]:
    """Check every manifest entry against the bytes on disk; pick up unrecorded files.

    Returns (files sorted by name, warnings). A recorded file that is missing or whose size or
    sha256 differs raises SnapshotError: a changed snapshot would silently change the warehouse.
    With `each_file`, such a file is returned instead, its `fault` saying what is wrong, so that
    one bad file fails alone (the caller must not read it).
    A file matching `pattern` with no manifest entry (a new survey year dropped in by a user) is
    accepted with a warning and a provenance record built from `defaults`.
    """
    manifest = read_manifest(folder)
    entries = {e["file"]: e for e in manifest.get("files", [])}
    files, warnings = [], []
    for name, entry in entries.items():
        path = folder / name
        if not path.exists():
            fault = f"listed in {folder / MANIFEST} but missing"
            if not each_file:
                raise SnapshotError(f"{path}: {fault}")
            files.append(SnapshotFile(path, str(entry.get("sha256") or ""), entry.get("size") or 0, entry,
                                      fault=fault))
            continue
        size = path.stat().st_size
        digest = sha256_file(path)
        if digest != entry.get("sha256") or size != entry.get("size"):
            fault = (f"bytes do not match the manifest (sha256 {digest[:12]}…, size {size}; "
                     f"manifest says {str(entry.get('sha256'))[:12]}…, size {entry.get('size')}). "
                     "The file was changed after it was recorded: restore it, or fetch a new snapshot with --online.")
            if not each_file:
                raise SnapshotError(f"{path}: {fault}")
            files.append(SnapshotFile(path, digest, size, entry, fault=fault))
            continue
        files.append(SnapshotFile(path, digest, size, entry))
    for path in sorted(folder.glob(pattern)):
        if path.name in entries:
            continue
        stat = path.stat()
        mtime = dt.datetime.fromtimestamp(stat.st_mtime, dt.timezone.utc)
        meta = {**defaults, "file": path.name, "retrieved_at": mtime.isoformat(timespec="seconds"),
                "sha256": sha256_file(path), "size": stat.st_size,
                "origin": "unrecorded: found in the snapshot folder without a manifest entry"}
        files.append(SnapshotFile(path, meta["sha256"], stat.st_size, meta, recorded=False))
        warnings.append(f"{path}: not in {MANIFEST}; using it with checksum {meta['sha256'][:12]}…")
    if not files:
        raise SnapshotError(f"{folder}: no files matching {pattern}")
    return sorted(files, key=lambda f: f.name), warnings


def store(source_id: str, payloads: dict[str, bytes], meta_for: dict[str, dict],
          root: Path | None = None) -> Path:
    """Write fetched files as the new snapshot of `source_id`, all or nothing.

    Files and manifest go to a temporary sibling folder that replaces the old one only once
    everything is written, so an interrupted fetch never leaves a half snapshot behind."""
    root = root or fetched_snapshots()
    root.mkdir(parents=True, exist_ok=True)
    final = root / source_id
    tmp = root / f".{source_id}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    entries = []
    for name, data in sorted(payloads.items()):
        (tmp / name).write_bytes(data)
        entries.append({**meta_for[name], "file": name, "retrieved_at": now,
                        "sha256": sha256_of(data), "size": len(data)})
    (tmp / MANIFEST).write_text(json.dumps({"source_id": source_id, "files": entries},
                                           indent=2, ensure_ascii=False), encoding="utf-8")
    old = root / f".{source_id}.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    return final
