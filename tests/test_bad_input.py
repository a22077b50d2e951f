"""Bad input: a clear message naming the file (and row or column); the published warehouse
stays as it was unless the run succeeds."""

import json
import shutil

import pytest

from digigov.flows.cli import main
from digigov.flows.local import refresh as local_refresh
from tests.conftest import query

GOOD = "EGOV_DATA_2020.csv"


@pytest.fixture(scope="module")
def first_build(tmp_path_factory):
    """One warehouse published from the embedded snapshots of un_egov alone, built once for the
    module (smaller than the session warehouse, so each run against a copy is quicker)."""
    wh = tmp_path_factory.mktemp("first") / "wh.duckdb"
    local_refresh(warehouse=str(wh), only=["un_egov"])
    return wh


@pytest.fixture
def published(tmp_path, first_build):
    """A private copy of the first build (and its run history) for a test to run against."""
    wh = tmp_path / "wh.duckdb"
    shutil.copy(first_build, wh)
    shutil.copy(first_build.with_name(first_build.name + ".runs.jsonl"), wh.with_name(wh.name + ".runs.jsonl"))
    return wh


def fingerprint(wh):
    return query(wh, "SELECT count(*), round(sum(value), 6), max(r.run_id) FROM observations_all, "
                     "(SELECT max(run_id) run_id FROM runs) r")


def one_file_folder(tmp_path, content: bytes, name: str = GOOD):
    """A --snapshots folder holding a single unrecorded egovkb file."""
    folder = tmp_path / "bad" / "un_egov"
    folder.mkdir(parents=True)
    (folder / name).write_bytes(content)
    return folder.parent


def good_bytes():
    from digigov.settings import EMBEDDED_SNAPSHOTS
    return (EMBEDDED_SNAPSHOTS / "un_egov" / GOOD).read_bytes()


def run_bad(tmp_path, published, capsys, content, name=GOOD, *extra):
    before = fingerprint(published)
    folder = one_file_folder(tmp_path, content, name)
    code = main(["run", "--local", "--only", "un_egov", "--snapshots", str(folder), "--warehouse", str(published),
                 *extra])
    err = capsys.readouterr().err
    return code, err, before


def observations_fingerprint(wh):
    return query(wh, "SELECT count(*), round(sum(value), 6) FROM observations_all WHERE source_id='un_egov'")


