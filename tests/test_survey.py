"""The survey workbook layer: template structure in one language or two, round trips filled as a
person would, every validation fault, the inbox staged as a source, and the shipped SAMPLE
workbooks."""

from __future__ import annotations

import ast
import datetime as dt
import json
import math
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from digigov.settings import EMBEDDED_SNAPSHOTS, load_config
from digigov.sources import source_for, survey
from digigov.sources.survey import SurveyFileError, read_workbook, stage, to_responses, write_template
from digigov.sources.survey.samples import write_samples
from digigov.transforms.context import context_for
from digigov.transforms.stage import stage_source

QUESTIONS = load_config("survey")["questions"]
QTYPE = {q["id"]: q["type"] for q in QUESTIONS}
VERSION = str(load_config("survey")["version"])
SAMPLES = EMBEDDED_SNAPSHOTS / "survey_samples"
SAMPLE_CFG = load_config("survey_samples")
SAMPLE_FILES = sorted(f"{o['file']}_sample.xlsx" for c in SAMPLE_CFG["countries"].values() for o in c["organisations"])
FOCUS = load_config("countries")["groups"]["focus"]["members"]
EN, RU = load_config("survey/en"), load_config("survey/ru")
ANSWER, COMMENT = 5, 6   # columns E and F of the Answers sheet; A holds the (hidden) question id
VALUE = 3                # column C of the Respondent sheet; A holds the (hidden) field key
SHEETS = {"en": ("Instructions", "Respondent", "Answers"), "ru": ("Инструкция", "Респондент", "Ответы"),
          "en+ru": ("Instructions · Инструкция", "Respondent · Респондент", "Answers · Ответы")}
GOOD = {"organisation": "Digital agency", "organisation_type": "agency", "organisation_level": "central",
        "role": "CDO", "date": "2026-02-02"}


def row_of(ws, qid: str) -> int:
    """Sheet row of a question on the Answers sheet, found by its id in the hidden column A."""
    for r in range(2, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == qid:
            return r
    raise KeyError(qid)


def field_row(ws, key: str) -> int:
    for r in range(2, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == key:
            return r
    raise KeyError(key)


def sheets(wb, lang="en+ru"):
    return [wb[name] for name in SHEETS[lang]]


def edit(path: Path, fn) -> Path:
    """Open a workbook with openpyxl, change it as a user would in Excel, save it."""
    wb = openpyxl.load_workbook(path)
    fn(wb)
    wb.save(path)
    return path


def parquet(path: Path):
    return duckdb.connect().execute(f"SELECT * FROM read_parquet('{path}')").df()


def ingest(inbox: Path, work: Path) -> dict:
    """The survey staged as every source is (transforms/stage.py): tables written as Parquet."""
    return stage_source("survey", None, work, inbox=inbox)


def statuses(staged) -> dict:
    return {f["file"]: (f["status"], f["rows_loaded"]) for f in staged.files}


def dv_for(ws, coord: str):
    hits = [dv for dv in ws.data_validations.dataValidation if coord in dv.sqref]
    assert len(hits) <= 1
    return hits[0] if hits else None


def typed_as_text(cell, text: str):
    """Text typed in Excel with a leading apostrophe ('=…): kept as text, not a formula."""
    cell.value = text
    cell.data_type, cell.quotePrefix = "s", True


def overlong(path: Path, sheet: str, coord: str, n: int) -> Path:
    """Put `n` characters in a cell, more than Excel (and openpyxl, which cuts at 32,767) would
    write: a marker written with openpyxl, replaced in the file's XML, as another program could."""
    marker = "OVERLONG-TEXT-MARKER"
    edit(path, lambda wb: wb[sheet].__setitem__(coord, marker))
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename).replace(marker.encode(), b"x" * n))
    tmp.replace(path)
    assert len(openpyxl.load_workbook(path)[sheet][coord].value) == n
    return path


def text_of(cell) -> str:
    """A cell's text, rich text (two languages) included."""
    return "" if cell.value is None else str(cell.value)


# --- template -------------------------------------------------------------------------------------

