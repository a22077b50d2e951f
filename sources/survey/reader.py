"""Reading a filled survey workbook back: its respondent and answers sheets, every fault located
by sheet and cell, and the responses and text findings it contributes.

A workbook is one organisation's answers. A workbook with any fault is rejected whole
(SurveyFileError lists them all): a partly loaded questionnaire would bias a country's scores
without anyone noticing. Faults are worded for the focal point who has to fix the file in Excel,
not for a developer: they name the sheet and cell and show values as typed, never a Python repr.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter

from digigov.sources.survey import countries, language
from digigov.sources.survey.faults import Fault, SurveyFileError
from digigov.sources.survey.instrument import (MAX_CELL_TEXT, SOURCE_ID, canonical, instrument, is_blank,
                                               organisation_key, score, shown)
from digigov.sources.survey.layout import (ANSWER_COLUMNS, KEY, META, QUESTION_ID, REQUIRED_ANSWER_COLUMNS,
                                           REQUIRED_FIELDS, RESPONDENT_FIELDS)
from digigov.sources.survey.validation import validate_answers

# Columns and dtypes of what a workbook contributes: rows of core.survey_response and core.finding.
RESPONSE_COLUMNS = {
    "response_id": "string", "iso3": "string", "organisation": "string", "organisation_key": "string",
    "organisation_type": "string", "organisation_level": "string", "role": "string",
    "response_date": "string", "question_id": "string", "dimension_id": "int32", "answer": "string",
    "score": "float64", "comment": "string", "language": "string", "saved_at": "string",
    "source_file": "string", "cell": "string", "is_sample": "bool",
}
FINDING_COLUMNS = {
    "finding_id": "string", "iso3": "string", "dimension_id": "int32", "topic": "string",
    "statement": "string", "evidence": "string", "source_id": "string", "is_sample": "bool",
}
_DMY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _fail(path: Path, sheet: str, cell: str | None, problem: str):
    raise SurveyFileError(path, [Fault(path.name, sheet, cell, problem)])


def _norm(text) -> str:
    return language.fold(text or "")


def _open(path: Path):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about Excel extensions it drops
            return openpyxl.load_workbook(path, data_only=False)
    except Exception as exc:  # zip, XML and content-type errors all mean "not a workbook we can read"
        raise SurveyFileError(path, [Fault(path.name, "(workbook)", None,
                                           f"not an Excel .xlsx workbook ({type(exc).__name__}); "
                                           "save the questionnaire as .xlsx and send it again")]) from None


def too_long(value) -> str | None:
    """The fault of a text longer than an Excel cell holds (Excel itself would cut it)."""
    if isinstance(value, str) and len(value) > MAX_CELL_TEXT:
        return (f"the text is {len(value):,} characters long; an Excel cell holds at most {MAX_CELL_TEXT:,}: "
                "shorten it (put the details in a separate document and name it here)")
    return None


def parse_date(value) -> str | None:
    """A completion date as YYYY-MM-DD: an Excel date, or text written YYYY-MM-DD or DD.MM.YYYY.
    ValueError when it is none of them (or no real day, such as 31.02.2026)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    m = _YMD.match(text)
    if m:
        y, mo, d = (int(x) for x in m.groups())
    else:
        m = _DMY.match(text)
        if not m:
            raise ValueError("not a date")
        d, mo, y = (int(x) for x in m.groups())
    return dt.date(y, mo, d).isoformat()


def _meta(path: Path, wb, faults: list[Fault]) -> tuple[dict, tuple[str, ...]]:
    """The hidden sheet's keys and the workbook's language(s); stops at once when they are missing."""
    if META not in wb.sheetnames:
        _fail(path, META, None, f"hidden sheet '{META}' missing (found {', '.join(repr(s) for s in wb.sheetnames)}): "
                                "this is not a digigov survey questionnaire; start again from the template")
    ws = wb[META]
    meta = {}
    for r in range(1, ws.max_row + 1):
        key = _norm(ws.cell(row=r, column=1).value)
        if key and key not in meta:
            meta[key] = (ws.cell(row=r, column=2).value, ws.cell(row=r, column=2).coordinate)
    expected = instrument()["version"]
    version, vcell = meta.get("version", (None, None))
    version = None if version is None else str(version).strip()
    if version is None:
        faults.append(Fault(path.name, META, None, "instrument version not recorded"))
    elif version != expected:
        faults.append(Fault(path.name, META, vcell, f"instrument version {shown(version)}, expected {shown(expected)}: "
                                                    "answer the current questionnaire"))
    spec = str((meta.get("language") or (None,))[0] or "").strip()
    try:
        langs = language.parse(spec)
    except ValueError:
        if faults:   # a workbook of another version (older ones record no language): say that
            raise SurveyFileError(path, faults) from None
        _fail(path, META, (meta.get("language") or (None, None))[1],
              f"questionnaire language {shown(spec)} is not one this version knows ({', '.join(language.specs())}); "
              "start again from the current template")
    sample, scell = meta.get("sample", ("no", None))
    sample = _norm(sample or "no")
    if sample not in ("yes", "no"):
        faults.append(Fault(path.name, META, scell, f"sample flag {shown(sample)} is not yes or no"))
    return {"version": version, "is_sample": sample == "yes", "language": language.SEPARATOR.join(langs)}, langs


