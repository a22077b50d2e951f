"""Nothing lost without a word: an empty API answer, a snapshot that drops an indicator's values,
and one broken file of a many-file source never take published data away silently.

Run as a user runs the product (`digigov run`), against the loopback World Bank stand-in of
tests/test_source_wb_api.py and copies of the embedded snapshots. Expected counts are computed
from the published warehouse or the snapshot files, never copied from output.
"""

from __future__ import annotations

import json
import shutil

import pytest

from digigov.flows.cli import main
from digigov.settings import EMBEDDED_SNAPSHOTS
from digigov.sources.snapshots import MANIFEST, sha256_of
from tests.conftest import query
from tests.test_source_wb_api import BBND, USER_ALL, paged, records, serve

BBND_ID = "wdi.IT.NET.BBND.P2"
NO_DATA = {  # the API's "no data" answers: a null or empty page, numbered 1 or (some servers) 0
    "page 1, null": b'[{"page":1,"pages":0,"per_page":1000,"total":0,"sourceid":"2","lastupdated":"2026-07-13"},null]',
    "page 0, null": b'[{"page":0,"pages":0,"per_page":1000,"total":0,"sourceid":null,"lastupdated":null},null]',
    "page 1, empty": b'[{"page":1,"pages":1,"per_page":1000,"total":0,"sourceid":"2","lastupdated":"2026-07-13"},[]]',
}


def serve_api(httpserver, monkeypatch, user: list[dict], bbnd: list[bytes]) -> None:
    """The three configured indicators as `digigov run --online` asks for them; mobile has no data."""
    httpserver.clear()
    monkeypatch.setenv("DIGIGOV_WB_API_URL", httpserver.url_for("/v2"))
    serve(httpserver, "IT.NET.USER.ZS", paged(user, 1000), 1000)
    serve(httpserver, "IT.NET.BBND.P2", bbnd, 1000)
    serve(httpserver, "IT.CEL.SETS.P2", [NO_DATA["page 1, null"]], 1000)


def run(wh, *args) -> int:
    return main(["run", "--local", "--warehouse", str(wh), *args])


def rows_of(wh, source_id: str, indicator_id: str | None = None):
    """Every stored value of a source (or of one of its indicators): what must not be lost."""
    return query(wh, "SELECT iso3, indicator_id, year, value, release FROM observations_all WHERE source_id = ? "
                     "AND (? IS NULL OR indicator_id = ?) ORDER BY ALL", [source_id, indicator_id, indicator_id])


def values_in(recs: list[dict]) -> int:
    return sum(r["value"] is not None for r in recs)


# ---- 1. an empty answer is not "no values" -------------------------------------------------------

@pytest.mark.parametrize("answer", NO_DATA)
def test_an_empty_api_answer_keeps_the_last_good_snapshot_and_the_published_rows(
        httpserver, monkeypatch, tmp_path, isolated_home, capsys, answer):
    wh = tmp_path / "w.duckdb"
    serve_api(httpserver, monkeypatch, records(USER_ALL), paged(records(BBND), 1000))
    assert run(wh, "--online", "--only", "wb_api") == 0
    stored = isolated_home / "snapshots" / "wb_api"
    before = {p.name: p.read_bytes() for p in stored.iterdir()}
    published = rows_of(wh, "wb_api")
    assert any(r[1] == BBND_ID for r in published)
    fetched_on = json.loads((stored / MANIFEST).read_text())["files"][0]["retrieved_at"][:10]
    capsys.readouterr()

    serve_api(httpserver, monkeypatch, records(USER_ALL), [NO_DATA[answer]])
    assert run(wh, "--online", "--only", "wb_api") == 0
    out, err = capsys.readouterr()
    said = (f"the API returned no data for IT.NET.BBND.P2 (page {answer[5]}: total 0); keeping "
            f"{values_in(records(BBND)):,} values from the fetched snapshot of {fetched_on}")
    assert said in err and "STALE: " + said in out
    assert "asked for page" not in err  # the page number is not taken for the fault
    assert {p.name: p.read_bytes() for p in stored.iterdir()} == before
    assert rows_of(wh, "wb_api") == published
    assert set(query(wh, "SELECT stale, error LIKE '%' || ? || '%' FROM sources WHERE source_id = 'wb_api'",
                     [said])) == {(True, True)}