def test_template_structure_in_english(tmp_path):
    out = write_template(tmp_path / "t.xlsx", "ARM", language_spec="en",
                         respondent={"organisation": "=cmd|' /C calc'!A0", "role": "@SUM(1)"},
                         answers={"NP4": ("+budget", "-1+2")})
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [*SHEETS["en"], "_meta"]
    assert wb["_meta"].sheet_state == "veryHidden"
    assert wb.properties.creator == "digigov" and VERSION in wb.properties.title
    assert wb.security.lockStructure
    ins, rs, ws = sheets(wb, "en")

    assert [c.value for c in ws[1]] == ["question_id", "No.", "Question", "How to answer", "Answer",
                                        "Comment (optional)"]
    assert ws.column_dimensions["A"].hidden and rs.column_dimensions["A"].hidden   # internal keys hidden
    dims = {spec["key"]: int(k) for k, spec in load_config("dimensions")["dimensions"].items()}
    assert ws.max_row == 1 + len(QUESTIONS) + len(set(q["dimension"] for q in QUESTIONS))  # a header per dimension
    assert ws.freeze_panes == "C2" and rs.freeze_panes == "A2"
    assert ws.protection.sheet and rs.protection.sheet and ins.protection.sheet

    expected_choices = {"yes_partial_no": '"yes,partly,no,don\'t know"', "scale_1_5": '"1,2,3,4,5"'}
    numbers = {}
    for q in QUESTIONS:
        r = row_of(ws, q["id"])
        numbers[q["id"]] = ws.cell(row=r, column=2).value
        assert ws.cell(row=r, column=3).value == EN["questions"][q["id"]]
        assert ws.cell(row=r, column=3).alignment.wrap_text
        assert ws.cell(row=r, column=4).value == EN["answer_kinds"][q["type"]]["enter"]   # the type in words
        assert ws.cell(row=r, column=3).protection.locked                 # structure locked
        assert not ws.cell(row=r, column=ANSWER).protection.locked        # answer and comment unlocked
        assert not ws.cell(row=r, column=COMMENT).protection.locked
        assert ws.row_dimensions[r].height >= 17                          # a height set for its text
        dv = dv_for(ws, f"E{r}")
        assert dv.prompt == EN["answer_kinds"][q["type"]]["enter"]
        if q["type"] in expected_choices:
            assert dv.type == "list" and dv.formula1 == expected_choices[q["type"]]
        elif q["type"] == "percent":
            assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("decimal", "between", "0", "100")
        elif q["type"] == "number":
            assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
        else:
            assert dv.type is None and dv.prompt      # a note, no restriction
        # the section header above the first question of each dimension
        if numbers[q["id"]].endswith(".1"):
            head = ws.cell(row=r - 1, column=2).value
            assert head == f"{dims[q['dimension']]}. {EN['dimensions'][q['dimension']]['name']}"
    assert numbers["NP1"] == "1.1" and numbers["GV1"] == "2.1" and numbers["ET3"] == "9.3"

    assert [rs.cell(row=r, column=1).value for r in range(2, 8)] == [
        "country", "organisation", "organisation_type", "organisation_level", "role", "date"]
    assert [rs.cell(row=r, column=2).value for r in range(2, 8)] == [EN["fields"][k]["label"] for k in
                                                                    ("country", "organisation", "organisation_type",
                                                                     "organisation_level", "role", "date")]
    assert rs["C2"].value == "Armenia"                                     # a name, not a code
    assert not rs["C2"].protection.locked and rs["B2"].protection.locked and rs["D2"].protection.locked
    assert dv_for(rs, "C2").formula1 == "digigov_countries"
    assert dv_for(rs, "C4").formula1 == "digigov_organisation_types"
    assert dv_for(rs, "C5").formula1 == "digigov_organisation_levels"
    assert rs["C7"].number_format == "yyyy-mm-dd"
    meta = wb["_meta"]
    kv = {meta.cell(row=r, column=1).value: meta.cell(row=r, column=2).value for r in range(2, 7)}
    assert kv == {"instrument": "digigov needs-assessment survey", "version": VERSION, "language": "en",
                  "sample": "no", "written_by": "digigov"}
    codes = [c.value for c in meta["D"][1:]]
    names = [c.value for c in meta["E"][1:]]
    assert sorted(codes) == survey.known_countries() and len(names) == len(codes) == 193
    assert names == sorted(names, key=str.casefold) and "Kazakhstan" in names and "KAZ" not in names
    assert wb.defined_names["digigov_countries"].attr_text.endswith(f"$E${len(codes) + 1}")
    assert [c.value for c in meta["F"][1:] if c.value] == list(EN["organisation_types"].values())
    assert "digigov_survey_version" in wb.defined_names

    # formula injection: user text starting with = + - @ is text, never a formula
    r = row_of(ws, "NP4")
    for cell, text in ((rs["C3"], "=cmd|' /C calc'!A0"), (rs["C6"], "@SUM(1)"),
                       (ws.cell(row=r, column=ANSWER), "+budget"), (ws.cell(row=r, column=COMMENT), "-1+2")):
        assert cell.value == text and cell.data_type == "s" and cell.quotePrefix
    assert not [c.coordinate for s in wb.worksheets for row in s.iter_rows() for c in row if c.data_type == "f"]


def test_template_print_setup(tmp_path):
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", language_spec="en+ru"))
    for ws in sheets(wb):
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.fitToHeight == 0                 # as many pages down as needed
        assert "Страница &P из &N" in ws.oddFooter.center.text and "Page &P of &N" in ws.oddFooter.center.text
        assert "questionnaire" in ws.oddHeader.center.text and "вопросник" in ws.oddHeader.center.text
    ins, rs, ws = sheets(wb)
    assert ws.print_title_rows == "$1:$1" and rs.print_title_rows == "$1:$1"   # header row on every page
    # the answers' pages break between questions, never right after a dimension's header row
    breaks = [b.id for b in ws.row_breaks.brk]
    assert len(breaks) >= 3
    assert all(ws.cell(row=b, column=1).value in QTYPE for b in breaks)   # each page ends on a question
    # the topics start a page, and so do the Russian instructions
    breaks = [b.id for b in ins.row_breaks.brk]
    starts = [r + 1 for r in breaks]
    assert len(breaks) == 3
    heads = [ins.cell(row=r, column=1).value for r in starts]
    assert heads[0] == EN["instructions"]["topics_heading"] and heads[2] == RU["instructions"]["topics_heading"]
    assert heads[1].startswith("Оценка потребностей")


def test_template_in_russian(tmp_path):
    out = write_template(tmp_path / "ru.xlsx", "KAZ", language_spec="ru",
                         respondent={"organisation_type": "ministry", "organisation_level": "central"},
                         answers={"NP1": "yes", "NP2": "partial", "NP3": "unknown"})
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [*SHEETS["ru"], "_meta"]
    ins, rs, ws = sheets(wb, "ru")
    assert [c.value for c in ws[1]][1:] == ["№", "Вопрос", "Как ответить", "Ответ", "Комментарий (по желанию)"]
    r = row_of(ws, "NP1")
    assert ws.cell(row=r, column=3).value == "Утверждена ли в стране национальная стратегия цифровой трансформации?"
    assert ws.cell(row=r - 1, column=2).value == "1. Национальные приоритеты развития"
    assert dv_for(ws, f"E{r}").formula1 == '"да,частично,нет,не знаю"'
    assert [ws.cell(row=row_of(ws, q), column=ANSWER).value for q in ("NP1", "NP2", "NP3")] == ["да", "частично",
                                                                                              "не знаю"]
    assert rs["C2"].value == "Казахстан" and rs["C4"].value == "Министерство" and rs["C5"].value == "Центральный"
    assert rs["C7"].number_format == "dd.mm.yyyy"
    names = [c.value for c in wb["_meta"]["E"][1:]]
    assert "Кыргызстан" in names and "Российская Федерация" in names and names.index("Армения") < names.index("Казахстан")
    assert ins["A1"].value.startswith("Оценка потребностей") and VERSION in ins["A1"].value
    steps = [text_of(c) for c in ins["A"] if text_of(c).startswith("2. ")]
    assert steps and "«Ответы»" in steps[0] and "«Ответ»" in steps[0]      # sheet and column named as shown


