"""Reading a filled survey workbook back: its respondent and answers sheets, every fault located
by sheet and cell, and the responses and text findings it contributes.

A workbook with any fault is rejected whole (SurveyFileError lists them all): a partly loaded
questionnaire would bias a country's scores without anyone noticing. Faults are worded for the
focal point who has to fix the file in Excel, not for a developer.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from digigov.sources.survey.faults import Fault, SurveyFileError
from digigov.sources.survey.instrument import SOURCE_ID, canonical, instrument, is_blank, known_countries, score
from digigov.sources.survey.layout import (ANSWER_COLUMNS, ANSWERS, META, REQUIRED_ANSWER_COLUMNS, RESPONDENT,
                                           RESPONDENT_FIELDS, RESPONDENT_HEADERS)
from digigov.sources.survey.validation import validate_answers

# Columns and dtypes of what a workbook contributes: rows of core.survey_response and core.finding.
RESPONSE_COLUMNS = {
    "response_id": "string", "iso3": "string", "organisation": "string", "role": "string",
    "response_date": "string", "question_id": "string", "dimension_id": "int32", "answer": "string",
    "score": "float64", "source_file": "string", "cell": "string", "is_sample": "bool",
}
FINDING_COLUMNS = {
    "finding_id": "string", "iso3": "string", "dimension_id": "int32", "topic": "string",
    "statement": "string", "evidence": "string", "source_id": "string", "is_sample": "bool",
}


def _fail(path: Path, sheet: str, cell: str | None, problem: str):
    raise SurveyFileError(path, [Fault(path.name, sheet, cell, problem)])


def _norm(text) -> str:
    return "_".join(str(text or "").strip().lower().split())


def _open(path: Path):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about Excel extensions it drops
            return openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # zip, XML and content-type errors all mean "not a workbook we can read"
        raise SurveyFileError(path, [Fault(path.name, "(workbook)", None,
                                           f"not an Excel .xlsx workbook ({type(exc).__name__}); "
                                           "save the questionnaire as .xlsx and send it again")]) from None


def _read_respondent(path: Path, ws, faults: list[Fault]) -> dict:
    head = [ws.cell(row=1, column=i).value for i in (1, 2)]
    if [_norm(h) for h in head] != [_norm(h) for h in RESPONDENT_HEADERS[:2]]:
        _fail(path, RESPONDENT, "A1", f"missing header: expected {RESPONDENT_HEADERS[0]!r} in A1 and "
                                     f"{RESPONDENT_HEADERS[1]!r} in B1, found {head[0]!r} and {head[1]!r}")
    cells = {}
    for r in range(2, ws.max_row + 1):
        key = _norm(ws.cell(row=r, column=1).value)
        if key and key not in cells:
            cells[key] = ws.cell(row=r, column=2)
    missing = [k for k, _ in RESPONDENT_FIELDS if k not in cells]
    if missing:
        _fail(path, RESPONDENT, "A", f"missing field(s) {', '.join(missing)} in column A")

    def where(key):
        return cells[key].coordinate

    def text(key):
        cell = cells[key]
        if cell.data_type == "f":
            faults.append(Fault(path.name, RESPONDENT, where(key), f"{key} holds a formula; type the value"))
            return None
        return None if is_blank(cell.value) else str(cell.value).strip()

    iso3 = text("country")
    if iso3 is None:
        if not any(f.cell == where("country") for f in faults):
            faults.append(Fault(path.name, RESPONDENT, where("country"),
                                "country is missing: pick the ISO3 code of your country"))
    elif iso3.upper() not in set(known_countries()):
        faults.append(Fault(path.name, RESPONDENT, where("country"),
                            f"country {iso3!r} is not a known ISO3 country code"))
        iso3 = None
    else:
        iso3 = iso3.upper()

    raw_date = cells["date"].value
    date = None
    if isinstance(raw_date, (dt.datetime, dt.date)):
        date = (raw_date.date() if isinstance(raw_date, dt.datetime) else raw_date).isoformat()
    elif not is_blank(raw_date):
        try:
            date = dt.date.fromisoformat(str(raw_date).strip()[:10]).isoformat()
        except ValueError:
            faults.append(Fault(path.name, RESPONDENT, where("date"),
                                f"date {raw_date!r} is not a date (use YYYY-MM-DD)"))

    sample_text = (text("sample") or "no").lower()
    if sample_text not in ("yes", "no"):
        faults.append(Fault(path.name, RESPONDENT, where("sample"), f"sample {sample_text!r} is not yes or no"))
    return {"iso3": iso3, "organisation": text("organisation"), "role": text("role"),
            "response_date": date, "is_sample": sample_text == "yes"}


def _read_answers(path: Path, ws, faults: list[Fault]) -> pd.DataFrame:
    width = max(ws.max_column, len(ANSWER_COLUMNS))
    found = {}
    for i in range(1, width + 1):
        key = _norm(ws.cell(row=1, column=i).value)
        found.setdefault(key, i)
    for pos, (key, header, _) in enumerate(ANSWER_COLUMNS, start=1):
        if key in REQUIRED_ANSWER_COLUMNS and key not in found:
            seen = ws.cell(row=1, column=pos).value
            _fail(path, ANSWERS, f"{get_column_letter(pos)}1",
                  f"missing header {header!r} in row 1 (found {seen!r} in its place)")
    qc, ac, cc = (found[k] for k in REQUIRED_ANSWER_COLUMNS)
    rows = []
    for r in range(2, ws.max_row + 1):
        q, a, c = (ws.cell(row=r, column=i) for i in (qc, ac, cc))
        if all(is_blank(x.value) for x in (q, a, c)):
            continue
        for cell, what in ((q, "question id"), (a, "answer"), (c, "comment")):
            if cell.data_type == "f":
                faults.append(Fault(path.name, ANSWERS, cell.coordinate,
                                    f"{what} holds a formula ({cell.value}); type the value itself"))
        answer = None if a.data_type == "f" or is_blank(a.value) else a.value
        if isinstance(answer, str):
            answer = answer.strip()
        elif isinstance(answer, (int, float)) and not isinstance(answer, bool) and "%" in (a.number_format or ""):
            answer = answer * 100  # typed as 45% in Excel: stored as 0.45
        qid = None if is_blank(q.value) or q.data_type == "f" else str(q.value).strip().upper()
        comment = None if is_blank(c.value) or c.data_type == "f" else str(c.value).strip()
        rows.append({"question_id": qid, "answer": answer, "comment": comment,
                     "cell": f"{ANSWERS}!{a.coordinate}", "id_cell": f"{ANSWERS}!{q.coordinate}", "row": r})
    frame = pd.DataFrame(rows, columns=["question_id", "answer", "comment", "cell", "id_cell", "row"])
    return frame.astype({"answer": object})


def _read(path) -> tuple[dict, pd.DataFrame, list[Fault]]:
    """(respondent, answers, faults found while reading). Raises at once when the layout is broken."""
    path = Path(path)
    wb = _open(path)
    missing = [s for s in (RESPONDENT, ANSWERS, META) if s not in wb.sheetnames]
    if missing:
        _fail(path, missing[0], None, f"sheet(s) {', '.join(repr(s) for s in missing)} missing "
                                      f"(found {', '.join(repr(s) for s in wb.sheetnames)}); "
                                      "start again from the digigov survey template")
    faults: list[Fault] = []
    version = None
    meta = wb[META]
    for r in range(1, meta.max_row + 1):
        if _norm(meta.cell(row=r, column=1).value) == "version":
            version = str(meta.cell(row=r, column=2).value or "").strip()
            vcell = meta.cell(row=r, column=2).coordinate
            break
    expected = instrument()["version"]
    if version is None:
        faults.append(Fault(path.name, META, None, "instrument version not recorded"))
    elif version != expected:
        faults.append(Fault(path.name, META, vcell, f"instrument version {version!r}, expected {expected!r}: "
                                                    "answer the current questionnaire"))
    respondent = _read_respondent(path, wb[RESPONDENT], faults)
    respondent["instrument_version"] = version
    answers = _read_answers(path, wb[ANSWERS], faults)
    return respondent, answers, faults


def read_workbook(path) -> tuple[dict, pd.DataFrame]:
    """(respondent, answers) of one workbook as filled in.

    respondent: {iso3, organisation, role, response_date (YYYY-MM-DD or None), is_sample,
    instrument_version}; answers: question_id, answer (as typed), comment, cell ("Answers!F7"),
    id_cell, row. Raises SurveyFileError for a file that is not a readable survey workbook or whose
    respondent part is wrong; answer values are checked by validate_answers."""
    respondent, answers, faults = _read(path)
    if faults:
        raise SurveyFileError(path, faults, is_sample=respondent.get("is_sample", False))
    return respondent, answers


def typed_frame(rows: list[dict], columns: dict) -> pd.DataFrame:
    """Rows as a frame of fixed columns and dtypes, so even no rows still carry the table's types."""
    frame = pd.DataFrame(rows, columns=list(columns))
    return frame.astype(columns)


