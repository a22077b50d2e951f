"""The needs-assessment survey as Excel workbooks: the template focal points fill in, and ingestion.

One workbook per responding organisation. The workbook layout is defined here, by the same module
that writes the template and reads it back, so the two cannot drift apart; the questions, answer
types and scoring rules come from config/survey.yaml. A workbook with any fault is quarantined
whole: a partly loaded questionnaire would bias a country's scores without anyone noticing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import pandera.pandas as pa
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from pandera.errors import SchemaErrors

from digigov.errors import DigigovError
from digigov.settings import load_config

SOURCE_ID = "survey"
INSTRUCTIONS, RESPONDENT, ANSWERS, META = "Instructions", "Respondent", "Answers", "_meta"
INSTRUMENT = "digigov needs-assessment survey"

# Answers sheet: (key, header shown, column width). Columns are found by header when read.
ANSWER_COLUMNS = [
    ("question_id", "Question ID", 12),
    ("dimension", "Dimension", 11),
    ("dimension_name", "Dimension name", 30),
    ("question", "Question", 70),
    ("answer_type", "Answer type", 16),
    ("answer", "Answer", 18),
    ("comment", "Comment", 50),
]
REQUIRED_ANSWER_COLUMNS = ("question_id", "answer", "comment")

# Respondent sheet: (field key, help). Column A holds the key, B the value, C the help.
RESPONDENT_FIELDS = [
    ("country", "ISO3 code of the country you answer for (pick from the list, e.g. KAZ)."),
    ("organisation", "Full name of your organisation."),
    ("role", "Your position or role in the organisation."),
    ("date", "Date you completed the questionnaire (YYYY-MM-DD)."),
    ("sample", "'no' for a real response. 'yes' only for invented demonstration data."),
]
RESPONDENT_HEADERS = ("Field", "Value", "Help")

# Text written into a cell that a spreadsheet would otherwise treat as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@")

RESPONSE_COLUMNS = {
    "response_id": "string", "iso3": "string", "organisation": "string", "role": "string",
    "response_date": "string", "question_id": "string", "dimension_id": "int32", "answer": "string",
    "score": "float64", "source_file": "string", "cell": "string", "is_sample": "bool",
}
FINDING_COLUMNS = {
    "finding_id": "string", "iso3": "string", "dimension_id": "int32", "topic": "string",
    "statement": "string", "evidence": "string", "source_id": "string", "is_sample": "bool",
}
REJECT_COLUMNS = {"file": "string", "row": "Int64", "reason": "string", "record": "string",
                  "source_id": "string"}

_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_UNLOCKED = Protection(locked=False)
_TOP_WRAP = Alignment(wrap_text=True, vertical="top")


# --- errors ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fault:
    """One problem in a workbook, located the way a user finds it in Excel."""
    file: str
    sheet: str
    cell: str | None
    problem: str
    record: dict | None = field(default=None, compare=False)

    def __str__(self) -> str:
        where = f"sheet '{self.sheet}'" + (f" cell {self.cell}" if self.cell else "")
        return f"{self.file}: {where}: {self.problem}"


class SurveyFileError(DigigovError):
    """A survey workbook that cannot be loaded; `faults` lists every problem found."""

    def __init__(self, path, faults: list[Fault], is_sample: bool = False):
        self.path = str(path)
        self.faults = list(faults)
        self.is_sample = is_sample
        super().__init__("; ".join(str(f) for f in self.faults))


def _fail(path: Path, sheet: str, cell: str | None, problem: str):
    raise SurveyFileError(path, [Fault(path.name, sheet, cell, problem)])


# --- the instrument -------------------------------------------------------------------------------

def instrument() -> dict:
    """Questions joined to their dimension, answer types and version, checked for config errors."""
    cfg = load_config("survey")
    dims = {spec["key"]: (int(did), spec["name"]) for did, spec in load_config("dimensions")["dimensions"].items()}
    types = cfg["answer_types"]
    questions = {}
    for q in cfg["questions"]:
        if q["dimension"] not in dims:
            raise ValueError(f"config/survey.yaml: question {q['id']} names unknown dimension {q['dimension']!r}")
        if q["type"] not in types:
            raise ValueError(f"config/survey.yaml: question {q['id']} has unknown answer type {q['type']!r}")
        if q["id"] in questions:
            raise ValueError(f"config/survey.yaml: question id {q['id']} is used twice")
        did, name = dims[q["dimension"]]
        questions[q["id"]] = {"id": q["id"], "dimension_key": q["dimension"], "dimension_id": did,
                              "dimension_name": name, "type": q["type"], "text": q["text"],
                              "topic": q.get("topic")}
    return {"version": str(cfg["version"]), "types": types, "questions": questions}


def known_countries() -> list[str]:
    """ISO3 codes a respondent may answer for: the configured groups and the UN members."""
    cfg = load_config("countries")
    codes = set(cfg.get("un_members") or [])
    for group in (cfg.get("groups") or {}).values():
        codes.update(group.get("members") or [])
    return sorted(codes)


def _allowed(qtype: str, spec: dict) -> str:
    """What a user may enter for an answer type, in words (for prompts and fault messages)."""
    if "choices" in spec:
        return "one of " + ", ".join(spec["choices"])
    if qtype == "number":
        return f"a whole number ≥ {spec.get('min', 0)}"
    if "min" in spec or "max" in spec:
        return f"a number from {spec.get('min')} to {spec.get('max')}"
    return "free text"


# --- answer values --------------------------------------------------------------------------------

def _blank(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _number_text(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _as_number(value) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip().rstrip("%").strip()
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
    raise ValueError(f"{value!r} is not a number")


def canonical(value, qtype: str) -> str | None:
    """The answer as stored (None when blank); ValueError when it is not allowed for the type."""
    if _blank(value):
        return None
    spec = instrument()["types"][qtype]
    if "choices" in spec:
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not {_allowed(qtype, spec)}")
        if isinstance(value, (int, float)):
            text = _number_text(value) if float(value).is_integer() else repr(value)
        else:
            text = str(value).strip().lower()
        if text not in [str(c) for c in spec["choices"]]:
            raise ValueError(f"{value!r} is not {_allowed(qtype, spec)}")
        return text
    if "min" in spec or "max" in spec:
        v = _as_number(value)
        bad = (math.isnan(v) or ("min" in spec and v < spec["min"]) or ("max" in spec and v > spec["max"])
               or (qtype == "number" and not v.is_integer()))
        if bad:
            raise ValueError(f"{value!r} is not {_allowed(qtype, spec)}")
        return _number_text(v)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number_text(value)
    return str(value).strip()


def score(answer, qtype: str) -> float:
    """Score of one answer per config/survey.yaml (0 weakest … 1 strongest); NaN when not scored.

    Blank, `unknown`, `number` and `text` answers are not scored. An answer not allowed for the
    type raises ValueError (validation quarantines such workbooks before scoring)."""
    spec = instrument()["types"][qtype]
    text = canonical(answer, qtype)
    if text is None:
        return math.nan
    if "scores" in spec:
        return float(spec["scores"].get(text, math.nan))
    if qtype == "percent":
        return float(text) / 100.0
    return math.nan


# --- template -------------------------------------------------------------------------------------

def _put_text(cell, value) -> None:
    """Write a user-supplied value; text that looks like a formula is forced to stay text."""
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"
        cell.quotePrefix = True


def _header(ws, headers: list[str]) -> None:
    for i, text in enumerate(headers, start=1):
        c = ws.cell(row=1, column=i, value=text)
        c.font, c.fill = _HEADER_FONT, _HEADER_FILL
        c.alignment = Alignment(vertical="center", wrap_text=True)
    ws.freeze_panes = "A2"


def _protect(ws) -> None:
    """Lock the structure but let users resize rows and columns to read long questions."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _validation(kind: str, **kw) -> DataValidation:
    dv = DataValidation(type=kind, allow_blank=True, showErrorMessage=True, showInputMessage=True, **kw)
    return dv


