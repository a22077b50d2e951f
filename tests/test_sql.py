"""`digigov sql`: read-only, readable output, clear errors."""

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from digigov.flows.cli import main
from digigov.settings import EMBEDDED_SNAPSHOTS
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
    before = query(wh, "SELECT count(*), sum(value::DECIMAL(38, 6)) FROM core.observation")
    assert main(["sql", statement, "--warehouse", str(wh)]) == 1
    err = capsys.readouterr().err
    assert "read-only" in err and "nothing was changed" in err
    assert query(wh, "SELECT count(*), sum(value::DECIMAL(38, 6)) FROM core.observation") == before


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


# ---- exactly one statement per call ------------------------------------------------------------

@pytest.mark.parametrize("statement", ["SELECT 1 AS a; SELECT 2 AS b", "SELECT 1 AS a;SELECT 2 AS b;",
                                       "SELECT count(*) FROM observations; DELETE FROM core.observation_row"])
def test_several_statements_are_a_usage_error_and_none_runs(wh, capsys, statement):
    assert main(["sql", statement, "--warehouse", str(wh)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "usage error: 2 statements given" in err and "one at a time" in err


@pytest.mark.parametrize("statement", ["", "   ", ";", "-- only a comment", "/* a block comment */"])
def test_an_empty_or_comment_only_statement_is_a_usage_error(wh, capsys, statement):
    assert main(["sql", statement, "--warehouse", str(wh)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "usage error: no SQL statement given" in err


def test_an_empty_statement_from_the_command_line_says_so_without_a_traceback(wh):
    proc = subprocess.run([sys.executable, "-m", "digigov.flows.cli", "sql", "-- nothing", "--warehouse", str(wh)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "no SQL statement given" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("statement, expected", [
    ("SELECT 'a;b' AS x", "a;b"),  # DuckDB's parser splits statements, not a ';' in a string
    ("SELECT 'x' AS x;", "x"),
    ("SELECT 'y' AS x; -- a trailing comment", "y"),
])
def test_one_statement_with_semicolons_inside_or_after_it_runs(wh, capsys, statement, expected):
    assert main(["sql", statement, "--warehouse", str(wh), "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["x", expected]


@pytest.mark.parametrize("statement", [
    "FROM countries LIMIT 1", "WITH c AS (SELECT * FROM countries) SELECT count(*) FROM c", "VALUES (1)",
    "DESCRIBE observations", "SHOW TABLES", "SUMMARIZE countries", "EXPLAIN SELECT * FROM countries",
    "PRAGMA show_tables", "CALL duckdb_views()", "CHECKPOINT",
    "PIVOT (SELECT iso3, year, value FROM observations WHERE indicator_id = 'un.egdi' AND iso3 = 'KAZ') "
    "ON year USING first(value)",
])
def test_every_kind_of_query_still_runs(wh, capsys, statement):
    assert main(["sql", statement, "--warehouse", str(wh)]) == 0
    assert "row" in capsys.readouterr().out


# ---- nothing digigov owns can be written, no extension loaded, no setting changed ------------

def _tree(folder: Path) -> dict:
    """Every file and folder under `folder`, with each file's bytes (hashed) and modification time."""
    return {str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            if p.is_file() else "folder" for p in sorted(folder.rglob("*"))}


@pytest.fixture
def owned(tmp_path, warehouse_copy, snapshot_copy, shared_staged_cache, isolated_home, monkeypatch) -> dict:
    """Everything digigov owns, for real, under tmp_path: the warehouse and its run history, a
    staged-rows cache (a copy of the session's, plus a staged DuckDB file), snapshots and an inbox."""
    cache = tmp_path / "cache"
    shutil.copytree(shared_staged_cache, cache)
    staged_db = cache / "staged" / "wdi_full" / "0123456789abcdef0123" / "observations.duckdb"
    staged_db.parent.mkdir(parents=True)
    with duckdb.connect(str(staged_db)) as con:
        con.execute("CREATE TABLE observation AS SELECT 'KAZ' AS iso3, 2024 AS year, 1.5 AS value")
    monkeypatch.setenv("DIGIGOV_CACHE", str(cache))
    inbox = isolated_home / "inbox"
    inbox.mkdir(parents=True)
    shutil.copy2(EMBEDDED_SNAPSHOTS / "survey_samples" / "KAZ_mdd_sample.xlsx", inbox)
    paths = {"warehouse": warehouse_copy, "runs": warehouse_copy.with_name(warehouse_copy.name + ".runs.jsonl"),
             "cache": cache, "staged_db": staged_db, "snapshots": snapshot_copy,
             "snapshot": snapshot_copy / "un_egov" / "EGOV_DATA_2024.csv", "inbox": inbox, "home": isolated_home}
    assert all(p.exists() for p in paths.values()) and any(cache.rglob("*.parquet"))
    return paths


REFUSED = [  # (statement, what the message says)
    ("COPY (SELECT 1 AS x) TO '{runs}' (FORMAT csv)", "COPY statements are refused"),
    ("COPY (SELECT 1 AS x) TO '{warehouse}'", "COPY statements are refused"),
    ("COPY core.observation_row TO '{cache}/staged/un_egov/observations.parquet' (FORMAT parquet)", "COPY"),
    ("COPY (SELECT 1 AS x) TO '{snapshot}' (FORMAT csv)", "COPY statements are refused"),
    ("COPY (SELECT 1 AS x) TO '{inbox}/new.csv'", "COPY statements are refused"),
    ("EXPORT DATABASE '{home}/export'", "EXPORT statements are refused"),
    ("ATTACH '{staged_db}' AS staged", "ATTACH statements are refused"),
    ("ATTACH '{home}/new.duckdb' AS fresh", "ATTACH statements are refused"),
    ("INSTALL httpfs", "INSTALL and LOAD statements are refused"),
    ("FORCE INSTALL json", "INSTALL and LOAD statements are refused"),
    ("LOAD httpfs", "INSTALL and LOAD statements are refused"),
    ("LOAD '{home}/own.duckdb_extension'", "INSTALL and LOAD statements are refused"),
    ("SET autoinstall_known_extensions = true", "SET, RESET and USE statements are refused"),
    ("SET autoload_known_extensions = true", "SET, RESET and USE statements are refused"),
    ("SET allow_community_extensions = true", "SET, RESET and USE statements are refused"),
    ("SET allow_unsigned_extensions = true", "SET, RESET and USE statements are refused"),
    ("SET GLOBAL enable_external_access = true", "SET, RESET and USE statements are refused"),
    ("SET lock_configuration = false", "SET, RESET and USE statements are refused"),
    ("RESET lock_configuration", "SET, RESET and USE statements are refused"),
    ("SET allowed_directories = ['{home}']", "SET, RESET and USE statements are refused"),
    ("SET temp_directory = '{home}/spill'", "SET, RESET and USE statements are refused"),
    ("PRAGMA enable_profiling", "settings cannot be changed"),
    ("PRAGMA profiling_output = '{home}/profile.json'", "settings cannot be changed"),
    ("CALL enable_logging(storage = 'file', storage_path = '{home}/logs')", "settings cannot be changed"),
    ("INSERT INTO core.observation_row SELECT * FROM core.observation_row", "INSERT statements are refused"),
    ("ALTER VIEW observations RENAME TO o", "ALTER statements are refused"),
    ("CREATE TEMP TABLE t AS SELECT 1", "CREATE statements are refused"),
    ("VACUUM", "VACUUM statements are refused"),
    ("FROM read_csv('{runs}')", "may read the warehouse only"),
    ("SELECT count(*) FROM read_parquet('{cache}/staged/*/*/observations.parquet')", "may read the warehouse only"),
    ("SELECT * FROM glob('{inbox}/*')", "may read the warehouse only"),
]


@pytest.mark.parametrize("statement, message", REFUSED)
def test_nothing_digigov_owns_can_be_written_and_no_extension_or_setting_changed(owned, tmp_path, capsys,
                                                                                statement, message):
    before = _tree(tmp_path)
    code = main(["sql", statement.format(**owned), "--warehouse", str(owned["warehouse"])])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert message in err and "nothing was changed" in err, err
    assert _tree(tmp_path) == before
    assert main(["sql", "SELECT count(*) AS n FROM observations", "--warehouse", str(owned["warehouse"])]) == 0


@pytest.mark.parametrize("statement", [s for s, _ in REFUSED if s.split()[0] in ("COPY", "EXPORT", "ATTACH", "INSTALL",
                                                                                  "FORCE", "LOAD", "SET", "RESET")])
def test_the_connection_itself_refuses_them_too(owned, tmp_path, tmp_path_factory, statement):
    """The second lock, without the first: the statement goes straight to the sandboxed connection."""
    from digigov.warehouse.query import connect_sandboxed

    before = _tree(tmp_path)
    with connect_sandboxed(owned["warehouse"], tmp_path_factory.mktemp("spill")) as con:
        with pytest.raises(duckdb.Error):
            con.execute(statement.format(**owned))
        # the locks still hold after the refusal
        assert dict(con.execute("SELECT name, value FROM duckdb_settings() WHERE name IN "
                                "('enable_external_access', 'lock_configuration', 'autoinstall_known_extensions', "
                                "'autoload_known_extensions')").fetchall()) == {
            "enable_external_access": "false", "lock_configuration": "true",
            "autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
    assert _tree(tmp_path) == before


def test_a_result_is_kept_with_format_csv_not_copy(owned, capsys):
    """COPY … TO is refused even for a file of the user's own; the same rows come out of --format csv."""
    wh, mine = owned["warehouse"], owned["home"] / "mine.csv"
    statement = "SELECT iso3, name FROM countries WHERE iso3 IN ('KAZ', 'UZB') ORDER BY iso3"
    assert main(["sql", f"COPY ({statement}) TO '{mine}'", "--warehouse", str(wh)]) == 1
    assert "--format csv > result.csv" in capsys.readouterr().err and not mine.exists()
    assert main(["sql", statement, "--format", "csv", "--warehouse", str(wh)]) == 0
    assert capsys.readouterr().out.splitlines() == ["iso3,name"] + [f"{a},{b}" for a, b in query(wh, statement)]


# ---- one spelling for a missing value -----------------------------------------------------------

MISSING = ("SELECT iso3, un_region, un_member, groups, "
           "CASE WHEN iso3 = 'KAZ' THEN NULL ELSE 1 END::INTEGER AS n, "
           "CASE WHEN iso3 = 'XKX' THEN NULL ELSE 0.5 END::DOUBLE AS d, "
           "CASE WHEN iso3 = 'KAZ' THEN NULL ELSE DATE '2024-01-01' END AS day, "
           "CASE WHEN iso3 = 'XKX' THEN NULL ELSE TIMESTAMP '2024-01-01 10:00' END AS stamp, "
           "CASE WHEN iso3 = 'KAZ' THEN NULL ELSE INTERVAL 1 DAY END AS span, "
           "CASE WHEN iso3 = 'KAZ' THEN NULL ELSE true END AS flag "
           "FROM countries WHERE iso3 IN ('KAZ', 'XKX') ORDER BY iso3")


def test_the_table_format_shows_every_missing_value_as_null(wh, capsys):
    nulls = query(wh, f"SELECT count(*) FILTER (WHERE un_region IS NULL) + count(*) FILTER (WHERE un_member IS NULL) "
                      f"+ count(*) FILTER (WHERE groups IS NULL) + count(*) FILTER (WHERE n IS NULL) "
                      f"+ count(*) FILTER (WHERE d IS NULL) + count(*) FILTER (WHERE day IS NULL) "
                      f"+ count(*) FILTER (WHERE stamp IS NULL) + count(*) FILTER (WHERE span IS NULL) "
                      f"+ count(*) FILTER (WHERE flag IS NULL) FROM ({MISSING})")[0][0]
    assert nulls >= 7  # the query has missing values in columns of every kind
    assert main(["sql", MISSING, "--warehouse", str(wh)]) == 0
    table = capsys.readouterr().out
    cells = [line.split() for line in table.splitlines()[1:3]]
    assert sum(cell == "NULL" for row in cells for cell in row) == nulls, table
    for other in ("NaN", "None", "<NA>", "NaT", "nan"):
        assert other not in table, table
    assert "0.5" in table and "2024-01-01" in table and "1 days" in table  # values print as before


def test_csv_and_json_show_a_missing_value_as_empty_and_null(wh, capsys):
    assert main(["sql", MISSING, "--warehouse", str(wh), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    kaz = next(r for r in rows if r["iso3"] == "KAZ")
    assert kaz["n"] is None and kaz["day"] is None and kaz["flag"] is None and kaz["span"] is None
    assert main(["sql", "SELECT NULL::INTEGER AS n, NULL::VARCHAR AS s, 1 AS one", "--warehouse", str(wh),
                 "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n,s,one", ",,1"]


def test_it_runs_while_the_same_process_holds_another_connection_to_the_warehouse(wh, capsys):
    """DuckDB shares one instance per file in a process: the locked connection must not clash with
    a plain one (a notebook's, or the run's reader), and the warehouse keeps its usual name."""
    with duckdb.connect(str(wh), read_only=True) as held:
        assert main(["sql", "SELECT current_database() AS db, count(*) AS n FROM observations", "--warehouse", str(wh),
                     "--format", "csv"]) == 0
        n = held.execute("SELECT count(*) FROM observations").fetchone()[0]
        assert capsys.readouterr().out.splitlines()[1] == f"{wh.stem},{n}"