def test_template_in_two_languages(tmp_path):
    wb = openpyxl.load_workbook(write_template(tmp_path / "both.xlsx", "KGZ", answers={"NP1": "no"}))
    assert wb.sheetnames == [*SHEETS["en+ru"], "_meta"]                 # en+ru is the default
    ins, rs, ws = sheets(wb)
    r = row_of(ws, "NP1")
    question = text_of(ws.cell(row=r, column=3))
    assert question == EN["questions"]["NP1"] + "\n" + RU["questions"]["NP1"]
    assert ws.cell(row=1, column=ANSWER).value == "Answer\nОтвет"
    assert dv_for(ws, f"E{r}").formula1 == '"yes / да,partly / частично,no / нет,don\'t know / не знаю"'
    assert ws.cell(row=r, column=ANSWER).value == "no / нет" and rs["C2"].value == "Kyrgyzstan / Кыргызстан"
    prompt = dv_for(ws, f"E{r}").prompt
    assert prompt == EN["answer_kinds"]["yes_partial_no"]["enter"] + "\n" + RU["answer_kinds"]["yes_partial_no"]["enter"]
    # both blocks of instructions, English first
    titles = [c.value for c in ins["A"] if isinstance(c.value, str) and ("(version" in c.value or "(версия" in c.value)]
    assert len(titles) == 2 and titles[0].startswith("Needs")
    # Russian first when asked
    wb = openpyxl.load_workbook(write_template(tmp_path / "ru_en.xlsx", language_spec="ru+en"))
    assert wb.sheetnames[2] == "Ответы · Answers"


@pytest.mark.parametrize("lang", ["en", "ru", "en+ru"])
def test_no_internal_code_is_shown_to_a_respondent(tmp_path, lang):
    """What a respondent sees (visible sheets and columns) holds no answer-type code, field key,
    organisation-type code, dimension key or SAMPLE flag, and the country list shows names. (Codes
    that are plain words, such as `number` or `text`, may of course appear as words.)"""
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", "KAZ", language_spec=lang,
                                               respondent={"organisation_type": "state_company"}))
    cfg = load_config("survey")
    codes = set(cfg["answer_types"]) | set(cfg["organisation_types"]) | {"question_id", "sample", "organisation_level",
                                                                         "organisation_type", "organisation"}
    codes |= {spec["key"] for spec in load_config("dimensions")["dimensions"].values()}
    codes = {c for c in codes if "_" in c} | {"sample"}
    assert {"yes_partial_no", "state_company", "national_priorities"} <= codes
    shown = []
    for ws in sheets(wb, lang):
        assert ws.sheet_state == "visible"
        hidden = {k for k, d in ws.column_dimensions.items() if d.hidden}
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None and c.column_letter not in hidden:
                    shown.append(text_of(c))
    words = {w.strip(".,:;()«»'\"") for text in shown for w in text.split()}
    assert not codes & words
    assert not [t for t in shown if t.strip() in set(survey.known_countries())]


def test_template_refuses_unknown_keys(tmp_path):
    with pytest.raises(ValueError, match="ZZ9"):
        write_template(tmp_path / "t.xlsx", answers={"ZZ9": "yes"})
    with pytest.raises(ValueError, match="colour"):
        write_template(tmp_path / "t.xlsx", respondent={"colour": "blue"})
    with pytest.raises(ValueError, match="language 'de' is not one of en, ru, en\\+ru, ru\\+en"):
        write_template(tmp_path / "t.xlsx", language_spec="de")


def test_score_rules():
    assert survey.score("yes", "yes_partial_no") == 1.0
    assert survey.score("Partial ", "yes_partial_no") == 0.5
    assert survey.score("no", "yes_partial_no") == 0.0
    assert math.isnan(survey.score("unknown", "yes_partial_no"))
    assert [survey.score(v, "scale_1_5") for v in (1, "2", 3.0, 4, 5)] == [0, 0.25, 0.5, 0.75, 1]
    assert survey.score(45, "percent") == 0.45 and survey.score("100%", "percent") == 1.0
    assert math.isnan(survey.score(12, "number")) and math.isnan(survey.score("x", "text"))
    assert math.isnan(survey.score(None, "percent"))
    for bad, qtype in (("maybe", "yes_partial_no"), (7, "scale_1_5"), (2.5, "scale_1_5"), (120, "percent"),
                       (-3, "number"), (1.5, "number"), ("lots", "number"), ("да нет", "yes_partial_no")):
        with pytest.raises(ValueError):
            survey.score(bad, qtype)


@pytest.mark.parametrize("typed, code", [
    ("да", "yes"), ("ДА", "yes"), (" Частично ", "partial"), ("нет", "no"), ("не  знаю", "unknown"),
    ("Не знаю", "unknown"), ("затрудняюсь ответить", "unknown"), ("partly", "partial"), ("Don’t know", "unknown"),
    ("yes / да", "yes"), ("частично / partly", "partial"), ("No", "no"),
])
def test_answers_in_either_language_are_stored_as_codes(typed, code):
    assert survey.canonical(typed, "yes_partial_no") == code


# --- round trip -----------------------------------------------------------------------------------

