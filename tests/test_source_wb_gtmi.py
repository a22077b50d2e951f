"""GovTech Maturity Index: the xlsx extract (wb_gtmi), the Data360 exports (wb_gtmi_data360), and the
check that the two agree on GTMI 2022. Real snapshot files, and damaged copies written in tmp_path."""

from __future__ import annotations

import csv
import io
import json

import duckdb
import openpyxl
import pandas as pd
import pytest

from digigov.errors import FetchError, SourceFileError
from digigov.settings import EMBEDDED_SNAPSHOTS
from digigov.sources import wb_gtmi, wb_gtmi_data360
from digigov.sources.snapshots import SnapshotFile, sha256_of
from digigov.transforms.catalogue import catalogue
from digigov.transforms.context import context_for
from digigov.transforms.stage import stage_file, stage_source
from digigov.warehouse.sqlfiles import SQL_DIR

SNAP = EMBEDDED_SNAPSHOTS / "wb_gtmi"
SNAP360 = EMBEDDED_SNAPSHOTS / "wb_gtmi_data360"
XLSX = SNAP / "Clean_GovTech.xlsx"
CTX = context_for("wb_gtmi")
CTX360 = context_for("wb_gtmi_data360")
CFG360 = CTX360.config
GTMI, D360 = wb_gtmi.SOURCE, wb_gtmi_data360.SOURCE
FOCUS = ["ARM", "AZE", "GEO", "KAZ", "KGZ", "TJK", "UZB"]
ITEMS = [f"I-{n}" for n in range(1, 49)]
CHECK_SQL = (SQL_DIR / "checks" / "gtmi_agreement.sql").read_text(encoding="utf-8")


def snapshot_file(path):
    data = path.read_bytes()
    return SnapshotFile(path, sha256_of(data), len(data), {})