def _read_respondent(path: Path, ws, langs, faults: list[Fault]) -> dict:
    sheet = ws.title
    if _norm(ws.cell(row=1, column=1).value) != KEY:
        _fail(path, sheet, "A1", f"missing header {shown(KEY)} in the hidden column A "
                                 f"(found {shown(ws.cell(row=1, column=1).value)}); start again from the template")
    cells = {}
    for r in range(2, ws.max_row + 1):
        key = _norm(ws.cell(row=r, column=1).value)
        if key and key not in cells:
            cells[key] = ws.cell(row=r, column=3)
    missing = [k for k in RESPONDENT_FIELDS if k not in cells]
    if missing:
        _fail(path, sheet, "A", f"missing field(s) {', '.join(missing)} in the hidden column A; "
                                "start again from the template")
    name = {k: _field_name(k, langs) for k in RESPONDENT_FIELDS}

    def fault(key, problem):
        faults.append(Fault(path.name, sheet, cells[key].coordinate, problem))

    def value(key):
        cell = cells[key]
        if cell.data_type == "f":
            fault(key, f"{name[key]} holds a formula; type the value itself")
            return None
        if too_long(cell.value):
            fault(key, f"{name[key]}: {too_long(cell.value)}")
            return None
        v = cell.value
        if isinstance(v, str):
            v = v.strip()
        if is_blank(v) and key in REQUIRED_FIELDS:
            fault(key, f"{name[key]} is missing: fill in the yellow cell")
            return None
        return None if is_blank(v) else v

    raw = {k: value(k) for k in RESPONDENT_FIELDS}
    iso3 = None
    if raw["country"] is not None:
        iso3 = countries.resolve(raw["country"])
        if iso3 is None:
            fault("country", f"country {shown(raw['country'])} is not in the list: choose your country from the "
                             "drop-down list")
    kinds = {}
    for key in ("organisation_type", "organisation_level"):
        if raw[key] is None:
            continue
        kinds[key] = language.code_for(key + "s", raw[key])
        if kinds[key] is None:
            options = ", ".join(language.texts(langs[0])[key + "s"].values())
            fault(key, f"{name[key]} {shown(raw[key])} is not one of the list ({options}): choose from the "
                       "drop-down list")
    date = None
    if raw["date"] is not None:
        try:
            date = parse_date(raw["date"])
        except ValueError:
            fault("date", f"date {shown(raw['date'])} is not a date: type it as 2026-03-04 or 04.03.2026")
    organisation = None if raw["organisation"] is None else " ".join(str(raw["organisation"]).split())
    role = None if raw["role"] is None else str(raw["role"])
    return {"iso3": iso3, "organisation": organisation, "organisation_key": organisation_key(organisation),
            "organisation_type": kinds.get("organisation_type"), "organisation_level": kinds.get("organisation_level"),
            "role": role, "response_date": date}


def _field_name(key: str, langs) -> str:
    """A respondent field as a message names it: its English label, with the workbook's own label
    when that differs ('Date completed (Дата заполнения)')."""
    own = language.texts(langs[0])["fields"][key]["label"]
    english = language.texts("en")["fields"][key]["label"] if "en" in language.languages() else own
    return english if english == own else f"{english} ({own})"


def _header_labels(langs) -> dict[str, set[str]]:
    """Folded header text of each answers column, as the workbook of `langs` writes it."""
    out = {QUESTION_ID: {QUESTION_ID}}
    for key, _ in ANSWER_COLUMNS:
        if key != QUESTION_ID:
            out[key] = {_norm("\n".join(language.texts(lang)["answer_columns"][key] for lang in langs))}
    return out


