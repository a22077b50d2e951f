"""The egovkb reader, its schemas and its mapping to observations, on the real files."""

import csv
import json

import pandas as pd
import pytest

from digigov.errors import SourceFileError
from digigov.settings import EMBEDDED_SNAPSHOTS
from digigov.sources import un_egov
from digigov.transforms.catalogue import catalogue
from digigov.transforms.context import context_for
from digigov.transforms.stage import stage_file
from digigov.sources.snapshots import SnapshotFile, sha256_of
from tests.conftest import FIXTURES

SNAP = EMBEDDED_SNAPSHOTS / "un_egov"
CTX = context_for("un_egov")


def snapshot_file(path):
    data = path.read_bytes()
    return SnapshotFile(path, sha256_of(data), len(data), {})


def test_read_strips_quoted_trailing_spaces_and_keeps_utf8_names():
    raw = un_egov.read(SNAP / "EGOV_DATA_2024.csv")
    assert len(raw) == 193
    names = set(raw["Country Name"])
    assert {"Iraq", "Kyrgyzstan", "Republic of Korea", "Georgia (Country)", "Côte d'Ivoire", "Türkiye"} <= names
    assert not any(n != n.strip() for n in names)
    assert raw.loc[raw["Country Name"] == "Iraq", "_row"].item() == 2


def test_crlf_copy_reads_identically_to_lf():
    lf = un_egov.read(SNAP / "EGOV_DATA_2022.csv").drop(columns="_file")
    crlf = un_egov.read(FIXTURES / "un_egov" / "EGOV_DATA_2022_crlf.csv").drop(columns="_file")
    pd.testing.assert_frame_equal(lf, crlf)


def test_bom_is_ignored(tmp_path):
    path = tmp_path / "EGOV_DATA_2020.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (SNAP / "EGOV_DATA_2020.csv").read_bytes())
    assert list(un_egov.read(path).columns[:8]) == un_egov.HEADER


def test_older_download_gives_the_same_observations_as_the_newer_one(tmp_path):
    """Old names and blank cells (2019 download) against renamed names and 0.00000 (2022 download)."""
    older = tmp_path / "EGOV_DATA_2008.csv"
    older.write_bytes((FIXTURES / "un_egov" / "EGOV_DATA_2008_older_download.csv").read_bytes())
    new_obs, new_rej, _ = stage_file(un_egov.SOURCE, snapshot_file(SNAP / "EGOV_DATA_2008.csv"), CTX)
    old_obs, old_rej, _ = stage_file(un_egov.SOURCE, snapshot_file(older), CTX)
    key = ["iso3", "indicator_id", "year"]
    a = new_obs.sort_values(key).reset_index(drop=True)[key + ["value"]]
    b = old_obs.sort_values(key).reset_index(drop=True)[key + ["value"]]
    pd.testing.assert_frame_equal(a, b)
    assert len(new_rej) == len(old_rej) == 1  # South Sudan, not yet a member


def test_2020_seed_values_and_georgia():
    obs, rejects, _ = stage_file(un_egov.SOURCE, snapshot_file(SNAP / "EGOV_DATA_2020.csv"), CTX)
    assert rejects.empty
    v = obs.set_index(["iso3", "indicator_id"])["value"].round(4)
    seed = {"ARM": (0.7136, 0.7500), "AZE": (0.7100, 0.6905), "GEO": (0.7174, 0.6429),
            "KAZ": (0.8375, 0.8810), "KGZ": (0.6749, 0.7143), "TJK": (0.4649, 0.3452),
            "UZB": (0.6665, 0.8095), "EST": (0.9473, 1.0), "KOR": (0.9560, 1.0)}
    for iso3, (egdi, epi) in seed.items():
        assert v[(iso3, "un.egdi")] == egdi and v[(iso3, "un.epi")] == epi, iso3
    assert v[("KAZ", "un.egdi_rank")] == 29 and v[("GEO", "un.egdi_rank")] == 65
    assert obs["iso3"].nunique() == 193