def test_round_trip_filled_like_a_user(tmp_path):
    path = write_template(tmp_path / "inbox" / "geo_moj.xlsx", "GEO", language_spec="en")

    def fill(wb):
        rs, ws = wb["Respondent"], wb["Answers"]
        rs["C3"], rs["C4"], rs["C5"] = "Ministry of  Justice", "Ministry", "Central"
        rs["C6"], rs["C7"] = "Head of IT", dt.datetime(2026, 3, 1)
        values = {"NP1": "Yes", "GV3": 4, "SP4": 12, "LF1": "don't know", "IS1": "partly",
                  "NP4": "General budget, plus donors", "ET2": "  AI chatbot pilot "}
        for qid, v in values.items():
            ws.cell(row=row_of(ws, qid), column=ANSWER, value=v)
        ed2 = ws.cell(row=row_of(ws, "ED2"), column=ANSWER, value=0.45)   # typed "45%" in Excel
        ed2.number_format = "0%"
        ws.cell(row=row_of(ws, "GV3"), column=COMMENT, value="improving")
        typed_as_text(ws.cell(row=row_of(ws, "NP4"), column=COMMENT), "=see the budget law")
    edit(path, fill)

    respondent, answers = read_workbook(path)
    saved = respondent.pop("saved_at")
    assert dt.datetime.fromisoformat(saved).year >= 2026
    assert respondent == {"iso3": "GEO", "organisation": "Ministry of Justice", "organisation_key": "ministry of justice",
                          "organisation_type": "ministry", "organisation_level": "central", "role": "Head of IT",
                          "response_date": "2026-03-01", "is_sample": False, "instrument_version": VERSION,
                          "language": "en"}
    gv3 = answers.set_index("question_id").loc["GV3"]
    ws = openpyxl.load_workbook(path)["Answers"]
    assert gv3["comment"] == "improving" and gv3["cell"] == f"Answers!E{row_of(ws, 'GV3')}"

    resp, findings = to_responses(path)
    assert len(resp) == len(QUESTIONS) and resp["response_id"].is_unique
    by = resp.set_index("question_id")
    assert by.loc["NP1", "answer"] == "yes" and by.loc["NP1", "score"] == 1.0
    assert by.loc["GV3", "score"] == 0.75 and by.loc["IS1", "answer"] == "partial" and by.loc["IS1", "score"] == 0.5
    assert by.loc["ED2", "answer"] == "45" and by.loc["ED2", "score"] == pytest.approx(0.45)
    assert by.loc["SP4", "answer"] == "12" and math.isnan(by.loc["SP4", "score"])
    assert by.loc["LF1", "answer"] == "unknown" and math.isnan(by.loc["LF1", "score"])
    assert by["answer"].isna().sum() == len(QUESTIONS) - 8 and by["score"].notna().sum() == 4
    assert by.loc["GV3", "comment"] == "improving" and by.loc["NP4", "comment"] == "=see the budget law"
    assert by["comment"].notna().sum() == 2
    assert by.loc["NP1", "response_id"] == "geo_moj-NP1" and by.loc["NP1", "dimension_id"] == 1
    assert by.loc["ET2", "dimension_id"] == 9
    assert set(resp["iso3"]) == {"GEO"} and set(resp["response_date"]) == {"2026-03-01"}
    assert set(resp["organisation_type"]) == {"ministry"} and set(resp["language"]) == {"en"}
    assert set(resp["source_file"]) == {"geo_moj.xlsx"} and not resp["is_sample"].any()

    f = findings.set_index("finding_id")
    assert list(f.index) == ["S-geo_moj-NP4", "S-geo_moj-ET2"]
    assert f.loc["S-geo_moj-NP4", "topic"] == "financing"                 # question topic
    assert f.loc["S-geo_moj-ET2", "topic"] == "emerging_technologies"     # else the dimension key
    assert f.loc["S-geo_moj-ET2", "statement"] == "AI chatbot pilot"
    assert f.loc["S-geo_moj-NP4", "evidence"] == (
        f"survey answer, Ministry of Justice, geo_moj.xlsx {by.loc['NP4', 'cell']}")
    assert set(f["source_id"]) == {"survey"}

    summary = ingest(tmp_path / "inbox", tmp_path / "work")
    json.dumps(summary)
    assert summary["rows_loaded"] == len(QUESTIONS) and summary["rows_rejected"] == 0
    stored = parquet(tmp_path / "work" / "survey" / "survey_response.parquet")
    assert list(stored.columns) == [*survey.RESPONSE_COLUMNS, "source_id"]
    assert stored.set_index("question_id").loc["GV3", "score"] == 0.75
    assert stored.set_index("question_id").loc["GV3", "comment"] == "improving"


def test_round_trip_in_russian(tmp_path):
    """A Russian workbook filled in Russian: country by its Russian name, type and level by their
    labels, the date typed as DD.MM.YYYY, answers in Russian words."""
    path = write_template(tmp_path / "kgz.xlsx", language_spec="ru")

    def fill(wb):
        rs, ws = wb["Респондент"], wb["Ответы"]
        rs["C2"], rs["C3"] = "Кыргызстан", "Министерство цифрового развития Кыргызской Республики"
        rs["C4"], rs["C5"], rs["C6"], rs["C7"] = "Министерство", "Центральный", "Начальник управления", "04.03.2026"
        for qid, v in {"NP1": "да", "NP2": "Частично", "NP3": "нет", "GV1": "не знаю", "GV3": 3,
                       "NP4": "Общий бюджет"}.items():
            ws.cell(row=row_of(ws, qid), column=ANSWER, value=v)
        ws.cell(row=row_of(ws, "NP2"), column=COMMENT, value="План утвержден на 2024–2026 годы")
    edit(path, fill)
    respondent, _ = read_workbook(path)
    assert (respondent["iso3"], respondent["response_date"], respondent["language"]) == ("KGZ", "2026-03-04", "ru")
    assert (respondent["organisation_type"], respondent["organisation_level"]) == ("ministry", "central")
    resp, findings = to_responses(path)
    by = resp.set_index("question_id")
    assert dict(by.loc[["NP1", "NP2", "NP3", "GV1", "GV3"], "answer"]) == {
        "NP1": "yes", "NP2": "partial", "NP3": "no", "GV1": "unknown", "GV3": "3"}
    assert by.loc["NP2", "comment"] == "План утвержден на 2024–2026 годы"
    assert by.loc["NP2", "cell"] == f"Ответы!E{row_of(openpyxl.load_workbook(path)['Ответы'], 'NP2')}"
    assert list(findings["statement"]) == ["Общий бюджет"]


