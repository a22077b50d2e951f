"""Many organisations per country, end to end: workbooks filled with openpyxl as people would (in
English, in Russian, in both; a corrected resubmission; a DD.MM.YYYY date; comments; an over-long
text) run through `digigov run` and land in survey_responses (current answers, comments kept),
survey_responses_all (history), survey_summary, survey_scores, readiness (each organisation
once), the findings' checks, response tracking (`digigov status`, the export cover) and the
export's Survey answers sheet."""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from digigov.flows.cli import main
from digigov.settings import load_config
from digigov.sources.survey import read_workbook, write_template
from digigov.transforms.readiness import load_method
from digigov.transforms.readiness.matrix import survey_parts
from digigov.warehouse.build import create_schema, evaluate_findings
from tests.conftest import query

ANSWER, COMMENT = 5, 6
SURVEY_FINDINGS = ["F01", "F02", "F03", "F05", "F06", "F07", "F20"]


def row_of(ws, qid):
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == qid)


def fill(path: Path, respondent: dict, answers: dict, comments: dict | None = None) -> Path:
    """Fill a blank template as a person would in Excel: the respondent's cells (C2…C7, in the
    order of the sheet) and the answer and comment cells of each question."""
    wb = openpyxl.load_workbook(path)
    rs, ws = wb.worksheets[1], wb.worksheets[2]
    rows = {rs.cell(row=r, column=1).value: r for r in range(2, rs.max_row + 1)}
    for key, value in respondent.items():
        rs.cell(row=rows[key], column=3).value = value
    for qid, value in answers.items():
        ws.cell(row=row_of(ws, qid), column=ANSWER).value = value
    for qid, text in (comments or {}).items():
        cell = ws.cell(row=row_of(ws, qid), column=COMMENT)
        cell.value = text
        if text.startswith(("=", "+", "-", "@")):   # typed with Excel's leading apostrophe: text
            cell.data_type, cell.quotePrefix = "s", True
    wb.save(path)
    return path


KGZ_MDD = "Ministry of Digital Development of the Kyrgyz Republic"
KGZ_MDD_RU = "министерство цифрового развития  Кыргызской Республики"   # the same organisation, typed otherwise
KAZ_MDD_RU = "Министерство цифрового развития, инноваций и аэрокосмической промышленности Республики Казахстан"
INFOCOM = "Infocom State Enterprise"


def build_inbox(inbox: Path) -> dict[str, Path]:
    """Four real organisations (two countries), one of them twice (a corrected workbook), and one
    workbook with a text over Excel's cell limit."""
    inbox.mkdir(parents=True)
    books = {}
    books["first"] = fill(write_template(inbox / "kgz_mdd.xlsx", language_spec="en"),
                          {"country": "Kyrgyzstan", "organisation": KGZ_MDD, "organisation_type": "Ministry",
                           "organisation_level": "Central", "role": "Head of IT", "date": dt.datetime(2024, 3, 1)},
                          {"NP1": "yes", "NP2": "no", "NP3": "no", "GV1": "yes", "ED2": 30, "ED4": "yes",
                           "NP4": "General budget (first version)"},
                          {"NP2": "=approved in 2023, see the decree"})
    books["fix"] = fill(write_template(inbox / "kgz_mdd_corrected.xlsx", language_spec="ru"),
                        {"country": "Кыргызстан", "organisation": KGZ_MDD_RU, "organisation_type": "Министерство",
                         "organisation_level": "Центральный", "role": "Начальник управления", "date": "05.04.2024"},
                        {"NP1": "да", "NP2": "частично", "NP3": "нет", "GV1": "да", "ED2": 50, "ED4": "да",
                         "NP4": "Общий бюджет и партнеры по развитию"},
                        {"NP2": "План утвержден, часть мероприятий на стадии подготовки"})
    books["infocom"] = fill(write_template(inbox / "kgz_infocom.xlsx", language_spec="en+ru"),
                            {"country": "Kyrgyzstan / Кыргызстан", "organisation": INFOCOM,
                             "organisation_type": "State-owned company or institution / Государственное предприятие или учреждение",
                             "organisation_level": "Central / Центральный", "date": "2024-05-10"},
                            {"NP1": "no / нет", "GV1": "да", "ED2": 60, "ED4": "no"},
                            {"ED2": "-10 per cent since 2022", "GV1": "Министерство цифрового развития"})
    books["kaz"] = fill(write_template(inbox / "kaz_mdd.xlsx", language_spec="ru"),
                        {"country": "Казахстан", "organisation": KAZ_MDD_RU, "organisation_type": "Министерство",
                         "organisation_level": "Центральный", "date": "01.06.2024"},
                        {"NP1": "да", "NP2": "да", "NP3": "да", "GV1": "да", "ED2": 40, "ED4": "да"})
    long = fill(write_template(inbox / "kaz_long.xlsx", language_spec="en"),
                {"country": "Kazakhstan", "organisation": "Agency with a long comment", "organisation_type": "Ministry",
                 "organisation_level": "Central", "date": "2024-06-02"},
                {"NP1": "yes"}, {"NP1": "OVERLONG-TEXT-MARKER"})
    tmp = long.with_suffix(".tmp")   # more than openpyxl (or Excel) writes, as another program could
    with zipfile.ZipFile(long) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename).replace(b"OVERLONG-TEXT-MARKER", b"x" * 40_000))
    tmp.replace(long)
    books["long"] = long
    return books


