"""The Digital Adoption Index reader, its schemas and its mapping, on the real DAIforweb.xlsx
and on damaged copies written with openpyxl.

Fault policy (see sources/wb_dai.py): a wrong sheet name, a missing column, a file that is not a
readable workbook or a panel with rows missing fails the file (SourceFileError naming file, sheet
and column); text in a number column, a value outside 0-1, an unconfigured year, a duplicated
country-year or an unknown country name quarantines that row with a reason, and the rest loads.
"""

import openpyxl
import pytest
from hdx.location.country import Country

from digigov.errors import FetchError, SourceFileError
from digigov.settings import EMBEDDED_SNAPSHOTS
from digigov.sources import wb_dai
from digigov.sources.snapshots import SnapshotFile, sha256_of, verify
from digigov.transforms.context import context_for
from digigov.transforms.stage import stage_file, stage_source

SNAP = EMBEDDED_SNAPSHOTS / "wb_dai"
REAL = SNAP / "DAIforweb.xlsx"
CTX = context_for("wb_dai")
IDS = {"Digital Adoption Index": "wb.dai", "DAI Business Sub-index": "wb.dai.business",
       "DAI People Sub-index": "wb.dai.people", "DAI Government Sub-index": "wb.dai.government"}
BLANK_ECONOMIES = {"HKG", "MAC", "PSE"}  # overall DAI and Government blank in both years


def snapshot_file(path):
    data = path.read_bytes()
    return SnapshotFile(path, sha256_of(data), len(data), {})


@pytest.fixture(scope="module")
def staged():
    files, warnings = verify(SNAP, wb_dai.FILE_GLOB, {})
    assert [f.name for f in files] == ["DAIforweb.xlsx"] and warnings == []
    return stage_file(wb_dai.SOURCE, files[0], CTX)


def workbook_values():
    """The sheet read independently of digigov's reader (openpyxl): {(country, year): {column: value}}."""
    ws = openpyxl.load_workbook(REAL, read_only=True)["Sheet1"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    return {(r[0], int(r[1])): dict(zip(header[2:], r[2:])) for r in rows[1:]}


def damaged_copy(tmp_path, change):
    """Apply `change(worksheet)` to an openpyxl copy of the real workbook, saved under the real name."""
    wb = openpyxl.load_workbook(REAL)
    change(wb["Sheet1"])
    out = tmp_path / "DAIforweb.xlsx"
    wb.save(out)
    return out


def row_of(ws, country, year):
    return next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == country and r[1].value == year)


# ---- the real file --------------------------------------------------------------------------

def test_read_gives_strings_as_published_with_sheet_row_numbers():
    raw = wb_dai.read(REAL, CTX)
    assert len(raw) == 366 and list(raw.columns) == CTX.config["columns"] + ["_file", "_row"]
    first = raw.iloc[0]
    assert (first["country"], first["Year"], first["_row"]) == ("Afghanistan", "2014", 2)
    assert first["Digital Adoption Index"] == repr(workbook_values()[("Afghanistan", 2014)]["Digital Adoption Index"])
    assert raw.iloc[-1][["country", "Year", "_row"]].tolist() == ["Zimbabwe", "2016", 367]
    assert raw["Year"].value_counts().to_dict() == {"2014": 183, "2016": 183}


def test_release_and_dates():
    assert wb_dai.release_of(REAL, CTX) == "2016"
    assert wb_dai.last_updated_of(REAL, CTX) is None  # no document properties: the manifest date is used
    assert REAL.read_bytes().startswith(b"PK\x03\x04")


def test_real_file_loads_without_rejects(staged):
    obs, rejects, classes = staged
    assert rejects.empty and classes.empty
    assert obs["iso3"].nunique() == 183
    assert obs.groupby("indicator_id").size().to_dict() == {
        "wb.dai": 360, "wb.dai.business": 366, "wb.dai.people": 366, "wb.dai.government": 360}
    assert set(obs["year"]) == {2014, 2016} and set(obs["release"]) == {"2016"}
    assert obs["value"].between(0, 1).all()


def test_focus_and_comparator_values_match_the_workbook(staged):
    """KAZ, UZB, EST, KOR (and the rest of the focus group), 2014 and 2016, against openpyxl's reading."""
    obs, _, _ = staged
    v = obs.set_index(["iso3", "indicator_id", "year"])["value"]
    book = workbook_values()
    names = {"KAZ": "Kazakhstan", "UZB": "Uzbekistan", "EST": "Estonia", "KOR": "Korea, Rep.",
             "ARM": "Armenia", "AZE": "Azerbaijan", "GEO": "Georgia", "KGZ": "Kyrgyz Republic",
             "TJK": "Tajikistan"}
    for iso3, name in names.items():
        for year in (2014, 2016):
            for column, ind in IDS.items():
                assert v[(iso3, ind, year)] == book[(name, year)][column], (iso3, ind, year)
    # The published 2016 figures (PROVENANCE.md), to 6 decimals.
    assert round(v[("KAZ", "wb.dai", 2016)], 6) == 0.670794
    assert round(v[("UZB", "wb.dai.government", 2016)], 6) == 0.531322
    assert round(v[("EST", "wb.dai.people", 2016)], 6) == 0.800070
    assert round(v[("KOR", "wb.dai.business", 2016)], 6) == 0.750388


