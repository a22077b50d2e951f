"""What a run tells its user as it goes (stderr, through the `digigov` logger), whatever the engine."""

from __future__ import annotations

import logging

log = logging.getLogger("digigov")


def source_staged(summary: dict) -> None:
    """A source's line: rows loaded or reused, rejected, which snapshot; its warnings and first rejects."""
    if summary.get("kind") == "inbox":
        return inbox_staged(summary)
    sid = summary["source_id"]
    for w in summary["warnings"]:
        log.warning(w)
    for line in summary["reject_samples"]:
        log.warning("%s: rejected %s", sid, line)
    if summary["rows_invalid"] > len(summary["reject_samples"]):
        log.warning("%s: %d more rejected rows: SELECT * FROM rejects", sid,
                    summary["rows_invalid"] - len(summary["reject_samples"]))
    broken = [f for f in summary["files"] if f.get("failed")]
    for f in broken:
        log.warning("%s: %s FAILED: %s", sid, f["file"], f["error"])
    log.info("%s: %d observations %s, %d rows rejected (%s snapshot, %d files%s)",
             sid, summary["rows_loaded"],
             "reused (snapshot, code and config unchanged)" if summary.get("reused") else "loaded",
             summary["rows_rejected"], summary["origin"], len(summary["files"]),
             f", {len(broken)} failed" if broken else "")


def source_failed(source_id: str, error: str) -> None:
    """Said before the build: whether anything published can be kept is known only after it (kept)."""
    log.warning("%s: FAILED (marked stale): %s", source_id, error)


def kept(carried: list[dict]) -> None:
    """What the build kept of each failed source or file, as it really was (warehouse/build.py)."""
    for c in carried:
        what = f"{c['source_id']}: {c['file']}" if c.get("file") else c["source_id"]
        log.warning("%s: %s", what, fate(c))


def fate(c: dict | None) -> str:
    """A failed source's or file's rows in words: the previous ones kept, or nothing to keep."""
    if c is None or not c["published"]:
        return "nothing of it had been published before, so it has no rows in this warehouse"
    rows = f"{c['values']:,} rows" + (f" of release {c['release']}" if c.get("release") else "")
    return f"kept its last published data ({rows}, marked stale)"


def drops_found(guard: list[dict]) -> None:
    """Each indicator whose drop the guard held back (or the run accepted), with both counts."""
    for g in guard:
        log.warning("%s", g["detail"])


def inbox_staged(summary: dict) -> None:
    """An inbox source's line: answers loaded from how many workbooks, which were quarantined and
    why, and a plain warning when what was loaded is SAMPLE data."""
    sid = summary["source_id"]
    for w in summary["warnings"]:
        log.warning("%s: %s", sid, w)
    for f in summary["files"]:
        if f.get("status") == "quarantined":
            log.warning("%s: %s quarantined: %s", sid, f["file"], f.get("error"))
    sample = " (SAMPLE data, not survey results)" if any(f.get("is_sample") for f in summary["files"]) else ""
    log.info("%s: %d answers %s from %d workbook(s) in %s%s", sid, summary["rows_loaded"],
             "reused (workbooks and code unchanged)" if summary.get("reused") else "loaded",
             sum(f.get("status") == "loaded" for f in summary["files"]), summary["folder"], sample)


def problems_found(counts: dict) -> None:
    """Cross-source check problems and findings the data contradicts."""
    for problem in counts.get("check_problems", []) + counts.get("contradictions", []):
        log.warning(problem)
