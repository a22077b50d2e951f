"""The survey workbook layer: template structure, round trip, every validation fault, the inbox
staged as a source, and the shipped SAMPLE workbooks."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import ast

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
FOCUS = load_config("countries")["groups"]["focus"]["members"]


def row_of(ws, qid: str) -> int:
    """Sheet row of a question on the Answers sheet, found like a user would: by its id."""
    for r in range(2, ws.max_row + 1):
        if ws.cell(row=r, column=1).value == qid:
            return r
    raise KeyError(qid)


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


# --- template -------------------------------------------------------------------------------------

def test_template_structure(tmp_path):
    out = write_template(tmp_path / "t.xlsx", "ARM",
                         respondent={"organisation": "=cmd|' /C calc'!A0", "role": "@SUM(1)"},
                         answers={"NP4": ("+budget", "-1+2")})
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Instructions", "Respondent", "Answers", "_meta"]
    assert wb["_meta"].sheet_state == "veryHidden"
    assert wb.properties.creator == "digigov" and VERSION in wb.properties.title
    assert wb.security.lockStructure

    ws = wb["Answers"]
    assert [c.value for c in ws[1]] == ["Question ID", "Dimension", "Dimension name", "Question",
                                        "Answer type", "Answer", "Comment"]
    assert ws.max_row == 1 + len(QUESTIONS)
    assert ws.freeze_panes == "A2" and wb["Respondent"].freeze_panes == "A2"
    assert ws.column_dimensions["D"].width == 70 and ws.column_dimensions["G"].width == 50
    assert ws.protection.sheet and wb["Respondent"].protection.sheet and wb["Instructions"].protection.sheet

    expected_choices = {"yes_partial_no": '"yes,partial,no,unknown"', "scale_1_5": '"1,2,3,4,5"'}
    dims = {spec["key"]: int(k) for k, spec in load_config("dimensions")["dimensions"].items()}
    for q in QUESTIONS:
        r = row_of(ws, q["id"])
        assert ws.cell(row=r, column=2).value == dims[q["dimension"]]
        assert ws.cell(row=r, column=4).value == q["text"]
        assert ws.cell(row=r, column=4).alignment.wrap_text
        assert ws.cell(row=r, column=5).value == q["type"]
        assert ws.cell(row=r, column=4).protection.locked          # structure locked
        assert not ws.cell(row=r, column=6).protection.locked      # answer and comment unlocked
        assert not ws.cell(row=r, column=7).protection.locked
        dv = dv_for(ws, f"F{r}")
        if q["type"] in expected_choices:
            assert dv.type == "list" and dv.formula1 == expected_choices[q["type"]]
        elif q["type"] == "percent":
            assert (dv.type, dv.operator, dv.formula1, dv.formula2) == ("decimal", "between", "0", "100")
        elif q["type"] == "number":
            assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
        else:
            assert dv is None

    rs = wb["Respondent"]
    assert [rs.cell(row=r, column=1).value for r in range(2, 7)] == ["country", "organisation", "role", "date",
                                                                      "sample"]
    assert rs["B2"].value == "ARM" and rs["B6"].value == "no"
    assert not rs["B2"].protection.locked and rs["A2"].protection.locked and rs["C2"].protection.locked
    assert dv_for(rs, "B2").formula1 == "digigov_countries"
    assert dv_for(rs, "B6").formula1 == '"yes,no"'
    target = wb.defined_names["digigov_countries"].attr_text
    meta = wb["_meta"]
    codes = [c.value for c in meta["D"][1:]]
    assert codes == survey.known_countries() and target.endswith(f"$D${len(codes) + 1}")
    assert set(FOCUS) | {"EST", "KOR", "USA"} <= set(codes)
    assert meta["B3"].value == VERSION and "digigov_survey_version" in wb.defined_names

    # formula injection: user text starting with = + - @ is text, never a formula
    r = row_of(ws, "NP4")
    for cell, text in ((rs["B3"], "=cmd|' /C calc'!A0"), (rs["B4"], "@SUM(1)"),
                       (ws.cell(row=r, column=6), "+budget"), (ws.cell(row=r, column=7), "-1+2")):
        assert cell.value == text and cell.data_type == "s" and cell.quotePrefix
    assert not [c.coordinate for s in wb.worksheets for row in s.iter_rows() for c in row if c.data_type == "f"]


def test_template_refuses_unknown_keys(tmp_path):
    with pytest.raises(ValueError, match="ZZ9"):
        write_template(tmp_path / "t.xlsx", answers={"ZZ9": "yes"})
    with pytest.raises(ValueError, match="colour"):
        write_template(tmp_path / "t.xlsx", respondent={"colour": "blue"})


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
                       (-3, "number"), (1.5, "number"), ("lots", "number")):
        with pytest.raises(ValueError):
            survey.score(bad, qtype)


# --- round trip -----------------------------------------------------------------------------------

def test_round_trip_filled_like_a_user(tmp_path):
    path = write_template(tmp_path / "inbox" / "geo_moj.xlsx", "GEO")

    def fill(wb):
        rs, ws = wb["Respondent"], wb["Answers"]
        rs["B3"], rs["B4"], rs["B5"] = "Ministry of Justice", "Head of IT", dt.datetime(2026, 3, 1)
        values = {"NP1": "Yes", "GV3": 4, "SP4": 12, "LF1": "unknown", "IS1": "partial",
                  "NP4": "General budget, plus donors", "ET2": "  AI chatbot pilot "}
        for qid, v in values.items():
            ws.cell(row=row_of(ws, qid), column=6, value=v)
        ed2 = ws.cell(row=row_of(ws, "ED2"), column=6, value=0.45)   # typed "45%" in Excel
        ed2.number_format = "0%"
        ws.cell(row=row_of(ws, "GV3"), column=7, value="improving")
    edit(path, fill)

    respondent, answers = read_workbook(path)
    assert respondent == {"iso3": "GEO", "organisation": "Ministry of Justice", "role": "Head of IT",
                          "response_date": "2026-03-01", "is_sample": False, "instrument_version": VERSION}
    gv3 = answers.set_index("question_id").loc["GV3"]
    assert gv3["comment"] == "improving" and gv3["cell"] == f"Answers!F{row_of(openpyxl.load_workbook(path)['Answers'], 'GV3')}"

    resp, findings = to_responses(path)
    assert len(resp) == len(QUESTIONS) and resp["response_id"].is_unique
    by = resp.set_index("question_id")
    assert by.loc["NP1", "answer"] == "yes" and by.loc["NP1", "score"] == 1.0
    assert by.loc["GV3", "score"] == 0.75 and by.loc["IS1", "score"] == 0.5
    assert by.loc["ED2", "answer"] == "45" and by.loc["ED2", "score"] == pytest.approx(0.45)
    assert by.loc["SP4", "answer"] == "12" and math.isnan(by.loc["SP4", "score"])
    assert by.loc["LF1", "answer"] == "unknown" and math.isnan(by.loc["LF1", "score"])
    assert by["answer"].isna().sum() == len(QUESTIONS) - 8 and by["score"].notna().sum() == 4
    assert by.loc["NP1", "response_id"] == "geo_moj-NP1" and by.loc["NP1", "dimension_id"] == 1
    assert by.loc["ET2", "dimension_id"] == 9
    assert set(resp["iso3"]) == {"GEO"} and set(resp["response_date"]) == {"2026-03-01"}
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


# --- faults ---------------------------------------------------------------------------------------

def _good(tmp_path, name="org.xlsx", **kw) -> Path:
    kw.setdefault("respondent", {"organisation": "Digital agency", "role": "CDO", "date": "2026-02-02"})
    return write_template(tmp_path / name, kw.pop("country", "KAZ"), **kw)


@pytest.mark.parametrize("content", [b"question_id,answer\nNP1,yes\n", bytes(range(256)) * 8])
def test_not_a_workbook(tmp_path, content):
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(content)
    with pytest.raises(SurveyFileError, match=r"renamed\.xlsx: .*not an Excel \.xlsx workbook"):
        read_workbook(path)


def test_renamed_sheet(tmp_path):
    path = edit(_good(tmp_path), lambda wb: setattr(wb["Answers"], "title", "Antworten"))
    with pytest.raises(SurveyFileError, match=r"org\.xlsx: sheet 'Answers': .*'Answers' missing"):
        read_workbook(path)


def test_missing_header(tmp_path):
    path = edit(_good(tmp_path), lambda wb: wb["Answers"].cell(row=1, column=6, value="Antwort"))
    with pytest.raises(SurveyFileError, match=r"org\.xlsx: sheet 'Answers' cell F1: missing header 'Answer'"):
        read_workbook(path)


def test_missing_country(tmp_path):
    path = _good(tmp_path, country=None)
    with pytest.raises(SurveyFileError, match=r"org\.xlsx: sheet 'Respondent' cell B2: country is missing"):
        read_workbook(path)


def test_unknown_country(tmp_path):
    path = _good(tmp_path, country="XYZ")
    with pytest.raises(SurveyFileError, match=r"org\.xlsx: sheet 'Respondent' cell B2: country 'XYZ' is not"):
        read_workbook(path)


def test_country_code_is_case_insensitive(tmp_path):
    assert read_workbook(_good(tmp_path, country="kgz"))[0]["iso3"] == "KGZ"


def _answer_cell(path, qid):
    return f"F{row_of(openpyxl.load_workbook(path)['Answers'], qid)}"


@pytest.mark.parametrize("qid,value,needle", [
    ("NP1", "maybe", "must be one of yes, partial, no, unknown"),
    ("GV3", 7, "must be one of 1, 2, 3, 4, 5"),
    ("ED2", 120, "must be a number from 0 to 100"),
    ("SP4", -3, "must be a whole number ≥ 0"),
    ("SP4", "about ten", "must be a whole number ≥ 0"),
])
def test_answer_not_allowed(tmp_path, qid, value, needle):
    path = _good(tmp_path, answers={qid: value, "NP2": "yes"})
    cell = _answer_cell(path, qid)
    with pytest.raises(SurveyFileError) as exc:
        to_responses(path)
    msg = str(exc.value)
    assert f"org.xlsx: sheet 'Answers' cell {cell}: answer {value!r} to {qid} is not allowed" in msg
    assert needle in msg and len(exc.value.faults) == 1


def test_unknown_question_id(tmp_path):
    path = edit(_good(tmp_path, answers={"NP1": "yes"}), lambda wb: wb["Answers"].cell(row=2, column=1, value="ZZ9"))
    with pytest.raises(SurveyFileError, match=r"org\.xlsx: sheet 'Answers' cell A2: unknown question id 'ZZ9'"):
        to_responses(path)


def test_duplicated_question_id(tmp_path):
    path = edit(_good(tmp_path), lambda wb: wb["Answers"].cell(row=3, column=1, value="NP1"))
    with pytest.raises(SurveyFileError) as exc:
        to_responses(path)
    msg = str(exc.value)
    assert "org.xlsx: sheet 'Answers' cell A2: question NP1 appears more than once (also in row(s) 3)" in msg
    assert "org.xlsx: sheet 'Answers' cell A3: question NP1 appears more than once (also in row(s) 2)" in msg


def test_formula_typed_in_answer(tmp_path):
    path = _good(tmp_path)
    cell = _answer_cell(path, "ED2")
    edit(path, lambda wb: wb["Answers"].__setitem__(cell, "=40+5"))
    with pytest.raises(SurveyFileError, match=rf"sheet 'Answers' cell {cell}: answer holds a formula"):
        to_responses(path)


def test_every_fault_is_listed(tmp_path):
    path = _good(tmp_path, country="XYZ", answers={"NP1": "maybe", "GV3": 7, "ED2": 120})
    with pytest.raises(SurveyFileError) as exc:
        to_responses(path)
    cells = {(f.sheet, f.cell) for f in exc.value.faults}
    assert cells == {("Respondent", "B2")} | {("Answers", _answer_cell(path, q)) for q in ("NP1", "GV3", "ED2")}


def test_instrument_version_checked(tmp_path):
    path = edit(_good(tmp_path), lambda wb: wb["_meta"].cell(row=3, column=2, value="2019.1"))
    with pytest.raises(SurveyFileError, match=r"sheet '_meta' cell B3: instrument version '2019.1'"):
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
    assert counts == {"survey_response": 7 * len(QUESTIONS), "finding": 7 * n_text, "reject": 0}
    assert counts["survey_response"] == summary["rows_loaded"] == 196
    assert sorted(f["file"] for f in summary["files"]) == [f"{c}_sample.xlsx" for c in sorted(FOCUS)]
    assert all(f["status"] == "loaded" and f["is_sample"] for f in summary["files"])
    assert summary["warnings"] == ["README.md: skipped: not an .xlsx survey workbook: ignored"]
    assert json.loads((d / "summary.json").read_text())["files"] == summary["files"]


# --- SAMPLE workbooks -----------------------------------------------------------------------------

def test_sample_workbooks_load_and_are_marked(tmp_path):
    assert sorted(p.name for p in SAMPLES.glob("*.xlsx")) == [f"{c}_sample.xlsx" for c in sorted(FOCUS)]
    assert "invented sample data, not survey results" in (SAMPLES / "README.md").read_text()
    staged = stage(SAMPLES, context_for("survey"))
    loaded = [f for f in staged.files if f["status"] == "loaded"]
    assert len(loaded) == 7 and all(f["is_sample"] for f in loaded) and staged.rows_rejected == 0
    resp = staged.tables["survey_response"]
    assert resp["is_sample"].all() and set(resp["iso3"]) == set(FOCUS)
    assert resp["organisation"].str.contains("SAMPLE").all()
    assert staged.tables["finding"]["is_sample"].all()

    a = resp.pivot(index="iso3", columns="question_id", values="answer")
    assert list(a.index[a["NP3"] == "yes"]) == ["KAZ"]                       # one with medium-term funding
    assert list(a.index[a["GV1"] != "yes"]) == ["TJK"]                       # six with a coordinating body
    assert (a["ED1"] == "no").all()                                           # training mandatory nowhere
    assert a["ED2"].astype(float).between(40, 50).all()
    assert (a["LF1"] == "yes").all() and (a["LF2"] == "yes").all()
    assert (a["IS1"] == "partial").mean() >= 0.5
    assert set(a.index[a["NC1"] == "yes"]) == {"KAZ", "AZE", "UZB"} and set(a.loc[a["NC1"] != "yes", "NC1"]) == {"partial"}
    assert 1 <= (a["ET1"] != "no").sum() <= 3


def test_shipped_samples_match_config(tmp_path):
    """The shipped workbooks are what config/survey_samples.yaml generates (regenerate if this fails)."""
    fresh = write_samples(tmp_path / "samples")
    for p in fresh:
        new, _ = to_responses(p)
        old, _ = to_responses(SAMPLES / p.name)
        cols = ["response_id", "iso3", "organisation", "question_id", "answer", "cell", "is_sample"]
        assert new[cols].equals(old[cols]), p.name
    assert (tmp_path / "samples" / "README.md").read_text() == (SAMPLES / "README.md").read_text()
