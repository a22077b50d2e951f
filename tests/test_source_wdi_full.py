"""wdi_full: the whole WDI bulk file staged inside DuckDB (sources/wdi_full.py).

Small WDICSV.csv files are written in tmp_path in the real layout (quoted fields, trailing comma),
each planted with the fault a test is about; the real 16-line fixture of wdi_bulk checks values."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import duckdb
import pytest

from digigov.errors import SnapshotError, SourceFileError
from digigov.sources import source_ids, wdi_full
from digigov.sources.base import STAGED_BULK
from digigov.sources.snapshots import SnapshotFile, sha256_of
from digigov.transforms.catalogue import catalogue
from digigov.transforms.context import context_for
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
    """wdi_full's declared `stage` on one file, with `overrides` replacing keys of its config."""
    ctx = context_for("wdi_full", **overrides)
    data = path.read_bytes()
    f = SnapshotFile(path, sha256_of(data), len(data), {"file": path.name})
    out = tmp_path / "out"
    summary = wdi_full.SOURCE.stage([f], ctx, out)
    tables = {name: duckdb.sql(f"SELECT * FROM '{out / name}.parquet'").df()
              for name in ("rejects", "classifications", "indicators")}
    tables["observations"] = staged_observations(out, summary)
    return summary, tables


def staged_observations(out: Path, summary: dict):
    """The staged rows as core.observation shows them (each part is one file of the summary)."""
    with duckdb.connect(str(out / STAGED_BULK), read_only=True) as con:
        con.execute("CREATE TEMP TABLE part (part_id INTEGER, file VARCHAR, release VARCHAR)")
        con.executemany("INSERT INTO part VALUES (?, ?, ?)",
                        [(i, f["file"], f["release"]) for i, f in enumerate(summary["files"])])
        return con.execute("SELECT l.iso3, l.indicator_id, b.year, b.value, 'wdi_full' AS source_id, p.release, "
                           "false AS is_sample, p.file, l.row::BIGINT AS row FROM core.observation_bulk b "
                           "JOIN core.observation_line l USING (line_id) "
                           "JOIN part p USING (part_id) ORDER BY l.row, b.year").df()


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
                                                   STAGED_BULK, "rejects.parquet", "summary.json"]
    obs = staged_observations(d, summary)
    value = obs.query("iso3 == 'ARM' and indicator_id == 'wdi.IT.CEL.SETS.P2' and year == 2021")
    assert list(value[["value", "row"]].itertuples(index=False, name=None)) == [(128.961359, 2)]  # line 2
    assert summary["files"][0]["path"] == "fast"
    con = duckdb.connect()
    aggregates = {r[0] for r in con.execute(f"SELECT reason FROM '{d}/rejects.parquet'").fetchall()}
    assert all(r.startswith("excluded: World Bank aggregate") for r in aggregates) and aggregates
    total = len(obs)
    assert total == summary["rows_loaded"] > 0

    # the warehouse build starts from a copy of the staged file; the staged file stays as it was
    from digigov.warehouse.build import build
    counts = build(tmp_path / "wh.duckdb", [summary], {"run_id": "t1", "status": "ok"}, [])
    assert counts["observations"] == total
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as wh:
        assert wh.execute("SELECT count(*) FROM core.reject WHERE source_id = 'wdi_full'").fetchone()[0] == \
            summary["rows_rejected"]


# ---- the fast path and the exact path -------------------------------------------------------

def _both_paths(tmp_path: Path, path: Path) -> tuple[dict, dict, dict, dict]:
    fast = stage(tmp_path / "fast", path)
    exact = stage(tmp_path / "exact", path, fast_path=False)
    return (*fast, *exact)


def _rows(t: dict) -> dict:
    plain = {k: t[k].astype(object).where(t[k].notna(), None) for k in ("observations", "rejects", "indicators")}
    return {k: sorted(df.itertuples(index=False, name=None), key=repr) for k, df in plain.items()}


@pytest.mark.parametrize("case", ["good", "aggregates", "row faults", "real layout"])
def test_a_file_without_bad_cells_stages_the_same_by_both_paths(tmp_path, case):
    rows = {"good": GOOD,
            "aggregates": GOOD + [["Europe & Central Asia", "ECS", "GDP (current US$)", "NY.GDP.MKTP.CD", "7", "", "9"]],
            "row faults": GOOD + [["Atlantis", "QQQ", "Population, total", "SP.POP.TOTL", "1", "", ""],
                                  ["Armenia", "ARM", "Bad code", "SP POP", "1", "", ""],
                                  ["", "ARM", "GDP (current US$)", "NY.GDP.MKTP.CD", "1", "", ""]]}
    path = REAL if case == "real layout" else write_csv(tmp_path / "WDICSV.csv", rows[case])
    fast_summary, fast, exact_summary, exact = _both_paths(tmp_path, path)
    assert [f["path"] for f in fast_summary["files"]] == ["fast"]
    assert [f["path"] for f in exact_summary["files"]] == ["exact"]
    assert _rows(fast) == _rows(exact) and len(fast["observations"]) > 0
    assert {k: fast_summary[k] for k in ("rows_loaded", "rows_rejected", "rows_invalid", "reject_samples")} == \
        {k: exact_summary[k] for k in ("rows_loaded", "rows_rejected", "rows_invalid", "reject_samples")}
    assert fast_summary["warnings"] == []