@pytest.fixture(scope="module")
def survey_run(tmp_path_factory):
    """The warehouse of one run over that inbox (un_egov as the only other source)."""
    root = tmp_path_factory.mktemp("survey-run")
    books = build_inbox(root / "inbox")
    wh = root / "w.duckdb"
    assert main(["run", "--local", "--only", "un_egov", "--inbox", str(root / "inbox"), "--warehouse", str(wh)]) == 0
    return {"wh": wh, "books": books, "root": root}


def q(run, sql, params=None):
    return query(run["wh"], sql, params) if params else query(run["wh"], sql)


def test_the_corrected_workbook_replaces_the_first_and_the_first_stays_in_history(survey_run):
    """The ministry answered in English, then sent a corrected workbook in Russian under its Russian
    name (typed with other spacing): the roster lists both names for it, so it is one organisation."""
    current = q(survey_run, "SELECT DISTINCT source_file, organisation FROM survey_responses WHERE iso3 = 'KGZ' ORDER BY 1")
    assert current == [("kgz_infocom.xlsx", INFOCOM), ("kgz_mdd_corrected.xlsx", " ".join(KGZ_MDD_RU.split()))]
    history = q(survey_run, """SELECT source_file, is_current, replaced_by, response_date, count(*) FROM survey_responses_all
                               WHERE iso3 = 'KGZ' GROUP BY ALL ORDER BY 1""")
    n = q(survey_run, "SELECT count(*) FROM survey_questions")[0][0]
    assert history == [("kgz_infocom.xlsx", True, None, "2024-05-10", n),
                       ("kgz_mdd.xlsx", False, "kgz_mdd_corrected.xlsx", "2024-03-01", n),
                       ("kgz_mdd_corrected.xlsx", True, None, "2024-04-05", n)]   # DD.MM.YYYY read as 5 April
    # never twice: one organisation, its corrected answers
    answers = dict(q(survey_run, "SELECT question_id, answer FROM survey_responses WHERE source_file = 'kgz_mdd_corrected.xlsx' "
                                 "AND answer IS NOT NULL"))
    assert answers == {"NP1": "yes", "NP2": "partial", "NP3": "no", "GV1": "yes", "ED2": "50", "ED4": "yes",
                       "NP4": "Общий бюджет и партнеры по развитию"}
    # the replaced workbook's text answer is no finding any more; the corrected one's is
    statements = [r[0] for r in q(survey_run, "SELECT statement FROM findings WHERE source_id = 'survey' AND iso3 = 'KGZ'")]
    assert statements == ["Общий бюджет и партнеры по развитию"]
    # the run summary counts current answers only
    assert q(survey_run, "SELECT count(*) FROM survey_responses")[0][0] == 3 * n


