"""The needs-assessment layer in the warehouse: dimensions, Annex 1, findings and their checks,
survey workbooks through to readiness."""

import openpyxl
import pytest

from digigov.flows.cli import main
from digigov.settings import load_config
from digigov.sources.survey import write_template
from tests.conftest import query

FOCUS = ["ARM", "AZE", "GEO", "KAZ", "KGZ", "TJK", "UZB"]
# Annex 1 of the study: (responsible bodies, agencies) per country
ANNEX_1 = {"ARM": (2, 1), "AZE": (1, 3), "GEO": (1, 2), "KAZ": (1, 3), "KGZ": (1, 2), "TJK": (1, 0), "UZB": (2, 2)}


@pytest.fixture
def wh(warehouse):
    """The session warehouse (conftest.py), read only."""
    return warehouse


def test_nine_dimensions_with_their_indicators(wh):
    dims = query(wh, "SELECT dimension_id, name, n_indicators, n_questions FROM dimensions ORDER BY 1")
    assert [d[0] for d in dims] == list(range(1, 10))
    assert dims[1][1] == "ICT governance" and dims[7][1] == "Digital divide"
    assert all(d[3] >= 2 for d in dims)  # every dimension has survey questions
    mapped = dict(query(wh, "SELECT indicator_id, dimension_id FROM indicators WHERE dimension_id IS NOT NULL"))
    assert mapped["wb.gtmi.i1"] == 7 and mapped["wdi.IT.NET.USER.ZS"] == 8 and mapped["wgi.ge"] == 2
    # composites whose parts are mapped are not scored again (one concept counts once)
    assert not {"un.tii", "wb.gtmi", "wb.gtmi.gtei", "wb.gtmi.cgsi"} & set(mapped)
    concepts = query(wh, "SELECT concept, list(indicator_id ORDER BY preference) FROM dimension_indicators "
                         "WHERE concept = 'internet_use' GROUP BY 1")
    assert concepts == [("internet_use", ["itu.i99H", "wdi.IT.NET.USER.ZS"])]
    # every mapped indicator has data for at least one focus country, so no mapping is dead
    dead = query(wh, """SELECT indicator_id FROM dimension_indicators d WHERE NOT EXISTS (
                        SELECT 1 FROM observations o WHERE o.indicator_id = d.indicator_id
                        AND o.iso3 IN ('ARM','AZE','GEO','KAZ','KGZ','TJK','UZB'))""")
    assert dead == []


def test_annex_1_is_complete(wh):
    rows = query(wh, "SELECT iso3, role, count(*) FROM institutions GROUP BY ALL")
    got = {}
    for iso3, role, n in rows:
        got.setdefault(iso3, [0, 0])[0 if role == "responsible" else 1] = n
    assert {k: tuple(v) for k, v in got.items()} == ANNEX_1
    orphans = query(wh, """SELECT body FROM institutions a WHERE role = 'agency' AND NOT EXISTS (
                           SELECT 1 FROM institutions r WHERE r.iso3 = a.iso3 AND r.role = 'responsible'
                           AND r.body = a.parent_body)""")
    assert orphans == []


def test_findings_and_their_checks(wh):
    status = dict(query(wh, "SELECT finding_id, check_status FROM findings WHERE source_id = 'acsh_needs_assessment_2022'"))
    assert len(status) == len(load_config("findings")["findings"])
    assert status["F15"] == "holds" and status["F16"] == "holds" and status["F18"] == "holds"
    assert status["F17"] == "contradicted"  # Tajikistan is in GTMI group C
    assert status["F12"] == "contradicted"  # TJK below 1 and GEO above 25 per 100 (owid_broadband, 2020)
    detail = query(wh, "SELECT check_detail FROM findings WHERE finding_id = 'F17'")[0][0]
    assert "2020: " in detail and "TJK C" in detail.split("2020: ")[1].split(";")[0]
    coordinating = query(wh, "SELECT count_countries FROM findings WHERE finding_id = 'F03'")[0][0]
    assert coordinating == 6


def test_sample_workbooks_are_labelled_everywhere(wh):
    assert query(wh, "SELECT bool_and(is_sample), count(DISTINCT iso3) FROM survey_responses") == [(True, 7)]
    assert query(wh, "SELECT count(*) FROM sources WHERE source_id = 'survey' AND NOT is_sample")[0][0] == 0
    assert query(wh, "SELECT bool_and(is_sample), count(DISTINCT iso3) FROM survey_scores") == [(True, 7)]
    assert query(wh, "SELECT bool_and(is_sample) FROM findings WHERE source_id = 'survey'")[0][0] is True


def test_readiness_matrix_covers_the_focus_group(wh):
    cells = query(wh, """SELECT iso3, count(*), count(level), count(missing) FROM readiness
                         WHERE iso3 IN ('ARM','AZE','GEO','KAZ','KGZ','TJK','UZB') AND ref_year = 2022 GROUP BY 1""")
    # nine dimensions each; specialised personnel has no score until real survey answers arrive
    assert sorted(c[0] for c in cells) == FOCUS and all(c[1:3] == (9, 8) for c in cells)
    levels = {r[0] for r in query(wh, "SELECT DISTINCT level FROM readiness WHERE level IS NOT NULL")}
    assert levels == {"low", "medium", "high"}
    lo, hi = query(wh, "SELECT min(evidence_score), max(evidence_score) FROM readiness")[0]
    assert 0 <= lo < hi <= 1
    gaps = query(wh, "SELECT iso3, ref_year, count(*), min(priority), max(priority) FROM priority_gaps "
                     "WHERE iso3 = 'TJK' AND ref_year = 2024 GROUP BY ALL")
    assert gaps == [("TJK", 2024, 3, 1, 3)]
    # comparators are scored like the focus countries: on evidence, none of them from a survey
    assert query(wh, "SELECT count(survey_score), count(score) > 0 FROM readiness WHERE iso3 IN ('EST', 'KOR')") == [(0, True)]