def _instructions(ws, inst: dict) -> None:
    dims = load_config("dimensions")["dimensions"]
    types = inst["types"]
    how_scored = {
        "yes_partial_no": "yes = 1, partial = 0.5, no = 0; unknown is not scored",
        "scale_1_5": "1 = 0, 2 = 0.25, 3 = 0.5, 4 = 0.75, 5 = 1",
        "percent": "the value divided by 100",
        "number": "not scored: context for analysts",
        "text": "not scored: becomes a finding for your country",
    }
    lines: list[tuple[str, ...]] = [
        (f"Needs assessment of digital government — survey questionnaire (version {inst['version']})",),
        ("",),
        ("Purpose",),
        ("This questionnaire collects your organisation's view of digital government in your country on nine "
         "dimensions. Answers are combined with international indicators to show where each country stands "
         "and where support is most needed. One workbook is filled in per organisation.",),
        ("",),
        ("How to fill it in",),
        ("1. On the 'Respondent' sheet, fill in the yellow cells: country (pick the ISO3 code), organisation, "
         "your role and the date. Leave 'sample' at 'no'.",),
        ("2. On the 'Answers' sheet, answer each question in the yellow 'Answer' column. Coded questions have a "
         "drop-down list; numbers must be within the range shown when you select the cell.",),
        ("3. Use 'unknown' (or leave the answer blank) when you do not know; do not guess. Blank answers are "
         "reported as missing, not as 'no'.",),
        ("4. Add anything that explains your answer in the 'Comment' column.",),
        ("5. Do not rename, add or delete sheets, rows or columns, and do not type formulas: the workbook is read "
         "automatically and a changed layout cannot be loaded.",),
        ("6. Save as .xlsx and return the file to the study team.",),
        ("",),
        ("Answer types", "What to enter", "How it is scored (0 = weakest, 1 = strongest)"),
    ]
    for qtype, spec in types.items():
        lines.append((qtype, _allowed(qtype, spec), how_scored.get(qtype, "")))
    lines += [("",), ("Dimensions", "Name", "What it covers")]
    for did, spec in sorted(dims.items(), key=lambda kv: int(kv[0])):
        lines.append((str(did), spec["name"], spec["description"]))
    for r, line in enumerate(lines, start=1):
        for c, text in enumerate(line, start=1):
            cell = ws.cell(row=r, column=c, value=text)
            cell.alignment = _TOP_WRAP
    for r in (1, 3, 6, 14, 15 + len(types) + 1):
        for c in range(1, 4):
            ws.cell(row=r, column=c).font = Font(bold=True, size=14 if r == 1 else 11)
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 70
    for r in (4, 7, 8, 9, 10, 11, 12):
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
        ws.row_dimensions[r].height = 45
    _protect(ws)


