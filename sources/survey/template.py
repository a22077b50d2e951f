"""The questionnaire workbook a focal point fills in Excel, written from the instrument.

Everything a user could break is locked (sheets, structure, question cells); only the yellow
answer cells are open, with drop-downs and range checks per answer type, so most mistakes are
stopped in Excel rather than found later by the reader.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from digigov.settings import load_config
from digigov.sources.survey.instrument import allowed, instrument, known_countries
from digigov.sources.survey.layout import (ANSWER_COLUMNS, ANSWERS, INSTRUCTIONS, INSTRUMENT, META, RESPONDENT,
                                           RESPONDENT_FIELDS, RESPONDENT_HEADERS)

# Text written into a cell that a spreadsheet would otherwise treat as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@")

_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_UNLOCKED = Protection(locked=False)
_TOP_WRAP = Alignment(wrap_text=True, vertical="top")


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
        lines.append((qtype, allowed(qtype, spec), how_scored.get(qtype, "")))
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
        prompt = allowed(qtype, spec)
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