@pytest.mark.parametrize("cell, why", [
    ("n/a", "could not read it with numeric year columns"),
    ("1_000", "digit separators"),
    ("inf", "inf or nan"),
    ("150", "outside its indicator's scale"),
])
def test_a_bad_cell_sends_the_file_down_the_exact_path_with_a_warning(tmp_path, cell, why):
    rows = GOOD + [["Georgia", "GEO", "Individuals using the Internet (% of population)", "IT.NET.USER.ZS",
                    "5", cell, "7"]]
    summary, t = stage(tmp_path, write_csv(tmp_path / "WDICSV.csv", rows))
    assert summary["files"][0]["path"] == "exact"
    assert len(summary["warnings"]) == 1 and why in summary["warnings"][0] and "WDICSV.csv" in summary["warnings"][0]
    bad = t["rejects"][t["rejects"]["row"] == 7]
    assert list(bad["reason"].str.startswith("column '2000'")) == [True]  # only the bad cell is rejected
    geo = t["observations"].query("iso3 == 'GEO'")
    assert sorted(geo["year"]) == [1999, 2001] and sorted(geo["value"]) == [5.0, 7.0]


def test_legacy_and_current_codes_together_take_the_exact_path(tmp_path):
    rows = GOOD + [["Romania", "ROM", "Population, total", "SP.POP.TOTL", "19", "", ""],
                   ["Romania", "ROU", "Population, total", "SP.POP.TOTL", "", "20", ""]]
    summary, t = stage(tmp_path, write_csv(tmp_path / "WDICSV.csv", rows))
    assert summary["files"][0]["path"] == "exact" and "same country and indicator" in summary["warnings"][0]
    assert sorted(t["observations"].query("iso3 == 'ROU'")["value"]) == [19.0, 20.0]  # no cell is duplicated


def test_a_year_column_outside_the_bounds_takes_the_exact_path(tmp_path):
    header = HEADER[:4] + ["1999", "2000", "2101"]
    summary, t = stage(tmp_path, write_csv(tmp_path / "WDICSV.csv", GOOD[:1], header=header))
    assert summary["files"][0]["path"] == "exact" and "outside 1950–2100" in summary["warnings"][0]
    assert list(t["rejects"]["reason"]) == ["column '2101': year outside 1950–2100"]


# ---- the warehouse build: seeded from the staged file, several bulk sources, carry-over --------

def _staged(tmp_path: Path, name: str, rows: list[list[str]]) -> dict:
    snap = tmp_path / name / "snaps" / "wdi_full"
    snap.mkdir(parents=True)
    write_csv(snap / "WDICSV.csv", rows)
    return stage_source("wdi_full", str(tmp_path / name / "snaps"), tmp_path / name / "work")


def test_the_build_starts_from_the_staged_file_and_shifts_the_parts_of_others(tmp_path):
    from digigov.warehouse.build import build

    big = _staged(tmp_path, "big", GOOD)
    small = _staged(tmp_path, "small", [["Georgia", "GEO", "Population, total", "SP.POP.TOTL", "4", "", ""]])
    small["source_id"] = "wdi_full_other"  # a second large source
    small["files"][0]["source_id"] = "wdi_full_other"
    staged_file = Path(big["dir"]) / STAGED_BULK
    before = staged_file.read_bytes()
    wh = tmp_path / "wh.duckdb"
    counts = build(wh, [small, big], {"run_id": "t", "status": "ok"}, [])
    assert counts["observations"] == 6
    assert staged_file.read_bytes() == before  # the build copied it, the cache keeps its own
    with duckdb.connect(str(wh), read_only=True) as con:
        got = con.execute("SELECT source_id, iso3, year, value, file FROM core.observation "
                          "WHERE indicator_id = 'wdi.SP.POP.TOTL' ORDER BY ALL").fetchall()
        parts = con.execute("SELECT part_id, source_id FROM core.observation_part ORDER BY 1").fetchall()
    assert parts == [(0, "wdi_full"), (1, "wdi_full_other")]  # the seed keeps part 0
    assert got == [("wdi_full", "ARM", 1999, 3000000.0, "WDICSV.csv"), ("wdi_full", "ARM", 2001, 2900000.5, "WDICSV.csv"),
                   ("wdi_full", "XKX", 2000, 1700000.0, "WDICSV.csv"),
                   ("wdi_full_other", "GEO", 1999, 4.0, "WDICSV.csv")]