def test_documented_blanks_stay_missing(staged):
    """Hong Kong SAR, Macao SAR, West Bank and Gaza: no overall DAI or Government value is emitted
    (nothing is invented, nothing rejected); their Business and People values load."""
    obs, rejects, _ = staged
    sub = obs[obs["iso3"].isin(BLANK_ECONOMIES)]
    assert set(sub["indicator_id"]) == {"wb.dai.business", "wb.dai.people"}
    assert len(sub) == len(BLANK_ECONOMIES) * 2 * 2
    assert set(obs.loc[obs["indicator_id"] == "wb.dai", "iso3"]).isdisjoint(BLANK_ECONOMIES)
    assert rejects.empty


def test_overall_index_is_the_mean_of_the_three_sub_indices(staged):
    """Why the blanks are right: without Government the overall index cannot be computed."""
    obs, _, _ = staged
    wide = obs.pivot_table(index=["iso3", "year"], columns="indicator_id", values="value")
    full = wide.dropna()
    assert len(full) == 360
    mean = full[["wb.dai.business", "wb.dai.people", "wb.dai.government"]].mean(axis=1)
    assert (full["wb.dai"] - mean).abs().max() < 1e-6


def test_name_overrides_are_exactly_the_names_hdx_does_not_match():
    names = set(wb_dai.read(REAL, CTX)["country"])
    unmatched = {n for n in names if not Country.get_iso3_country_code_fuzzy(n, use_live=False)[1]}
    assert unmatched == set(CTX.config["name_overrides"])
    assert len(unmatched) == 18


def test_world_bank_names_map_to_the_right_iso3(staged):
    obs, _, _ = staged
    by_row = obs.drop_duplicates("row").set_index("row")["iso3"]
    raw = wb_dai.read(REAL, CTX).set_index("_row")["country"]
    pairs = dict(zip(raw.reindex(by_row.index), by_row))
    expected = {"Korea, Rep.": "KOR", "Kyrgyz Republic": "KGZ", "Congo, Dem. Rep.": "COD",
                "Congo, Rep.": "COG", "West Bank and Gaza": "PSE", "Macedonia, FYR": "MKD",
                "Swaziland": "SWZ", "Turkey": "TUR", "Vietnam": "VNM", "Georgia": "GEO",
                "Hong Kong SAR, China": "HKG", "Iran, Islamic Rep.": "IRN"}
    assert {k: pairs[k] for k in expected} == expected


def test_embedded_snapshot_stages_with_its_manifest(tmp_path):
    summary = stage_source("wb_dai", None, tmp_path)
    assert summary["origin"] == "embedded" and summary["warnings"] == []
    assert summary["rows_loaded"] == 1452 and summary["rows_rejected"] == 0
    rec = summary["files"][0]
    assert (rec["release"], rec["last_updated"], rec["recorded"]) == ("2016", "2018-08-06", True)
    assert rec["sha256"] == sha256_of(REAL.read_bytes())


# ---- damaged copies: file-level faults ------------------------------------------------------

def test_wrong_sheet_name_fails_the_file_naming_the_sheet(tmp_path):
    def rename(ws):
        ws.title = "Data"
    path = damaged_copy(tmp_path, rename)
    with pytest.raises(SourceFileError, match=r"DAIforweb\.xlsx: no sheet 'Sheet1' \(sheets in the file: \['Data'\]\)"):
        wb_dai.read(path, CTX)


def test_missing_column_fails_the_file_naming_sheet_and_column(tmp_path):
    path = damaged_copy(tmp_path, lambda ws: ws.delete_cols(5))  # DAI People Sub-index
    with pytest.raises(SourceFileError, match=r"DAIforweb\.xlsx: sheet 'Sheet1': missing column 'DAI People Sub-index'"):
        stage_file(wb_dai.SOURCE, snapshot_file(path), CTX)


def test_renamed_header_fails_the_file(tmp_path):
    def rename(ws):
        ws["A1"] = "Country"  # the publisher's header is lowercase
    with pytest.raises(SourceFileError, match=r"sheet 'Sheet1': missing column 'country'"):
        wb_dai.read(damaged_copy(tmp_path, rename), CTX)


def test_missing_rows_fail_the_file(tmp_path):
    path = damaged_copy(tmp_path, lambda ws: ws.delete_rows(300, 2))
    with pytest.raises(SourceFileError, match=r"sheet 'Sheet1': expected 366 data rows"):
        stage_file(wb_dai.SOURCE, snapshot_file(path), CTX)