def openpyxl_rows(path=XLSX):
    """The sheet through an independent reader (openpyxl, read-only: the default mode cannot open it)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb["Sheet 1"]
    ws.reset_dimensions()  # the sheet declares <dimension ref="A1"/>
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


@pytest.fixture(scope="module")
def sheet():
    rows = openpyxl_rows()
    return pd.DataFrame(rows[1:397], columns=rows[0])  # Excel rows 2..397


@pytest.fixture(scope="module")
def staged():
    return stage_file(GTMI, snapshot_file(XLSX), CTX)


@pytest.fixture(scope="module")
def staged360():
    parts = [stage_file(D360, snapshot_file(p), CTX360) for p in sorted(SNAP360.glob("GTMI_*.csv"))]
    return (pd.concat([p[0] for p in parts], ignore_index=True),
            pd.concat([p[1] for p in parts], ignore_index=True))


def write_copy(path, mutate=lambda rows: rows, title="Sheet 1"):
    """A damaged copy, written with openpyxl: `mutate` edits the list of rows (header first)."""
    rows = mutate(openpyxl_rows())
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def set_cell(rows, code, year, column, value):
    col = rows[0].index(column)
    for r in rows[1:]:
        if r[1] == code and r[0] == year:
            r[col] = value
            return rows
    raise AssertionError(f"{code} {year} not in the sheet")


# ---- wb_gtmi: reading the real file ---------------------------------------------------------

def test_default_openpyxl_cannot_open_it_but_the_reader_can():
    with pytest.raises(KeyError, match="drawing1.xml"):
        openpyxl.load_workbook(XLSX)
    raw = wb_gtmi.read(XLSX, CTX)
    assert list(raw.columns[:3]) == ["Year", "Code", "Economy"] and set(ITEMS) <= set(raw.columns)
    assert (raw["_row"].min(), raw["_row"].max(), len(raw)) == (2, 397, 396)


def test_footer_rows_are_not_loaded(staged):
    rows = openpyxl_rows()
    footer = [i + 1 for i, r in enumerate(rows) if i >= 397 and any(v not in (None, "") for v in r)]
    assert footer and min(footer) == 400  # the count rows and the note on I-26 exist in the file ...
    raw = wb_gtmi.read(XLSX, CTX)
    assert not set(footer) & set(raw["_row"])  # ... and are not records
    obs, rejects, classes = staged
    assert rejects.empty and obs["row"].max() == 397 and classes["year"].notna().all()


def test_every_gtmi_value_and_group_matches_the_file(staged, sheet):
    obs, _, classes = staged
    gtmi = obs[obs["indicator_id"] == "wb.gtmi"].set_index(["iso3", "year"])["value"]
    grp = classes.set_index(["iso3", "year"])["category"]
    legacy = {"KSV": "XKX", "WBG": "PSE"}
    for r in sheet.itertuples(index=False):
        key = (legacy.get(r.Code, r.Code), int(r.Year))
        assert gtmi[key] == pytest.approx(float(r.GTMI), abs=1e-12), key
        assert grp[key] == r.Grp, key
    assert len(gtmi) == len(grp) == 396


def test_values_of_kaz_uzb_est_kor(staged, sheet):
    """Full-precision GTMI and group of the seed study's countries, as in the file (PROVENANCE table)."""
    obs, _, classes = staged
    gtmi = obs[obs["indicator_id"] == "wb.gtmi"].set_index(["iso3", "year"])["value"].round(6)
    grp = classes.set_index(["iso3", "year"])["category"]
    expected = {("KAZ", 2020): (0.738510, "B"), ("KAZ", 2022): (0.817326, "A"),
                ("UZB", 2020): (0.617313, "B"), ("UZB", 2022): (0.813440, "A"),
                ("EST", 2020): (0.966971, "A"), ("EST", 2022): (0.955914, "A"),
                ("KOR", 2020): (0.979329, "A"), ("KOR", 2022): (0.991409, "A")}
    for key, (value, group) in expected.items():
        assert (gtmi[key], grp[key]) == (value, group), key
        row = sheet[(sheet["Code"] == key[0]) & (sheet["Year"] == key[1])].iloc[0]
        assert round(float(row["GTMI"]), 6) == value and row["Grp"] == group


def test_focus_groups_from_the_data_are_not_all_b(staged):
    """The seed study puts all seven focus countries in group B. The file does not: TJK is C in both
    waves, and AZE, KAZ, UZB moved to A in 2022. The warehouse carries the file's groups."""
    _, _, classes = staged
    grp = classes[classes["iso3"].isin(FOCUS)].set_index(["year", "iso3"])["category"]
    assert grp[2020].to_dict() == {"ARM": "B", "AZE": "B", "GEO": "B", "KAZ": "B", "KGZ": "B", "TJK": "C", "UZB": "B"}
    assert grp[2022].to_dict() == {"ARM": "B", "AZE": "A", "GEO": "B", "KAZ": "A", "KGZ": "B", "TJK": "C", "UZB": "A"}
    assert set(classes["scheme"]) == {"gtmi_group"}
    assert classes.groupby("year")["category"].value_counts().to_dict() == {
        (2020, "A"): 43, (2020, "B"): 59, (2020, "C"): 63, (2020, "D"): 33,
        (2022, "A"): 69, (2022, "B"): 46, (2022, "C"): 53, (2022, "D"): 30}


