"""The ITU DataHub reader, its schemas, its mapping and its download, on the real export."""

import re

import pytest
from werkzeug import Response

from digigov.errors import FetchError, SourceFileError
from digigov.settings import EMBEDDED_SNAPSHOTS
from digigov.sources import itu
from digigov.sources.snapshots import SnapshotFile, read_manifest, sha256_of
from digigov.transforms.catalogue import catalogue
from digigov.transforms.context import context_for
from digigov.transforms.fetch import fetch_snapshot
from digigov.transforms.stage import stage_file, stage_source

SNAP = EMBEDDED_SNAPSHOTS / "itu"
REAL = SNAP / itu.FILE_GLOB
CTX = context_for("itu")
TEXT = REAL.read_bytes().decode("utf-8-sig")
FOCUS = ["ARM", "AZE", "GEO", "KAZ", "KGZ", "TJK", "UZB"]


def snapshot_file(path):
    data = path.read_bytes()
    return SnapshotFile(path, sha256_of(data), len(data), {})


def stage(path=REAL):
    return stage_file(itu.SOURCE, snapshot_file(path), CTX)


def damaged(tmp_path, old: bytes, new: bytes, count=1):
    """A copy of the real export with `old` replaced by `new` (which must occur)."""
    data = REAL.read_bytes()
    assert data.count(old) >= count, old
    path = tmp_path / itu.FILE_GLOB
    path.write_bytes(data.replace(old, new, count))
    return path


def value_in_text(iso3: str, year: int) -> float:
    """The value as it stands in the CSV text, found without the csv module."""
    match = re.search(rf'"{iso3}","[^"]*","([^"]*)",{year},', TEXT)
    assert match, (iso3, year)
    return float(match.group(1))


@pytest.fixture(scope="module")
def staged():
    return stage()


# ---- the real export ------------------------------------------------------------------------

def test_read_parses_records_not_lines_and_strips_the_bom():
    raw = itu.read(REAL, CTX)
    assert REAL.read_bytes()[:3] == b"\xef\xbb\xbf"
    assert list(raw.columns[:13]) == itu.HEADER  # 'seriesID', not '\ufeffseriesID'
    assert len(raw) == 4906 and raw["entityIso"].nunique() == 228
    # 4,930 line breaks and an unterminated last line: 4,931 physical lines for 4,907 records
    assert TEXT.count("\n") == 4930 and not TEXT.endswith("\n")
    assert raw["_row"].tolist() == list(range(2, 4908))
    assert raw.loc[raw["_row"] == 2, ["entityIso", "dataYear", "dataValue"]].values.tolist() == [["ABW", "2000", "15.4428"]]


def test_embedded_newline_record_is_one_row():
    raw = itu.read(REAL, CTX)
    afg = raw[(raw["entityIso"] == "AFG") & (raw["dataYear"] == "2007")]
    assert len(afg) == 1
    assert afg["dataSource"].item() == "ITU estimate.\nITU estimate.\nITU estimate."
    assert afg["dataValue"].item() == "1.9" and afg["_row"].item() == 26
    # the record after it is still a whole record, not a fragment of the multi-line field
    nxt = raw[raw["_row"] == 27]
    assert nxt[["entityIso", "dataYear"]].values.tolist() == [["AFG", "2008"]]
    assert (raw["_fields"] == 13).all()
    # 18 records carry newlines; in 4 (BTN 2011, HUN 2008, JOR 2017, MWI 2011) only a trailing one,
    # which is stripped like all surrounding whitespace
    assert raw["dataSource"].str.contains("\n", na=False).sum() == 14
    assert raw.query("entityIso == 'HUN' and dataYear == '2008'")["dataSource"].item() == "Eurostat."


def test_row_is_the_record_number_not_the_physical_line():
    raw = itu.read(REAL, CTX)
    kaz23 = raw[(raw["entityIso"] == "KAZ") & (raw["dataYear"] == "2023")]["_row"].item()
    physical = next(i for i, line in enumerate(TEXT.split("\n"), start=1)
                    if line.startswith('11624,"i99H"') and '"KAZ","Kazakhstan","92.8785",2023,' in line)
    assert kaz23 == 4584 and physical == 4604


def test_copy_without_bom_reads_identically(tmp_path):
    plain = tmp_path / itu.FILE_GLOB
    plain.write_bytes(REAL.read_bytes()[3:])
    a = itu.read(REAL, CTX).drop(columns="_file")
    b = itu.read(plain, CTX).drop(columns="_file")
    assert a.equals(b)


@pytest.mark.parametrize("iso3,years", [("KAZ", [2000, 2010, 2020, 2023]), ("UZB", [2010, 2020, 2023]),
                                        ("EST", [2000, 2010, 2023]), ("KOR", [2000, 2020, 2023])])
def test_values_match_the_csv_text(staged, iso3, years):
    obs, _, _ = staged
    got = obs[obs["iso3"] == iso3].set_index("year")["value"]
    for year in years:
        assert got[year] == value_in_text(iso3, year), (iso3, year)