def test_with_strict_an_empty_api_answer_fails_the_run(httpserver, monkeypatch, tmp_path, capsys):
    """The first online run: the last good snapshot is the embedded one, which has broadband values."""
    wh = tmp_path / "w.duckdb"
    assert run(wh, "--only", "wb_api") == 0
    published = rows_of(wh, "wb_api")
    retrieved = {f["file"]: f["retrieved_at"] for f in json.loads(
        (EMBEDDED_SNAPSHOTS / "wb_api" / MANIFEST).read_text())["files"]}["IT.NET.BBND.P2.json"]
    serve_api(httpserver, monkeypatch, records(USER_ALL), [NO_DATA["page 0, null"]])
    capsys.readouterr()
    assert run(wh, "--online", "--strict", "--only", "wb_api") == 1
    err = capsys.readouterr().err
    assert "--strict" in err and (f"the API returned no data for IT.NET.BBND.P2 (page 0: total 0); keeping "
                                  f"{values_in(records(BBND)):,} values from the embedded snapshot of {retrieved}") in err
    assert rows_of(wh, "wb_api") == published
    assert query(wh, "SELECT status FROM runs ORDER BY started_at DESC LIMIT 1") == [("succeeded",)]


# ---- 2. a guard on every source ---------------------------------------------------------------------

def test_a_short_api_answer_keeps_the_published_rows_of_that_indicator_only(
        httpserver, monkeypatch, tmp_path, capsys):
    """The API answers broadband for one country of five: the guard keeps the published broadband
    rows; internet use, revised in the same answer, loads."""
    wh = tmp_path / "w.duckdb"
    serve_api(httpserver, monkeypatch, records(USER_ALL), paged(records(BBND), 1000))
    assert run(wh, "--online", "--only", "wb_api") == 0
    broadband = rows_of(wh, "wb_api", BBND_ID)
    one_country = [r for r in records(BBND) if r["countryiso3code"] == "USA"]
    revised = [{**r, "value": 99.5} if (r["countryiso3code"], r["date"]) == ("KAZ", "2020") else r
               for r in records(USER_ALL)]
    assert revised != records(USER_ALL)
    serve_api(httpserver, monkeypatch, revised, paged(one_country, 1000))
    capsys.readouterr()

    assert run(wh, "--online", "--only", "wb_api") == 0
    out, err = capsys.readouterr()
    published, staged = len(broadband), values_in(one_country)
    said = f"{BBND_ID} of wb_api: this run's snapshot has {staged:,} of its {published:,} published values"
    assert said in err and "DROP HELD BACK: " + said in out and "--accept-drops wb_api" in out
    assert rows_of(wh, "wb_api", BBND_ID) == broadband
    assert query(wh, "SELECT value FROM observations_all WHERE source_id = 'wb_api' AND iso3 = 'KAZ' "
                     "AND year = 2020 AND indicator_id = 'wdi.IT.NET.USER.ZS'") == [(99.5,)]
    assert query(wh, "SELECT published_values, staged_values, decision FROM guarded_drops") == [
        (published, staged, "kept the published rows")]
    notes = query(wh, "SELECT guard FROM sources WHERE source_id = 'wb_api' AND guard IS NOT NULL")
    assert notes and all(f"{BBND_ID}: kept its {published:,} published values" in n for (n,) in notes)
    held = json.loads(query(wh, "SELECT sources FROM runs ORDER BY started_at DESC LIMIT 1")[0][0])
    assert held["wb_api"]["drops_held_back"] == [BBND_ID]
    assert main(["status", "--warehouse", str(wh)]) == 0
    report = capsys.readouterr().out
    assert "Drops caught by the guard" in report and BBND_ID in report.split("Drops caught by the guard")[1]

    # the publisher really cut the series: a person accepts it
    assert run(wh, "--online", "--only", "wb_api", "--accept-drops", "wb_api") == 0
    assert "DROP ACCEPTED: " + said in capsys.readouterr().out
    assert len(rows_of(wh, "wb_api", BBND_ID)) == staged
    assert query(wh, "SELECT decision FROM guarded_drops") == [("dropped (--accept-drops)",)]
    assert query(wh, "SELECT count(*) FROM sources WHERE guard IS NOT NULL")[0][0] == 0