def test_missing_markers_are_not_emitted_and_not_rejected(staged, sheet):
    obs, rejects, _ = staged
    assert rejects.empty
    cells = sheet.melt(id_vars=["Year", "Code"], value_vars=ITEMS + ["GTMI"], var_name="column", value_name="v")
    new, dash = cells[cells["v"] == "New"], cells[cells["v"] == "-"]
    blank = cells[cells["v"].isna()]
    assert (len(new), len(dash), len(blank)) == (6 * 198, 51, 198)  # New: I-3,11,24,25,26,48 in 2020; blank: I-26 in 2022
    assert set(new["Year"]) == {2020} and set(new["column"]) == {"I-3", "I-11", "I-24", "I-25", "I-26", "I-48"}
    assert len(obs) == len(cells) - len(new) - len(dash) - len(blank)
    have = set(zip(obs["iso3"], obs["indicator_id"], obs["year"]))
    legacy = {"KSV": "XKX", "WBG": "PSE"}
    for r in pd.concat([new, dash]).itertuples():
        assert (legacy.get(r.Code, r.Code), "wb.gtmi.i" + r.column[2:], r.Year) not in have
    assert "wb.gtmi.i26" not in set(obs["indicator_id"])  # information-only item, no value in either wave


def test_legacy_codes_ksv_wbg_are_mapped(staged):
    raw = wb_gtmi.read(XLSX, CTX)
    assert {"KSV", "WBG"} <= set(raw["Code"]) and not {"XKX", "PSE"} & set(raw["Code"])
    obs, _, classes = staged
    for frame in (obs, classes):
        assert {"XKX", "PSE"} <= set(frame["iso3"]) and not {"KSV", "WBG"} & set(frame["iso3"])
    assert obs["iso3"].nunique() == 198


def test_i43_2020_percent_is_rescaled_to_the_2022_fraction(staged, sheet):
    obs, _, _ = staged
    i43 = obs[obs["indicator_id"] == "wb.gtmi.i43"].pivot(index="iso3", columns="year", values="value")
    raw_afg = sheet[(sheet["Code"] == "AFG") & (sheet["Year"] == 2020)]["I-43"].item()
    assert float(raw_afg) == pytest.approx(5.2035127272, abs=1e-9)  # published in percent in 2020
    both = i43.dropna()
    assert len(both) == 192 and (both[2020] - both[2022]).abs().max() < 1e-12
    assert i43.max().max() <= 1


def test_item_scales_fit_the_data_exactly(staged):
    """Every item value is inside its declared scale, and each scale's top code is actually used."""
    obs, _, _ = staged
    cat = catalogue()
    top = obs.groupby("indicator_id")["value"].agg(["min", "max"])
    for ind, (lo, hi) in top.iterrows():
        assert cat[ind]["scale_min"] <= lo and hi <= cat[ind]["scale_max"], ind
        if cat[ind]["unit"].startswith("score (code"):
            assert hi == cat[ind]["scale_max"] and lo == 0, ind
    assert len(top) == 48  # GTMI + 47 items with values (I-26 has none)


def test_catalogue_declares_each_indicator_once():
    cat = catalogue()
    assert cat["wb.gtmi"]["source_id"] == "wb_gtmi"
    assert {f"wb.gtmi.i{n}" for n in range(1, 49)} <= {k for k, v in cat.items() if v["source_id"] == "wb_gtmi"}
    assert {k for k, v in cat.items() if v["source_id"] == "wb_gtmi_data360"} == {
        "wb.gtmi.cgsi", "wb.gtmi.psdi", "wb.gtmi.dcei", "wb.gtmi.gtei"}
    assert set(CFG360["indicator_codes"].values()) <= set(cat)


def test_value_columns_and_settings_come_from_the_context():
    """The sheet columns are the `column`s of the context's own indicators (not a global catalogue),
    and the config is the context's: another configured wave fails the file."""
    cols = wb_gtmi.value_columns(CTX.indicators)
    assert cols["GTMI"] == "wb.gtmi" and set(ITEMS) <= set(cols) and len(cols) == 49
    assert wb_gtmi.value_columns(CTX.catalogue) == cols  # a whole catalogue: only this source's
    assert wb_gtmi.expected_columns(CTX)[:4] == ["Year", "Code", "Economy", "Grp"]
    other = context_for("wb_gtmi", years=[2020, 2022, 2024])
    with pytest.raises(SourceFileError, match="no rows for survey year 2024"):
        stage_file(GTMI, snapshot_file(XLSX), other)