def to_responses(path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(responses, text findings) of one workbook, or SurveyFileError listing every fault.

    One response per question row; free-text answers also become findings of the country."""
    path = Path(path)
    respondent, answers, faults = _read(path)
    faults = faults + validate_answers(answers, path.name)
    if faults:
        raise SurveyFileError(path, faults, is_sample=respondent.get("is_sample", False))
    inst = instrument()
    org = respondent["organisation"]
    responses, findings = [], []
    for rec in answers.itertuples(index=False):
        q = inst["questions"][rec.question_id]
        text = canonical(rec.answer, q["type"])
        ref = rec.cell
        responses.append({
            "response_id": f"{path.stem}-{q['id']}", "iso3": respondent["iso3"], "organisation": org,
            "role": respondent["role"], "response_date": respondent["response_date"], "question_id": q["id"],
            "dimension_id": q["dimension_id"], "answer": text, "score": score(text, q["type"]),
            "source_file": path.name, "cell": ref, "is_sample": respondent["is_sample"]})
        if q["type"] == "text" and text:
            findings.append({
                "finding_id": f"S-{path.stem}-{q['id']}", "iso3": respondent["iso3"],
                "dimension_id": q["dimension_id"], "topic": q["topic"] or q["dimension_key"],
                "statement": text,
                "evidence": f"survey answer, {org or 'organisation not named'}, {path.name} {ref}",
                "source_id": SOURCE_ID, "is_sample": respondent["is_sample"]})
    return typed_frame(responses, RESPONSE_COLUMNS), typed_frame(findings, FINDING_COLUMNS)

