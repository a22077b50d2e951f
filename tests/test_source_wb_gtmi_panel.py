"""GTMI panel 2020/2022/2025 (source wb_gtmi_panel): the real snapshot, expected values read from the
raw workbook with another reader (openpyxl), agreement with the files already shipped, and F17 over
every wave."""

from __future__ import annotations

import duckdb
import openpyxl
import pytest

from digigov.errors import SourceFileError
from digigov.settings import EMBEDDED_SNAPSHOTS
from digigov.sources import wb_gtmi_panel
from digigov.sources.snapshots import SnapshotFile, sha256_of
from digigov.transforms.context import context_for
from digigov.transforms.stage import stage_file, stage_source
from digigov.warehouse.sqlfiles import SQL_DIR

XLSX = EMBEDDED_SNAPSHOTS / "wb_gtmi_panel" / "groups_data.xlsx"
CTX = context_for("wb_gtmi_panel")
FOCUS = ["ARM", "AZE", "GEO", "KAZ", "KGZ", "TJK", "UZB"]
COLUMNS = {"gtmi": "wb.gtmi", "cgsi": "wb.gtmi.cgsi", "psdi": "wb.gtmi.psdi", "dcei": "wb.gtmi.dcei",
           "gtei": "wb.gtmi.gtei"}
CHECK_SQL = (SQL_DIR / "checks" / "gtmi_panel_agreement.sql").read_text(encoding="utf-8")


def raw_rows():
    """The sheet as openpyxl reads it: {header: value} per data row."""
    ws = openpyxl.load_workbook(XLSX, read_only=True, data_only=True)["Sheet1"]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def snapshot_file(path=XLSX):
    data = path.read_bytes()
    return SnapshotFile(path, sha256_of(data), len(data), {})


@pytest.fixture(scope="module")
def staged():
    return stage_file(wb_gtmi_panel.SOURCE, snapshot_file(), CTX)


def test_gtmi_2025_of_the_seven_countries_equals_the_file(staged):
    obs, _, classes = staged
    raw = {r["country_code"]: r for r in raw_rows() if r["year"] == 2025 and r["country_code"] in FOCUS}
    assert sorted(raw) == FOCUS
    got = obs[(obs["year"] == 2025) & obs["iso3"].isin(FOCUS)]
    assert len(got) == 7 * 5
    for r in got.itertuples():
        column = {v: k for k, v in COLUMNS.items()}[r.indicator_id]
        assert r.value == raw[r.iso3][column], (r.iso3, r.indicator_id)
    groups = classes[(classes["year"] == 2025) & classes["iso3"].isin(FOCUS)]
    assert dict(zip(groups["iso3"], groups["category"])) == {c: raw[c]["grp"] for c in FOCUS}


def test_summary_rows_are_excluded_with_a_reason_and_nicaragua_is_absent_in_2025(staged):
    obs, rejects, classes = staged
    junk = [r for r in raw_rows() if r["grp"] not in ("A", "B", "C", "D")]
    assert len(junk) == 5 and {r["year"] for r in junk} == {2025}
    assert len(rejects) == 5 and rejects["reason"].str.startswith("excluded:").all()
    assert sorted(rejects["row"]) == [i + 2 for i, r in enumerate(raw_rows()) if r["grp"] not in ("A", "B", "C", "D")]
    assert classes.groupby("year").size().to_dict() == {2020: 198, 2022: 198, 2025: 197}
    assert "NIC" in set(obs[obs["year"] == 2022]["iso3"]) and "NIC" not in set(obs[obs["year"] == 2025]["iso3"])
    assert obs["value"].between(0, 1).all()
    # items are not in this file, so 2025's recoded I-40/I-41 can never be pooled with 2020/2022
    assert not obs["indicator_id"].str.startswith("wb.gtmi.i").any()