def test_truncated_or_html_file_fails_the_file(tmp_path):
    path = tmp_path / "DAIforweb.xlsx"
    path.write_bytes(REAL.read_bytes()[:20000])
    with pytest.raises(SourceFileError, match=r"DAIforweb\.xlsx: not a readable xlsx workbook"):
        wb_dai.read(path, CTX)
    path.write_bytes(b"<!DOCTYPE html><html><body>Service unavailable</body></html>")
    with pytest.raises(SourceFileError, match="not a readable xlsx workbook"):
        wb_dai.read(path, CTX)


# ---- damaged copies: row-level faults -------------------------------------------------------

def test_text_in_a_number_column_rejects_only_that_cell(tmp_path):
    marks = {}

    def damage(ws):
        marks["kaz"] = row_of(ws, "Kazakhstan", 2016)
        ws.cell(marks["kaz"], 3).value = "n/a"
    path = damaged_copy(tmp_path, damage)
    obs, rejects, _ = stage_file(wb_dai.SOURCE, snapshot_file(path), CTX)
    assert rejects["row"].tolist() == [marks["kaz"]]
    reason = rejects["reason"].item()
    assert "column 'Digital Adoption Index'" in reason and "'n/a'" in reason
    assert "only this cell is rejected" in reason
    assert '"country": "Kazakhstan"' in rejects["record"].item()
    kaz = obs[(obs["iso3"] == "KAZ") & (obs["year"] == 2016)]
    assert len(kaz) == 3 and "wb.dai" not in set(kaz["indicator_id"])  # the three sub-indices load
    assert len(obs[(obs["iso3"] == "KAZ") & (obs["year"] == 2014)]) == 4
    assert len(obs) == 1452 - 1


def test_out_of_range_value_bad_year_duplicate_and_unknown_name_are_quarantined(tmp_path):
    marks = {}

    def damage(ws):
        marks["est"] = row_of(ws, "Estonia", 2016)
        ws.cell(marks["est"], 6).value = 1.5                    # Government sub-index above 1
        marks["uzb"] = row_of(ws, "Uzbekistan", 2014)
        ws.cell(marks["uzb"], 2).value = 2015                   # a year the DAI was not computed for
        marks["kor"] = row_of(ws, "Korea, Rep.", 2014)
        ws.cell(marks["kor"], 1).value = "Kazakstan"            # a spelling nobody mapped
        marks["fin"] = row_of(ws, "Finland", 2016)
        ws.cell(marks["fin"] - 1, 2).value = 2016               # Finland 2014 becomes a second 2016
    path = damaged_copy(tmp_path, damage)
    obs, rejects, _ = stage_file(wb_dai.SOURCE, snapshot_file(path), CTX)
    reasons = rejects.set_index("row")["reason"]
    assert "column 'DAI Government Sub-index'" in reasons[marks["est"]] and "1.5" in reasons[marks["est"]]
    assert "only this cell is rejected" in reasons[marks["est"]]
    assert "column 'Year'" in reasons[marks["uzb"]] and "2015" in reasons[marks["uzb"]]
    assert "unknown country name 'Kazakstan'" in reasons[marks["kor"]]
    assert "config/countries.yaml" in reasons[marks["kor"]]
    assert {marks["fin"] - 1, marks["fin"]} <= set(reasons.index)
    assert set(reasons.index) == {marks["est"], marks["uzb"], marks["kor"], marks["fin"] - 1, marks["fin"]}
    assert obs[obs["iso3"] == "FIN"].empty
    assert len(obs[obs["iso3"] == "EST"]) == 4 + 3  # Estonia 2014, and 2016 but its Government cell


# ---- fetch ----------------------------------------------------------------------------------

def test_fetch_returns_the_workbook_bytes(httpserver):
    httpserver.expect_request("/dai/DAIforweb.xlsx").respond_with_data(REAL.read_bytes())
    got = wb_dai.fetch(CTX, httpserver.url_for("/dai/"))
    assert got == {"DAIforweb.xlsx": REAL.read_bytes()}


def test_fetch_refuses_an_html_page(httpserver):
    httpserver.expect_request("/dai/DAIforweb.xlsx").respond_with_data(
        "<html><body>The page has moved</body></html>", content_type="text/html")
    with pytest.raises(FetchError, match="not with an xlsx workbook"):
        wb_dai.fetch(CTX, httpserver.url_for("/dai"))


def test_fetch_refuses_a_workbook_without_the_sheet(httpserver, tmp_path):
    def rename(ws):
        ws.title = "Data"
    httpserver.expect_request("/dai/DAIforweb.xlsx").respond_with_data(damaged_copy(tmp_path, rename).read_bytes())
    with pytest.raises(FetchError, match="no sheet 'Sheet1'"):
        wb_dai.fetch(CTX, httpserver.url_for("/dai"))
