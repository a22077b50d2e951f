"""The ITU Global Cybersecurity Index reader (World Bank Data360 API CSV), its schemas and its
mapping, on the real file and on small damaged copies.

Fault policy (see sources/itu_gci.py): a missing or repeated column, another series, database,
unit, multiplier or a breakdown, a cut or empty file fails the file (SourceFileError naming the
file and column); a short line, a non-ISO3 code, text or a value outside 0-100, or a duplicated
economy x year quarantines that row with a reason, and the rest loads.
"""

import csv

import pytest

from digigov.errors import FetchError, SourceFileError
from digigov.settings import EMBEDDED_SNAPSHOTS
from digigov.sources import itu_gci
from digigov.sources.snapshots import SnapshotFile, sha256_of, verify
from digigov.transforms.context import context_for
from digigov.transforms.stage import stage_file
from tests.conftest import query

SNAP = EMBEDDED_SNAPSHOTS / "itu_gci"
REAL = SNAP / "itu_gci_2024.csv"
CTX = context_for("itu_gci")
SRC = itu_gci.SOURCE
FOCUS = ["ARM", "AZE", "GEO", "KAZ", "KGZ", "TJK", "UZB"]


def snapshot_file(path):
    data = path.read_bytes()
    return SnapshotFile(path, sha256_of(data), len(data), {})


def raw_values(path=REAL):
    """{(ISO3, year): score} through the csv module alone."""
    with open(path, encoding="utf-8", newline="") as fh:
        return {(r["REF_AREA"], int(r["TIME_PERIOD"])): float(r["OBS_VALUE"]) for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def staged():
    return stage_file(SRC, snapshot_file(REAL), CTX)


def test_snapshot_verifies_and_the_release_is_the_latest_edition():
    files, warnings = verify(SNAP, itu_gci.FILE_GLOB, {})
    assert [f.name for f in files] == [REAL.name] and warnings == []
    assert itu_gci.release_of(REAL, CTX) == "2024" == files[0].meta["release"]


def test_every_value_equals_the_file(staged):
    obs, rejects, _ = staged
    assert rejects.empty
    expected = raw_values()
    assert len(expected) == 388 and {y for _, y in expected} == {2020, 2024}
    assert obs.set_index(["iso3", "year"])["value"].to_dict() == expected
    assert set(obs["indicator_id"]) == {"itu.gci"}


def test_focus_values_equal_the_file(staged):
    got = staged[0].set_index(["iso3", "year"])["value"]
    expected = {k: v for k, v in raw_values().items() if k[0] in FOCUS}
    assert len(expected) == 14
    for key, value in expected.items():
        assert got[key] == value, key


# ---- damaged copies -------------------------------------------------------------------------

def _copy(tmp_path, mutate):
    path = tmp_path / REAL.name
    path.write_text(mutate(REAL.read_text(encoding="utf-8")), encoding="utf-8")
    return path


def test_missing_column_fails_the_file_naming_it(tmp_path):
    path = _copy(tmp_path, lambda t: t.replace("OBS_VALUE,", "VALUE,", 1))
    with pytest.raises(SourceFileError, match=r"itu_gci_2024\.csv: header: missing column 'OBS_VALUE'"):
        itu_gci.read(path, CTX)


def test_other_unit_series_or_breakdown_fails_the_file_naming_the_column(tmp_path):
    for old, new, column in ((",0_TO_100,", ",PCT,", "UNIT_MEASURE"),
                             (",ITU_GCI_GCI_OVRL_SCRE,", ",ITU_GCI_LEGL_SCRE,", "INDICATOR"),
                             (",_T,_T,_T,", ",F,_T,_T,", "SEX")):
        path = _copy(tmp_path, lambda t: t.replace(old, new, 1))
        with pytest.raises(SourceFileError, match=rf"itu_gci_2024\.csv.*column '{column}'"):
            stage_file(SRC, snapshot_file(path), CTX, "2024")


def test_truncated_file_fails(tmp_path):
    path = _copy(tmp_path, lambda t: t[:-10])
    with pytest.raises(SourceFileError, match=r"itu_gci_2024\.csv: last line is not terminated"):
        itu_gci.read(path, CTX)


def test_bad_rows_are_rejected_with_line_and_reason_only(tmp_path):
    def damage(text):
        lines = text.split("\n")
        lines[1] = "n.a." + lines[1][lines[1].index(","):]     # AFG 2020: text score
        lines[2] = "140" + lines[2][lines[2].index(","):]      # ALB 2020: above 100
        lines[3] = lines[3].rsplit(",", 2)[0]                   # DZA 2020: two fields short
        return "\n".join(lines)
    path = _copy(tmp_path, damage)
    obs, rejects, _ = stage_file(SRC, snapshot_file(path), CTX, "2024")
    reasons = rejects.set_index("row")["reason"]
    assert set(reasons.index) == {2, 3, 4}
    assert "OBS_VALUE" in reasons[2] and "in_range" in reasons[3] and "fields" in reasons[4]
    assert len(obs) == 388 - 3


# ---- fetch ----------------------------------------------------------------------------------

def test_fetch_asks_for_the_series_and_refuses_html(httpserver):
    httpserver.expect_request("/data360/data", query_string={
        "DATABASE_ID": "ITU_GCI", "INDICATOR": "ITU_GCI_GCI_OVRL_SCRE", "format": "csv", "top": "2000"},
    ).respond_with_data(REAL.read_bytes())
    assert itu_gci.fetch(CTX, httpserver.url_for("/data360")) == {REAL.name: REAL.read_bytes()}
    httpserver.clear()
    httpserver.expect_request("/data360/data").respond_with_data("<html>down</html>", content_type="text/html")
    with pytest.raises(FetchError, match="not with a Data360 API CSV"):
        itu_gci.fetch(CTX, httpserver.url_for("/data360"))


# ---- in the warehouse -----------------------------------------------------------------------

def test_gci_is_in_force_and_feeds_dimension_6(warehouse):
    expected = {k: v for k, v in raw_values().items() if k[0] in FOCUS}
    got = query(warehouse, f"""SELECT iso3, year, value FROM observations
                              WHERE indicator_id = 'itu.gci' AND iso3 IN {tuple(FOCUS)}""")
    assert {(i, y): v for i, y, v in got} == expected
    assert query(warehouse, "SELECT dimension_id FROM indicators WHERE indicator_id = 'itu.gci'") == [(6,)]
    components = {r[0]: r[1:] for r in query(warehouse, f"""SELECT iso3, indicator_id, value_year, value, normalised
                                          FROM readiness_components WHERE dimension_id = 6 AND ref_year = 2024
                                          AND concept = 'cybersecurity' AND iso3 IN {tuple(FOCUS)}""")}
    for iso3 in FOCUS:  # the cybersecurity concept of the 2024 matrix is the GCI's raw cell, on 0-100
        value = expected[(iso3, 2024)]
        assert components[iso3] == ("itu.gci", 2024, value, pytest.approx(value / 100)), iso3
