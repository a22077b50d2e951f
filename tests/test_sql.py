"""`digigov sql`: read-only, readable output, clear errors."""

import json
import subprocess
import sys

import pytest

from digigov.flows.cli import main
from tests.conftest import query


@pytest.fixture
def wh(warehouse):
    """The session warehouse (conftest.py), read only."""
    return warehouse


EXAMPLE = ("SELECT iso3, round(value, 4) AS egdi FROM observations "
           "WHERE indicator_id = 'un.egdi' AND year = 2020 AND iso3 IN ('KAZ', 'TJK') ORDER BY iso3")


def test_table_csv_and_json(wh, capsys):
    assert main(["sql", EXAMPLE, "--warehouse", str(wh)]) == 0
    out = capsys.readouterr().out
    assert "KAZ 0.8375" in " ".join(out.split()) and "(2 rows)" in out
    assert main(["sql", EXAMPLE, "--warehouse", str(wh), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["iso3,egdi", "KAZ,0.8375", "TJK,0.4649"]
    assert main(["sql", EXAMPLE, "--warehouse", str(wh), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"iso3": "KAZ", "egdi": 0.8375}, {"iso3": "TJK", "egdi": 0.4649}]


def test_list_columns_are_readable_in_csv(wh, capsys):
    assert main(["sql", "SELECT iso3, groups FROM countries WHERE iso3='KAZ'", "--warehouse", str(wh),
                 "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "KAZ,central_asia;focus"


@pytest.mark.parametrize("statement", ["DELETE FROM core.observation_row", "DROP VIEW observations",
                                       "CREATE TABLE x AS SELECT 1", "UPDATE core.observation_bulk SET value = 0"])
def test_writes_are_refused_and_change_nothing(wh, capsys, statement):
    before = query(wh, "SELECT count(*), round(sum(value), 6) FROM core.observation")
    assert main(["sql", statement, "--warehouse", str(wh)]) == 1
    err = capsys.readouterr().err
    assert "read-only" in err and "nothing was changed" in err
    assert query(wh, "SELECT count(*), round(sum(value), 6) FROM core.observation") == before


def test_missing_warehouse_and_bad_sql(tmp_path, wh, capsys):
    assert main(["sql", "SELECT 1", "--warehouse", str(tmp_path / "none.duckdb")]) == 1
    assert "no warehouse at" in capsys.readouterr().err
    assert main(["sql", "SELECT nope FROM observations", "--warehouse", str(wh)]) == 1
    assert "query failed" in capsys.readouterr().err


def test_usage_errors_exit_2(wh):
    proc = subprocess.run([sys.executable, "-m", "digigov.flows.cli", "sql", "SELECT 1", "--format", "xml"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


def test_warehouse_from_environment(wh, monkeypatch, capsys):
    monkeypatch.setenv("DIGIGOV_WAREHOUSE", str(wh))
    assert main(["sql", "SELECT count(*) AS n FROM countries", "--format", "csv"]) == 0
    assert int(capsys.readouterr().out.splitlines()[1]) >= 193