def test_openpyxl_copy_stages_like_the_original(tmp_path, staged):
    """Numbers stored as text or as numbers read the same, so damaged copies below test the rules only."""
    copy = write_copy(tmp_path / "Clean_GovTech.xlsx")
    obs, rejects, classes = stage_file(GTMI, snapshot_file(copy), CTX)
    key = ["iso3", "indicator_id", "year"]
    a = staged[0].sort_values(key).reset_index(drop=True)[key + ["value", "row"]]
    pd.testing.assert_frame_equal(a, obs.sort_values(key).reset_index(drop=True)[key + ["value", "row"]])
    assert rejects.empty and len(classes) == 396


# ---- wb_gtmi: damaged copies ----------------------------------------------------------------

def test_wrong_sheet_name_fails_the_file_naming_file_and_sheet(tmp_path):
    copy = write_copy(tmp_path / "Clean_GovTech.xlsx", title="Sheet1")
    with pytest.raises(SourceFileError, match=r"Clean_GovTech\.xlsx: sheet 'Sheet 1' not found.*Sheet1"):
        stage_file(GTMI, snapshot_file(copy), CTX)


def test_missing_column_fails_the_file_naming_file_sheet_and_column(tmp_path):
    def drop_gtmi(rows):
        at = rows[0].index("GTMI")
        return [r[:at] + r[at + 1:] for r in rows]
    copy = write_copy(tmp_path / "Clean_GovTech.xlsx", drop_gtmi)
    with pytest.raises(SourceFileError, match=r"Clean_GovTech\.xlsx: sheet 'Sheet 1': missing column 'GTMI'"):
        wb_gtmi.read(copy, CTX)


def test_text_in_a_numeric_column_rejects_that_cell_only(tmp_path, staged):
    copy = write_copy(tmp_path / "Clean_GovTech.xlsx", lambda rows: set_cell(rows, "KAZ", 2022, "I-5", "n/a"))
    obs, rejects, classes = stage_file(GTMI, snapshot_file(copy), CTX)
    assert len(rejects) == 1 and rejects["row"].item() == 177  # KAZ 2022 is Excel row 177
    assert "column 'I-5'" in rejects["reason"].item() and "'n/a'" in rejects["reason"].item()
    assert "only this cell is rejected" in rejects["reason"].item()
    assert json.loads(rejects["record"].item())["I-5"] == "n/a"
    good = staged[0]
    kaz = obs[(obs["iso3"] == "KAZ") & (obs["year"] == 2022)].set_index("indicator_id")["value"]
    kaz_good = good[(good["iso3"] == "KAZ") & (good["year"] == 2022)].set_index("indicator_id")["value"]
    i5 = wb_gtmi.value_columns(CTX.indicators)["I-5"]
    assert i5 in kaz_good and i5 not in kaz
    pd.testing.assert_series_equal(kaz.sort_index(), kaz_good.drop(i5).sort_index())
    assert len(obs) == len(good) - 1 and len(classes) == 396


def test_text_in_gtmi_and_an_unknown_group_are_rejected_with_reasons(tmp_path):
    def damage(rows):
        set_cell(rows, "UZB", 2020, "GTMI", "0,617")
        return set_cell(rows, "EST", 2022, "Grp", "E")
    copy = write_copy(tmp_path / "Clean_GovTech.xlsx", damage)
    _, rejects, classes = stage_file(GTMI, snapshot_file(copy), CTX)
    reasons = rejects.set_index("row")["reason"]
    assert set(reasons.index) == {382, 113}
    assert "column 'GTMI'" in reasons[382] and "column 'Grp'" in reasons[113]
    assert "only this cell is rejected" in reasons[382]      # a value cell: UZB 2020 keeps its items
    assert "only this cell" not in reasons[113]              # the group is no value: EST 2022 goes
    assert len(classes) == 395