@pytest.mark.parametrize("typed, stored", [
    (dt.datetime(2026, 3, 4), "2026-03-04"), (dt.date(2026, 3, 4), "2026-03-04"), ("2026-03-04", "2026-03-04"),
    ("04.03.2026", "2026-03-04"), ("4.3.2026", "2026-03-04"), (" 2026-3-4 ", "2026-03-04"),
])
def test_dates_as_people_write_them(tmp_path, typed, stored):
    path = _good(tmp_path)
    edit(path, lambda wb: wb["Respondent"].__setitem__("C7", typed))
    assert read_workbook(path)[0]["response_date"] == stored


@pytest.mark.parametrize("typed, shown", [("31.02.2026", "'31.02.2026'"), ("March 4", "'March 4'"),
                                           ("2026/03/04", "'2026/03/04'"), ("2026-13-01", "'2026-13-01'")])
def test_a_date_that_is_no_date_is_refused_in_plain_words(tmp_path, typed, shown):
    path = _good(tmp_path)
    edit(path, lambda wb: wb["Respondent"].__setitem__("C7", typed))
    with pytest.raises(SurveyFileError) as exc:
        read_workbook(path)
    msg = str(exc.value)
    assert msg == (f"org.xlsx: sheet 'Respondent' cell C7: date {shown} is not a date: type it as 2026-03-04 or "
                   "04.03.2026")
    assert "datetime" not in msg and "(" not in msg


# --- faults ---------------------------------------------------------------------------------------

def _good(tmp_path, name="org.xlsx", **kw) -> Path:
    kw.setdefault("respondent", dict(GOOD))
    kw.setdefault("language_spec", "en")
    return write_template(tmp_path / name, kw.pop("country", "KAZ"), **kw)


@pytest.mark.parametrize("content", [b"question_id,answer\nNP1,yes\n", bytes(range(256)) * 8])
def test_not_a_workbook(tmp_path, content):
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(content)
    with pytest.raises(SurveyFileError, match=r"renamed\.xlsx: .*not an Excel \.xlsx workbook"):
        read_workbook(path)


def test_a_workbook_that_is_not_the_questionnaire(tmp_path):
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(SurveyFileError, match=r"other\.xlsx: sheet '_meta': hidden sheet '_meta' missing .*not a "
                                              r"digigov survey questionnaire"):
        read_workbook(tmp_path / "other.xlsx")


def test_renamed_sheet(tmp_path):
    path = edit(_good(tmp_path), lambda wb: setattr(wb["Answers"], "title", "Antworten"))
    with pytest.raises(SurveyFileError, match=r"org\.xlsx: sheet 'Answers': .*'Answers' missing"):
        read_workbook(path)


def test_missing_header(tmp_path):
    path = edit(_good(tmp_path), lambda wb: wb["Answers"].cell(row=1, column=ANSWER, value="Antwort"))
    with pytest.raises(SurveyFileError, match=r"org\.xlsx: sheet 'Answers' cell E1: missing header 'Answer' in row 1 "
                                              r"\(found 'Antwort' in its place\)"):
        read_workbook(path)


@pytest.mark.parametrize("key, cell, needle", [
    ("country", "C2", "Country is missing: fill in the yellow cell"),
    ("organisation", "C3", "Organisation is missing"),
    ("organisation_type", "C4", "Type of organisation is missing"),
    ("organisation_level", "C5", "Level of government is missing"),
    ("date", "C7", "Date completed is missing"),
])
def test_a_required_field_left_empty(tmp_path, key, cell, needle):
    respondent = {k: v for k, v in GOOD.items() if k != key}
    path = _good(tmp_path, respondent=respondent, country=None if key == "country" else "KAZ")
    with pytest.raises(SurveyFileError) as exc:
        read_workbook(path)
    assert str(exc.value).startswith(f"org.xlsx: sheet 'Respondent' cell {cell}: {needle}")


def test_the_role_may_be_left_empty(tmp_path):
    respondent = {k: v for k, v in GOOD.items() if k != "role"}
    assert read_workbook(_good(tmp_path, respondent=respondent))[0]["role"] is None


def test_missing_field_named_in_the_workbook_language(tmp_path):
    path = _good(tmp_path, respondent={k: v for k, v in GOOD.items() if k != "date"}, language_spec="ru")
    with pytest.raises(SurveyFileError, match=r"sheet 'Респондент' cell C7: Date completed \(Дата заполнения\) is "
                                              "missing"):
        read_workbook(path)


def test_unknown_country(tmp_path):
    path = _good(tmp_path, country="XYZ")
    with pytest.raises(SurveyFileError, match=r"org\.xlsx: sheet 'Respondent' cell C2: country 'XYZ' is not in the "
                                              "list: choose your country"):
        read_workbook(path)


@pytest.mark.parametrize("typed", ["kgz", "Kyrgyzstan", "КЫРГЫЗСТАН", "Kyrgyzstan / Кыргызстан"])
def test_a_country_by_code_or_by_name_in_any_language(tmp_path, typed):
    path = edit(_good(tmp_path), lambda wb: wb["Respondent"].__setitem__("C2", typed))
    assert read_workbook(path)[0]["iso3"] == "KGZ"