def test_comments_are_stored_with_their_answer(survey_run):
    comments = dict(q(survey_run, "SELECT source_file || ' ' || question_id, comment FROM survey_responses_all "
                                  "WHERE comment IS NOT NULL"))
    assert comments == {"kgz_mdd.xlsx NP2": "=approved in 2023, see the decree",
                        "kgz_mdd_corrected.xlsx NP2": "План утвержден, часть мероприятий на стадии подготовки",
                        "kgz_infocom.xlsx ED2": "-10 per cent since 2022",
                        "kgz_infocom.xlsx GV1": "Министерство цифрового развития"}
    langs = dict(q(survey_run, "SELECT DISTINCT source_file, language FROM survey_responses_all"))
    assert langs == {"kgz_mdd.xlsx": "en", "kgz_mdd_corrected.xlsx": "ru", "kgz_infocom.xlsx": "en+ru",
                     "kaz_mdd.xlsx": "ru"}


def test_an_over_long_text_is_refused_naming_the_cell(survey_run):
    wb = openpyxl.load_workbook(survey_run["books"]["first"])   # same layout: NP1's comment cell
    cell = f"F{row_of(wb.worksheets[2], 'NP1')}"
    reasons = [r[0] for r in q(survey_run, "SELECT reason FROM rejects WHERE file = 'kaz_long.xlsx'")]
    assert reasons == [f"kaz_long.xlsx: sheet 'Answers' cell {cell}: comment: the text is 40,000 characters long; an "
                       "Excel cell holds at most 32,767: shorten it (put the details in a separate document and name it here)"]
    assert q(survey_run, "SELECT count(*) FROM survey_responses_all WHERE source_file = 'kaz_long.xlsx'") == [(0,)]


def test_survey_summary_per_country_and_for_the_region(survey_run):
    rows = q(survey_run, """SELECT scope, iso3, question_id, countries, organisations, n_yes, n_partial, n_no, share_yes,
                                   majority, mean_value, sd_value, mean_of_countries
                            FROM survey_summary WHERE question_id IN ('NP1', 'ED2') AND NOT is_sample ORDER BY ALL""")
    got = {(r[0], r[1], r[2]): r[3:] for r in rows}
    # KGZ: the ministry (corrected: yes) and Infocom (no); the ministry's first workbook does not count
    assert got[("country", "KGZ", "NP1")][:7] == (1, 2, 1, 0, 1, 0.5, None)
    assert got[("country", "KAZ", "NP1")][:7] == (1, 1, 1, 0, 0, 1.0, "yes")
    assert got[("region", None, "NP1")][:7] == (2, 3, 2, 0, 1, pytest.approx(2 / 3), "yes")
    kgz_ed2 = got[("country", "KGZ", "ED2")]
    assert kgz_ed2[1] == 2 and kgz_ed2[2:6] == (None, None, None, None)     # no shares for a number
    assert kgz_ed2[7] == pytest.approx(55) and kgz_ed2[8] == pytest.approx(pd.Series([50, 60]).std())
    region = got[("region", None, "ED2")]
    assert region[1] == 3 and region[7] == pytest.approx(50) and region[9] == pytest.approx((55 + 40) / 2)
    assert q(survey_run, "SELECT count(*) FROM survey_summary WHERE is_sample") == [(0,)]


def test_each_organisation_counts_once_in_survey_scores_and_readiness(survey_run):
    """The country's survey score is the mean of its organisations' means, whatever the number of
    questions each answered; readiness takes the same number for answers dated in its window."""
    answers = pd.DataFrame(q(survey_run, "SELECT iso3, dimension_id, organisation, score FROM survey_responses "
                                         "WHERE score IS NOT NULL"), columns=["iso3", "dimension_id", "org", "score"])
    org_means = answers.groupby(["iso3", "dimension_id", "org"])["score"].mean().groupby(["iso3", "dimension_id"])
    expected = org_means.mean()
    plain = answers.groupby(["iso3", "dimension_id"])["score"].mean()
    assert expected[("KGZ", 1)] != pytest.approx(plain[("KGZ", 1)])     # the two rules differ here
    scores = {(r[0], r[1]): r[2:] for r in q(survey_run, "SELECT iso3, dimension_id, survey_score, organisations "
                                                         "FROM survey_scores WHERE NOT is_sample")}
    for key, value in expected.items():
        assert scores[key] == (pytest.approx(value), org_means.size()[key])
    readiness = {(r[0], r[1]): r[2:] for r in q(survey_run, """SELECT iso3, dimension_id, survey_score, organisations
                                                              FROM readiness WHERE ref_year = 2024 AND survey_score IS NOT NULL""")}
    assert set(readiness) == set(expected.index)
    for key, value in expected.items():
        assert readiness[key] == (pytest.approx(value), org_means.size()[key])
    assert q(survey_run, "SELECT count(survey_score) FROM readiness WHERE ref_year < 2024") == [(0,)]