def bulk_without_mobile(tmp_path):
    """A wdi_bulk snapshot as a download would give it without the mobile-subscription files:
    files and manifest entries both gone, so nothing says a file is missing."""
    folder = tmp_path / "snaps" / "wdi_bulk"
    shutil.copytree(EMBEDDED_SNAPSHOTS / "wdi_bulk", folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    gone = [f["file"] for f in manifest["files"] if "IT.CEL.SETS.P2" in f["file"]]
    assert len(gone) == 2
    for name in gone:
        (folder / name).unlink()
    manifest["files"] = [f for f in manifest["files"] if f["file"] not in gone]
    (folder / MANIFEST).write_text(json.dumps(manifest))
    return folder.parent, gone


@pytest.mark.parametrize("engine", [pytest.param(["--local"], id="local"),
                                    pytest.param([], marks=pytest.mark.prefect, id="prefect")])
def test_a_snapshot_without_an_indicator_keeps_it_until_a_person_accepts(tmp_path, warehouse_copy, capsys, engine):
    """Not the API: a bulk download without its mobile files would remove an indicator. Both engines."""
    wh = warehouse_copy
    mobile = rows_of(wh, "wdi_bulk", "wdi.IT.CEL.SETS.P2")
    internet = rows_of(wh, "wdi_bulk", "wdi.IT.NET.USER.ZS")
    snaps, gone = bulk_without_mobile(tmp_path)
    args = ["run", *engine, "--only", "wdi_bulk", "--snapshots", str(snaps), "--warehouse", str(wh)]
    capsys.readouterr()

    assert main(args) == 0
    out = capsys.readouterr().out
    assert (f"DROP HELD BACK: wdi.IT.CEL.SETS.P2 of wdi_bulk: this run's snapshot has none of its "
            f"{len(mobile):,} published values; kept the published rows") in out
    assert rows_of(wh, "wdi_bulk", "wdi.IT.CEL.SETS.P2") == mobile
    assert rows_of(wh, "wdi_bulk", "wdi.IT.NET.USER.ZS") == internet
    kept_files = dict(query(wh, "SELECT file, stale FROM sources WHERE source_id = 'wdi_bulk' AND guard IS NOT NULL"))
    assert kept_files == {name: True for name in gone}  # the files the kept rows come from, still cited

    assert main([*args[:-2], "--accept-drops", "wdi_bulk", *args[-2:]]) == 0
    assert "DROP ACCEPTED: wdi.IT.CEL.SETS.P2 of wdi_bulk" in capsys.readouterr().out
    assert rows_of(wh, "wdi_bulk", "wdi.IT.CEL.SETS.P2") == []
    assert rows_of(wh, "wdi_bulk", "wdi.IT.NET.USER.ZS") == internet


def test_accept_drops_names_known_sources_only(tmp_path, capsys):
    assert main(["run", "--local", "--accept-drops", "wb_api,nope", "--warehouse", str(tmp_path / "w.duckdb")]) == 2
    assert "--accept-drops: unknown source 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "w.duckdb").exists()


# ---- 3. one bad file fails one file, not a source -------------------------------------------------

BROKEN = "EGOV_DATA_2020.csv"


def survey_copy(tmp_path, how: str):
    """The UN survey snapshot with EGOV_DATA_2020.csv cut in half, and KAZ's 2022 EGDI revised.
    `recorded`: the manifest vouches for the broken bytes (as a fetch would have stored them);
    `changed`: the file changed after it was recorded."""
    folder = tmp_path / "snaps" / "un_egov"
    shutil.copytree(EMBEDDED_SNAPSHOTS / "un_egov", folder)
    broken = folder / BROKEN
    broken.write_bytes(broken.read_bytes()[: broken.stat().st_size // 2])
    revised = folder / "EGOV_DATA_2022.csv"
    text = revised.read_bytes()
    line = next(x for x in text.split(b"\n") if b'"Kazakhstan' in x)
    revised.write_bytes(text.replace(line, line.replace(b",0.8", b",0.7", 1)))
    manifest = json.loads((folder / MANIFEST).read_text())
    for entry in manifest["files"]:
        if entry["file"] == "EGOV_DATA_2022.csv" or (how == "recorded" and entry["file"] == BROKEN):
            data = (folder / entry["file"]).read_bytes()
            entry.update(sha256=sha256_of(data), size=len(data))
    (folder / MANIFEST).write_text(json.dumps(manifest))
    return folder.parent


def kaz_2022(wh):
    return query(wh, "SELECT value FROM observations WHERE iso3 = 'KAZ' AND year = 2022 AND indicator_id = 'un.egdi'")


@pytest.mark.parametrize("how, reason", [("recorded", "truncated"), ("changed", "bytes do not match the manifest")])
def test_a_broken_year_on_a_first_build_loads_the_other_years(tmp_path, capsys, how, reason):
    wh = tmp_path / "w.duckdb"
    assert run(wh, "--only", "un_egov", "--snapshots", str(survey_copy(tmp_path, how))) == 0
    out, err = capsys.readouterr()
    assert f"un_egov: {BROKEN} FAILED" in err and reason in err
    assert f"{BROKEN} FAILED" in out and "nothing of it had been published before" in out
    assert "kept its last published data" not in out + err
    years = {r[0] for r in query(wh, "SELECT DISTINCT year FROM observations WHERE source_id = 'un_egov'")}
    expected = {int(p.stem[-4:]) for p in (EMBEDDED_SNAPSHOTS / "un_egov").glob("EGOV_DATA_*.csv")} - {2020}
    assert years == expected
    assert kaz_2022(wh)[0][0] < 0.8  # the revised 2022 file loaded
    state = {f: (stale, error is not None) for f, stale, error in query(
        wh, "SELECT file, stale, error FROM sources WHERE source_id = 'un_egov'")}
    assert state.pop(BROKEN) == (True, True) and set(state.values()) == {(False, False)}
    assert query(wh, "SELECT status FROM runs") == [("succeeded with failed files",)]
    assert main(["status", "--warehouse", str(wh)]) == 0
    failures = capsys.readouterr().out.split("Stale: failed fetches, sources and files")[1].split("==")[0]
    assert BROKEN in failures and failures.split(BROKEN)[1].split("\n")[0].rstrip().endswith(" 0")


def test_a_broken_year_on_a_later_build_keeps_its_published_rows(tmp_path, capsys):
    wh = tmp_path / "w.duckdb"
    assert run(wh, "--only", "un_egov") == 0
    year_2020 = query(wh, "SELECT iso3, indicator_id, value, release FROM observations_all "
                          "WHERE source_id = 'un_egov' AND file = ? ORDER BY ALL", [BROKEN])
    before_2022 = kaz_2022(wh)
    capsys.readouterr()

    assert run(wh, "--only", "un_egov", "--snapshots", str(survey_copy(tmp_path, "recorded"))) == 0
    out, err = capsys.readouterr()
    said = f"kept its last published data ({len(year_2020):,} rows of release 2020, marked stale)"
    assert f"{BROKEN} FAILED" in out and "truncated" in out and said in out and said in err
    assert query(wh, "SELECT iso3, indicator_id, value, release FROM observations_all "
                     "WHERE source_id = 'un_egov' AND file = ? ORDER BY ALL", [BROKEN]) == year_2020
    assert kaz_2022(wh) != before_2022
    assert query(wh, "SELECT stale, error LIKE '%truncated%' FROM sources WHERE file = ?", [BROKEN]) == [(True, True)]
    assert query(wh, "SELECT count(*) FROM guarded_drops")[0][0] == 0


def test_with_strict_a_broken_year_fails_the_run(tmp_path, capsys):
    wh = tmp_path / "w.duckdb"
    assert run(wh, "--only", "un_egov", "--strict", "--snapshots", str(survey_copy(tmp_path, "recorded"))) == 1
    assert f"{BROKEN} failed and --strict is set" in capsys.readouterr().err
    assert not wh.exists()


def test_every_file_broken_fails_the_source_and_names_each_file(tmp_path, capsys):
    folder = tmp_path / "snaps" / "un_egov"
    folder.mkdir(parents=True)
    for year in (2020, 2022):
        data = (EMBEDDED_SNAPSHOTS / "un_egov" / f"EGOV_DATA_{year}.csv").read_bytes()
        (folder / f"EGOV_DATA_{year}.csv").write_bytes(data[: len(data) // 2])
    wh = tmp_path / "w.duckdb"
    assert run(wh, "--only", "un_egov", "--snapshots", str(folder.parent)) == 0
    out = capsys.readouterr().out
    assert "un_egov          FAILED: " in out and "every file failed" in out
    assert "EGOV_DATA_2020.csv" in out and "EGOV_DATA_2022.csv" in out
    assert "nothing of it had been published before" in out and "kept its last published data" not in out


# ---- the guard's limits: config/guard.yaml -----------------------------------------------------------

@pytest.fixture
def guard_config(tmp_path, monkeypatch):
    """A copy of config/ the run reads; call the fixture with the text of its guard.yaml."""
    from digigov import settings

    folder = tmp_path / "config"
    shutil.copytree(settings.CONFIG_DIR, folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    monkeypatch.setattr(settings, "CONFIG_DIR", folder)

    def write(text: str) -> None:
        (folder / "guard.yaml").write_text(text, encoding="utf-8")
        settings.load_config.cache_clear()  # config is read once per process otherwise

    settings.load_config.cache_clear()
    yield write
    settings.load_config.cache_clear()


def three_survey_years(tmp_path):
    folder = tmp_path / "few" / "un_egov"
    folder.mkdir(parents=True)
    for year in (2020, 2022, 2024):
        shutil.copy(EMBEDDED_SNAPSHOTS / "un_egov" / f"EGOV_DATA_{year}.csv", folder)
    return folder.parent


def test_a_source_may_have_its_own_limit(tmp_path, guard_config, capsys):
    """Three survey years of twelve drop three quarters of each UN index: held back at the default
    limit, let through when un_egov's own limit allows more."""
    wh = tmp_path / "w.duckdb"
    assert run(wh, "--only", "un_egov") == 0
    published = rows_of(wh, "un_egov")
    few = three_survey_years(tmp_path)
    assert run(wh, "--only", "un_egov", "--snapshots", str(few)) == 0
    held = query(wh, "SELECT indicator_id, round(drop_share, 2), max_share FROM guarded_drops ORDER BY 1")
    assert {i for i, _, _ in held} == {"un.egdi", "un.egdi_rank", "un.epi", "un.hci", "un.osi", "un.tii"}
    assert all(0.7 < share < 0.8 and limit == 0.2 for _, share, limit in held)
    assert rows_of(wh, "un_egov") == published

    guard_config("max_drop_share: 0.2\nsources:\n  un_egov: 0.8\n")
    capsys.readouterr()
    assert run(wh, "--only", "un_egov", "--snapshots", str(few)) == 0
    assert "DROP" not in capsys.readouterr().out
    assert query(wh, "SELECT count(*) FROM guarded_drops")[0][0] == 0
    assert {r[2] for r in rows_of(wh, "un_egov")} == {2020, 2022, 2024}


def test_a_limit_for_an_unknown_source_stops_the_run(tmp_path, guard_config, capsys):
    guard_config("max_drop_share: 0.2\nsources:\n  un_egvo: 0.5\n")
    wh = tmp_path / "w.duckdb"
    assert run(wh, "--only", "un_egov") == 0  # nothing published before: nothing to guard, nothing read
    assert run(wh, "--only", "un_egov") == 1
    assert "config/guard.yaml: sources.un_egvo: unknown source" in capsys.readouterr().err
