"""Staging a folder of survey workbooks (the inbox): what loads, what is quarantined, what is skipped.

People drop files into the inbox, so it holds more than workbooks: lock files, CSV exports, the
same workbook sent twice. Those are skipped with a reason for the run log rather than failing the
run, and a faulty workbook is quarantined whole (its faults become reject rows) while the others
still load. A missing or empty inbox is not an error either: there may be no answers yet.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from digigov.sources.base import InboxStaged, SourceContext
from digigov.sources.survey.faults import SurveyFileError
from digigov.sources.survey.instrument import SOURCE_ID

REJECT_COLUMNS = {"file": "string", "row": "Int64", "reason": "string", "record": "string",
                  "source_id": "string"}


def _skip_reason(p: Path) -> str | None:
    if p.name.startswith("~$"):
        return "Excel lock file (the workbook is open in Excel): ignored"
    if p.name.startswith("."):
        return "hidden file: ignored"
    if p.suffix.lower() == ".xlsx":
        return None
    if p.suffix.lower() in (".xls", ".xlsm", ".xlsb", ".ods", ".csv"):
        return f"{p.suffix.lower()} file: only .xlsx survey workbooks are read (save it as .xlsx)"
    return "not an .xlsx survey workbook: ignored"


def _source_record(entry: dict, cfg) -> dict:
    """A workbook as a row of the warehouse's `sources` table. `recorded`: an inbox has no
    manifest to be missing from, the workbook itself is the record."""
    return {"source_id": SOURCE_ID, "file": entry["file"], "sha256": entry["sha256"], "size": entry["size"],
            "status": entry["status"], "error": entry["reason"], "rows_loaded": entry["rows_loaded"],
            "rows_rejected": entry["rows_rejected"], "is_sample": entry["is_sample"], "recorded": True,
            "publisher": cfg["publisher"], "title": f"{cfg['title']} ({entry['status']})"}


def stage(folder: Path, ctx: SourceContext) -> InboxStaged:
    """Every workbook in `folder` as the tables `survey_response`, `finding` and `reject`.

    `files` holds the workbooks loaded or quarantined (skipped files are only reported in the
    warnings: they are not survey input, so they are no row of `sources`)."""
    # imported here: the reader brings openpyxl and pandera, which the warehouse build, importing
    # this package for the instrument alone, never needs
    from digigov.sources.survey.reader import FINDING_COLUMNS, RESPONSE_COLUMNS, to_responses, typed_frame

    folder = Path(folder)
    entries, warns = [], []
    responses, findings, rejects = [], [], []
    seen: dict[str, str] = {}
    paths = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    if not folder.is_dir():
        warns.append(f"survey inbox {folder} does not exist: no survey workbooks loaded")
    elif not paths:
        warns.append(f"survey inbox {folder} is empty: no survey workbooks loaded")
    for p in paths:
        data = p.read_bytes()
        entry = {"file": p.name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                 "status": "loaded", "reason": None, "rows_loaded": 0, "rows_rejected": 0, "is_sample": False}
        entries.append(entry)
        reason = _skip_reason(p)
        if reason:
            entry.update(status="skipped", reason=reason)
            warns.append(f"{p.name}: skipped: {reason}")
            continue
        if entry["sha256"] in seen:
            entry.update(status="skipped", reason=f"same bytes as {seen[entry['sha256']]}: not counted twice")
            warns.append(f"{p.name}: skipped: {entry['reason']}")
            continue
        seen[entry["sha256"]] = p.name
        try:
            resp, find = to_responses(p)
        except SurveyFileError as exc:
            entry.update(status="quarantined", reason=str(exc), rows_rejected=len(exc.faults), is_sample=exc.is_sample)
            for f in exc.faults:
                rejects.append({"file": p.name, "row": None, "reason": str(f),
                                "record": json.dumps(f.record, ensure_ascii=False) if f.record else None,
                                "source_id": SOURCE_ID})
            warns.append(f"{p.name}: quarantined with {len(exc.faults)} fault(s)")
            continue
        entry.update(rows_loaded=len(resp), is_sample=bool(resp["is_sample"].any()) if len(resp) else False)
        responses.append(resp)
        findings.append(find)

    resp_all = (pd.concat(responses, ignore_index=True) if responses
                else typed_frame([], RESPONSE_COLUMNS)).astype(RESPONSE_COLUMNS)
    find_all = (pd.concat(findings, ignore_index=True) if findings
                else typed_frame([], FINDING_COLUMNS)).astype(FINDING_COLUMNS)
    rej_all = typed_frame(rejects, REJECT_COLUMNS)
    files = [_source_record(e, ctx.config) for e in entries if e["status"] != "skipped"]
    # source_id on every table, so a build can carry a failed inbox's rows over like any source's
    return InboxStaged(tables={"survey_response": resp_all.assign(source_id=ctx.source_id),
                               "finding": find_all, "reject": rej_all},
                       files=files, warnings=warns, rows_loaded=int(len(resp_all)),
                       rows_rejected=int(len(rej_all)))
