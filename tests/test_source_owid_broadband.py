"""The Our World in Data broadband reader, its schemas and its mapping, on the two real downloads
(vintages dl2023-04 and dl2024-06) and on small damaged copies.

Fault policy (see sources/owid_broadband.py): a header other than the configured grapher layout,
a cut last line, a file name without its vintage or a file far too short fails the file
(SourceFileError naming the file); a short line, text in the value or year, a value outside the
indicator's scale or a duplicated entity x year quarantines that row with a reason. Aggregates
(OWID_* codes, rows without a code) are left out with their reason, not errors.
"""

import csv

import pytest

from digigov.errors import FetchError, SourceFileError
from digigov.settings import EMBEDDED_SNAPSHOTS
from digigov.sources import owid_broadband
from digigov.sources.base import EXCLUDED
from digigov.sources.snapshots import SnapshotFile, sha256_of, verify
from digigov.transforms.context import context_for
from digigov.transforms.stage import stage_file
from tests.conftest import query

SNAP = EMBEDDED_SNAPSHOTS / "owid_broadband"
NEW = SNAP / "broadband-penetration-by-country__dl2024-06.csv"
OLD = SNAP / "broadband-penetration-by-country__dl2023-04.csv"
CTX = context_for("owid_broadband")
SRC = owid_broadband.SOURCE
FOCUS = ["ARM", "AZE", "GEO", "KAZ", "KGZ", "TJK", "UZB"]
IND = "wdi.IT.NET.BBND.P2"
VALUE = "Fixed broadband subscriptions (per 100 people)"


def snapshot_file(path):
    data = path.read_bytes()
    return SnapshotFile(path, sha256_of(data), len(data), {})


def raw_rows(path):
    """The file through the csv module alone: {(ISO3, year): value} for rows with a 3-letter code
    (or none and a name that config maps to one: the Faeroe Islands in dl2024-06)."""
    by_name = CTX.config["name_overrides"]
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [(r["Code"] or by_name.get(r["Entity"], ""), r) for r in csv.DictReader(fh)]
    return {(code, int(r["Year"])): float(r[VALUE]) for code, r in rows if len(code) == 3}


@pytest.fixture(scope="module")
def staged():
    return {p.name: stage_file(SRC, snapshot_file(p), CTX, owid_broadband.release_of(p, CTX)) for p in (OLD, NEW)}


def test_snapshot_verifies_against_its_manifest():
    files, warnings = verify(SNAP, owid_broadband.FILE_GLOB, {})
    assert sorted(f.name for f in files) == [OLD.name, NEW.name] and warnings == []
    assert {f.name: f.meta["release"] for f in files} == {OLD.name: "dl2023-04", NEW.name: "dl2024-06"}


def test_release_is_the_vintage_in_the_file_name(tmp_path):
    assert owid_broadband.release_of(NEW, CTX) == "dl2024-06"
    assert owid_broadband.release_of(OLD, CTX) == "dl2023-04"
    with pytest.raises(SourceFileError, match=r"broadband\.csv: file name carries no download vintage"):
        owid_broadband.release_of(tmp_path / "broadband.csv", CTX)


def test_both_files_read_with_their_layout():
    for path, n in ((OLD, 3888), (NEW, 4031)):
        raw = owid_broadband.read(path, CTX)
        assert len(raw) == n and raw["_row"].iloc[0] == 2 and (raw["_fields"] == 4).all(), path.name


def test_every_country_value_equals_the_file(staged):
    for path in (OLD, NEW):
        obs, rejects, _ = staged[path.name]
        got = obs.set_index(["iso3", "year"])["value"].to_dict()
        assert got == raw_rows(path), path.name
        assert set(obs["indicator_id"]) == {IND}
        assert rejects["reason"].str.startswith(EXCLUDED).all(), path.name


def test_focus_values_equal_their_files(staged):
    """All seven focus countries are in both vintages; each value is the file's cell."""
    for path in (OLD, NEW):
        obs = staged[path.name][0]
        focus = obs[obs["iso3"].isin(FOCUS)].set_index(["iso3", "year"])["value"].to_dict()
        expected = {k: v for k, v in raw_rows(path).items() if k[0] in FOCUS}
        assert focus == expected and {k[0] for k in focus} == set(FOCUS), path.name
    # the vintages differ where ITU/WDI revised: UZB 2019 was revised down
    old, new = raw_rows(OLD), raw_rows(NEW)
    assert old[("UZB", 2019)] > new[("UZB", 2019)]


