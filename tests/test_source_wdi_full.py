"""wdi_full: the whole WDI bulk file staged inside DuckDB (sources/wdi_full.py).

Small WDICSV.csv files are written in tmp_path in the real layout (quoted fields, trailing comma),
each planted with the fault a test is about; the real 16-line fixture of wdi_bulk checks values."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import duckdb
import pytest

from digigov.errors import SourceFileError
from digigov.sources import source_config, source_ids, wdi_full
from digigov.sources.snapshots import SnapshotFile, sha256_of
from digigov.transforms.catalogue import catalogue
from digigov.transforms.stage import stage_source

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "wdi_bulk" / "WDICSV.csv"
YEARS = ["1999", "2000", "2001"]
HEADER = ["Country Name", "Country Code", "Indicator Name", "Indicator Code", *YEARS]


def write_csv(path: Path, rows: list[list[str]], header=None, trailing=True) -> Path:
    end = ",\n" if trailing else "\n"
    lines = [",".join(f'"{h}"' for h in (header or HEADER)) + end]
    lines += [",".join(f'"{v}"' for v in r) + end for r in rows]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def stage(tmp_path: Path, path: Path, **overrides) -> tuple[dict, dict]:
    cfg = {**source_config("wdi_full"), **overrides}
    data = path.read_bytes()
    f = SnapshotFile(path, sha256_of(data), len(data), {"file": path.name})
    out = tmp_path / "out"
    summary = wdi_full.stage_duckdb([f], cfg, catalogue(), out)
    tables = {name: duckdb.sql(f"SELECT * FROM '{out / name}.parquet'").df()
              for name in ("observations", "rejects", "classifications", "indicators")}
    return summary, tables


GOOD = [
    ["Armenia", "ARM", "Population, total", "SP.POP.TOTL", "3000000", "", "2900000.5"],
    ["Kosovo", "KSV", "Population, total", "SP.POP.TOTL", "", "1700000", ""],
    ["Europe & Central Asia", "ECS", "Population, total", "SP.POP.TOTL", "1", "2", "3"],
    ["World", "WLD", "Population, total", "SP.POP.TOTL", "", "6", ""],
    ["Armenia", "ARM", "Individuals using the Internet (% of population)", "IT.NET.USER.ZS", "1.5e-1", "2", ""],
]


def test_config_keeps_the_source_out_of_default_runs():
    assert "wdi_full" not in source_ids() and "wdi_full" in source_ids(include_disabled=True)


def test_values_years_and_lines(tmp_path):
    summary, t = stage(tmp_path, write_csv(tmp_path / "WDICSV.csv", GOOD))
    obs = t["observations"]
    got = {(r.iso3, r.indicator_id, r.year): (r.value, r.row) for r in obs.itertuples()}
    assert got == {
        ("ARM", "wdi.SP.POP.TOTL", 1999): (3000000.0, 2),
        ("ARM", "wdi.SP.POP.TOTL", 2001): (2900000.5, 2),
        ("XKX", "wdi.SP.POP.TOTL", 2000): (1700000.0, 3),   # legacy KSV mapped
        ("ARM", "wdi.IT.NET.USER.ZS", 1999): (0.15, 6),
        ("ARM", "wdi.IT.NET.USER.ZS", 2000): (2.0, 6),
    }
    assert set(obs["source_id"]) == {"wdi_full"} and set(obs["file"]) == {"WDICSV.csv"}
    assert set(obs["release"]) == {"WDICSV (undated)"} and not obs["is_sample"].any()
    assert summary["rows_loaded"] == 5 and summary["rows_invalid"] == 0
    assert summary["files"][0]["rows_loaded"] == 5
    assert t["classifications"].empty and list(t["classifications"].columns) == [
        "iso3", "scheme", "year", "category", "source_id", "release"]


def test_aggregates_are_one_exclusion_record_per_economy(tmp_path):
    rows = GOOD + [["Europe & Central Asia", "ECS", "GDP (current US$)", "NY.GDP.MKTP.CD", "7", "", "9"]]
    summary, t = stage(tmp_path, write_csv(tmp_path / "WDICSV.csv", rows))
    assert not t["observations"]["iso3"].isin(["ECS", "WLD"]).any()
    rej = t["rejects"].set_index("row")
    assert len(rej) == 2 and rej["reason"].str.startswith("excluded: World Bank aggregate").all()
    assert "ECS (Europe & Central Asia), 5 non-empty cells on 2 rows (lines 4–7)" in rej.loc[4, "reason"]
    assert json.loads(rej.loc[4, "record"]) == {"Country Code": "ECS", "Country Name": "Europe & Central Asia",
                                                "rows": 2, "cells": 5}
    assert "WLD (World), 1 non-empty cells on 1 rows" in rej.loc[5, "reason"]
    assert summary["rows_rejected"] == 2 and summary["rows_invalid"] == 0 and summary["reject_samples"] == []


def test_row_and_cell_faults_are_rejected_with_reasons(tmp_path):
    rows = [
        ["Armenia", "ARM", "Population, total", "SP.POP.TOTL", "n/a", "5", "nan"],       # 2
        ["Georgia", "GEO", "Population, total", "SP.POP.TOTL", "1_000", "inf", "1,5"],   # 3
        ["Nowhere", "A1", "Population, total", "SP.POP.TOTL", "1", "", ""],              # 4
        ["Atlantis", "QQQ", "Population, total", "SP.POP.TOTL", "1", "", ""],            # 5
        ["Armenia", "ARM", "No code", "", "1", "", ""],                                  # 6
        ["Armenia", "ARM", "Bad code", "SP POP", "1", "", ""],                           # 7
        ["Romania", "ROM", "Population, total", "SP.POP.TOTL", "19", "20", ""],          # 8
        ["Romania", "ROU", "Population, total", "SP.POP.TOTL", "", "20", "21"],          # 9
        ["Armenia", "ARM", "Individuals using the Internet (% of population)", "IT.NET.USER.ZS", "150", "", ""],  # 10
        ["", "ARM", "GDP (current US$)", "NY.GDP.MKTP.CD", "1", "", ""],                 # 11
    ]
    summary, t = stage(tmp_path, write_csv(tmp_path / "WDICSV.csv", rows))
    rej = t["rejects"]
    reasons = {(r.row, r.reason) for r in rej.itertuples()}
    expected = {
        (2, "column '1999': \"n/a\" is not a number"),
        (2, "column '2001': \"nan\" is not a number"),
        (3, "column '1999': \"1_000\" is not a number"),
        (3, "column '2000': \"inf\" is not a number"),
        (3, "column '2001': \"1,5\" is not a number"),
        (4, "column 'Country Code': \"A1\" is not a 3-letter code"),
        (5, "unknown country code 'QQQ': add it to config/countries.yaml (legacy_codes, extra_economies or wb_aggregates)"),
        (6, "column 'Indicator Code' is empty"),
        (7, "column 'Indicator Code': \"SP POP\" is not a WDI indicator code (config indicator_pattern)"),
        (8, "duplicate: ROU wdi.SP.POP.TOTL 2000 appears on lines 8, 9"),
        (9, "duplicate: ROU wdi.SP.POP.TOTL 2000 appears on lines 8, 9"),
        (10, "column '1999': value 150.0 outside the indicator's scale (0.0 to 100.0)"),
        (11, "column 'Country Name' is empty"),
    }
    assert reasons == expected
    first = rej[rej["row"] == 2].iloc[0]
    assert json.loads(first["record"])["Country Code"] == "ARM"
    got = {(r.iso3, r.year, r.row): r.value for r in t["observations"].itertuples()}
    # the good cells of faulty rows still load; ROM -> ROU keeps its non-duplicated years
    assert got == {("ARM", 2000, 2): 5.0, ("ROU", 1999, 8): 19.0, ("ROU", 2001, 9): 21.0}
    assert summary["rows_invalid"] == len(expected) and len(summary["reject_samples"]) == 5
    assert summary["reject_samples"][0].startswith("WDICSV.csv row 2: column '1999'")


def test_indicator_subset_skips_other_rows(tmp_path):
    rows = GOOD + [["Armenia", "ARM", "Bad", "", "x", "", ""]]
    summary, t = stage(tmp_path, write_csv(tmp_path / "WDICSV.csv", rows), indicators=["IT.NET.USER.ZS"])
    assert set(t["observations"]["indicator_id"]) == {"wdi.IT.NET.USER.ZS"}
    assert t["rejects"].empty  # neither the aggregates nor the faulty row belong to the subset
    assert summary["files"][0]["rows_skipped"] == 5
    assert t["indicators"].empty  # wdi.IT.NET.USER.ZS is curated in config/indicators/wdi.yaml


def test_uncatalogued_indicators_are_registered_from_the_file(tmp_path):
    _, t = stage(tmp_path, write_csv(tmp_path / "WDICSV.csv", GOOD))
    ind = t["indicators"].set_index("indicator_id")
    assert list(ind.index) == ["wdi.SP.POP.TOTL"]  # IT.NET.USER.ZS is in the catalogue already
    row = ind.loc["wdi.SP.POP.TOTL"]
    assert row["name"] == "Population, total" and row["source_id"] == "wdi_full" and not row["aggregate"]
    assert "wdi.SP.POP.TOTL" not in catalogue()


def test_header_faults_fail_the_file(tmp_path):
    bad = write_csv(tmp_path / "WDICSV.csv", GOOD[:1], header=HEADER[:4] + ["1999", "20O0", "2001"])
    with pytest.raises(SourceFileError, match=r"WDICSV.csv: unexpected column '20O0' \(position 6\) is not a 4-digit year"):
        stage(tmp_path, bad)
    missing = write_csv(tmp_path / "WDICSV.csv", [r[1:] for r in GOOD], header=HEADER[1:])
    with pytest.raises(SourceFileError, match="missing column 'Country Name'"):
        stage(tmp_path, missing)


def test_a_row_with_extra_fields_fails_the_file(tmp_path):
    path = write_csv(tmp_path / "WDICSV.csv", GOOD, trailing=False)
    path.write_text(path.read_text() + '"Armenia","ARM","x","SP.X","1","2","3","4"\n', encoding="utf-8")
    with pytest.raises(SourceFileError, match="WDICSV.csv: not a readable CSV"):
        stage(tmp_path, path)


def test_no_trailing_comma_and_preamble_are_accepted(tmp_path):
    path = write_csv(tmp_path / "WDICSV.csv", GOOD, trailing=False)
    path.write_text('\ufeff"Data Source","World Development Indicators",\n\n' + path.read_text(), encoding="utf-8")
    _, t = stage(tmp_path, path)
    assert len(t["observations"]) == 5 and set(t["observations"]["row"]) == {4, 5, 8}


def test_a_filled_trailing_column_is_rejected(tmp_path):
    path = write_csv(tmp_path / "WDICSV.csv", GOOD)
    text = path.read_text().replace('"2900000.5",\n', '"2900000.5","oops"\n')
    path.write_text(text, encoding="utf-8")
    _, t = stage(tmp_path, path)
    rej = t["rejects"][~t["rejects"]["reason"].str.startswith("excluded:")]
    assert list(rej["row"]) == [2] and "trailing comma" in rej["reason"].iloc[0] and '"oops"' in rej["reason"].iloc[0]
    assert 2 not in set(t["observations"]["row"])


def test_stage_source_end_to_end_from_the_zip_and_the_real_layout(tmp_path):
    snap = tmp_path / "snaps" / "wdi_full"
    snap.mkdir(parents=True)
    with zipfile.ZipFile(snap / "WDI_CSV.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo("WDICSV.csv", date_time=(2025, 7, 1, 0, 0, 0))
        zf.writestr(info, REAL.read_bytes())
        zf.writestr("WDICountry.csv", "not read")
    summary = stage_source("wdi_full", str(tmp_path / "snaps"), tmp_path / "work")
    assert [f["file"] for f in summary["files"]] == ["WDI_CSV.zip"]
    assert summary["files"][0]["release"] == "WDI_CSV 2025-07-01"
    assert summary["warnings"] and "not in manifest.json" in summary["warnings"][0]
    d = Path(summary["dir"])
    assert sorted(p.name for p in d.iterdir()) == ["classifications.parquet", "indicators.parquet",
                                                   "observations.parquet", "rejects.parquet", "summary.json"]
    con = duckdb.connect()
    value = con.execute(f"SELECT value, row FROM '{d}/observations.parquet' WHERE iso3 = 'ARM' "
                        "AND indicator_id = 'wdi.IT.CEL.SETS.P2' AND year = 2021").fetchone()
    assert value == (128.961359, 2)  # line 2 of the real fixture
    aggregates = {r[0] for r in con.execute(f"SELECT reason FROM '{d}/rejects.parquet'").fetchall()}
    assert all(r.startswith("excluded: World Bank aggregate") for r in aggregates) and aggregates
    total = con.execute(f"SELECT count(*) FROM '{d}/observations.parquet'").fetchone()[0]
    assert total == summary["rows_loaded"] > 0

    # the warehouse build loads the staged Parquet files as they are
    from digigov.warehouse.build import build
    counts = build(tmp_path / "wh.duckdb", [summary], {"run_id": "t1", "status": "ok"}, [])
    assert counts["observations"] == total
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as wh:
        assert wh.execute("SELECT count(*) FROM core.reject WHERE source_id = 'wdi_full'").fetchone()[0] == \
            summary["rows_rejected"]