def test_a_user_loads_the_whole_file_then_refreshes_another_source(tmp_path):
    """`digigov run --only wdi_full --snapshots DIR`, then `digigov run --only un_egov`: the
    second run carries the wdi_full rows over, and the observations view shows them."""
    from digigov.flows.cli import main
    from tests.conftest import query

    snap = tmp_path / "snaps" / "wdi_full"
    snap.mkdir(parents=True)
    write_csv(snap / "WDICSV.csv", GOOD)
    wh = tmp_path / "w.duckdb"
    assert main(["run", "--local", "--only", "wdi_full", "--snapshots", str(tmp_path / "snaps"),
                 "--warehouse", str(wh)]) == 0
    sql = ("SELECT iso3, indicator_id, year, value, source_id FROM observations_all "
           "WHERE source_id = 'wdi_full' ORDER BY ALL")
    first = query(wh, sql)
    assert len(first) == 5 and ("XKX", "wdi.SP.POP.TOTL", 2000, 1700000.0, "wdi_full") in first
    assert main(["run", "--local", "--only", "un_egov", "--warehouse", str(wh)]) == 0
    assert query(wh, sql) == first
    assert query(wh, "SELECT count(*) FROM observations WHERE source_id = 'un_egov'")[0][0] > 10_000
    assert query(wh, "SELECT count(*) FROM core.observation_part WHERE source_id = 'wdi_full'")[0][0] == 1
    # the same file again: its staged DuckDB file is reused from the cache, rows unchanged
    assert main(["run", "--local", "--only", "wdi_full", "--snapshots", str(tmp_path / "snaps"),
                 "--warehouse", str(wh)]) == 0
    assert query(wh, sql) == first
    assert query(wh, "SELECT sources->'wdi_full'->>'reused' FROM runs ORDER BY started_at DESC LIMIT 1")[0][0] == "true"