def test_template_round_trip_into_survey_responses_and_readiness(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = write_template(inbox / "kgz.xlsx", country="KGZ", language_spec="en")
    wb = openpyxl.load_workbook(path)  # a focal point fills it in Excel
    ws = wb["Answers"]
    header = [c.value for c in ws[1]]
    qcol, acol = header.index("question_id") + 1, header.index("Answer") + 1
    answers = {"NP1": "yes", "NP2": "partly", "GV1": "yes", "SP3": "4", "ED2": 35,
               "ET2": "An AI assistant is piloted on the e-government portal"}
    for row in range(2, ws.max_row + 1):
        qid = ws.cell(row, qcol).value
        if qid in answers:
            ws.cell(row, acol).value = answers[qid]
    resp = wb["Respondent"]
    fields = {resp.cell(row, 1).value: row for row in range(2, resp.max_row + 1)}
    resp.cell(fields["organisation"], 3).value = "Ministry of Digital Development"
    resp.cell(fields["organisation_type"], 3).value = "Ministry"
    resp.cell(fields["organisation_level"], 3).value = "Central"
    resp.cell(fields["date"], 3).value = "2024-11-20"
    wb.save(path)
    wh = tmp_path / "w.duckdb"
    assert main(["run", "--local", "--only", "un_egov", "--inbox", str(inbox), "--warehouse", str(wh)]) == 0
    got = dict(query(wh, "SELECT question_id, score FROM survey_responses WHERE iso3 = 'KGZ' AND score IS NOT NULL"))
    assert got == {"NP1": 1.0, "NP2": 0.5, "GV1": 1.0, "SP3": 0.75, "ED2": 0.35}
    assert query(wh, "SELECT bool_or(is_sample) FROM survey_responses")[0][0] is False
    # dated 2024: the answers count for the 2024 reference year only, beside the evidence
    survey_score = query(wh, "SELECT ref_year, survey_score, organisations, uses_sample FROM readiness "
                             "WHERE iso3 = 'KGZ' AND dimension_id = 1 ORDER BY 1")
    assert survey_score == [(2020, None, 0, False), (2022, None, 0, False), (2024, 0.75, 1, False)]
    text = query(wh, "SELECT statement FROM findings WHERE source_id = 'survey' AND iso3 = 'KGZ'")
    assert text == [("An AI assistant is piloted on the e-government portal",)]


def test_a_bad_workbook_is_quarantined_and_the_good_ones_load(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    who = {"organisation": "Ministry of Justice", "organisation_type": "ministry", "organisation_level": "central",
           "date": "2024-02-01"}
    write_template(inbox / "good.xlsx", country="UZB", respondent=who, answers={"NP1": "yes"})
    write_template(inbox / "bad.xlsx", country="KAZ", respondent=who, answers={"NP1": "maybe"})
    (inbox / "notes.xlsx").write_text("not a workbook")
    wh = tmp_path / "w.duckdb"
    assert main(["run", "--local", "--only", "un_egov", "--inbox", str(inbox), "--warehouse", str(wh)]) == 0
    assert query(wh, "SELECT DISTINCT iso3 FROM survey_responses") == [("UZB",)]
    reasons = [r[0] for r in query(wh, "SELECT file || ': ' || reason FROM rejects WHERE source_id = 'survey' ORDER BY 1")]
    assert any(r.startswith("bad.xlsx") and "'maybe'" in r and "Answers · Ответы" in r for r in reasons), reasons
    assert any(r.startswith("notes.xlsx") for r in reasons), reasons


def test_survey_template_command(tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    assert main(["survey-template", "--out", str(out), "--country", "kaz"]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["Instructions · Инструкция", "Respondent · Респондент", "Answers · Ответы"]
    assert wb["Respondent · Респондент"]["C2"].value == "Kazakhstan / Казахстан"
    assert main(["survey-template", "--out", str(tmp_path / "ru.xlsx"), "--language", "ru"]) == 0
    assert openpyxl.load_workbook(tmp_path / "ru.xlsx").sheetnames[:3] == ["Инструкция", "Респондент", "Ответы"]
    assert main(["survey-template", "--out", str(tmp_path / "x.xlsx"), "--language", "de"]) == 2
    assert "--language de: give one of en, ru, en+ru, ru+en" in capsys.readouterr().err
    assert main(["survey-template", "--out", str(out)]) == 1
    assert "use --force" in capsys.readouterr().err
    assert main(["survey-template", "--out", str(out), "--force"]) == 0
    assert main(["survey-template", "--out", str(tmp_path / "t.csv")]) == 2
    assert main(["survey-template", "--out", str(out), "--country", "XXX", "--force"]) == 2
    assert main(["survey-template", "--out", str(tmp_path / "missing" / "t.xlsx")]) == 1