FILE_LEVEL = {
    "wrong header": (lambda b: b.replace(b"E-Participation Index", b"EPART", 1), "unexpected header"),
    "truncated": (lambda b: b[: len(b) // 2], "truncated"),
    "non-UTF-8": (lambda b: b.replace("Côte".encode(), "Côte".encode("latin-1")), "not UTF-8"),
    "empty": (lambda b: b"", "file is empty"),
    "missing rows": (lambda b: b"\n".join(b.split(b"\n")[:150]) + b"\n", "expected 193 country rows"),
}


@pytest.mark.parametrize("case", FILE_LEVEL)
def test_file_level_faults_fail_the_source_and_keep_its_published_data(tmp_path, published, capsys, case):
    mutate, message = FILE_LEVEL[case]
    before = observations_fingerprint(published)
    code, err, _ = run_bad(tmp_path, published, capsys, mutate(good_bytes()))
    assert code == 0
    assert "un_egov: FAILED" in err and GOOD in err and message in err, err
    assert observations_fingerprint(published) == before
    stale = query(published, "SELECT DISTINCT stale, error FROM sources WHERE source_id='un_egov'")
    assert len(stale) == 1 and stale[0][0] is True and GOOD in stale[0][1] and message in stale[0][1]
    assert query(published, "SELECT status FROM runs ORDER BY started_at DESC LIMIT 1")[0][0] == \
        "succeeded with failed sources"


@pytest.mark.parametrize("case", FILE_LEVEL)
def test_file_level_faults_with_strict_fail_the_run_and_publish_nothing(tmp_path, published, capsys, case):
    mutate, message = FILE_LEVEL[case]
    code, err, before = run_bad(tmp_path, published, capsys, mutate(good_bytes()), GOOD, "--strict")
    assert code == 1
    assert GOOD in err and message in err, err
    assert fingerprint(published) == before
    failed = json.loads((published.parent / (published.name + ".runs.jsonl")).read_text().splitlines()[-1])
    assert failed["status"] == "failed" and GOOD in failed["message"]
    assert not list(published.parent.glob(".*.building"))


# These runs replace the twelve published survey years with one file on purpose: the drop guard
# would otherwise keep the published years (tests/test_nothing_lost.py), so they accept the drop.
ONE_YEAR_ONLY = ("--accept-drops", "un_egov")


def replace_line(data: bytes, country: bytes, new_line: bytes) -> bytes:
    lines = data.split(b"\n")
    i = next(i for i, line in enumerate(lines) if country in line)
    lines[i] = new_line
    return b"\n".join(lines)


ROW_LEVEL = {
    "unknown country": (b"Armenia ", b'2020,"Armenland ",68,0.71360,0.75000,0.70000,0.78720,0.65360',
                        "unknown country name 'Armenland'", "ARM"),
    "duplicated country": (b"Azerbaijan ", b'2020,"Armenia ",70,0.71000,0.69050,0.70590,0.77130,0.65280',
                           "column 'Country Name': failed field_uniqueness", "ARM"),
    "short row": (b"Armenia ", b'2020,"Armenia ",68,0.71360', "row must have 8 fields", "ARM"),
    # the rank is a value cell, but without it the scored row breaks the row rule (a scored row
    # carries a rank; a blank rank marks a non-member): the row goes, with both reasons
    "rank out of range": (b"Armenia ", b'2020,"Armenia ",680,0.71360,0.75000,0.70000,0.78720,0.65360',
                          "column 'E-Government Rank': failed in_range(1, 250) (value 680); "
                          "row: failed rank is blank but the row has index values", "ARM"),
}


@pytest.mark.parametrize("case", ROW_LEVEL)
def test_row_level_faults_are_quarantined_and_the_rest_loads(tmp_path, published, capsys, case):
    country, line, reason, iso3 = ROW_LEVEL[case]
    code, err, _ = run_bad(tmp_path, published, capsys, replace_line(good_bytes(), country, line), GOOD,
                           *ONE_YEAR_ONLY)
    assert code == 0, err
    assert f"{GOOD} row" in err and reason in err, err
    rejects = query(published, "SELECT file, row, reason, record FROM rejects "
                               "WHERE source_id = 'un_egov' AND reason NOT LIKE 'excluded:%'")
    assert rejects and all(r[0] == GOOD and reason in r[2] for r in rejects)
    assert query(published, "SELECT count(*) FROM observations_all WHERE iso3=? AND year=2020 "
                            "AND source_id='un_egov'", [iso3])[0][0] == 0
    assert query(published, "SELECT count(DISTINCT iso3) FROM observations_all WHERE source_id='un_egov'")[0][0] >= 190
    assert query(published, "SELECT max(year) FROM observations_all WHERE source_id='un_egov'")[0][0] == 2020


# A bad value cell is rejected on its own: (bad line, reason, the column whose cell is rejected).
CELL_LEVEL = {
    "value outside 0-1": (b'2020,"Armenia ",68,1.71360,0.75000,0.70000,0.78720,0.65360',
                          "column 'E-Government Index': failed in_range(0, 1) (value 1.7136)", "un.egdi"),
    "non-numeric value": (b'2020,"Armenia ",68,n/a,0.75000,0.70000,0.78720,0.65360',
                          "column 'E-Government Index': failed coerce_dtype('float64') (value 'n/a')", "un.egdi"),
}


@pytest.mark.parametrize("case", CELL_LEVEL)
def test_a_bad_value_cell_is_rejected_and_the_rows_other_values_load(tmp_path, published, capsys, case):
    line, reason, lost = CELL_LEVEL[case]
    data = replace_line(good_bytes(), b"Armenia ", line)
    lineno = 1 + next(i for i, text in enumerate(data.split(b"\n")) if text == line)
    code, err, _ = run_bad(tmp_path, published, capsys, data, GOOD, *ONE_YEAR_ONLY)
    assert code == 0, err
    assert f"{GOOD} row {lineno}: {reason}" in err, err
    rejects = query(published, "SELECT file, row, reason, record FROM rejects "
                               "WHERE source_id = 'un_egov' AND reason NOT LIKE 'excluded:%'")
    assert len(rejects) == 1 and rejects[0][:2] == (GOOD, lineno) and reason in rejects[0][2]
    record = json.loads(rejects[0][3])
    assert record["Country Name"] == "Armenia" and record == dict(zip(
        ["Survey Year", "Country Name", "E-Government Rank", "E-Government Index", "E-Participation Index",
         "Online Service Index", "Human Capital Index", "Telecommunication Infrastructure Index"],
        [f.strip().strip('"').strip() for f in line.decode().split(",")]))
    loaded = dict(query(published, "SELECT indicator_id, value FROM observations_all WHERE iso3='ARM' "
                                   "AND year=2020 AND source_id='un_egov'"))
    assert lost not in loaded
    assert set(loaded) == {"un.egdi", "un.egdi_rank", "un.epi", "un.osi", "un.hci", "un.tii"} - {lost}
    assert loaded["un.tii"] == 0.6536 and loaded["un.epi"] == 0.75


def test_tampered_snapshot_is_refused(tmp_path, published, capsys, snapshot_copy):
    """The changed file is refused alone: it keeps its published rows, marked stale; the others load."""
    path = snapshot_copy / "un_egov" / GOOD
    path.write_bytes(path.read_bytes().replace(b"0.83750", b"0.93750"))
    before = observations_fingerprint(published)
    code = main(["run", "--local", "--only", "un_egov", "--snapshots", str(snapshot_copy), "--warehouse",
                 str(published)])
    err = capsys.readouterr().err
    assert code == 0 and "bytes do not match the manifest" in err and GOOD in err
    assert observations_fingerprint(published) == before
    stale = dict(query(published, "SELECT file, stale FROM sources WHERE source_id='un_egov'"))
    assert stale.pop(GOOD) is True and len(stale) == 11 and not any(stale.values())
    assert "bytes do not match the manifest" in query(
        published, "SELECT error FROM sources WHERE source_id='un_egov' AND file = ?", [GOOD])[0][0]


def test_a_failed_source_with_nothing_published_before_is_listed_as_failed(tmp_path, capsys):
    folder = one_file_folder(tmp_path, b"")
    wh = tmp_path / "fresh.duckdb"
    assert main(["run", "--local", "--only", "un_egov", "--snapshots", str(folder), "--warehouse", str(wh)]) == 0
    assert "FAILED" in capsys.readouterr().out
    assert query(wh, "SELECT source_id, stale, error LIKE '%file is empty%' FROM sources "
                     "WHERE source_id = 'un_egov'") == [("un_egov", True, True)]
    assert query(wh, "SELECT count(*) FROM observations")[0][0] == 0


def test_unknown_source_and_missing_folder_are_usage_errors(tmp_path, capsys):
    assert main(["run", "--local", "--only", "nope", "--warehouse", str(tmp_path / "w.duckdb")]) == 2
    assert "unknown source 'nope'" in capsys.readouterr().err
    assert main(["run", "--local", "--snapshots", str(tmp_path / "missing"),
                 "--warehouse", str(tmp_path / "w.duckdb")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert not (tmp_path / "w.duckdb").exists()


def test_a_damaged_workbook_fails_its_source_and_the_others_still_load(tmp_path, capsys):
    """A DAI workbook with a renamed column: the message names file, sheet and column; every other
    source loads from its embedded snapshot."""
    import openpyxl

    from digigov.settings import EMBEDDED_SNAPSHOTS

    folder = tmp_path / "snaps" / "wb_dai"
    folder.mkdir(parents=True)
    wb = openpyxl.load_workbook(EMBEDDED_SNAPSHOTS / "wb_dai" / "DAIforweb.xlsx")
    ws = wb["Sheet1"]
    for cell in ws[1]:
        if cell.value == "DAI People Sub-index":
            cell.value = "People"
    wb.save(folder / "DAIforweb.xlsx")
    wh = tmp_path / "w.duckdb"
    assert main(["run", "--local", "--snapshots", str(folder.parent), "--warehouse", str(wh)]) == 0
    err = capsys.readouterr().err
    assert "wb_dai: FAILED" in err and "DAIforweb.xlsx" in err
    assert "sheet 'Sheet1'" in err and "'DAI People Sub-index'" in err
    loaded = dict(query(wh, "SELECT source_id, sum(rows_loaded) FROM sources GROUP BY 1"))
    assert loaded["wb_dai"] == 0 and all(loaded[s] > 0 for s in ("un_egov", "wb_wgi", "wb_gtmi", "itu", "wdi_bulk"))
    assert query(wh, "SELECT stale FROM sources WHERE source_id = 'wb_dai'") == [(True,)]