def test_survey_parts_counts_each_organisation_once():
    """Organisation A answers three questions of a dimension with 1, B one with 0: the survey score
    is (1 + 0) / 2, not 3 / 4; a SAMPLE answer never counts."""
    survey = pd.DataFrame({"iso3": ["KGZ"] * 5, "dimension_id": [1] * 5, "score": [1.0, 1.0, 1.0, 0.0, 0.0],
                           "year": [2024] * 5, "organisation_key": ["a", "a", "a", "b", "c"],
                           "is_sample": [False, False, False, False, True]})
    parts = survey_parts(survey, load_method())
    row = parts[parts["ref_year"] == 2024].iloc[0]
    assert (row["survey_score"], row["organisations"], row["answers"]) == (0.5, 2, 4)


def _submission(con, rows):
    con.execute("DELETE FROM core.survey_response")
    for i, (file, org, date, saved) in enumerate(rows):
        con.execute("INSERT INTO core.survey_response (response_id, iso3, organisation, organisation_key, response_date, "
                    "saved_at, question_id, dimension_id, source_file, is_sample) "
                    "VALUES (?, 'KGZ', ?, lower(?), ?, ?, 'NP1', 1, ?, false)", [f"r{i}", org, org, date, saved, file])
    return dict(con.execute("SELECT source_file, is_current FROM core.survey_submission").fetchall())


def test_which_workbook_of_an_organisation_is_current():
    """The later response date wins; on the same date the workbook saved later; then the last file
    name. Another organisation, or the same name in another country, is another submission."""
    con = duckdb.connect()
    create_schema(con)
    assert _submission(con, [("a.xlsx", "X", "2024-05-01", "2024-05-02T10:00:00"),
                             ("b.xlsx", "X", "2024-04-01", "2024-06-01T10:00:00")]) == {"a.xlsx": True, "b.xlsx": False}
    assert _submission(con, [("a.xlsx", "X", "2024-05-01", "2024-05-02T10:00:00"),
                             ("b.xlsx", "X", "2024-05-01", "2024-05-01T10:00:00")]) == {"a.xlsx": True, "b.xlsx": False}
    assert _submission(con, [("a.xlsx", "X", "2024-05-01", "2024-05-02T10:00:00"),
                             ("b.xlsx", "X", "2024-05-01", "2024-05-02T10:00:00")]) == {"a.xlsx": False, "b.xlsx": True}
    assert _submission(con, [("a.xlsx", "X", "2024-05-01", None), ("b.xlsx", "Y", "2024-04-01", None)]) == {
        "a.xlsx": True, "b.xlsx": True}
    # two names the roster lists for one organisation (its name and an alias) are one organisation
    con.execute("INSERT INTO core.survey_roster VALUES ('KGZ', 'X', 'ministry', 'central', ['x', 'y'])")
    assert _submission(con, [("a.xlsx", "X", "2024-05-01", None), ("b.xlsx", "Y", "2024-04-01", None)]) == {
        "a.xlsx": True, "b.xlsx": False}


def test_the_reader_takes_the_saving_time_from_the_workbook(tmp_path):
    path = write_template(tmp_path / "t.xlsx", "KGZ", language_spec="en",
                          respondent={"organisation": "X", "organisation_type": "agency", "organisation_level": "local",
                                      "date": "2024-01-01"})
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2024-01-02T03:04:05Z", data)
            zout.writestr(item, data)
    tmp.replace(path)
    assert read_workbook(path)[0]["saved_at"] == "2024-01-02T03:04:05"