def test_the_file_can_live_in_a_folder_named_in_config(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    write_csv(folder / "WDICSV.csv", GOOD)
    summary = stage_source("wdi_full", None, tmp_path / "work", config_overrides={"snapshot_dir": str(folder)})
    assert summary["origin"] == "config" and summary["folder"] == str(folder) and summary["rows_loaded"] == 5
    with pytest.raises(SnapshotError, match="snapshot_dir .*nowhere of config/sources/wdi_full.yaml: no such folder"):
        stage_source("wdi_full", None, tmp_path / "work2", config_overrides={"snapshot_dir": str(tmp_path / "nowhere")})


SEPARATOR_LINES = [
    ("Armenia,ARM,Pop,SE.AGE.15_24.ZS,1,2\n", False),          # in a code: not a number
    ("Armenia,ARM,Pop,15_24,1,2\n", False),                    # a code of number characters is still a code
    ('"Korea, Rep.",KOR,"Pop, 1_2",per_lm.q1_2,5e-05,1.234e+12\n', False),
    ("Armenia,ARM,Pop,SP.POP,1_000,2\n", True),                # in a year cell
    ('"Korea, Rep.",KOR,"Pop, 1_2",X.1_2,"1_0",\n', True),     # a quoted year cell, after quoted commas
]


@pytest.mark.parametrize("text, found", SEPARATOR_LINES)
def test_an_underscore_in_a_year_cell_and_only_there_takes_the_exact_path(tmp_path, text, found):
    """DuckDB's reader takes "1_000" for 1000; the cell rule does not. An underscore in a code or
    a name is no number and keeps the fast path; in a year cell it sends the file down the exact
    path, which rejects that cell."""
    path = tmp_path / "WDICSV.csv"
    path.write_text("Country Name,Country Code,Indicator Name,Indicator Code,2000,2001\n" + text, encoding="utf-8")
    summary, t = stage(tmp_path, path)
    assert summary["files"][0]["path"] == ("exact" if found else "fast")
    assert ("digit separators" in " ".join(summary["warnings"])) is found
    assert any("_" in r and "is not a number" in r for r in t["rejects"]["reason"]) is found


UNDERSCORED = [["Armenia", "ARM", "Population ages 15-24, total", "SP.POP.15_24.TO", "1", "", "3.5e+06"],
               ["Armenia", "ARM", "Coverage, poorest quintile", "per_lm_alllm.ben_q1_2.tot", "", "5e-05", ""],
               ["Georgia", "GEO", "A code of digits", "1_000", "7", "", ""]]


def write_real_layout(path: Path, rows: list[list[str]]) -> Path:
    """The World Bank's own layout: no trailing comma, quotes only around a field holding a comma."""
    field = lambda v: f'"{v}"' if "," in v else v  # noqa: E731
    path.write_text("".join(",".join(field(v) for v in r) + "\n" for r in [HEADER, *rows]), encoding="utf-8")
    return path


def test_codes_with_digit_underscore_digit_keep_the_fast_path_and_stay_codes(tmp_path):
    path = write_real_layout(tmp_path / "WDICSV.csv", UNDERSCORED)
    fast_summary, fast, exact_summary, exact = _both_paths(tmp_path, path)
    assert [f["path"] for f in fast_summary["files"]] == ["fast"] and fast_summary["warnings"] == []
    assert _rows(fast) == _rows(exact)
    obs = fast["observations"]
    assert sorted(set(obs["indicator_id"])) == ["wdi.1_000", "wdi.SP.POP.15_24.TO", "wdi.per_lm_alllm.ben_q1_2.tot"]
    assert sorted(obs["value"]) == [5e-05, 1.0, 7.0, 3.5e+06]
    assert set(fast["indicators"]["indicator_id"]) == set(obs["indicator_id"])


def test_digit_separators_in_a_year_cell_still_take_the_exact_path_beside_such_codes(tmp_path):
    rows = UNDERSCORED + [["Georgia", "GEO", "Population ages 15-24, total", "SP.POP.15_24.TO", "2_000", "", "9"]]
    summary, t = stage(tmp_path, write_real_layout(tmp_path / "WDICSV.csv", rows))
    assert summary["files"][0]["path"] == "exact" and "digit separators" in summary["warnings"][0]
    assert list(t["rejects"]["reason"]) == ["column '1999': \"2_000\" is not a number"]
    assert sorted(t["observations"].query("iso3 == 'GEO'")["value"]) == [7.0, 9.0]


def test_a_line_break_inside_a_name_takes_the_exact_path(tmp_path):
    # the fast path numbers records, not lines: a quoted line break would shift every line after it
    path = tmp_path / "WDICSV.csv"
    path.write_text(",".join(HEADER) + '\n"Arme\nnia",ARM,Pop,SP.POP.TOTL,1_000,2,3\n', encoding="utf-8")
    summary, t = stage(tmp_path, path)
    assert summary["files"][0]["path"] == "exact" and "line break" in summary["warnings"][0]
    assert list(t["rejects"]["reason"]) == ["column '1999': \"1_000\" is not a number"]
    assert sorted(t["observations"]["value"]) == [2.0, 3.0]


def test_changes_since_the_previous_warehouse_compare_only_what_differs(tmp_path):
    """changes.sql joins values only for indicators whose fingerprint differs; what it reports
    must be the same as a full comparison: changed beyond the tolerance, new, gone."""
    from digigov.warehouse.build import build
    from digigov.warehouse.publishing import publish

    wh = tmp_path / "wh.duckdb"
    before = _staged(tmp_path, "before", GOOD)
    build(tmp_path / "a.building", [before], {"run_id": "a", "status": "ok"}, [])
    publish(tmp_path / "a.building", wh)
    after_rows = [r[:] for r in GOOD]
    after_rows[0][4] = "3100000"          # ARM population 1999 changed
    after_rows[0][6] = ""                 # ARM population 2001 gone
    after_rows[1][6] = "1800000"          # XKX population 2001 new
    after_rows[4][4] = "0.1500000000001"  # ARM internet 1999: below the tolerance, not a change
    after = _staged(tmp_path, "after", after_rows)
    counts = build(tmp_path / "b.building", [after], {"run_id": "b", "status": "ok"}, [], previous=wh)
    assert counts["changes"] == ["values changed: wdi.SP.POP.TOTL (1 changed, 1 new, 1 gone)"]
    same = build(tmp_path / "c.building", [before], {"run_id": "c", "status": "ok"}, [], previous=wh)
    assert same["changes"] == []


def test_changes_of_an_indicator_on_one_side_only_are_counted_without_a_join(tmp_path):
    """An indicator added or removed is reported from the fingerprints' counts, not by joining its
    values: the report must still be what a full comparison of every value gives."""
    from digigov.warehouse.build import build
    from digigov.warehouse.publishing import publish

    old_only = ["Armenia", "ARM", "Mobile subscriptions", "IT.CEL.SETS.P2", "10", "20", ""]
    new_only = [["Armenia", "ARM", "Fixed broadband", "IT.NET.BBND.P2", "1", "", "3"],
                ["Kosovo", "KSV", "Fixed broadband", "IT.NET.BBND.P2", "", "2", ""]]
    changed = [r[:] for r in GOOD]
    changed[0][4] = "3100000"  # and one indicator on both sides changes, which is joined as before
    runs = []
    for name, rows in (("a", [*GOOD, old_only]), ("b", [*changed, *new_only])):
        staged = _staged(tmp_path, name, rows)
        runs.append(build(tmp_path / f"{name}.building", [staged], {"run_id": name, "status": "ok"}, [],
                          previous=tmp_path / "a.duckdb" if name == "b" else None,
                          accept_drops=["wdi_full"]))  # else the guard keeps the indicator b drops
        publish(tmp_path / f"{name}.building", tmp_path / f"{name}.duckdb")

    con = duckdb.connect()
    con.execute(f"ATTACH '{tmp_path / 'a.duckdb'}' AS o (READ_ONLY)")
    con.execute(f"ATTACH '{tmp_path / 'b.duckdb'}' AS n (READ_ONLY)")
    full = con.execute("""
        SELECT coalesce(n.indicator_id, o.indicator_id),
               count(*) FILTER (WHERE n.value <> o.value), count(*) FILTER (WHERE o.value IS NULL),
               count(*) FILTER (WHERE n.value IS NULL)
        FROM n.core.current_observation n
        FULL JOIN o.core.current_observation o USING (iso3, indicator_id, year)
        GROUP BY 1 HAVING count(*) FILTER (WHERE n.value IS DISTINCT FROM o.value) > 0 ORDER BY 1""").fetchall()
    expected = [f"values changed: {i} ({c} changed, {a} new, {g} gone)" for i, c, a, g in full]
    reported = [c for c in runs[1]["changes"] if c.startswith("values changed")]
    assert reported == expected
    assert {i for i, *_ in full} == {"wdi.IT.CEL.SETS.P2", "wdi.IT.NET.BBND.P2", "wdi.SP.POP.TOTL"}
    assert "indicator added: wdi.IT.NET.BBND.P2" in runs[1]["changes"]
    assert "indicator removed: wdi.IT.CEL.SETS.P2" in runs[1]["changes"]


def test_the_real_file_loads_the_same_values_as_the_pandas_validated_wdi_bulk(tmp_path):
    """wdi_full's SQL rules against wdi_bulk's pandera schemas, on the real WDICSV.csv fixture:
    for the codes wdi_bulk keeps, the same countries, years and values load."""
    from digigov.sources import wdi_bulk
    from digigov.transforms.stage import stage_file

    data = REAL.read_bytes()
    bulk = context_for("wdi_bulk")
    obs, _, _ = stage_file(wdi_bulk.SOURCE, SnapshotFile(REAL, sha256_of(data), len(data), {}), bulk)
    codes = {f"wdi.{c}" for c in bulk.config["wdi_codes"]}
    _, t = stage(tmp_path, REAL)
    full = t["observations"][t["observations"]["indicator_id"].isin(codes)]
    key = lambda df: sorted(df[["iso3", "indicator_id", "year", "value"]].itertuples(index=False, name=None))  # noqa: E731
    assert key(full) == key(obs) and len(obs) > 100


def test_rows_carry_over_from_a_warehouse_of_digigov_0_1(tmp_path):
    """digigov 0.1 kept every observation in one table core.observation: a run of 0.2 that keeps
    a source (--only another one) must still carry its rows over from such a warehouse."""
    from digigov.warehouse.build import build
    from digigov.warehouse.publishing import publish

    new = tmp_path / "new.duckdb"
    build(tmp_path / "a.building", [_staged(tmp_path, "a", GOOD)], {"run_id": "a", "status": "ok"}, [])
    publish(tmp_path / "a.building", new)
    old = tmp_path / "old.duckdb"
    with duckdb.connect(str(new)) as con:  # rewrite it in the 0.1 layout
        con.execute("CREATE TABLE core.observation_v01 AS SELECT * FROM core.observation")
        con.execute("DROP VIEW core.observation CASCADE")
        con.execute("DROP TABLE core.observation_bulk")
        con.execute("DROP TABLE core.observation_part")
        con.execute("DROP TABLE core.observation_row")
        con.execute("ALTER TABLE core.observation_v01 RENAME TO observation")
        expected = con.execute("SELECT iso3, indicator_id, year, value, file, row FROM core.observation "
                               "ORDER BY ALL").fetchall()
    new.rename(old)
    counts = build(tmp_path / "b.building", [], {"run_id": "b", "status": "ok"}, [], previous=old, kept=["wdi_full"])
    assert counts["observations"] == len(expected) == 5
    with duckdb.connect(str(tmp_path / "b.building"), read_only=True) as con:
        got = con.execute("SELECT iso3, indicator_id, year, value, file, row FROM core.observation "
                          "ORDER BY ALL").fetchall()
        assert con.execute("SELECT count(*) FROM core.observation_row").fetchone()[0] == 5
    assert got == expected


def test_bulk_rows_carry_over_from_a_warehouse_that_kept_country_and_indicator_on_every_value(tmp_path):
    """Before the narrow storage each bulk value carried its country, indicator and file line (no
    core.observation_line): a run that keeps wdi_full (--only another source) must carry every
    value over from such a warehouse, on the line it came from."""
    from digigov.warehouse.build import build
    from digigov.warehouse.publishing import publish

    two = [*GOOD, ["Georgia", "GEO", "Population, total", "SP.POP.TOTL", "4", "", "5"]]
    new = tmp_path / "new.duckdb"
    build(tmp_path / "a.building", [_staged(tmp_path, "a", two)], {"run_id": "a", "status": "ok"}, [])
    publish(tmp_path / "a.building", new)
    with duckdb.connect(str(new)) as con:  # rewrite its bulk rows in the former layout
        expected = con.execute("SELECT iso3, indicator_id, year, value, file, row FROM core.observation "
                               "ORDER BY ALL").fetchall()
        con.execute("CREATE TABLE core.bulk_wide AS SELECT l.iso3, l.indicator_id, b.year, b.value, "
                    "l.row::BIGINT AS row, l.part_id FROM core.observation_bulk b JOIN core.observation_line l USING (line_id)")
        con.execute("DROP VIEW core.observation CASCADE")
        con.execute("DROP TABLE core.observation_bulk")
        con.execute("DROP TABLE core.observation_line")
        con.execute("ALTER TABLE core.bulk_wide RENAME TO observation_bulk")
        con.execute("CREATE VIEW core.observation AS SELECT b.iso3, b.indicator_id, b.year, b.value, p.source_id, "
                    "p.release, p.is_sample, p.file, b.row FROM core.observation_bulk b "
                    "JOIN core.observation_part p USING (part_id)")
    assert len(expected) == 7
    counts = build(tmp_path / "b.building", [], {"run_id": "b", "status": "ok"}, [], previous=new, kept=["wdi_full"])
    assert counts["observations"] == len(expected)
    with duckdb.connect(str(tmp_path / "b.building"), read_only=True) as con:
        got = con.execute("SELECT iso3, indicator_id, year, value, file, row FROM core.observation "
                          "ORDER BY ALL").fetchall()
        lines = con.execute("SELECT count(*), count(DISTINCT line_id) FROM core.observation_line").fetchone()
    assert got == expected
    assert lines == (4, 4)  # population of ARM, XKX and GEO, and internet use of ARM


def test_the_country_codes_known_up_front_answer_as_the_look_up_does():
    """The fast path resolves codes through known_codes() while the file streams: for every
    3-letter code it must give what code_to_iso3 gives, and leave out exactly the unknown ones."""
    import itertools
    import string

    countries = context_for("wdi_full").countries
    known = countries.known_codes()
    assert known["KSV"] == ("XKX", None) and known["WLD"] == (None, "aggregate") and "QQQ" not in known
    for letters in itertools.product(string.ascii_uppercase, repeat=3):
        code = "".join(letters)
        assert known.get(code, (None, None)) == countries.code_to_iso3(code), code


def test_the_fast_path_streams_the_file_and_agrees_with_the_exact_path_line_for_line(tmp_path):
    """The values pass numbers records itself (no table holds the file): every value keeps its
    line, aggregates and faulty rows write nothing, and a line without a value is not a line."""
    rows = [*GOOD, ["Georgia", "GEO", "Population, total", "SP.POP.TOTL", "", "", ""],
            ["Nowhere", "QQQ", "Population, total", "SP.POP.TOTL", "1", "2", "3"],
            ["Georgia", "GEO", "Individuals using the Internet (% of population)", "IT.NET.USER.ZS", "", "", "40"]]
    path = write_csv(tmp_path / "WDICSV.csv", rows)
    fast_summary, fast, exact_summary, exact = _both_paths(tmp_path, path)
    assert [f["path"] for f in fast_summary["files"]] == ["fast"]
    assert _rows(fast) == _rows(exact)
    got = {(r.iso3, r.indicator_id, r.year, r.row): r.value for r in fast["observations"].itertuples()}
    assert got[("GEO", "wdi.IT.NET.USER.ZS", 2001, 9)] == 40.0
    assert not {k for k in got if k[0] in ("QQQ", "ECS", "WLD") or k[3] in (4, 5, 7, 8)}
    with duckdb.connect(str(tmp_path / "fast" / "out" / STAGED_BULK), read_only=True) as con:
        lines = con.execute("SELECT row, iso3 FROM core.observation_line ORDER BY row").fetchall()
    assert lines == [(2, "ARM"), (3, "XKX"), (6, "ARM"), (9, "GEO")]


def test_two_files_of_one_source_stage_as_two_parts_whichever_path_each_takes(tmp_path):
    """A folder holding WDICSV.csv and an older WDI_CSV.zip: two parts, each value on its own
    file's line. The zip has an `inf` cell, so its values are written by the fast path, deleted
    and written again by the exact path: the first file's values must be untouched."""
    from digigov.warehouse.build import build

    snap = tmp_path / "snaps" / "wdi_full"
    snap.mkdir(parents=True)
    write_csv(snap / "WDICSV.csv", GOOD)
    older = [["Armenia", "ARM", "Population, total", "SP.POP.TOTL", "2999999", "inf", ""],
             ["Georgia", "GEO", "Population, total", "SP.POP.TOTL", "", "", "3700000"]]
    with zipfile.ZipFile(snap / "WDI_CSV.zip", "w") as zf:
        zf.writestr(zipfile.ZipInfo("WDICSV.csv", date_time=(2024, 12, 16, 0, 0, 0)),
                    write_csv(tmp_path / "older.csv", older).read_bytes())
    summary = stage_source("wdi_full", str(tmp_path / "snaps"), tmp_path / "work")
    assert [(f["file"], f["path"]) for f in summary["files"]] == [("WDICSV.csv", "fast"), ("WDI_CSV.zip", "exact")]
    wh = tmp_path / "wh.duckdb"
    build(wh, [summary], {"run_id": "t", "status": "ok"}, [])
    with duckdb.connect(str(wh), read_only=True) as con:
        got = con.execute("SELECT file, row, iso3, year, value FROM core.observation "
                          "WHERE indicator_id = 'wdi.SP.POP.TOTL' ORDER BY ALL").fetchall()
        ids = con.execute("SELECT count(*), count(DISTINCT line_id) FROM core.observation_line").fetchone()
    assert got == [("WDICSV.csv", 2, "ARM", 1999, 3000000.0), ("WDICSV.csv", 2, "ARM", 2001, 2900000.5),
                   ("WDICSV.csv", 3, "XKX", 2000, 1700000.0),
                   ("WDI_CSV.zip", 2, "ARM", 1999, 2999999.0), ("WDI_CSV.zip", 3, "GEO", 2001, 3700000.0)]
    assert ids[0] == ids[1] == 5  # ARM, XKX, ARM internet of the first file; ARM, GEO of the second


def _armenia(part: int, code: str) -> str:
    """The fast-path id of Armenia's line of `code`, as SQL."""
    return wdi_full._fast_key(part, "(SELECT n FROM country_map WHERE code = 'ARM')", f"'{code}'")


# How the values pass is made to go wrong, and what the warning must then say. The readings are
# compared by the count of values and a sum of their lines' hashes, not line by line, so a value
# moved to another line (the total count unchanged) must be found as surely as a line lost.
TAMPERED = {
    "a line lost": (lambda part: f"DELETE FROM core.observation_bulk WHERE line_id = {_armenia(part, 'SP.POP.TOTL')}",
                    "disagree on 1 line (the first: line 2)"),
    "a value moved": (lambda part: f"UPDATE core.observation_bulk SET line_id = {_armenia(part, 'IT.NET.USER.ZS')} "
                                   f"WHERE line_id = {_armenia(part, 'SP.POP.TOTL')} AND year = 1999",
                      "disagree on 2 lines (the first: line 2)"),
}


@pytest.mark.parametrize("tamper", TAMPERED)
def test_values_the_text_pass_does_not_account_for_send_the_file_down_the_exact_path(tmp_path, monkeypatch, tamper):
    """The safety net of the streamed path: if the two readings ever disagree about a line (here
    the values pass loses Armenia's population, line 2, or writes one of its values under another
    line), the part is deleted and the exact path stages the file, with the same result as if the
    fast path had been off; the warning names the first line that differs."""
    streamed = wdi_full._stream_values
    statement, warned = TAMPERED[tamper]

    def going_wrong(cur, csv_path, columns, header_line, cfg, part):
        streamed(cur, csv_path, columns, header_line, cfg, part)
        cur.execute(statement(part))

    path = write_csv(tmp_path / "WDICSV.csv", GOOD)
    _, exact = stage(tmp_path / "exact", path, fast_path=False)
    monkeypatch.setattr(wdi_full, "_stream_values", going_wrong)
    summary, fast = stage(tmp_path / "fast", path)
    assert summary["files"][0]["path"] == "exact"
    assert warned in summary["warnings"][0]
    assert _rows(fast) == _rows(exact)


def test_underscores_before_the_header_or_in_names_keep_the_fast_path(tmp_path):
    """Year cells hold no underscore when the file's underscores are all in the lines up to the
    header and in the text columns; a preamble, names and codes may hold any number of them."""
    rows = [["Arme_nia", "ARM", "Pop_total", "SP.POP.TO_TL", "3", "", "2"]]
    path = write_csv(tmp_path / "WDICSV.csv", rows, trailing=False)
    path.write_text('"Data Source","World_Development_Indicators"\n"Last Updated Date","2025_07_01"\n\n' + path.read_text(), encoding="utf-8")
    summary, t = stage(tmp_path, path)
    assert summary["files"][0]["path"] == "fast" and summary["warnings"] == []
    assert sorted(t["observations"]["value"]) == [2.0, 3.0]


def test_digit_separators_are_found_in_a_file_with_windows_line_ends(tmp_path):
    path = write_csv(tmp_path / "WDICSV.csv", [["Armenia", "ARM", "Pop", "SP.POP", "1_000", "", "2"]])
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    summary, t = stage(tmp_path, path)
    assert summary["files"][0]["path"] == "exact" and "digit separators" in summary["warnings"][0]
    assert list(t["rejects"]["reason"]) == ["column '1999': \"1_000\" is not a number"]


def test_two_good_lines_whose_ids_clash_send_the_file_down_the_exact_path(tmp_path, monkeypatch):
    """A fast-path line id hashes the indicator code: were two good lines of a file to get the
    same id (here the hash is made to ignore the code), their values could not be told apart,
    so the file takes the exact path, with the same result as if the fast path had been off."""
    path = write_csv(tmp_path / "WDICSV.csv", GOOD)
    _, exact = stage(tmp_path / "exact", path, fast_path=False)
    keyed = wdi_full._fast_key
    monkeypatch.setattr(wdi_full, "_fast_key", lambda part, country="m.n", icode=None: keyed(part, country, "'one code'"))
    summary, fast = stage(tmp_path / "fast", path)
    assert summary["files"][0]["path"] == "exact"
    assert "hash to the same line id" in summary["warnings"][0]
    assert _rows(fast) == _rows(exact)


def test_line_ids_hold_their_part_and_keep_a_country_together(tmp_path):
    """Fast-path line ids: the part in the top bits, then the country's place among the known
    codes, so that one country's lines sit in one range of ids (its values stay prunable)."""
    summary, _ = stage(tmp_path, write_csv(tmp_path / "WDICSV.csv", GOOD))
    assert summary["files"][0]["path"] == "fast"
    with duckdb.connect(str(tmp_path / "out" / STAGED_BULK), read_only=True) as con:
        lines = con.execute("SELECT line_id, part_id, iso3 FROM core.observation_line ORDER BY row").fetchall()
        orphans = con.execute("SELECT count(*) FROM core.observation_bulk WHERE line_id NOT IN "
                              "(SELECT line_id FROM core.observation_line)").fetchone()[0]
    assert orphans == 0 and len(lines) == 3
    assert all(line_id >> wdi_full.LINE_BITS == part == 0 for line_id, part, _ in lines)
    hashed = wdi_full.LINE_BITS - wdi_full.COUNTRY_BITS
    arm = {line_id >> hashed for line_id, _, iso3 in lines if iso3 == "ARM"}
    assert len(arm) == 1 and arm != {line_id >> hashed for line_id, _, iso3 in lines if iso3 == "XKX"}


def test_more_known_country_codes_than_a_line_id_holds_fail_with_the_reason(tmp_path, monkeypatch):
    from digigov.errors import ConfigError

    monkeypatch.setattr(wdi_full, "COUNTRY_BITS", 4)  # room for 16 codes; the look-up knows ~300
    with pytest.raises(ConfigError, match="known country codes: a wdi_full line id has room for 16"):
        stage(tmp_path, write_csv(tmp_path / "WDICSV.csv", GOOD))


def test_bulk_rows_carry_over_from_a_warehouse_whose_line_ids_were_file_lines(tmp_path):
    """Until 2026-12-02 a line id was a small number (the file line plus an offset), with no part
    in it. Carried over beside a newly staged bulk source (which seeds the build as part 0), each
    carried line gets an id of its new part and keeps its values; no id is used twice."""
    from digigov.warehouse.build import build
    from digigov.warehouse.publishing import publish

    two = [*GOOD, ["Georgia", "GEO", "Population, total", "SP.POP.TOTL", "4", "", "5"]]
    old = tmp_path / "old.duckdb"
    build(tmp_path / "a.building", [_staged(tmp_path, "a", two)], {"run_id": "a", "status": "ok"}, [])
    publish(tmp_path / "a.building", old)
    query = "SELECT source_id, iso3, indicator_id, year, value, file, row FROM core.observation ORDER BY ALL"
    with duckdb.connect(str(old)) as con:  # the former ids: 1000 + the file line
        expected = con.execute(query).fetchall()
        con.execute("CREATE TEMP TABLE ids AS SELECT line_id AS old, 1000 + row AS new FROM core.observation_line")
        con.execute("UPDATE core.observation_bulk b SET line_id = i.new FROM ids i WHERE b.line_id = i.old")
        con.execute("UPDATE core.observation_line l SET line_id = i.new FROM ids i WHERE l.line_id = i.old")
        assert con.execute("SELECT max(line_id) FROM core.observation_line").fetchone()[0] < 1100
    other = _staged(tmp_path, "b", [["Georgia", "GEO", "Population, total", "SP.POP.TOTL", "7", "", ""]])
    other["source_id"] = "wdi_full_other"  # a second large source, staged this run
    other["files"][0]["source_id"] = "wdi_full_other"
    counts = build(tmp_path / "b.building", [other], {"run_id": "b", "status": "ok"}, [],
                   previous=old, kept=["wdi_full"])
    with duckdb.connect(str(tmp_path / "b.building"), read_only=True) as con:
        got = con.execute(query).fetchall()
        ids = con.execute("SELECT count(*), count(DISTINCT line_id), count(*) FILTER (WHERE line_id >> 48 <> part_id), "
                          "count(DISTINCT part_id) FROM core.observation_line").fetchone()
    assert [r for r in got if r[0] == "wdi_full"] == expected
    assert [r[1:5] for r in got if r[0] == "wdi_full_other"] == [("GEO", "wdi.SP.POP.TOTL", 1999, 7.0)]
    assert ids == (5, 5, 0, 2)  # 4 carried lines and the new one, each id of its own part
    assert counts["observations"] == len(expected) + 1