def _read_answers(path: Path, ws, langs, faults: list[Fault]) -> pd.DataFrame:
    sheet = ws.title
    labels = _header_labels(langs)
    width = max(ws.max_column, len(ANSWER_COLUMNS))
    found = {}
    for i in range(1, width + 1):
        text = _norm(ws.cell(row=1, column=i).value)
        for key, forms in labels.items():
            if text in forms:
                found.setdefault(key, i)
    for pos, (key, _) in enumerate(ANSWER_COLUMNS, start=1):
        if key in REQUIRED_ANSWER_COLUMNS and key not in found:
            expected = QUESTION_ID if key == QUESTION_ID else " / ".join(
                language.texts(lang)["answer_columns"][key] for lang in langs)
            seen = ws.cell(row=1, column=pos).value
            _fail(path, sheet, f"{get_column_letter(pos)}1",
                  f"missing header {shown(expected)} in row 1 (found {shown(seen) if seen is not None else 'nothing'} "
                  "in its place); start again from the template")
    qc, ac, cc = (found[k] for k in REQUIRED_ANSWER_COLUMNS)
    rows = []
    for r in range(2, ws.max_row + 1):
        q, a, c = (ws.cell(row=r, column=i) for i in (qc, ac, cc))
        if all(is_blank(x.value) for x in (q, a, c)):
            continue
        bad = set()
        for cell, what in ((q, "question id"), (a, "answer"), (c, "comment")):
            if cell.data_type == "f":
                faults.append(Fault(path.name, sheet, cell.coordinate,
                                    f"{what} holds a formula ({cell.value}); type the value itself"))
                bad.add(what)
            elif too_long(cell.value):
                faults.append(Fault(path.name, sheet, cell.coordinate, f"{what}: {too_long(cell.value)}"))
                bad.add(what)
        answer = None if "answer" in bad or is_blank(a.value) else a.value
        if isinstance(answer, str):
            answer = answer.strip()
        elif isinstance(answer, (int, float)) and not isinstance(answer, bool) and "%" in (a.number_format or ""):
            answer = answer * 100  # typed as 45% in Excel: stored as 0.45
        qid = None if is_blank(q.value) or "question id" in bad else str(q.value).strip().upper()
        comment = None if is_blank(c.value) or "comment" in bad else str(c.value).strip()
        rows.append({"question_id": qid, "answer": answer, "comment": comment,
                     "cell": f"{sheet}!{a.coordinate}", "id_cell": f"{sheet}!{q.coordinate}",
                     "comment_cell": f"{sheet}!{c.coordinate}", "row": r})
    frame = pd.DataFrame(rows, columns=["question_id", "answer", "comment", "cell", "id_cell", "comment_cell", "row"])
    return frame.astype({"answer": object})


def _read(path) -> tuple[dict, pd.DataFrame, list[Fault]]:
    """(respondent, answers, faults found while reading). Raises at once when the layout is broken."""
    path = Path(path)
    wb = _open(path)
    faults: list[Fault] = []
    meta, langs = _meta(path, wb, faults)
    names = {key: language.sheet(langs, key) for key in ("respondent", "answers")}
    missing = [s for s in names.values() if s not in wb.sheetnames]
    if missing:
        _fail(path, missing[0], None, f"sheet(s) {', '.join(repr(s) for s in missing)} missing "
                                      f"(found {', '.join(repr(s) for s in wb.sheetnames)}); "
                                      "start again from the digigov survey template")
    respondent = _read_respondent(path, wb[names["respondent"]], langs, faults)
    modified = wb.properties.modified
    respondent.update(is_sample=meta["is_sample"], instrument_version=meta["version"], language=meta["language"],
                      saved_at=modified.replace(microsecond=0).isoformat() if modified else None)
    answers = _read_answers(path, wb[names["answers"]], langs, faults)
    return respondent, answers, faults


def read_workbook(path) -> tuple[dict, pd.DataFrame]:
    """(respondent, answers) of one workbook as filled in.

    respondent: {iso3, organisation, organisation_key, organisation_type, organisation_level, role,
    response_date (YYYY-MM-DD), is_sample, instrument_version, language, saved_at (when the file
    was last saved, from the workbook's properties)}; answers: question_id, answer (as typed),
    comment, cell ("Answers!E7"), id_cell, comment_cell, row. Raises SurveyFileError for a file
    that is not a readable survey workbook or whose respondent part is wrong; answer values are
    checked by validate_answers."""
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

    One response per question row, with its comment; free-text answers also become findings of
    the country."""
    path = Path(path)
    respondent, answers, faults = _read(path)
    faults = faults + validate_answers(answers, path.name)
    if faults:
        raise SurveyFileError(path, faults, is_sample=respondent.get("is_sample", False))
    inst = instrument()
    org = respondent["organisation"]
    who = {k: respondent[k] for k in ("iso3", "organisation", "organisation_key", "organisation_type",
                                       "organisation_level", "role", "response_date", "language", "saved_at")}
    responses, findings = [], []
    for rec in answers.itertuples(index=False):
        q = inst["questions"][rec.question_id]
        text = canonical(rec.answer, q["type"])
        ref = rec.cell
        responses.append({
            "response_id": f"{path.stem}-{q['id']}", **who, "question_id": q["id"],
            "dimension_id": q["dimension_id"], "answer": text, "score": score(text, q["type"]),
            "comment": rec.comment, "source_file": path.name, "cell": ref, "is_sample": respondent["is_sample"]})
        if q["type"] == "text" and text:
            findings.append({
                "finding_id": f"S-{path.stem}-{q['id']}", "iso3": respondent["iso3"],
                "dimension_id": q["dimension_id"], "topic": q["topic"] or q["dimension_key"],
                "statement": text,
                "evidence": f"survey answer, {org or 'organisation not named'}, {path.name} {ref}",
                "source_id": SOURCE_ID, "is_sample": respondent["is_sample"]})
    return typed_frame(responses, RESPONSE_COLUMNS), typed_frame(findings, FINDING_COLUMNS)