def test_aggregates_are_excluded_with_a_reason_and_the_faeroes_mapped_by_name(staged):
    obs, rejects, _ = staged[NEW.name]
    with open(NEW, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    no_code = [r for r in rows if not r["Code"] and r["Entity"] != "Faeroe Islands"]
    owid = [r for r in rows if r["Code"].startswith("OWID_")]
    assert len(rejects) == len(no_code) + len(owid)
    assert rejects["reason"].str.contains("aggregate").all()
    faeroes = {int(r["Year"]): float(r[VALUE]) for r in rows if r["Entity"] == "Faeroe Islands"}
    assert faeroes and obs[obs["iso3"] == "FRO"].set_index("year")["value"].to_dict() == faeroes


# ---- damaged copies -------------------------------------------------------------------------

def _copy(tmp_path, mutate, name=NEW.name):
    path = tmp_path / name
    path.write_text(mutate(NEW.read_text(encoding="utf-8")), encoding="utf-8")
    return path


def test_renamed_value_column_fails_the_file_naming_it(tmp_path):
    path = _copy(tmp_path, lambda t: t.replace("(per 100 people)", "(per 1,000 people)", 1))
    with pytest.raises(SourceFileError, match=r"__dl2024-06\.csv: header: missing column "
                                              r"'Fixed broadband subscriptions \(per 100 people\)'"):
        owid_broadband.read(path, CTX)


def test_cut_last_line_fails_the_file(tmp_path):
    path = _copy(tmp_path, lambda t: t.rsplit(",", 1)[0])
    with pytest.raises(SourceFileError, match=r"__dl2024-06\.csv: line 4032 \(the last\) has 3 of 4 fields"):
        owid_broadband.read(path, CTX)


def test_a_short_file_fails(tmp_path):
    path = _copy(tmp_path, lambda t: "\n".join(t.split("\n")[:100]))
    with pytest.raises(SourceFileError, match="at least 3000 data rows"):
        stage_file(SRC, snapshot_file(path), CTX, "dl2024-06")


def test_bad_rows_are_rejected_with_line_and_reason_only(tmp_path):
    def damage(text):
        lines = text.split("\n")
        lines[1] = lines[1].rsplit(",", 1)[0] + ",n/a"        # AFG 2004: text value
        lines[2] = lines[2].rsplit(",", 1)[0] + ",250"        # AFG 2005: outside 0-100
        lines[3] = lines[3].rsplit(",", 1)[0]                 # AFG 2006: one field short
        lines[5] = lines[4]                                   # AFG 2007 duplicated as 2008's line
        return "\n".join(lines)
    path = _copy(tmp_path, damage)
    obs, rejects, _ = stage_file(SRC, snapshot_file(path), CTX, "dl2024-06")
    invalid = rejects[~rejects["reason"].str.startswith(EXCLUDED)].set_index("row")["reason"]
    assert set(invalid.index) == {2, 3, 4, 5, 6}
    assert "n/a" in invalid[2] or "float" in invalid[2]
    assert "in_range" in invalid[3] and "fields" in invalid[4]
    assert not obs[(obs["iso3"] == "AFG") & obs["year"].isin([2004, 2005, 2006, 2007])].shape[0]
    assert len(obs) == len(raw_rows(NEW)) - 5


# ---- fetch ----------------------------------------------------------------------------------

def test_fetch_stores_a_dated_download_and_refuses_html(httpserver):
    httpserver.expect_request("/chart.csv").respond_with_data(NEW.read_bytes())
    got = owid_broadband.fetch(CTX, httpserver.url_for("/chart.csv"))
    (name, data), = got.items()
    assert data == NEW.read_bytes() and owid_broadband.release_of(SNAP / name, CTX).startswith("dl")
    httpserver.clear()
    httpserver.expect_request("/chart.csv").respond_with_data("<html>busy</html>", content_type="text/html")
    with pytest.raises(FetchError, match="not with the OWID grapher CSV"):
        owid_broadband.fetch(CTX, httpserver.url_for("/chart.csv"))


# ---- in the warehouse: one indicator with wb_api, and finding F12 ---------------------------

def test_owid_and_world_bank_are_one_indicator_with_the_world_bank_first(warehouse):
    """Where wb_api carries a cell its value is in force (precedence 0 over OWID's -1); elsewhere
    the newest OWID vintage is."""
    rows = query(warehouse, f"""SELECT source_id, release, is_current, count(*) FROM observations_all
                               WHERE indicator_id = '{IND}' GROUP BY ALL""")
    by = {(s, r, c): n for s, r, c, n in rows}
    wb = [k for k in by if k[0] == "wb_api"]
    assert wb and all(k[2] for k in wb)  # the World Bank's own values are never overridden
    overlap = query(warehouse, f"""SELECT count(*) FROM observations_all o JOIN observations_all w
                                  USING (iso3, indicator_id, year)
                                  WHERE o.indicator_id = '{IND}' AND o.source_id = 'owid_broadband'
                                    AND o.release = 'dl2024-06' AND w.source_id = 'wb_api'""")[0][0]
    assert overlap > 0 and by[("owid_broadband", "dl2024-06", False)] == overlap


def test_focus_values_in_force_are_the_newest_vintage(warehouse):
    new = raw_rows(NEW)
    got = query(warehouse, f"""SELECT iso3, year, value, release FROM observations
                              WHERE indicator_id = '{IND}' AND iso3 IN {tuple(FOCUS)}""")
    assert {(i, y): v for i, y, v, _ in got} == {k: v for k, v in new.items() if k[0] in FOCUS}
    assert {r for *_, r in got} == {"dl2024-06"}


def test_f12_gets_the_verdict_the_2020_values_give(warehouse):
    values = {k[0]: v for k, v in raw_rows(NEW).items() if k[0] in FOCUS and k[1] == 2020}
    assert sorted(values) == FOCUS
    expected = "holds" if all(1 <= v <= 25 for v in values.values()) else "contradicted"
    status, detail = query(warehouse, "SELECT check_status, check_detail FROM findings WHERE finding_id = 'F12'")[0]
    assert status == expected
    for iso3, v in values.items():
        mark = "" if 1 <= v <= 25 else " (outside 1-25)"
        assert f"{iso3} {round(v, 2)}{mark}" in detail
    dimension = query(warehouse, f"SELECT dimension_id FROM indicators WHERE indicator_id = '{IND}'")[0][0]
    assert dimension == 7