def test_response_tracking_in_the_warehouse_and_status(survey_run, capsys):
    rates = {r[0]: r[1:] for r in q(survey_run, """SELECT iso3, expected, answered, response_rate, not_answered, organisations,
                                                   not_on_roster, sample_organisations FROM survey_response_rates""")}
    kgz = rates["KGZ"]
    assert kgz[:3] == (3, 1, pytest.approx(1 / 3)) and kgz[4:] == (2, [INFOCOM], 0)
    assert "Ministry of Digital Development of the Kyrgyz Republic (MDD)" not in kgz[3] and len(kgz[3]) == 2
    assert rates["KAZ"][:2] == (4, 1)                       # the Russian name is an alias of the roster entry
    assert rates["TJK"][:3] == (1, 0, 0.0)
    roster = dict(q(survey_run, "SELECT organisation, source_file FROM survey_roster WHERE answered"))
    assert roster == {"Ministry of Digital Development of the Kyrgyz Republic (MDD)": "kgz_mdd_corrected.xlsx",
                      "Ministry of Digital Development, Innovations and Aerospace Industry of the Republic of "
                      "Kazakhstan (MDDIAI)": "kaz_mdd.xlsx"}
    assert main(["status", "--warehouse", str(survey_run["wh"])]) == 0
    out = capsys.readouterr().out
    section = out.split("== Survey response rates")[1].split("== ")[0]
    assert re.search(r"KGZ\s+3\s+1\s+33%\s+2\s+1\s+0", section), section
    missing = out.split("== Survey: who has not answered")[1]
    assert re.search(r"KGZ\s+answered, not on the roster\s+Infocom State Enterprise", missing)
    assert re.search(r"KGZ\s+not answered yet\s+SE \"Infocom\" under the MDD", missing)


def test_the_export_shows_comments_and_who_answered(survey_run):
    from tests.test_export import table, tables

    out = survey_run["root"] / "report.xlsx"
    assert main(["export", "--out", str(out), "--warehouse", str(survey_run["wh"]), "--countries", "KGZ,KAZ"]) == 0
    wb = openpyxl.load_workbook(out)
    number = dict(q(survey_run, "SELECT question_id, number FROM survey_questions"))
    comments = table(wb["Survey comments"])
    by = {(r["Workbook"], r["No."]): (r, cells) for r, cells in zip(comments["rows"], comments["cells"])}
    assert ("kgz_mdd.xlsx", number["NP2"]) not in by                      # the replaced workbook is not shown
    fix, _ = by[("kgz_mdd_corrected.xlsx", number["NP2"])]
    assert (fix["Answer"], fix["Comment"]) == ("partly", "План утвержден, часть мероприятий на стадии подготовки")
    row, cells = by[("kgz_infocom.xlsx", number["ED2"])]
    formula_like = cells[comments["header"].index("Comment")]
    assert formula_like.value == "-10 per cent since 2022" and formula_like.data_type == "s"   # text, not a formula
    # the answers, one column per organisation: the corrected workbook's answer, not the replaced one's
    kgz = next(t for t in tables(wb["Survey answers"]) if t["title"].startswith("Kyrgyzstan"))
    np2 = next(r for r in kgz["rows"] if r["No."] == number["NP2"])
    assert "partly" in np2.values()
    for ws in wb.worksheets:
        assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    cover = " ".join(str(c.value) for row in wb["Cover"].iter_rows() for c in row if c.value is not None)
    assert "Kyrgyzstan (KGZ): 1 of 3 expected organisations sent real answers (33%); not yet: " in cover
    assert 'SE "Infocom" under the MDD' in cover


