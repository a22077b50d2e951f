"""What every warehouse build pays, whatever its data: only the libraries it uses are imported, small
statements are written in one transaction, and a failing finding check still aborts nothing."""

import os
import subprocess
import sys

import duckdb
import pytest

from digigov.warehouse.build import evaluate_findings
from digigov.warehouse.sqlfiles import transaction
from tests.conftest import query

HEAVY = ["openpyxl", "hdx.location.country", "frictionless"]  # the survey reader's, hdx-python-country's


def test_a_rerun_imports_neither_the_survey_reader_nor_hdx_python_country(tmp_path):
    """The second run finds its staged rows and country tables cached: nothing reads a workbook or
    asks hdx-python-country, so neither (nor their dependencies) is imported."""
    wh = tmp_path / "w.duckdb"
    script = ("import sys; from digigov.flows.cli import main; rc = main(sys.argv[1:]); "
              f"print('heavy modules:', [m for m in {HEAVY!r} if m in sys.modules]); sys.exit(rc)")
    env = {**{k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}, "DIGIGOV_HOME": str(tmp_path / "home"),
           "DIGIGOV_CACHE": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", script, "run", "--local", "--only", "wb_dai", "--warehouse", str(wh)],
                           capture_output=True, text=True, env=env, timeout=300) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], runs[-1].stderr
    assert "heavy modules: []" in runs[1].stdout, runs[1].stdout
    assert "reused" in runs[1].stderr + runs[1].stdout  # the premise: the second run staged nothing
    assert query(wh, "SELECT count(*) FROM runs WHERE status = 'succeeded'") == [(2,)]


def test_the_survey_package_still_exports_its_reader_and_template_writer():
    from digigov.sources import survey
    from digigov.sources.survey import reader, template

    assert survey.read_workbook is reader.read_workbook and survey.write_template is template.write_template
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        survey.nothing_here  # noqa: B018


def test_a_transaction_commits_its_statements_together_or_none(tmp_path):
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("CREATE TABLE t (x INTEGER)")
    with transaction(con):
        con.execute("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)")
    with pytest.raises(duckdb.Error):
        with transaction(con):
            con.execute("INSERT INTO t VALUES (3)")
            con.execute("INSERT INTO t VALUES ('three')")
    con.execute("INSERT INTO t VALUES (4)")  # the failed transaction was rolled back, not left aborted
    assert con.execute("SELECT x FROM t ORDER BY x").fetchall() == [(1,), (2,), (4,)]


def test_a_failing_check_is_not_checkable_and_the_other_findings_keep_their_verdicts(warehouse_copy):
    """The checks run outside the transaction their verdicts are written in: one that fails must not
    abort the others' (in DuckDB a failed statement aborts the whole transaction)."""
    con = duckdb.connect(str(warehouse_copy))
    try:
        before = con.execute("SELECT finding_id, vintage, status, evidence FROM core.finding_check "
                             "ORDER BY ALL").fetchall()
        assert len({f for f, *_ in before}) > 5 and any(s == "holds" for *_, s, _ in before)
        con.execute("INSERT INTO core.finding (finding_id, statement, source_id, is_sample, check_sql) VALUES "
                    "('F00', 'A check that cannot run.', 'study', false, 'SELECT holds FROM no_such_view')")
        con.execute("UPDATE core.finding SET check_status = NULL, check_detail = NULL")
        con.execute("DELETE FROM core.finding_check")
        evaluate_findings(con)
        after = con.execute("SELECT finding_id, vintage, status, evidence FROM core.finding_check "
                            "ORDER BY ALL").fetchall()
        failed = con.execute("SELECT check_status, check_detail FROM core.finding WHERE finding_id = 'F00'").fetchone()
    finally:
        con.close()
    assert failed[0] == "not checkable" and failed[1].startswith("check failed: Catalog Error")
    assert [r for r in after if r[0] != "F00"] == before