def _meta(wb, inst: dict, countries: list[str]) -> None:
    ws = wb.create_sheet(META)
    rows = [("key", "value"), ("instrument", INSTRUMENT), ("version", inst["version"]),
            ("written_by", "digigov")]
    for r, (k, v) in enumerate(rows, start=1):
        ws.cell(row=r, column=1, value=k)
        ws.cell(row=r, column=2, value=v)
    ws.cell(row=1, column=4, value="countries")
    for i, code in enumerate(countries, start=2):
        ws.cell(row=i, column=4, value=code)
    ws.sheet_state = "veryHidden"
    _protect(ws)
    wb.defined_names["digigov_survey_version"] = DefinedName("digigov_survey_version", attr_text=f"'{META}'!$B$3")
    wb.defined_names["digigov_countries"] = DefinedName(
        "digigov_countries", attr_text=f"'{META}'!$D$2:$D${len(countries) + 1}")


def _respondent(wb, values: dict) -> None:
    ws = wb.create_sheet(RESPONDENT)
    _header(ws, list(RESPONDENT_HEADERS))
    country_dv = _validation("list", formula1="digigov_countries", promptTitle="Country",
                             prompt="Pick the ISO3 code of your country.", errorTitle="Unknown country code",
                             error="Pick an ISO3 code from the list.")
    sample_dv = _validation("list", formula1='"yes,no"', promptTitle="Sample",
                            prompt="'no' for a real response.", errorTitle="yes or no", error="Enter yes or no.")
    ws.add_data_validation(country_dv)
    ws.add_data_validation(sample_dv)
    for r, (key, help_text) in enumerate(RESPONDENT_FIELDS, start=2):
        ws.cell(row=r, column=1, value=key).font = Font(bold=True)
        cell = ws.cell(row=r, column=2)
        value = values.get(key)
        if key == "date" and isinstance(value, (dt.date, dt.datetime)):
            cell.value = value
        elif value is not None:
            _put_text(cell, value)
        if key == "date":
            cell.number_format = "yyyy-mm-dd"
        cell.protection, cell.fill, cell.alignment = _UNLOCKED, _INPUT_FILL, _TOP_WRAP
        ws.cell(row=r, column=3, value=help_text).alignment = _TOP_WRAP
        if key == "country":
            country_dv.add(cell.coordinate)
        if key == "sample":
            sample_dv.add(cell.coordinate)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 50
    ws.column_dimensions["C"].width = 70
    _protect(ws)