def test_unknown_organisation_type(tmp_path):
    path = _good(tmp_path, respondent={**GOOD, "organisation_type": "NGO"})
    with pytest.raises(SurveyFileError, match=r"cell C4: Type of organisation 'NGO' is not one of the list \(Ministry, "):
        read_workbook(path)


def _answer_cell(path, qid):
    return f"E{row_of(openpyxl.load_workbook(path)['Answers'], qid)}"


@pytest.mark.parametrize("qid,value,shown,needle", [
    ("NP1", "maybe", "'maybe'", "enter one of yes, partly, no, don't know — or да, частично, нет, не знаю"),
    ("GV3", 7, "7", "enter one of 1, 2, 3, 4, 5"),
    ("ED2", 120, "120", "enter a number from 0 to 100"),
    ("SP4", -3, "-3", "enter a whole number, 0 or more"),
    ("SP4", "about ten", "'about ten'", "enter a whole number, 0 or more"),
    ("NP1", dt.datetime(2026, 3, 4), "2026-03-04", "enter one of yes"),
])
def test_answer_not_allowed(tmp_path, qid, value, shown, needle):
    path = _good(tmp_path, answers={qid: value, "NP2": "yes"})
    cell = _answer_cell(path, qid)
    number = survey.instrument()["questions"][qid]["number"]
    with pytest.raises(SurveyFileError) as exc:
        to_responses(path)
    msg = str(exc.value)
    assert f"org.xlsx: sheet 'Answers' cell {cell}: answer {shown} to question {number} ({qid}) is not allowed" in msg
    assert needle in msg and len(exc.value.faults) == 1 and "datetime" not in msg


def test_unknown_question_id(tmp_path):
    path = _good(tmp_path, answers={"NP1": "yes"})
    r = row_of(openpyxl.load_workbook(path)["Answers"], "NP1")
    edit(path, lambda wb: wb["Answers"].cell(row=r, column=1, value="ZZ9"))
    with pytest.raises(SurveyFileError, match=rf"org\.xlsx: sheet 'Answers' cell A{r}: unknown question id 'ZZ9'"):
        to_responses(path)


def test_duplicated_question_id(tmp_path):
    path = _good(tmp_path)
    r1, r2 = (row_of(openpyxl.load_workbook(path)["Answers"], q) for q in ("NP1", "NP2"))
    edit(path, lambda wb: wb["Answers"].cell(row=r2, column=1, value="NP1"))
    with pytest.raises(SurveyFileError) as exc:
        to_responses(path)
    msg = str(exc.value)
    assert f"org.xlsx: sheet 'Answers' cell A{r1}: question 1.1 (NP1) appears more than once (also in row(s) {r2})" in msg
    assert f"org.xlsx: sheet 'Answers' cell A{r2}: question 1.1 (NP1) appears more than once (also in row(s) {r1})" in msg


def test_formula_typed_in_answer(tmp_path):
    path = _good(tmp_path)
    cell = _answer_cell(path, "ED2")
    edit(path, lambda wb: wb["Answers"].__setitem__(cell, "=40+5"))
    with pytest.raises(SurveyFileError, match=rf"sheet 'Answers' cell {cell}: answer holds a formula"):
        to_responses(path)


def test_formula_like_text_stays_text(tmp_path):
    """Text a user types starting with = + - @ (kept as text by Excel's quote prefix) is an answer."""
    path = _good(tmp_path, answers={"NP4": ("=budget line 7", "+ donors"), "ET2": "@pilot"})
    resp, findings = to_responses(path)
    by = resp.set_index("question_id")
    assert (by.loc["NP4", "answer"], by.loc["NP4", "comment"], by.loc["ET2", "answer"]) == ("=budget line 7",
                                                                                            "+ donors", "@pilot")


@pytest.mark.parametrize("column, what", [(ANSWER, "answer"), (COMMENT, "comment")])
def test_text_over_the_excel_cell_limit_is_refused_naming_the_cell(tmp_path, column, what):
    path = _good(tmp_path)
    ws = openpyxl.load_workbook(path)["Answers"]
    r = row_of(ws, "NP4")
    coord = ws.cell(row=r, column=column).coordinate
    overlong(path, "Answers", coord, 40_000)
    with pytest.raises(SurveyFileError) as exc:
        to_responses(path)
    assert [str(f) for f in exc.value.faults] == [
        f"org.xlsx: sheet 'Answers' cell {coord}: {what}: the text is 40,000 characters long; an Excel cell holds at "
        "most 32,767: shorten it (put the details in a separate document and name it here)"]


def test_text_at_the_excel_cell_limit_loads(tmp_path):
    path = _good(tmp_path, answers={"NP4": ("x" * survey.MAX_CELL_TEXT, "y" * survey.MAX_CELL_TEXT)})
    by = to_responses(path)[0].set_index("question_id")
    assert len(by.loc["NP4", "answer"]) == len(by.loc["NP4", "comment"]) == 32_767


def test_every_fault_is_listed(tmp_path):
    path = _good(tmp_path, country="XYZ", answers={"NP1": "maybe", "GV3": 7, "ED2": 120})
    with pytest.raises(SurveyFileError) as exc:
        to_responses(path)
    cells = {(f.sheet, f.cell) for f in exc.value.faults}
    assert cells == {("Respondent", "C2")} | {("Answers", _answer_cell(path, q)) for q in ("NP1", "GV3", "ED2")}


def test_instrument_version_checked(tmp_path):
    path = edit(_good(tmp_path), lambda wb: wb["_meta"].cell(row=3, column=2, value="2019.1"))
    with pytest.raises(SurveyFileError, match=r"sheet '_meta' cell B3: instrument version '2019.1', expected "
                                              rf"'{VERSION}'"):
        to_responses(path)