def test_duplicated_economy_year_is_rejected(tmp_path):
    copy = write_copy(tmp_path / "Clean_GovTech.xlsx", lambda rows: rows[:3] + [list(rows[2])] + rows[3:])
    obs, rejects, _ = stage_file(GTMI, snapshot_file(copy), CTX)
    assert set(rejects["row"]) == {3, 4} and rejects["reason"].str.contains("Year|Code|unique|duplicat").all()
    assert obs[(obs["iso3"] == "AFG") & (obs["year"] == 2022)].empty


def test_item_outside_its_scale_is_rejected_naming_the_scale(tmp_path):
    copy = write_copy(tmp_path / "Clean_GovTech.xlsx", lambda rows: set_cell(rows, "GEO", 2022, "I-1", 7))
    obs, rejects, _ = stage_file(GTMI, snapshot_file(copy), CTX)
    assert len(rejects) == 1 and rejects["row"].item() == 129
    assert "scale" in rejects["reason"].item()
    assert not obs[(obs["iso3"] == "GEO") & (obs["year"] == 2022)].empty  # only that value is lost


def test_a_missing_wave_fails_the_file_naming_sheet_and_column(tmp_path):
    copy = write_copy(tmp_path / "Clean_GovTech.xlsx", lambda rows: [r for r in rows if r[0] != 2022])
    with pytest.raises(SourceFileError, match=r"sheet 'Sheet 1', column 'Year': no rows for survey year 2022"):
        stage_file(GTMI, snapshot_file(copy), CTX)


def test_html_saved_as_xlsx_fails_the_file(tmp_path):
    bad = tmp_path / "Clean_GovTech.xlsx"
    bad.write_bytes(b"<!DOCTYPE html><html><body>Rate limit exceeded</body></html>")
    with pytest.raises(SourceFileError, match="not a readable xlsx workbook"):
        wb_gtmi.read(bad, CTX)


# ---- wb_gtmi_data360 ------------------------------------------------------------------------

def test_data360_files_read_with_their_layout():
    for path in sorted(SNAP360.glob("GTMI_*.csv")):
        raw = wb_gtmi_data360.read(path, CTX360)
        assert len(raw) == 198 and wb_gtmi_data360.year_columns(raw) == ["2022"], path.name
        assert raw["INDICATOR"].nunique() == 1 and raw["_row"].tolist() == list(range(2, 200))


def test_data360_values_match_the_csv_text(staged360):
    obs, rejects = staged360
    assert rejects.empty and len(obs) == 5 * 198
    got = obs.set_index(["iso3", "indicator_id"])["value"]
    for path in SNAP360.glob("GTMI_*.csv"):
        for rec in csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))):
            ind = CFG360["indicator_codes"][rec["INDICATOR"]]
            assert got[(rec["REF_AREA"], ind)] == float(rec["2022"]), (path.name, rec["REF_AREA"])
    assert {"XKX", "PSE", "TWN"} <= set(obs["iso3"]) and set(obs["year"]) == {2022}


def test_data360_focus_values(staged360):
    """The PROVENANCE table of the Data360 exports (2 decimals)."""
    v = staged360[0].set_index(["iso3", "indicator_id"])["value"]
    table = {"KAZ": (0.82, 0.74, 0.98, 0.79, 0.76), "UZB": (0.81, 0.79, 0.95, 0.54, 0.96),
             "TJK": (0.31, 0.34, 0.55, 0.03, 0.31), "EST": (0.96, 0.91, 1.00, 1.00, 0.92),
             "KOR": (0.99, 0.99, 1.00, 0.99, 0.98)}
    ids = ["wb.gtmi", "wb.gtmi.cgsi", "wb.gtmi.psdi", "wb.gtmi.dcei", "wb.gtmi.gtei"]
    for iso3, values in table.items():
        assert tuple(v[(iso3, i)] for i in ids) == values, iso3