def test_findings_on_the_survey_are_checked_on_real_answers(survey_run):
    status = dict(q(survey_run, f"SELECT finding_id, check_status FROM findings WHERE finding_id IN {tuple(SURVEY_FINDINGS)}"))
    # two of seven countries answered: the claims about all seven cannot be judged yet …
    assert {f: status[f] for f in ("F01", "F02", "F03", "F05", "F07")} == dict.fromkeys(
        ["F01", "F02", "F03", "F05", "F07"], "not checkable")
    detail = q(survey_run, "SELECT check_detail FROM findings WHERE finding_id = 'F03'")[0][0]
    assert "KAZ GV1=yes" in detail and "KGZ GV1=yes" in detail
    # … the region-wide ones can: ED2 over the three organisations (50, 60, 40): half lack basic skills
    assert status["F06"] == "holds"
    assert "50.0 per cent of staff lack basic digital skills on average, as 3 organisations in 2 countries report" in \
        q(survey_run, "SELECT check_detail FROM findings WHERE finding_id = 'F06'")[0][0]
    # ED4: 2 of 3 organisations encourage certified training, ED5 unanswered: not checkable
    assert status["F20"] == "not checkable"


def test_with_only_sample_answers_the_survey_findings_are_not_checkable(warehouse):
    rows = query(warehouse, f"SELECT finding_id, check_status, check_detail FROM findings WHERE finding_id IN {tuple(SURVEY_FINDINGS)}")
    assert len(rows) == len(SURVEY_FINDINGS)
    assert {r[1] for r in rows} == {"not checkable"} and {r[2] for r in rows} == {"no real survey answers yet"}


def _recheck(con) -> dict:
    con.execute("DELETE FROM core.finding_check")
    evaluate_findings(con)
    return dict(con.execute(f"SELECT finding_id, check_status FROM core.finding WHERE finding_id IN {tuple(SURVEY_FINDINGS)}"
                            ).fetchall())


def test_the_survey_findings_hold_on_answers_like_the_study_and_can_fail(warehouse_copy):
    """The SAMPLE answers are written to agree with the study: taken as real, every survey check
    holds; changed so that Tajikistan too has a dedicated body, F03 ("six of seven") is contradicted."""
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("UPDATE core.survey_response SET is_sample = false")
        assert _recheck(con) == dict.fromkeys(SURVEY_FINDINGS, "holds")
        con.execute("UPDATE core.survey_response SET answer = 'yes' WHERE iso3 = 'TJK' AND question_id = 'GV1'")
        assert _recheck(con)["F03"] == "contradicted"
        detail = con.execute("SELECT check_detail FROM core.finding WHERE finding_id = 'F03'").fetchone()[0]
        assert "TJK GV1=yes" in detail


def test_the_studys_statements_are_one_query_each(warehouse_copy):
    """The README's three queries, on the SAMPLE answers taken as real."""
    with duckdb.connect(str(warehouse_copy)) as con:
        con.execute("UPDATE core.survey_response SET is_sample = false")
        share, orgs = con.execute("SELECT share_yes, organisations FROM survey_summary "
                                  "WHERE question_id = 'ED4' AND scope = 'region' AND NOT is_sample").fetchone()
        current = con.execute("SELECT count(DISTINCT source_file) FROM survey_responses").fetchone()[0]
        assert share > 0.5 and orgs == current
        lacking = con.execute("SELECT 100 - mean_value FROM survey_summary "
                              "WHERE question_id = 'ED2' AND scope = 'region' AND NOT is_sample").fetchone()[0]
        assert 50 <= lacking <= 60
        assert con.execute("SELECT count(*) FILTER (WHERE majority = 'yes'), count(*) FROM survey_summary "
                           "WHERE question_id = 'GV1' AND scope = 'country' AND NOT is_sample").fetchone() == (6, 7)


def test_sample_answers_are_summarised_but_labelled(warehouse):
    """The shipped samples: one organisation's first workbook is replaced by its corrected one."""
    n_questions = len(load_config("survey")["questions"])
    orgs = [o for c in load_config("survey_samples")["countries"].values() for o in c["organisations"]]
    assert query(warehouse, "SELECT DISTINCT is_sample FROM survey_summary") == [(True,)]
    assert query(warehouse, "SELECT source_file, count(*), any_value(replaced_by) FROM survey_responses_all "
                            "WHERE NOT is_current GROUP BY 1") == [("UZB_mitc_first_sample.xlsx", n_questions,
                                                                    "UZB_mitc_sample.xlsx")]
    assert query(warehouse, "SELECT count(DISTINCT source_file) FROM survey_responses") == [(len(orgs) - 1,)]
    ed2 = query(warehouse, "SELECT organisations, countries FROM survey_summary WHERE question_id = 'ED2' AND scope = 'region'")
    assert ed2 == [(len(orgs) - 1, 7)]
    assert not math.isnan(query(warehouse, "SELECT sd_value FROM survey_summary WHERE question_id = 'ED2' AND scope = 'region'")[0][0])


