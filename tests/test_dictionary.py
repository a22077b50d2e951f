"""The data dictionary: every public view and column described in the warehouse's own catalogue,
the README's view table in step with it, and `digigov describe` printing it."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from digigov.errors import ConfigError, WarehouseError
from digigov.flows.cli import main
from digigov.warehouse.dictionary import Dictionary, load_dictionary, public_columns, write_comments
from tests.conftest import query

README = Path(__file__).resolve().parents[1] / "README.md"


def column_comments(warehouse: Path) -> dict[tuple[str, str], str | None]:
    return {(v, c): text for v, c, text in query(warehouse, """
        SELECT c.table_name, c.column_name, c.comment FROM duckdb_columns() c
        JOIN duckdb_views() v ON v.view_name = c.table_name AND v.schema_name = c.schema_name
        WHERE c.schema_name = 'main' AND NOT v.internal""")}


def view_comments(warehouse: Path) -> dict[str, str | None]:
    return dict(query(warehouse, "SELECT view_name, comment FROM duckdb_views() WHERE schema_name = 'main' "
                                 "AND NOT internal"))


def readme_views() -> dict[str, tuple[str, list[str]]]:
    """{view: (one row per, [columns])} from the README's table under "## The warehouse". Column
    names are the backticked names outside parentheses (inside them are notes: values, examples)."""
    section = README.read_text(encoding="utf-8").split("\n## The warehouse\n", 1)[1].split("\n## ", 1)[0]
    out = {}
    for line in section.splitlines():
        m = re.fullmatch(r"\| `(\w+)` \| (.+?) \| (.+) \|", line)
        if m:
            notes_removed = re.sub(r"\([^()]*\)", "", re.sub(r"\([^()]*\)", "", m.group(3)))  # nested once
            out[m.group(1)] = (m.group(2), re.findall(r"`(\w+)`", notes_removed))
    return out


def test_every_public_view_and_column_has_a_description(warehouse):
    views, columns = view_comments(warehouse), column_comments(warehouse)
    assert len(views) >= 20 and len(columns) >= 200
    assert [v for v, text in views.items() if not (text or "").strip()] == []
    assert [f"{v}.{c}" for (v, c), text in columns.items() if not (text or "").strip()] == []


def test_the_warehouse_says_what_the_dictionary_says(warehouse):
    dictionary = load_dictionary()
    assert set(view_comments(warehouse)) == set(dictionary)
    for (view, column), text in column_comments(warehouse).items():
        assert text == dictionary[view]["columns"][column].strip(), f"{view}.{column}"
    assert "One row per country × dimension × reference year." in view_comments(warehouse)["readiness"]


def test_the_readme_table_names_every_view_and_column_of_the_warehouse(warehouse):
    documented = readme_views()
    comments = view_comments(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        actual = public_columns(con)
    assert sorted(documented) == sorted(actual)
    for view, (rows, columns) in documented.items():
        assert columns == actual[view], view
        assert f"One row per {rows}." in comments[view], view  # the README's grain is the dictionary's


def test_a_column_the_warehouse_lacks_stops_the_build_with_its_name():
    con = duckdb.connect()
    con.execute("CREATE VIEW sample AS SELECT 1 AS kept, 2 AS other")
    entry = {"rows": "thing", "about": "A view.", "columns": {"kept": "Kept.", "renamed": "Gone."}}
    with pytest.raises(WarehouseError, match=r"describes sample\.renamed, which the public views"):
        write_comments(con, {"sample": entry})
    with pytest.raises(WarehouseError, match="describes view gone"):
        write_comments(con, {"sample": {**entry, "columns": {"kept": "Kept."}}, "gone": entry})
    write_comments(con, {"sample": {**entry, "columns": {"kept": "It's kept."}}})  # a quote is no problem
    assert con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'sample' "
                       "ORDER BY column_index").fetchall() == [("kept", "It's kept."), ("other", None)]
    assert con.execute("SELECT comment FROM duckdb_views() WHERE view_name = 'sample'").fetchone() == (
        "A view. One row per thing.",)


def test_an_empty_description_or_a_misspelt_key_is_refused_naming_it():
    from digigov.config_models import validate

    good = {"rows": "thing", "about": "A view.", "columns": {"a": "The a."}}
    with pytest.raises(ConfigError, match=r"sample\.columns\.a: String should have at least 1 character"):
        validate(Dictionary, {"sample": {**good, "columns": {"a": "  "}}}, "dictionary.yaml")
    with pytest.raises(ConfigError, match=r"sample\.colums: unknown key"):
        validate(Dictionary, {"sample": {"rows": "thing", "about": "A view.", "colums": {}}}, "dictionary.yaml")


# ---- digigov describe ----------------------------------------------------------------------------

def test_describe_lists_every_view_with_its_description_wrapped(warehouse, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "72")
    assert main(["describe", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 72
    listed = [line.split()[0] for line in lines if line and not line[0].isspace()]
    assert listed == sorted(view_comments(warehouse))
    flat = " ".join(out.split())
    for view, text in view_comments(warehouse).items():
        assert f"{view} {text}" in flat


def test_describe_a_view_prints_each_column_its_type_and_description(warehouse, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["describe", "readiness", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    head, body = out.split("\n\n", 1)
    assert " ".join(head.split()) == f"readiness: {view_comments(warehouse)['readiness']}"
    flat = " ".join(body.split())
    types = dict(query(warehouse, "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'readiness'"))
    for (view, column), text in column_comments(warehouse).items():
        if view == "readiness":
            assert f"{column} {types[column]} {text}" in flat


def test_describe_on_a_narrow_terminal_puts_descriptions_under_the_names(warehouse, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    assert main(["describe", "sources", "--warehouse", str(warehouse)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 40
    assert "snapshot_origin  VARCHAR" in lines and "    Which snapshot the run read:" in " ".join(lines)


def test_describe_an_unknown_view_is_a_usage_error_naming_the_views(warehouse, capsys):
    assert main(["describe", "readines", "--warehouse", str(warehouse)]) == 2
    err = capsys.readouterr().err
    assert "no view 'readines'" in err and "readiness, readiness_components" in err and "survey_scores" in err


def test_describe_without_a_warehouse_fails(tmp_path, capsys):
    assert main(["describe", "--warehouse", str(tmp_path / "none.duckdb")]) == 1
    assert "no warehouse at" in capsys.readouterr().err