def test_waves_come_from_config_not_code():
    """A wave is a `years` entry: asking for a wave the file lacks fails the file; dropping 2025
    from the config quarantines its rows instead of loading them."""
    with pytest.raises(SourceFileError, match="no rows for wave 2028"):
        stage_file(wb_gtmi_panel.SOURCE, snapshot_file(), context_for("wb_gtmi_panel", years=[2020, 2022, 2025, 2028]))
    obs, rejects, _ = stage_file(wb_gtmi_panel.SOURCE, snapshot_file(), context_for("wb_gtmi_panel", years=[2020, 2022]))
    assert set(obs["year"]) == {2020, 2022} and len(rejects) == 202


@pytest.fixture(scope="module")
def agreement_db(tmp_path_factory):
    from digigov.warehouse.build import create_schema

    work = tmp_path_factory.mktemp("stage")
    con = duckdb.connect(str(work / "w.duckdb"))
    create_schema(con)
    for source_id in ("wb_gtmi", "wb_gtmi_data360", "wb_gtmi_panel"):
        summary = stage_source(source_id, None, work)
        assert summary["origin"] == "embedded" and summary["rows_invalid"] == 0
        con.execute("INSERT INTO core.observation_row BY NAME SELECT * FROM read_parquet(?)",
                    [f"{summary['dir']}/observations.parquet"])
        con.execute("INSERT INTO core.classification BY NAME SELECT * FROM read_parquet(?)",
                    [f"{summary['dir']}/classifications.parquet"])
    yield con
    con.close()


def test_2020_and_2022_agree_with_the_shipped_files(agreement_db):
    con = agreement_db
    n = con.execute(
        "SELECT count(*), max(abs(a.value - b.value)) FROM core.observation a JOIN core.observation b "
        "USING (iso3, indicator_id, year) WHERE indicator_id = 'wb.gtmi' AND a.source_id = 'wb_gtmi_panel' "
        "AND b.source_id = 'wb_gtmi'").fetchone()
    assert n[0] == 396 and n[1] < 1e-12
    groups = con.execute(
        "SELECT count(*) FROM core.classification a JOIN core.classification b USING (iso3, scheme, year) "
        "WHERE a.source_id = 'wb_gtmi_panel' AND b.source_id = 'wb_gtmi' AND a.category = b.category").fetchone()[0]
    assert groups == 396
    assert con.execute(CHECK_SQL).fetchall() == []


def test_a_changed_value_or_group_is_a_problem(agreement_db):
    con = agreement_db
    con.execute("BEGIN")
    try:
        con.execute("UPDATE core.observation_row SET value = value + 0.001 WHERE source_id = 'wb_gtmi_panel' "
                    "AND indicator_id = 'wb.gtmi' AND iso3 = 'KGZ' AND year = 2020")
        con.execute("UPDATE core.observation_row SET value = 0.5 WHERE source_id = 'wb_gtmi_panel' "
                    "AND indicator_id = 'wb.gtmi.dcei' AND iso3 = 'TJK' AND year = 2022")
        con.execute("UPDATE core.classification SET category = 'A' WHERE source_id = 'wb_gtmi_panel' "
                    "AND iso3 = 'GEO' AND year = 2022")
        rows = con.execute(CHECK_SQL).fetchall()
        assert sorted((r[1], r[2].split(":")[0].split(" differs")[0]) for r in rows) == [
            ("GEO", "GTMI group 2022"), ("KGZ", "wb.gtmi 2020"), ("TJK", "wb.gtmi.dcei 2022")]
        assert any("wb_gtmi_data360" in r[2] for r in rows if r[1] == "TJK")
    finally:
        con.execute("ROLLBACK")
    assert con.execute(CHECK_SQL).fetchall() == []


def test_f17_has_one_verdict_naming_every_wave(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        status, detail = con.execute(
            "SELECT check_status, check_detail FROM findings WHERE finding_id = 'F17'").fetchone()
        expected = {}
        for r in raw_rows():
            if r["country_code"] in FOCUS:
                expected.setdefault(r["year"], {})[r["country_code"]] = r["grp"]
    finally:
        con.close()
    assert sorted(expected) == [2020, 2022, 2025]
    for year, groups in expected.items():
        assert f"{year}: " + ", ".join(f"{c} {groups[c]}" for c in FOCUS) in detail
    holds = all(g == "B" for groups in expected.values() for g in groups.values())
    assert status == ("holds" if holds else "contradicted")