def _copy360(tmp_path, mutate, name="GTMI_Overall_Score_Index.csv"):
    path = tmp_path / name
    path.write_text(mutate((SNAP360 / name).read_text(encoding="utf-8")), encoding="utf-8")
    return path


def test_data360_missing_column_fails_the_file_naming_it(tmp_path):
    path = _copy360(tmp_path, lambda t: t.replace("UNIT_MEASURE,UNIT_MEASURE_LABEL,", "UNIT_MEASURE_LABEL,", 1))
    with pytest.raises(SourceFileError, match=r"GTMI_Overall_Score_Index\.csv: header: missing column 'UNIT_MEASURE'"):
        wb_gtmi_data360.read(path, CTX360)


def test_data360_other_unit_or_series_fails_the_file(tmp_path):
    path = _copy360(tmp_path, lambda t: t.replace(",IX_0T1,Score 0-1,", ",PT,Percent,"))
    with pytest.raises(SourceFileError, match="column 'UNIT_MEASURE'"):
        stage_file(D360, snapshot_file(path), CTX360)
    path = _copy360(tmp_path, lambda t: t.replace("WB_GTMI_GTMI,", "WB_GTMI_XYZ,"))
    with pytest.raises(SourceFileError, match="column 'INDICATOR'"):
        stage_file(D360, snapshot_file(path), CTX360)


def test_data360_text_value_rejects_its_cell_and_a_short_line_its_row(tmp_path):
    def damage(text):
        lines = text.split("\n")
        lines[1] = lines[1].rsplit(",", 1)[0] + ",n.a."  # AFG
        lines[2] = lines[2].rsplit(",", 1)[0]             # AGO: one field short
        return "\n".join(lines)
    path = _copy360(tmp_path, damage)
    obs, rejects, _ = stage_file(D360, snapshot_file(path), CTX360)
    reasons = rejects.set_index("row")["reason"]
    assert set(reasons.index) == {2, 3} and "column '2022'" in reasons[2] and "fields" in reasons[3]
    assert "only this cell is rejected" in reasons[2] and "only this cell" not in reasons[3]
    assert len(obs) == 196 and not {"AFG", "AGO"} & set(obs["iso3"])


# ---- fetch ----------------------------------------------------------------------------------

def test_fetch_returns_the_workbook_and_refuses_html(httpserver):
    httpserver.expect_request("/gtmi/Clean_GovTech.xlsx").respond_with_data(XLSX.read_bytes())
    assert wb_gtmi.fetch(CTX, httpserver.url_for("/gtmi")) == {"Clean_GovTech.xlsx": XLSX.read_bytes()}
    httpserver.clear()
    httpserver.expect_request("/gtmi/Clean_GovTech.xlsx").respond_with_data(
        "<html><body>Sign in</body></html>", content_type="text/html")
    with pytest.raises(FetchError, match="not with an xlsx workbook"):
        wb_gtmi.fetch(CTX, httpserver.url_for("/gtmi"))


def test_fetch_data360_returns_the_csvs_and_refuses_html(httpserver):
    for name in CFG360["files"]:
        httpserver.expect_request(f"/d360/{name}").respond_with_data((SNAP360 / name).read_bytes())
    got = wb_gtmi_data360.fetch(CTX360, httpserver.url_for("/d360"))
    assert got == {n: (SNAP360 / n).read_bytes() for n in CFG360["files"]}
    httpserver.clear()
    httpserver.expect_request(f"/d360/{CFG360['files'][0]}").respond_with_data(
        "<!doctype html><title>Maintenance</title>", content_type="text/html")
    with pytest.raises(FetchError, match="not with a Data360 wide CSV"):
        wb_gtmi_data360.fetch(CTX360, httpserver.url_for("/d360"))


# ---- the agreement check --------------------------------------------------------------------