def test_seed_values(staged):
    obs, _, _ = staged
    v = obs.set_index(["iso3", "year"])["value"]
    assert v[("KAZ", 2020)] == 85.9426 and v[("KAZ", 2023)] == 92.8785
    assert v[("UZB", 2020)] == 71.1 and v[("UZB", 2023)] == 89.0136
    assert v[("TJK", 2020)] == 27.5441 and v[("TJK", 2023)] == 56.791
    assert v[("EST", 2023)] == 93.1834 and v[("KOR", 2023)] == 97.416
    assert set(obs["indicator_id"]) == {"itu.i99H"}


def test_focus_countries_latest_year_is_2023(staged):
    obs, _, _ = staged
    latest = obs[obs["iso3"].isin(FOCUS)].groupby("iso3")["year"].max()
    assert latest.to_dict() == dict.fromkeys(FOCUS, 2023)
    assert sorted(obs.loc[obs["year"] == 2024, "iso3"]) == ["AUT", "DEU", "DNK", "ECU", "HUN", "LUX", "OMN", "SVK", "TUR"]


def test_itu_codes_are_mapped_and_ascension_is_excluded(staged):
    obs, rejects, _ = staged
    assert {"AAA", "GBJ", "KSO", "ASC"}.isdisjoint(obs["iso3"])
    counts = obs[obs["iso3"].isin(["GGY", "JEY", "XKX"])].groupby("iso3").size().to_dict()
    assert counts == {"GGY": TEXT.count('"AAA","Guernsey"'), "JEY": TEXT.count('"GBJ","Jersey"'),
                      "XKX": TEXT.count('"KSO","Kosovo"')}
    assert len(obs) == 4906 - TEXT.count('"ASC","Ascension"') == 4898
    assert len(rejects) == 8 and rejects["reason"].str.startswith("excluded: Ascension").all()
    assert obs["iso3"].nunique() == 227


def test_estimates_are_kept_as_a_classification(staged):
    obs, _, classes = staged
    assert len(classes) == len(obs)
    basis = classes.set_index(["iso3", "year"])["category"]
    assert basis[("TJK", 2020)] == basis[("TJK", 2023)] == "ITU estimate"
    assert basis[("KAZ", 2023)] == "other source"
    assert basis[("KGZ", 2023)] == "other source"  # "Gallup World Poll (estimate)." is not ITU's
    assert basis[("AFG", 2007)] == "ITU estimate"  # the multi-line dataSource
    assert set(classes["scheme"]) == {"itu_i99H_basis"}
    assert classes["category"].value_counts()["no source stated"] == 457


def test_release_is_the_latest_data_year():
    assert itu.release_of(REAL, CTX) == "2024"


def test_catalogue_declares_the_indicator():
    spec = catalogue()["itu.i99H"]
    assert spec["source_id"] == "itu" and spec["unit"] == "% of population"
    assert (spec["scale_min"], spec["scale_max"], spec["higher_is_better"]) == (0, 100, True)
    assert spec["series_code"] == "i99H" and spec["definition"]


def test_stage_source_uses_the_embedded_snapshot(tmp_path):
    summary = stage_source("itu", None, tmp_path)
    assert summary["origin"] == "embedded" and summary["warnings"] == []
    (record,) = summary["files"]
    assert record["release"] == "2024" and record["rows_loaded"] == 4898 and record["rows_rejected"] == 8
    assert summary["rows_invalid"] == 0
    entry = read_manifest(SNAP)["files"][0]
    assert entry["sha256"] == sha256_of(REAL.read_bytes()) and entry["size"] == REAL.stat().st_size


# ---- damaged copies -------------------------------------------------------------------------

def test_missing_column_fails_the_file_naming_file_and_column(tmp_path):
    path = damaged(tmp_path, b'"dataValue",', b'"value",')
    with pytest.raises(SourceFileError, match=r"missing column 'dataValue'") as err:
        stage(path)
    assert str(path) in str(err.value)


def test_text_in_the_value_column_rejects_that_row_only(tmp_path):
    path = damaged(tmp_path, b'"KAZ","Kazakhstan","85.9426",2020,', b'"KAZ","Kazakhstan","n/a",2020,')
    obs, rejects, _ = stage(path)
    bad = rejects[~rejects["reason"].str.startswith("excluded:")]
    assert len(bad) == 1
    row = bad.iloc[0]
    assert row["row"] == itu.read(REAL, CTX).query("entityIso == 'KAZ' and dataYear == '2020'")["_row"].item()
    assert "dataValue" in row["reason"] and "n/a" in row["reason"]
    assert '"dataValue": "n/a"' in row["record"]
    assert len(obs) == 4897
    assert obs[(obs["iso3"] == "KAZ") & (obs["year"] == 2021)]["value"].item() == 90.924


def test_value_outside_0_100_is_rejected(tmp_path):
    path = damaged(tmp_path, b'"UZB","Uzbekistan","71.1",2020,', b'"UZB","Uzbekistan","171.1",2020,')
    obs, rejects, _ = stage(path)
    bad = rejects[~rejects["reason"].str.startswith("excluded:")]
    assert len(bad) == 1 and "in_range(0, 100)" in bad["reason"].item() and "171.1" in bad["reason"].item()
    assert obs[(obs["iso3"] == "UZB") & (obs["year"] == 2020)].empty and len(obs) == 4897


