"""The command line's edges: every usage error exits 2 with a message naming what is wrong, nothing
done; every option explains itself; every `--help` ends with command lines to copy.

Export's arguments are checked against the session warehouse before any sheet is built, so these
tests need no working export, only the warehouse.
"""

from __future__ import annotations

import argparse
import shlex

import pytest

from digigov.flows import cli
from digigov.flows import serve as serve_mod
from digigov.flows.cli import main
from tests.conftest import query

FOCUS = "SELECT iso3 FROM countries WHERE list_contains(groups, 'focus') ORDER BY iso3"


def export(warehouse, tmp_path, *args: str) -> int:
    return main(["export", "--out", str(tmp_path / "x.xlsx"), "--warehouse", str(warehouse), *args])


def test_an_unknown_country_code_is_a_usage_error_naming_it(warehouse, tmp_path, capsys):
    assert export(warehouse, tmp_path, "--countries", "kaz,XYZ") == 2
    err = capsys.readouterr().err
    assert "usage error" in err and "XYZ is not a country code the warehouse knows" in err
    assert "KAZ" not in err.split("XYZ")[0]  # kaz is KAZ, a known code: not named as a fault
    assert not (tmp_path / "x.xlsx").exists()


def test_a_code_that_is_not_iso3_is_named_with_the_code_meant(warehouse, tmp_path, capsys):
    name = query(warehouse, "SELECT name FROM countries WHERE iso3 = 'KAZ'")[0][0]
    assert export(warehouse, tmp_path, "--countries", "KZ") == 2
    err = capsys.readouterr().err
    assert f"KZ is not an ISO3 code (for {name} write KAZ)" in err


def test_countries_naming_no_country_is_a_usage_error(warehouse, tmp_path, capsys):
    assert export(warehouse, tmp_path, "--countries", " , ") == 2
    assert "names no country" in capsys.readouterr().err


def test_a_year_that_is_not_a_year_is_a_usage_error(warehouse, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        export(warehouse, tmp_path, "--year", "20x4")
    assert exc.value.code == 2
    assert '"20x4" is not a year' in capsys.readouterr().err


def test_a_year_without_values_is_a_usage_error_naming_the_years_there_are(warehouse, tmp_path, capsys):
    focus = [iso3 for (iso3,) in query(warehouse, FOCUS)]
    first, last = query(warehouse, "SELECT min(year), max(year) FROM observations "
                                   f"WHERE iso3 IN ({', '.join(repr(c) for c in focus)})")[0]
    assert export(warehouse, tmp_path, "--year", str(first - 1)) == 2
    err = capsys.readouterr().err
    assert f"--year {first - 1}: the warehouse holds no values for {', '.join(focus)}" in err
    assert f"{first}–{last}" in err


def test_an_export_to_a_file_that_is_not_a_workbook_is_a_usage_error(warehouse, tmp_path, capsys):
    assert main(["export", "--out", str(tmp_path / "x.csv"), "--warehouse", str(warehouse)]) == 2
    assert "give a .xlsx file name" in capsys.readouterr().err


@pytest.fixture
def serve_stops_before_prefect(monkeypatch):
    """`serve` with its Prefect settings left alone and no server asked for: the checks come first."""
    monkeypatch.setattr(cli, "prefect_environment", lambda: None)
    monkeypatch.setattr(serve_mod, "api_url", lambda: pytest.fail("the arguments must be checked first"))


def test_a_bad_cron_expression_is_a_usage_error(serve_stops_before_prefect, capsys):
    assert main(["serve", "--cron", "61 6 * * 1"]) == 2
    assert '--cron "61 6 * * 1" is not a cron expression' in capsys.readouterr().err


def test_a_bad_task_runner_of_serve_is_a_usage_error_as_for_run(serve_stops_before_prefect, capsys):
    assert main(["serve", "--task-runner", "spark"]) == 2
    assert "unknown task runner" in capsys.readouterr().err


def parsers() -> dict[str | None, argparse.ArgumentParser]:
    """The top-level parser (key None) and each command's."""
    top = cli._parser()
    (commands,) = [a for a in top._actions if isinstance(a, argparse._SubParsersAction)]
    return {None: top, **commands.choices}


def test_every_option_and_command_has_help():
    missing = []
    for name, parser in parsers().items():
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                missing += [f"command {c.dest}" for c in action._choices_actions if not c.help]
            elif not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{name or 'digigov'} {'/'.join(action.option_strings) or action.dest}")
    assert not missing


@pytest.mark.parametrize("command", list(parsers()))
def test_every_help_ends_with_two_or_three_examples_that_parse(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"] if command else ["--help"])
    assert exc.value.code == 0
    head, _, examples = capsys.readouterr().out.rstrip().rpartition("\nexamples:\n")
    lines = examples.splitlines()
    assert head and 2 <= len(lines) <= 3
    for line in lines:
        words = shlex.split(line)
        assert words[0] == "digigov" and (command is None or words[1] == command)
        cli._parser().parse_args(words[1:])  # a usage error here exits 2 and fails the test