# --- inbox ----------------------------------------------------------------------------------------

def test_survey_is_an_inbox_source():
    declared = source_for("survey")
    assert declared is survey.SOURCE and declared.kind == "inbox" and declared.stage is survey.stage
    assert context_for("survey").config["embedded_folder"] == "survey_samples"


def test_survey_package_imports_no_transforms_warehouse_or_prefect():
    """Sources depend on digigov.errors, digigov.settings and each other only (sources/base.py)."""
    forbidden = ("digigov.transforms", "digigov.warehouse", "digigov.flows", "prefect")
    package = Path(survey.__file__).parent
    assert len(list(package.glob("*.py"))) > 5
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        bad = [m for m in names if m.startswith(forbidden)]
        assert not bad, f"{path.name} imports {bad}"


def test_inbox_good_loads_bad_quarantined_whole(tmp_path):
    inbox = tmp_path / "inbox"
    _good(inbox, "good.xlsx", answers={"NP1": "yes", "NP4": "State budget"})
    bad = _good(inbox, "bad.xlsx", country="ARM", answers={"NP1": "yes", "NP2": "maybe", "GV3": 7, "NP4": "x"})
    (inbox / "answers.csv").write_text("question_id,answer\nNP1,yes\n")
    (inbox / "~$good.xlsx").write_bytes(b"lock")
    summary = ingest(inbox, tmp_path / "work")
    json.dumps(summary)

    # only workbooks are rows of `sources`; the files skipped are in the run log with their reason
    status = {f["file"]: (f["status"], f["rows_loaded"]) for f in summary["files"]}
    assert status == {"good.xlsx": ("loaded", len(QUESTIONS)), "bad.xlsx": ("quarantined", 0)}
    skipped = [w for w in summary["warnings"] if ": skipped: " in w]
    assert len(skipped) == 2
    assert any(w.startswith("answers.csv: skipped: .csv file") for w in skipped)
    assert any(w.startswith("~$good.xlsx: skipped: Excel lock file") for w in skipped)
    assert "bad.xlsx: quarantined with 2 fault(s)" in summary["warnings"]
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in summary["files"])
    assert summary["rows_loaded"] == len(QUESTIONS) and summary["rows_rejected"] == 2

    records = {f["file"]: f for f in summary["files"]}
    for f in records.values():   # complete as the build inserts them into `sources`
        assert f["source_id"] == "survey" and f["recorded"] is True and f["publisher"] == "survey respondents"
        assert f["title"] == f"Needs-assessment survey workbook ({f['status']})"
    assert records["good.xlsx"]["error"] is None and records["good.xlsx"]["rows_rejected"] == 0
    assert records["bad.xlsx"]["error"].startswith("bad.xlsx: sheet 'Answers' cell ")
    assert records["bad.xlsx"]["rows_rejected"] == 2 and not records["bad.xlsx"]["is_sample"]

    d = Path(summary["dir"])
    assert d == tmp_path / "work" / "survey"
    resp = parquet(d / "survey_response.parquet")
    assert set(resp["source_file"]) == {"good.xlsx"} and set(resp["iso3"]) == {"KAZ"}   # nothing of bad.xlsx
    findings = parquet(d / "finding.parquet")
    assert list(findings["finding_id"]) == ["S-good-NP4"]
    rej = parquet(d / "reject.parquet")
    assert list(rej.columns) == ["file", "row", "reason", "record", "source_id"]
    assert set(rej["file"]) == {"bad.xlsx"} and set(rej["source_id"]) == {"survey"} and rej["row"].isna().all()
    cells = {_answer_cell(bad, "NP2"), _answer_cell(bad, "GV3")}
    assert {r.split("cell ")[1].split(":")[0] for r in rej["reason"]} == cells
    assert all(r.startswith("bad.xlsx: sheet 'Answers' cell ") for r in rej["reason"])
    assert {json.loads(r)["question_id"] for r in rej["record"]} == {"NP2", "GV3"}
    assert summary["rows_invalid"] == 2


@pytest.mark.parametrize("make", [False, True])
def test_missing_or_empty_inbox(tmp_path, make):
    inbox = tmp_path / "inbox"
    if make:
        inbox.mkdir()
    staged = stage(inbox, context_for("survey"))
    assert staged.files == [] and staged.rows_loaded == 0 and staged.rows_rejected == 0
    assert len(staged.warnings) == 1 and str(inbox) in staged.warnings[0]
    assert ("empty" if make else "does not exist") in staged.warnings[0]
    assert all(frame.empty for frame in staged.tables.values())

    summary = ingest(inbox, tmp_path / "work")
    assert summary["warnings"] == staged.warnings
    resp = parquet(tmp_path / "work" / "survey" / "survey_response.parquet")
    assert resp.empty and list(resp.columns) == [*survey.RESPONSE_COLUMNS, "source_id"]


def test_same_workbook_twice_counts_once(tmp_path):
    inbox = tmp_path / "inbox"
    first = _good(inbox, "a.xlsx")
    (inbox / "b.xlsx").write_bytes(first.read_bytes())
    staged = stage(inbox, context_for("survey"))
    assert statuses(staged) == {"a.xlsx": ("loaded", len(QUESTIONS))}
    assert staged.warnings == ["b.xlsx: skipped: same bytes as a.xlsx: not counted twice"]
    assert staged.rows_loaded == len(QUESTIONS)