def test_missing_value_markers():
    """2008: EGDI 0 with HCI 0 is 'not computable' -> missing; 2012: EGDI 0 beside real components is
    the UN's no-online-presence marker -> missing too, with its reason in rejects; the components load."""
    obs08, _, _ = stage_file(un_egov.SOURCE, snapshot_file(SNAP / "EGOV_DATA_2008.csv"), CTX)
    kir = obs08[obs08["iso3"] == "KIR"].set_index("indicator_id")["value"]
    assert "un.egdi" not in kir and "un.hci" not in kir and "un.egdi_rank" not in kir
    assert kir["un.osi"] == pytest.approx(0.06688)
    obs12, rej12, _ = stage_file(un_egov.SOURCE, snapshot_file(SNAP / "EGOV_DATA_2012.csv"), CTX)
    lby = obs12[obs12["iso3"] == "LBY"].set_index("indicator_id")["value"]
    assert "un.egdi" not in lby and lby["un.hci"] == pytest.approx(0.85018)
    marker = rej12[rej12["record"].str.contains('"Libya"') & rej12["reason"].str.contains("no-online-presence")]
    assert len(marker) >= 1 and marker["reason"].str.startswith("excluded:").all()


def test_non_members_are_excluded_with_a_reason():
    _, rejects, _ = stage_file(un_egov.SOURCE, snapshot_file(SNAP / "EGOV_DATA_2003.csv"), CTX)
    excluded = rejects[rejects["reason"].str.startswith("excluded:") & rejects["reason"].str.contains("member")]
    assert sorted(excluded["row"].tolist()) == [37, 181]
    assert {"Montenegro", "South Sudan"} == {r for r in excluded["record"].str.extract(r'"Country Name": "([^"]+)"')[0]}


def _raw_line(path, name):
    """(line number, fields) of a country's line in an egovkb file, read with the csv module."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for lineno, rec in enumerate(csv.reader(fh), start=1):
            if rec and rec[1].strip() == name:
                return lineno, rec
    raise AssertionError(name)


@pytest.mark.parametrize("iso3, name", [("FSM", "Micronesia (Federated States of)"), ("TUV", "Tuvalu")])
def test_publisher_hci_above_one_rejects_the_cell_and_keeps_the_row(iso3, name):
    """2003: Micronesia's HCI is 1.422 and Tuvalu's 1.03, outside 0-1. Only that cell is rejected
    (reason naming the column and the value, the record as published); the row's other values load."""
    path = SNAP / "EGOV_DATA_2003.csv"
    lineno, rec = _raw_line(path, name)
    published = dict(zip(un_egov.HEADER, [f.strip() for f in rec]))
    hci = float(published[un_egov.HCI])
    assert hci > 1
    obs, rejects, _ = stage_file(un_egov.SOURCE, snapshot_file(path), CTX)
    mine = rejects[rejects["row"] == lineno]
    assert len(mine) == 1
    reason = mine["reason"].item()
    assert "column 'Human Capital Index'" in reason and "in_range(0, 1)" in reason
    assert f"value {hci!r}" in reason and "only this cell is rejected" in reason
    assert json.loads(mine["record"].item())[un_egov.HCI] == published[un_egov.HCI]
    loaded = obs[(obs["iso3"] == iso3) & (obs["year"] == 2003)].set_index("indicator_id")["value"]
    assert "un.hci" not in loaded
    for ind in ("un.epi", "un.osi", "un.tii"):
        column = catalogue()[ind]["column"]
        assert loaded[ind] == float(published[column]), ind
    if float(published[un_egov.EGDI]) > 0:  # Micronesia: its EGDI and rank load as published
        assert loaded["un.egdi"] == float(published[un_egov.EGDI])
        assert loaded["un.egdi_rank"] == int(published[un_egov.RANK])


def test_row_schema_catalogue_covers_every_column():
    ids = {spec["column"] for spec in catalogue().values() if spec["source_id"] == "un_egov"}
    assert ids == set(un_egov.HEADER[2:])


@pytest.mark.parametrize("name", ["EGOV_2020.csv", "EGOV_DATA_20.csv"])
def test_file_name_must_carry_the_year(tmp_path, name):
    with pytest.raises(SourceFileError, match="EGOV_DATA_<year>.csv"):
        un_egov.year_of(tmp_path / name)