def test_the_export_marks_text_it_has_to_cut(tmp_path):
    """Nothing over Excel's cell limit reaches the warehouse from a workbook, but the export never
    cuts text silently: it says how long the text was, and formula-like text stays text."""
    import pandas as pd
    import xlsxwriter

    from digigov.warehouse.export.layout import Formats, write_sheet
    from digigov.warehouse.export.model import Block, Col, Sheet

    out = tmp_path / "cut.xlsx"
    wb = xlsxwriter.Workbook(str(out))
    sheet = Sheet("Cut", "A title long enough to be a title", blocks=[
        Block("One long cell", [Col("text", "Text", width=40)], pd.DataFrame({"text": ["=" + "x" * 40_000]}))])
    write_sheet(wb, Formats(wb), sheet)
    wb.close()
    ws = openpyxl.load_workbook(out)["Cut"]
    (cell,) = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=x")]
    assert len(cell.value) == 32_767 and cell.value.endswith(" […cut: 40,001 characters in the warehouse]")
    assert cell.data_type == "s"


def test_the_roster_is_optional_and_checked(tmp_path):
    from digigov.errors import ConfigError
    from digigov.settings import CONFIG_DIR
    from digigov.transforms.assessment import survey_roster_table

    folder = tmp_path / "config"
    folder.mkdir()
    for name in ("survey.yaml", "survey_roster.yaml"):
        (folder / name).write_text((CONFIG_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    shipped = survey_roster_table(folder)
    kaz = shipped[shipped["organisation"].str.startswith("Ministry of Digital Development, Innovations")].iloc[0]
    assert kaz["keys"][0] == "ministry of digital development, innovations and aerospace industry of the republic of " \
                             "kazakhstan (mddiai)"
    assert "министерство цифрового развития, инноваций и аэрокосмической промышленности республики казахстан" in kaz["keys"]
    (folder / "survey_roster.yaml").write_text(
        "countries:\n  KGZ:\n    - {organisation: Infocom, type: ngo, level: central}\n"
        "    - {organisation: Ministry, type: ministry, level: central, aliases: [' INFOCOM ']}\n", encoding="utf-8")
    load_config.cache_clear()   # config is read once per run; this test rewrites it
    with pytest.raises(ConfigError) as err:
        survey_roster_table(folder)
    assert str(err.value) == ("config/survey_roster.yaml: countries.KGZ[0].type: 'ngo' is not one of ministry, agency, "
                              "state_company, local_government, other; countries.KGZ[1]: 'infocom' also names 'Infocom'")
    (folder / "survey_roster.yaml").unlink()
    assert survey_roster_table(folder).empty                      # no roster: no response tracking
    load_config.cache_clear()


def test_a_sample_workbook_never_answers_for_the_roster(warehouse_copy):
    with duckdb.connect(str(warehouse_copy)) as con:
        key = con.execute("SELECT keys[1] FROM core.survey_roster WHERE iso3 = 'TJK'").fetchone()[0]
        con.execute("UPDATE core.survey_response SET organisation_key = ? WHERE iso3 = 'TJK'", [key])
        assert con.execute("SELECT answered FROM survey_roster WHERE iso3 = 'TJK'").fetchall() == [(False,)]
        con.execute("UPDATE core.survey_response SET is_sample = false WHERE iso3 = 'TJK'")
        assert con.execute("SELECT answered FROM survey_roster WHERE iso3 = 'TJK'").fetchall() == [(True,)]
        assert con.execute("SELECT response_rate FROM survey_response_rates WHERE iso3 = 'TJK'").fetchone() == (1.0,)
