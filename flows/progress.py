"""What a run tells its user as it goes (stderr, through the `digigov` logger), whatever the engine."""

from __future__ import annotations

import logging

log = logging.getLogger("digigov")


def source_staged(summary: dict) -> None:
    """A source's line: rows loaded or reused, rejected, which snapshot; its warnings and first rejects."""
    sid = summary["source_id"]
    for w in summary["warnings"]:
        log.warning(w)
    for line in summary["reject_samples"]:
        log.warning("%s: rejected %s", sid, line)
    if summary["rows_invalid"] > len(summary["reject_samples"]):
        log.warning("%s: %d more rejected rows: SELECT * FROM rejects", sid,
                    summary["rows_invalid"] - len(summary["reject_samples"]))
    log.info("%s: %d observations %s, %d rows rejected (%s snapshot, %d files)",
             sid, summary["rows_loaded"],
             "reused (snapshot, code and config unchanged)" if summary.get("reused") else "loaded",
             summary["rows_rejected"], summary["origin"], len(summary["files"]))


def source_failed(source_id: str, error: str) -> None:
    log.warning("%s: FAILED, keeping its last published data (marked stale): %s", source_id, error)


def survey_loaded(survey: dict) -> None:
    for w in survey.get("warnings", []):
        log.warning("survey: %s", w)
    for f in survey["files"]:
        if f["status"] == "quarantined":
            log.warning("survey: %s quarantined: %s", f["file"], f.get("reason"))
    sample = " (SAMPLE data, not survey results)" if any(f.get("is_sample") for f in survey["files"]) else ""
    log.info("survey: %d answers loaded from %d workbook(s) in %s%s", survey["rows_loaded"],
             sum(f["status"] == "loaded" for f in survey["files"]), survey["inbox"], sample)


def problems_found(counts: dict) -> None:
    """Cross-source check problems and findings the data contradicts."""
    for problem in counts.get("check_problems", []) + counts.get("contradictions", []):
        log.warning(problem)