def test_unknown_country_code_is_rejected(tmp_path):
    path = damaged(tmp_path, b'"KAZ","Kazakhstan","85.9426",2020,', b'"XYZ","Kazakhstan","85.9426",2020,')
    obs, rejects, _ = stage(path)
    bad = rejects[~rejects["reason"].str.startswith("excluded:")]
    assert len(bad) == 1 and "unknown country code 'XYZ'" in bad["reason"].item()
    assert len(obs) == 4897 and "XYZ" not in set(obs["iso3"])


def test_duplicated_economy_year_is_rejected(tmp_path):
    path = damaged(tmp_path, b'"EST","Estonia","74.1",2010,', b'"EST","Estonia","74.1",2011,')
    obs, rejects, _ = stage(path)
    bad = rejects[~rejects["reason"].str.startswith("excluded:")]
    assert len(bad) == 2 and bad["reason"].str.contains("multiple_fields_uniqueness").all()
    assert obs[(obs["iso3"] == "EST") & obs["year"].isin([2010, 2011])].empty


def test_short_record_is_rejected_not_lost(tmp_path):
    path = damaged(tmp_path, b'"KOR","Korea (Rep. of)","44.7",2000,', b'"KOR","Korea (Rep. of)","44.7",')
    obs, rejects, _ = stage(path)
    bad = rejects[~rejects["reason"].str.startswith("excluded:")]
    assert len(bad) == 1 and "_fields" in bad["reason"].item()
    assert len(obs) == 4897


def test_other_series_fails_the_file(tmp_path):
    path = damaged(tmp_path, b'"i99H"', b'"i911"', count=4906)
    with pytest.raises(SourceFileError, match=r"column 'seriesCode'.*i911") as err:
        stage(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize("cut", ["inside a quoted field", "mid record"])
def test_truncated_download_fails_the_file(tmp_path, cut):
    data = REAL.read_bytes()
    end = data.index(b'"Refers to the proportion', len(data) // 2) + 20 if cut == "inside a quoted field" \
        else data.index(b'",2015,', len(data) // 2) + 1
    path = tmp_path / itu.FILE_GLOB
    path.write_bytes(data[:end])
    with pytest.raises(SourceFileError, match="truncated") as err:
        stage(path)
    assert str(path) in str(err.value)


def test_filtered_export_fails_the_min_rows_check(tmp_path):
    data = REAL.read_bytes()
    path = tmp_path / itu.FILE_GLOB
    path.write_bytes(data[:data.index(b'\n11624,"i99H"', len(data) // 3)])
    with pytest.raises(SourceFileError, match="at least 4000"):
        stage(path)


@pytest.mark.parametrize("data,problem", [(b"", "empty"), (b"\xef\xbb\xbf\"seriesID\",\"caf\xe9\"\n", "not UTF-8")])
def test_unreadable_files(tmp_path, data, problem):
    path = tmp_path / itu.FILE_GLOB
    path.write_bytes(data)
    with pytest.raises(SourceFileError, match=problem):
        itu.read(path, CTX)


# ---- fetch against a real HTTP server on 127.0.0.1 ------------------------------------------

def test_fetch_returns_the_served_export(httpserver):
    httpserver.expect_request("/v2/data/download", query_string="codesid=11624").respond_with_data(
        REAL.read_bytes(), content_type="text/csv")
    got = itu.fetch(CTX, httpserver.url_for("/v2/data/download") + "?codesid=11624")
    assert got == {itu.FILE_GLOB: REAL.read_bytes()}


def test_fetch_refuses_an_html_page(httpserver):
    page = b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>checking</body></html>"
    httpserver.expect_request("/download").respond_with_response(Response(page, status=200, content_type="text/html"))
    with pytest.raises(FetchError, match="HTML page"):
        itu.fetch(CTX, httpserver.url_for("/download"))


def test_fetch_refuses_a_csv_of_another_layout(httpserver):
    httpserver.expect_request("/download").respond_with_data(b'"Country","Year","Value"\n"KAZ",2023,92\n')
    with pytest.raises(FetchError, match="missing columns"):
        itu.fetch(CTX, httpserver.url_for("/download"))


def test_online_url_comes_from_the_environment(httpserver, monkeypatch, tmp_path):
    httpserver.expect_request("/itu.csv").respond_with_data(REAL.read_bytes(), content_type="text/csv")
    monkeypatch.setenv("DIGIGOV_ITU_URL", httpserver.url_for("/itu.csv"))
    folder = fetch_snapshot("itu", tmp_path / "snaps")
    assert (folder / itu.FILE_GLOB).read_bytes() == REAL.read_bytes()
    summary = stage_source("itu", str(tmp_path / "snaps"), tmp_path / "work")
    assert summary["origin"] == "--snapshots" and summary["rows_loaded"] == 4898