def test_staging_the_embedded_samples_writes_the_three_tables(tmp_path):
    summary = stage_source("survey", None, tmp_path / "work")
    assert summary["origin"] == "embedded samples" and Path(summary["folder"]) == SAMPLES
    d = Path(summary["dir"])
    counts = {t: len(parquet(d / f"{t}.parquet")) for t in ("survey_response", "finding", "reject")}
    n_text = sum(q["type"] == "text" for q in QUESTIONS)
    assert counts == {"survey_response": len(SAMPLE_FILES) * len(QUESTIONS), "finding": len(SAMPLE_FILES) * n_text,
                      "reject": 0}
    assert counts["survey_response"] == summary["rows_loaded"]
    assert sorted(f["file"] for f in summary["files"]) == SAMPLE_FILES
    assert all(f["status"] == "loaded" and f["is_sample"] for f in summary["files"])
    assert summary["warnings"] == ["README.md: skipped: not an .xlsx survey workbook: ignored"]
    assert json.loads((d / "summary.json").read_text())["files"] == summary["files"]


# --- SAMPLE workbooks -----------------------------------------------------------------------------

def test_sample_workbooks_load_and_are_marked(tmp_path):
    assert sorted(p.name for p in SAMPLES.glob("*.xlsx")) == SAMPLE_FILES
    assert "invented sample data, not survey results" in (SAMPLES / "README.md").read_text()
    staged = stage(SAMPLES, context_for("survey"))
    loaded = [f for f in staged.files if f["status"] == "loaded"]
    assert len(loaded) == len(SAMPLE_FILES) and all(f["is_sample"] for f in loaded) and staged.rows_rejected == 0
    resp = staged.tables["survey_response"]
    assert resp["is_sample"].all() and set(resp["iso3"]) == set(FOCUS)
    assert resp["organisation"].str.contains("SAMPLE").all()
    assert staged.tables["finding"]["is_sample"].all()
    # the new model: several organisations for some countries, workbooks in Russian and in both languages
    per_country = resp.groupby("iso3")["organisation_key"].nunique()
    assert per_country["KAZ"] == 3 and per_country["ARM"] == 2 and (per_country >= 1).all()
    assert {"en", "ru", "en+ru", "ru+en"} <= set(resp["language"])
    assert resp.groupby("source_file")["organisation_key"].nunique().eq(1).all()
    # one organisation sent a corrected workbook: same organisation (spacing aside), a later date
    uzb = resp[resp["source_file"].str.startswith("UZB_mitc")].groupby("source_file")
    assert uzb["organisation_key"].first().nunique() == 1
    typed = {openpyxl.load_workbook(SAMPLES / f)["Respondent"]["C3"].value for f in uzb.groups}
    assert len(typed) == 2                                  # typed differently (spacing), the same organisation
    assert uzb["response_date"].first()["UZB_mitc_sample.xlsx"] > uzb["response_date"].first()["UZB_mitc_first_sample.xlsx"]
    # every sheet a person sees says SAMPLE
    for p in SAMPLES.glob("*.xlsx"):
        wb = openpyxl.load_workbook(p)
        for ws in wb.worksheets[:3]:
            assert "SAMPLE" in ws.oddHeader.center.text or "ОБРАЗЕЦ" in ws.oddHeader.center.text, (p.name, ws.title)
        assert "SAMPLE" in wb.properties.keywords


def test_sample_answers_agree_with_the_study_country_by_country(tmp_path):
    """Country by country (the answer most of the country's current workbooks give) the samples
    are consistent with the study's findings."""
    resp = stage(SAMPLES, context_for("survey")).tables["survey_response"]
    current = resp[resp["source_file"] != "UZB_mitc_first_sample.xlsx"]

    def majority(qid):
        a = current[current["question_id"] == qid]
        counts = a.groupby(["iso3", "answer"]).size().unstack(fill_value=0)
        share = counts.div(counts.sum(axis=1), axis=0)
        return {iso3: (row.idxmax() if row.max() > 0.5 else None) for iso3, row in share.iterrows()}

    assert [c for c, a in majority("NP3").items() if a == "yes"] == ["KAZ"]      # one with medium-term funding
    assert [c for c, a in majority("GV1").items() if a != "yes"] == ["TJK"]      # six with a coordinating body
    assert set(majority("ED1").values()) == {"no"} and set(majority("ED3").values()) == {"no"}
    assert set(majority("LF1").values()) == {"yes"} and set(majority("LF2").values()) == {"yes"}
    assert {c for c, a in majority("NC1").items() if a == "yes"} == {"KAZ", "AZE", "UZB"}
    ed2 = current[current["question_id"] == "ED2"]["answer"].astype(float)
    assert ed2.between(40, 50).all() and 50 <= 100 - ed2.mean() <= 60
    assert (current[current["question_id"] == "ED4"]["answer"] == "yes").mean() > 0.5
    assert 1 <= sum(a not in ("no", None) for a in majority("ET1").values()) <= 3


def test_shipped_samples_match_config(tmp_path):
    """The shipped workbooks are what config/survey_samples.yaml generates (regenerate if this fails)."""
    fresh = write_samples(tmp_path / "samples")
    assert sorted(p.name for p in fresh) == SAMPLE_FILES
    for p in fresh:
        new, _ = to_responses(p)
        old, _ = to_responses(SAMPLES / p.name)
        cols = ["response_id", "iso3", "organisation", "organisation_type", "organisation_level", "response_date",
                "question_id", "answer", "comment", "language", "cell", "is_sample"]
        assert new[cols].equals(old[cols]), p.name
    assert (tmp_path / "samples" / "README.md").read_text() == (SAMPLES / "README.md").read_text()


def test_a_workbook_of_the_previous_version_is_refused_for_its_version(tmp_path):
    """A 2026.1 workbook (one per country, English only, no language recorded) is refused saying so."""
    def older(wb):
        meta = wb["_meta"]
        meta["B3"] = "2026.1"
        meta["A4"], meta["B4"] = None, None      # no language recorded
    path = edit(_good(tmp_path), older)
    with pytest.raises(SurveyFileError) as exc:
        read_workbook(path)
    assert str(exc.value) == (f"org.xlsx: sheet '_meta' cell B3: instrument version '2026.1', expected '{VERSION}': "
                              "answer the current questionnaire")