@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """A DuckDB built with the warehouse's own schema, holding the staged observations of both sources."""
    from digigov.warehouse.build import create_schema

    work = tmp_path_factory.mktemp("stage")
    con = duckdb.connect(str(work / "w.duckdb"))
    create_schema(con)
    for source_id in ("wb_gtmi", "wb_gtmi_data360"):
        summary = stage_source(source_id, None, work)
        assert summary["origin"] == "embedded" and summary["rows_invalid"] == 0
        con.execute("INSERT INTO core.observation_row BY NAME SELECT * FROM read_parquet(?)",
                    [f"{summary['dir']}/observations.parquet"])
    yield con
    con.close()


def test_the_two_sources_agree_on_gtmi_2022(warehouse):
    compared = warehouse.execute(
        "SELECT count(*) FROM core.observation a JOIN core.observation b USING (iso3, indicator_id, year) "
        "WHERE indicator_id = 'wb.gtmi' AND year = 2022 "
        "AND a.source_id = 'wb_gtmi' AND b.source_id = 'wb_gtmi_data360'").fetchone()[0]
    assert compared == 198  # XKX and PSE included: without the KSV/WBG mapping it would be 196
    assert warehouse.execute(CHECK_SQL).fetchall() == []


def test_one_changed_value_gives_exactly_one_problem_row(warehouse):
    warehouse.execute("BEGIN")
    try:
        warehouse.execute("UPDATE core.observation_row SET value = 0.81 WHERE source_id = 'wb_gtmi_data360' "
                          "AND indicator_id = 'wb.gtmi' AND iso3 = 'KAZ' AND year = 2022")
        rows = warehouse.execute(CHECK_SQL).fetchall()
        assert len(rows) == 1
        check_id, iso3, detail = rows[0]
        assert (check_id, iso3) == ("gtmi_agreement", "KAZ") and "0.817326" in detail and "0.81" in detail
    finally:
        warehouse.execute("ROLLBACK")
    assert warehouse.execute(CHECK_SQL).fetchall() == []


def test_a_country_missing_from_one_source_is_a_problem(warehouse):
    warehouse.execute("BEGIN")
    try:
        warehouse.execute("DELETE FROM core.observation_row WHERE source_id = 'wb_gtmi' AND indicator_id = 'wb.gtmi' "
                          "AND iso3 = 'XKX' AND year = 2022")
        assert [r[1] for r in warehouse.execute(CHECK_SQL).fetchall()] == ["XKX"]
        warehouse.execute("DELETE FROM core.observation_row WHERE source_id = 'wb_gtmi'")
        assert warehouse.execute(CHECK_SQL).fetchall() == []  # one source absent: nothing to compare
    finally:
        warehouse.execute("ROLLBACK")


def test_every_item_has_a_name_its_scale_and_who_names_it():
    """I-1 … I-48 each carry a label (not just the code), a unit, and notes saying which sources
    agree on the label, that only one names it, or that the values alone do; I-27 is the UN EPI, not a cybersecurity strategy;
    I-40/I-41 say they are the 2020/2022 meaning only."""
    cat = catalogue()
    names = []
    for n in range(1, 49):
        spec = cat[f"wb.gtmi.i{n}"]
        label = spec["name"].split(":", 1)[1].strip() if ":" in spec["name"] else ""
        assert label and f"I-{n}" not in label and label != f"I-{n}", spec["name"]
        assert spec["unit"] and spec["definition"].startswith(label), n
        said = [s for s in ("agreed by", "Only one source names", "Label from the values") if s in spec["definition"]]
        assert len(said) == 1, n
        names.append(label)
    assert len(set(names)) == 48
    assert "E-Participation" in cat["wb.gtmi.i27"]["name"] and "ybersecurity" not in cat["wb.gtmi.i27"]["name"]
    assert cat["wb.gtmi.i38"]["name"].endswith("Data protection / privacy law")
    for n in (40, 41):
        assert "2020/2022 meaning" in cat[f"wb.gtmi.i{n}"]["name"]
        assert "2025" in cat[f"wb.gtmi.i{n}"]["definition"]