def _answers(wb, inst: dict, answers: dict) -> None:
    ws = wb.create_sheet(ANSWERS)
    _header(ws, [h for _, h, _ in ANSWER_COLUMNS])
    col = {key: i for i, (key, _, _) in enumerate(ANSWER_COLUMNS, start=1)}
    types = inst["types"]
    dvs = {}
    for qtype, spec in types.items():
        prompt = _allowed(qtype, spec)
        if "choices" in spec:
            dvs[qtype] = _validation("list", formula1='"' + ",".join(map(str, spec["choices"])) + '"',
                                     promptTitle=qtype, prompt=prompt, errorTitle="Not an allowed answer",
                                     error=f"Enter {prompt}.")
        elif qtype == "number":
            dvs[qtype] = _validation("whole", operator="greaterThanOrEqual", formula1=str(spec.get("min", 0)),
                                     promptTitle=qtype, prompt=prompt, errorTitle="Not an allowed answer",
                                     error=f"Enter {prompt}.")
        elif "min" in spec and "max" in spec:
            dvs[qtype] = _validation("decimal", operator="between", formula1=str(spec["min"]),
                                     formula2=str(spec["max"]), promptTitle=qtype, prompt=prompt,
                                     errorTitle="Not an allowed answer", error=f"Enter {prompt}.")
    for dv in dvs.values():
        ws.add_data_validation(dv)
    for r, q in enumerate(inst["questions"].values(), start=2):
        ws.cell(row=r, column=col["question_id"], value=q["id"])
        ws.cell(row=r, column=col["dimension"], value=q["dimension_id"])
        ws.cell(row=r, column=col["dimension_name"], value=q["dimension_name"])
        ws.cell(row=r, column=col["question"], value=q["text"])
        ws.cell(row=r, column=col["answer_type"], value=q["type"])
        for key in ("dimension_name", "question"):
            ws.cell(row=r, column=col[key]).alignment = _TOP_WRAP
        for key in ("question_id", "dimension", "answer_type"):
            ws.cell(row=r, column=col[key]).alignment = Alignment(vertical="top")
        value = answers.get(q["id"])
        a = ws.cell(row=r, column=col["answer"])
        c = ws.cell(row=r, column=col["comment"])
        if isinstance(value, tuple):  # (answer, comment)
            value, comment = value
            if comment is not None:
                _put_text(c, comment)
        if value is not None:
            _put_text(a, value)
        for cell in (a, c):
            cell.protection, cell.fill, cell.alignment = _UNLOCKED, _INPUT_FILL, _TOP_WRAP
        if q["type"] in dvs:
            dvs[q["type"]].add(a.coordinate)
    for i, (_, _, width) in enumerate(ANSWER_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    _protect(ws)


def write_template(out, country: str | None = None, *, respondent: dict | None = None,
                   answers: dict | None = None, is_sample: bool = False) -> Path:
    """Write the questionnaire workbook a focal point fills in Excel.

    `country` pre-fills the respondent's ISO3 code; `respondent` ({country, organisation, role,
    date, sample}) and `answers` ({question_id: answer} or {question_id: (answer, comment)})
    pre-fill values as given — unchecked, so tests can build faulty workbooks. Unknown keys are
    a programming error (ValueError)."""
    inst = instrument()
    respondent = dict(respondent or {})
    answers = dict(answers or {})
    unknown = sorted(set(respondent) - {k for k, _ in RESPONDENT_FIELDS})
    if unknown:
        raise ValueError(f"unknown respondent field(s): {', '.join(unknown)}")
    unknown = sorted(set(answers) - set(inst["questions"]))
    if unknown:
        raise ValueError(f"unknown question id(s): {', '.join(unknown)}")
    if country is not None:
        respondent["country"] = country
    respondent.setdefault("sample", "yes" if is_sample else "no")

    wb = openpyxl.Workbook()
    _instructions(wb.active, inst)
    wb.active.title = INSTRUCTIONS
    _respondent(wb, respondent)
    _answers(wb, inst, answers)
    _meta(wb, inst, known_countries())
    wb.active = 1 if country is None else 2
    wb.properties.title = f"Needs assessment of digital government — survey {inst['version']}"
    wb.properties.subject = INSTRUMENT
    wb.properties.creator = "digigov"
    wb.properties.keywords = f"digigov survey {inst['version']}" + (" SAMPLE" if is_sample else "")
    wb.security = WorkbookProtection(lockStructure=True)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


# --- reading --------------------------------------------------------------------------------------

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
        return None if _blank(cell.value) else str(cell.value).strip()

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
    elif not _blank(raw_date):
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
        if all(_blank(x.value) for x in (q, a, c)):
            continue
        for cell, what in ((q, "question id"), (a, "answer"), (c, "comment")):
            if cell.data_type == "f":
                faults.append(Fault(path.name, ANSWERS, cell.coordinate,
                                    f"{what} holds a formula ({cell.value}); type the value itself"))
        answer = None if a.data_type == "f" or _blank(a.value) else a.value
        if isinstance(answer, str):
            answer = answer.strip()
        elif isinstance(answer, (int, float)) and not isinstance(answer, bool) and "%" in (a.number_format or ""):
            answer = answer * 100  # typed as 45% in Excel: stored as 0.45
        qid = None if _blank(q.value) or q.data_type == "f" else str(q.value).strip().upper()
        comment = None if _blank(c.value) or c.data_type == "f" else str(c.value).strip()
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


# --- validation -----------------------------------------------------------------------------------

def _valid(value, qtype) -> bool:
    try:
        canonical(value, qtype)
        return True
    except ValueError:
        return False


def answer_schema() -> pa.DataFrameSchema:
    """Answer checks: question ids known and unique, each answer allowed for its question's type."""
    inst = instrument()
    qtype_of = {qid: q["type"] for qid, q in inst["questions"].items()}

    def type_check(qtype):
        def check(df: pd.DataFrame) -> pd.Series:
            is_type = df["question_id"].map(qtype_of) == qtype
            return ~is_type | df["answer"].map(lambda v: _valid(v, qtype)).astype(bool)
        return pa.Check(check, name=f"answer:{qtype}")  # no `error=`: failure cases report the name

    return pa.DataFrameSchema(
        {"question_id": pa.Column(None, pa.Check.isin(list(qtype_of)), nullable=False, unique=True,
                                  report_duplicates="all"),
         "answer": pa.Column(None, nullable=True)},
        checks=[type_check(t) for t in inst["types"]],
        strict=False,
    )


def validate_answers(answers: pd.DataFrame, file: str) -> list[Fault]:
    """Every fault of the answers, located by sheet and cell (empty list: all answers valid)."""
    if answers.empty:
        return []
    inst = instrument()
    frame = answers.reset_index(drop=True)
    try:
        answer_schema().validate(frame, lazy=True)
        return []
    except SchemaErrors as exc:
        fc = exc.failure_cases
    faults: dict[tuple, Fault] = {}
    rows_of = frame.groupby("question_id")["row"].apply(list).to_dict()
    for _, case in fc[fc["index"].notna()].iterrows():
        i = int(case["index"])
        rec = frame.loc[i]
        qid, answer = rec["question_id"], rec["answer"]
        record = {"question_id": qid, "answer": None if _blank(answer) else str(answer), "cell": rec["cell"]}
        check = str(case["check"])
        if check == "not_nullable":
            key = (rec["id_cell"], "id")
            problem = f"answer {answer!r} has no question id"
            cell = rec["id_cell"]
        elif check == "field_uniqueness":
            key = (rec["id_cell"], "dup")
            others = ", ".join(str(r) for r in rows_of.get(qid, []) if r != rec["row"])
            problem = f"question {qid} appears more than once (also in row(s) {others})"
            cell = rec["id_cell"]
        elif check.startswith("isin"):
            key = (rec["id_cell"], "unknown")
            problem = f"unknown question id {qid!r} (not in survey version {inst['version']})"
            cell = rec["id_cell"]
        elif check.startswith("answer:"):
            qtype = check.split(":", 1)[1]
            key = (rec["cell"], "answer")
            problem = (f"answer {answer!r} to {qid} is not allowed: a {qtype} answer must be "
                       f"{_allowed(qtype, inst['types'][qtype])}")
            cell = rec["cell"]
        else:  # pragma: no cover - every check above is named
            key = (rec["cell"], check)
            problem = f"failed {check}"
            cell = rec["cell"]
        sheet, _, ref = cell.partition("!")
        faults.setdefault(key, Fault(file, sheet, ref, problem, record))
    return sorted(faults.values(), key=lambda f: (f.sheet, int("".join(ch for ch in f.cell if ch.isdigit()) or 0),
                                                   f.cell))


# --- responses ------------------------------------------------------------------------------------

def _typed(rows: list[dict], columns: dict) -> pd.DataFrame:
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
    return _typed(responses, RESPONSE_COLUMNS), _typed(findings, FINDING_COLUMNS)


# --- inbox ----------------------------------------------------------------------------------------

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


def ingest_inbox(inbox, work_dir) -> dict:
    """Load every survey workbook in `inbox` into <work_dir>/survey/{responses,findings,rejects}.parquet.

    A faulty workbook is quarantined whole (its faults go to rejects) and the others still load;
    other files are listed as skipped with the reason. A missing or empty inbox is not an error."""
    from digigov.transforms.stage import write_parquet  # heavy import, only needed here

    inbox = Path(inbox)
    out = Path(work_dir) / SOURCE_ID
    out.mkdir(parents=True, exist_ok=True)
    files, warns = [], []
    responses, findings, rejects = [], [], []
    seen: dict[str, str] = {}
    entries = sorted(p for p in inbox.iterdir() if p.is_file()) if inbox.is_dir() else []
    if not inbox.is_dir():
        warns.append(f"survey inbox {inbox} does not exist: no survey workbooks loaded")
    elif not entries:
        warns.append(f"survey inbox {inbox} is empty: no survey workbooks loaded")
    for p in entries:
        data = p.read_bytes()
        entry = {"file": p.name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                 "status": "loaded", "reason": None, "rows_loaded": 0, "rows_rejected": 0, "is_sample": False}
        files.append(entry)
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
                else _typed([], RESPONSE_COLUMNS)).astype(RESPONSE_COLUMNS)
    find_all = (pd.concat(findings, ignore_index=True) if findings
                else _typed([], FINDING_COLUMNS)).astype(FINDING_COLUMNS)
    rej_all = _typed(rejects, REJECT_COLUMNS)
    write_parquet(resp_all, out / "responses.parquet")
    write_parquet(find_all, out / "findings.parquet")
    write_parquet(rej_all, out / "rejects.parquet")
    return {"source_id": SOURCE_ID, "dir": str(out), "inbox": str(inbox), "files": files,
            "rows_loaded": int(len(resp_all)), "rows_rejected": int(len(rej_all)), "warnings": warns}
