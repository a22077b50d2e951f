"""Excel export: the session warehouse (built by the real pipeline), every workbook re-opened with openpyxl.

Expected values are read from the warehouse itself (read-only DuckDB), never typed in, except the
UN's own published world averages, which the README documents.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import tomllib
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart
from openpyxl.utils import get_column_letter

from digigov.errors import DigigovError, WarehouseError
from digigov.warehouse.export import export_workbook
from tests.conftest import query

SHEETS = ["Cover", "Contents", "Sources", "Indicator notes", "Indicators", "Time series", "Readiness",
          "Priority gaps", "Readiness components", "Findings", "Survey answers", "Institutions", "Charts"]
TABLE_SHEETS = [s for s in SHEETS if s not in ("Cover", "Charts")]


@pytest.fixture(scope="module")
def default_export(built_warehouse, tmp_path_factory):
    """The default workbook of the session warehouse, written once and re-opened for the module."""
    out = tmp_path_factory.mktemp("export-out") / "extract.xlsx"
    before = hashlib.sha256(built_warehouse.read_bytes()).hexdigest()
    result = export_workbook(built_warehouse, out)
    assert hashlib.sha256(built_warehouse.read_bytes()).hexdigest() == before, "the export changed the warehouse"
    return result, load_workbook(out)


def focus(warehouse) -> list[str]:
    return [r[0] for r in query(warehouse, "SELECT iso3 FROM countries WHERE list_contains(groups, 'focus') "
                                           "ORDER BY iso3")]


def table_rows(ws) -> tuple[list[str], list[dict]]:
    """The sheet's one Excel table as header + list of {header: value}."""
    (table,) = ws.tables.values()
    cells = list(ws[table.ref])
    header = [c.value for c in cells[0]]
    return header, [dict(zip(header, (c.value for c in row))) for row in cells[1:]]


def find_col(header: list[str], name: str) -> int:
    return header.index(name) + 1


def ref_years(warehouse) -> list[int]:
    return [r[0] for r in query(warehouse, "SELECT DISTINCT ref_year FROM readiness ORDER BY ref_year")]


def description(wb, title: str) -> str:
    _, rows = table_rows(wb["Contents"])
    (text,) = [r["What it holds"] for r in rows if r["Sheet"] == title]
    return text


def readiness_by_country(wb) -> dict[str, dict]:
    _, rows = table_rows(wb["Readiness"])
    return {r["ISO3"]: r for r in rows}


# --- structure --------------------------------------------------------------------------------


def test_default_export_sheets_charts_and_size(default_export):
    result, wb = default_export
    assert result["sheets"] == SHEETS
    assert wb.sheetnames == SHEETS
    assert result["charts"] == 2
    assert result["bytes"] == (p := Path(result["path"])).stat().st_size > 10_000
    assert not [f for f in p.parent.iterdir() if f.name != p.name], "a temp file was left behind"


def test_every_data_sheet_is_one_excel_table_with_frozen_header(default_export):
    _, wb = default_export
    names = set()
    for title in TABLE_SHEETS:
        ws = wb[title]
        assert len(ws.tables) == 1, title
        (table,) = ws.tables.values()
        names.add(table.displayName)
        assert table.ref.startswith("A1:"), title
        assert not ws.merged_cells.ranges, title
        assert ws.freeze_panes and ws.freeze_panes.endswith("2"), (title, ws.freeze_panes)
        header, rows = table_rows(ws)
        assert all(isinstance(h, str) and h for h in header), title
        assert len(set(header)) == len(header), title
        assert [c.name for c in table.tableColumns] == header, title
        assert rows and all(any(v is not None for v in r.values()) for r in rows), f"blank row in {title}"
        assert ws.max_row == len(rows) + 1, f"{title}: cells outside the table"
    assert len(names) == len(TABLE_SHEETS)
    assert not wb["Charts"].tables


def test_workbook_properties(default_export):
    _, wb = default_export
    assert wb.properties.creator == "digigov"
    assert wb.properties.title.startswith("digigov extract")
    assert "world average" in wb.properties.description


def test_contents_links_every_sheet(default_export):
    _, wb = default_export
    header, rows = table_rows(wb["Contents"])
    assert [r["Sheet"] for r in rows] == SHEETS
    assert all(r["What it holds"] for r in rows)
    for row in wb["Contents"].iter_rows(min_row=2, max_col=1):
        cell = row[0]
        assert cell.hyperlink is not None and cell.hyperlink.location == f"'{cell.value}'!A1"


def test_cover_names_countries_run_and_sample_data(default_export, warehouse):
    _, wb = default_export
    text = "\n".join(str(c.value) for row in wb["Cover"].iter_rows() for c in row if c.value is not None)
    for iso3, name in query(warehouse, "SELECT iso3, name FROM countries WHERE list_contains(groups, 'focus') "
                                       "OR list_contains(groups, 'comparator')"):
        assert f"{name} ({iso3})" in text
    run_id, finished = query(warehouse, "SELECT run_id, finished_at FROM runs WHERE status LIKE 'succeeded%' "
                                        "ORDER BY finished_at DESC LIMIT 1")[0]
    assert run_id in text and f"{finished:%Y-%m-%d}" in text
    assert dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d") in text
    sample_files = [r[0] for r in query(warehouse, "SELECT file FROM sources WHERE is_sample")]
    assert sample_files and all(f in text for f in sample_files)
    assert "SAMPLE" in text and "None: no part" not in text
    # SAMPLE survey answers are counted, and said never to enter a readiness score
    answers = query(warehouse, "SELECT count(*) FROM survey_responses WHERE is_sample AND list_contains(?, iso3)",
                    [focus(warehouse) + ["EST", "KOR"]])[0][0]
    assert answers and f"{answers} survey answers of the countries shown are SAMPLE data" in text
    assert "never enter a readiness score" in text
    assert "readiness cells" not in text and "Uses SAMPLE" not in text
    assert f"Reference year {max(ref_years(warehouse))}, the latest of" in text


def test_cover_says_when_nothing_rests_on_sample_data(warehouse_copy, tmp_path):
    wh = warehouse_copy
    with duckdb.connect(str(wh)) as con:
        for table in ("core.survey_response", "core.finding", "core.source_file"):
            con.execute(f"DELETE FROM {table} WHERE is_sample")
    export_workbook(wh, tmp_path / "x.xlsx")
    text = " ".join(str(c.value) for row in load_workbook(tmp_path / "x.xlsx")["Cover"].iter_rows()
                    for c in row if c.value is not None)
    assert "None: no part of this workbook rests on SAMPLE data." in text


# --- values against the warehouse -------------------------------------------------------------


def test_indicators_latest_value_world_and_comparators(default_export, warehouse):
    _, wb = default_export
    ws = wb["Indicators"]
    header, rows = table_rows(ws)
    assert {"Value [unit]", "World average [unit]", "Estonia (EST) [unit]",
            "Republic of Korea (KOR) [unit]", "Year", "Unit"} <= set(header)
    kaz = [r for r in rows if r["ISO3"] == "KAZ" and r["Indicator id"] == "un.egdi"]
    assert len(kaz) == 1
    year, value = query(warehouse, "SELECT year, value FROM observations WHERE iso3 = 'KAZ' "
                                   "AND indicator_id = 'un.egdi' ORDER BY year DESC LIMIT 1")[0]
    world = query(warehouse, "SELECT value FROM aggregates WHERE group_id = 'world' AND indicator_id = 'un.egdi' "
                             "AND year = ?", [year])[0][0]
    est = query(warehouse, "SELECT value FROM observations WHERE iso3 = 'EST' AND indicator_id = 'un.egdi' "
                           "AND year = ?", [year])[0][0]
    assert kaz[0]["Year"] == year and kaz[0]["Value [unit]"] == pytest.approx(value)
    assert kaz[0]["World average [unit]"] == pytest.approx(world)
    assert kaz[0]["Estonia (EST) [unit]"] == pytest.approx(est)
    # every (country, indicator) in force is there once, and nothing else
    expected = query(warehouse, "SELECT count(DISTINCT (iso3, indicator_id)) FROM observations o "
                                "WHERE list_contains(?, iso3)", [focus(warehouse)])[0][0]
    assert len(rows) == expected == len({(r["ISO3"], r["Indicator id"]) for r in rows})
    # number formats follow the unit: indices 0.000, percentages 0.0
    vcol = find_col(header, "Value [unit]")
    for i, r in enumerate(rows, 2):
        if r["Unit"] == "index (0-1)":
            assert ws.cell(i, vcol).number_format == "0.000"
        elif r["Unit"] == "% of population":
            assert ws.cell(i, vcol).number_format == "0.0"
    assert any(r["Unit"] == "% of population" for r in rows)


def test_time_series_of_un_indices(default_export, warehouse):
    _, wb = default_export
    header, rows = table_rows(wb["Time series"])
    assert {r["Indicator id"] for r in rows} == {"un.egdi", "un.epi", "un.osi", "un.hci", "un.tii"}
    assert "World average [index (0-1)]" in header and "Kazakhstan (KAZ) [index (0-1)]" in header
    egdi = {r["Year"]: r for r in rows if r["Indicator id"] == "un.egdi"}
    world = dict(query(warehouse, "SELECT year, value FROM aggregates WHERE group_id = 'world' "
                                  "AND indicator_id = 'un.egdi'"))
    assert set(egdi) == set(world)
    for year, value in world.items():
        assert egdi[year]["World average [index (0-1)]"] == pytest.approx(value)
    assert round(egdi[2020]["World average [index (0-1)]"], 4) == 0.5988  # UN DESA's published figure
    for year, value in query(warehouse, "SELECT year, value FROM observations WHERE iso3 = 'KAZ' "
                                        "AND indicator_id = 'un.egdi'"):
        assert egdi[year]["Kazakhstan (KAZ) [index (0-1)]"] == pytest.approx(value)
    assert wb["Time series"]["M2"].number_format == "0.000"


def test_readiness_matrix_latest_reference_year_interval_levels_and_colouring(default_export, warehouse):
    _, wb = default_export
    ws = wb["Readiness"]
    header, rows = table_rows(ws)
    dims = dict(query(warehouse, "SELECT dimension_id, name FROM dimensions ORDER BY dimension_id"))
    assert len(dims) == 9
    assert [r["ISO3"] for r in rows] == focus(warehouse) + ["EST", "KOR"]
    assert not [h for h in header if "sample" in h.lower() or "year" in h.lower()]
    latest = max(ref_years(warehouse))
    assert len(ref_years(warehouse)) > 1
    text = description(wb, "Readiness")
    assert f"reference year {latest}, the latest of" in text and "uncertainty analysis" in text
    by_iso = readiness_by_country(wb)
    cells = query(warehouse, "SELECT iso3, dimension_id, score, score_p05, score_p95, level, missing FROM readiness "
                             "WHERE ref_year = ? AND iso3 IN ('KAZ', 'EST')", [latest])
    assert len(cells) == 18
    unscored = []
    for iso3, d, score, p05, p95, level, missing in cells:
        row = by_iso[iso3]
        assert same(row[f"D{d} {dims[d]} (score 0-1)"], score), (iso3, d)
        assert same(row[f"D{d} 5th percentile (score 0-1)"], p05), (iso3, d)
        assert same(row[f"D{d} 95th percentile (score 0-1)"], p95), (iso3, d)
        if score is None:
            assert row[f"D{d} level"] == "no score"
            assert f"D{d}: {missing}" in row["Dimensions without a score: why"]
            unscored.append(d)
        else:
            assert row[f"D{d} level"] == level
            assert p05 <= p95
            assert f"D{d}:" not in (row["Dimensions without a score: why"] or "")
    assert 3 in unscored and "survey needed" in by_iso["KAZ"]["Dimensions without a score: why"]
    # the values are the latest reference year's, not another one's
    older = dict(query(warehouse, "SELECT dimension_id, score FROM readiness WHERE iso3 = 'KAZ' AND ref_year = ?",
                       [min(ref_years(warehouse))]))
    assert any(not same(by_iso["KAZ"][f"D{d} {dims[d]} (score 0-1)"], v) for d, v in older.items())
    score_col = find_col(header, f"D1 {dims[1]} (score 0-1)")
    assert ws.cell(2, score_col).number_format == "0.000"
    assert ws.cell(2, find_col(header, "D1 95th percentile (score 0-1)")).number_format == "0.000"
    rules = {(r.type, tuple(r.formula or ())): cf.sqref for cf in ws.conditional_formatting for r in cf.rules}
    assert {t for t, _ in rules} >= {"colorScale", "cellIs"}
    assert {f[0] for t, f in rules if t == "cellIs"} == {'"low"', '"medium"', '"high"'}
    level_letter = get_column_letter(find_col(header, "D1 level"))
    score_letter = get_column_letter(score_col)
    assert f"{level_letter}2:{level_letter}{len(rows) + 1}" in str(rules[("cellIs", ('"high"',))])
    assert f"{score_letter}2:{score_letter}{len(rows) + 1}" in str(rules[("colorScale", ())])


def test_priority_gaps_per_country_for_the_reference_year(default_export, warehouse):
    _, wb = default_export
    header, rows = table_rows(wb["Priority gaps"])
    assert not [h for h in header if "sample" in h.lower()]
    latest = max(ref_years(warehouse))
    assert f"reference year {latest}" in description(wb, "Priority gaps")
    expected = query(warehouse, "SELECT iso3, priority, dimension, score, score_p05, score_p95 FROM priority_gaps "
                                "WHERE list_contains(?, iso3) AND ref_year = ? ORDER BY iso3, priority",
                     [focus(warehouse), latest])
    got = [(r["ISO3"], r["Priority (1 = weakest)"], r["Dimension"], r["Score (0-1)"],
            r["Score 5th percentile (0-1)"], r["Score 95th percentile (0-1)"]) for r in rows]
    assert expected and [g[:3] for g in got] == [e[:3] for e in expected]
    for g, e in zip(got, expected):
        assert all(same(a, b) for a, b in zip(g[3:], e[3:])), g


def test_readiness_components_for_the_reference_year(default_export, warehouse):
    _, wb = default_export
    ws = wb["Readiness components"]
    header, rows = table_rows(ws)
    latest = max(ref_years(warehouse))
    assert f"reference year {latest}" in description(wb, "Readiness components")
    assert [r["ISO3"] for r in rows] == sorted((r["ISO3"] for r in rows), key=focus(warehouse).index)
    expected = query(warehouse, "SELECT dimension_id, concept, indicator_id, value, value_year, goalpost_low, "
                                "goalpost_high, normalised, weight, note FROM readiness_components "
                                "WHERE iso3 = 'KAZ' AND ref_year = ? ORDER BY dimension_id, concept", [latest])
    kaz = [r for r in rows if r["ISO3"] == "KAZ"]
    got = [r for r in kaz if r["Concept"] is not None]
    assert [(r["Dimension id"], r["Concept"], r["Indicator id"], r["Value year"], r["Note"]) for r in got] == \
        [(e[0], e[1], e[2], e[4], e[9]) for e in expected]
    for r, e in zip(got, expected):
        for name, v in zip(("Value [unit]", "Goalpost low [unit]", "Goalpost high [unit]", "Normalised (0-1)",
                            "Weight in the evidence score"), e[3:4] + e[5:9]):
            assert same(r[name], v), (e[1], name)
    assert any(e[3] is None and e[9] for e in expected)  # a concept without a value, and the reason
    # a dimension no series measures keeps one row, with the cell's reason as its note
    missing = query(warehouse, "SELECT dimension_id, missing FROM readiness WHERE iso3 = 'KAZ' AND ref_year = ? "
                               "AND n_concepts = 0 AND dimension_id NOT IN (SELECT dimension_id "
                               "FROM dimension_indicators)", [latest])
    assert missing and [(r["Dimension id"], r["Note"]) for r in kaz if r["Concept"] is None] == missing
    assert {r["ISO3"] for r in rows} == set(focus(warehouse))
    norm = find_col(header, "Normalised (0-1)")
    assert ws.cell(2, norm).number_format == "0.000"


def test_findings_with_checks_and_institutions(default_export, warehouse):
    _, wb = default_export
    header, rows = table_rows(wb["Findings"])
    assert {"Check against the data", "Check detail", "SAMPLE data"} <= set(header)
    expected = query(warehouse, "SELECT finding_id, check_status, check_detail, is_sample FROM findings "
                                "WHERE iso3 IS NULL OR list_contains(?, iso3)", [focus(warehouse)])
    got = {r["Finding id"]: (r["Check against the data"], r["Check detail"], r["SAMPLE data"]) for r in rows}
    assert got == {f: (s, d, "yes" if smp else "no") for f, s, d, smp in expected}
    assert any(s == "contradicted" for s, _, _ in got.values())
    _, inst = table_rows(wb["Institutions"])
    n = query(warehouse, "SELECT count(*) FROM institutions WHERE list_contains(?, iso3)", [focus(warehouse)])[0][0]
    assert len(inst) == n > 0


def test_sources_and_indicator_notes_come_from_the_warehouse(default_export, warehouse):
    _, wb = default_export
    header, rows = table_rows(wb["Sources"])
    for h in ("Publisher", "Title", "URL", "Licence", "Release", "Retrieved", "Last updated by publisher",
              "SHA-256", "Rows loaded", "Stale", "SAMPLE data"):
        assert h in header
    expected = query(warehouse, "SELECT file, sha256, rows_loaded, is_sample FROM sources")
    assert sorted((r["File"], r["SHA-256"], r["Rows loaded"], r["SAMPLE data"]) for r in rows) == \
        sorted((f, s, n, "yes" if smp else "no") for f, s, n, smp in expected)
    _, notes = table_rows(wb["Indicator notes"])
    expected = dict(query(warehouse, "SELECT indicator_id, definition FROM indicators"))
    assert {r["Indicator id"]: r["Definition"] for r in notes} == expected


def test_charts_reference_the_data_sheets(default_export):
    _, wb = default_export
    charts = wb["Charts"]._charts
    assert [type(c) for c in charts] == [BarChart, LineChart]
    bar, line = charts
    # bar: the EGDI rows of Indicators, the country value and the world average, by country name
    ind = wb["Indicators"]
    header, _ = table_rows(ind)
    egdi_rows = [c.row for c in ind["A"] if c.value == "un.egdi"]
    assert len(egdi_rows) == 7 and egdi_rows == list(range(egdi_rows[0], egdi_rows[-1] + 1))
    lo, hi = egdi_rows[0], egdi_rows[-1]
    v, w, c = (ind.cell(1, find_col(header, h)).column_letter
               for h in ("Value [unit]", "World average [unit]", "Country"))
    assert [s.val.numRef.f for s in bar.series] == [f"'Indicators'!${v}${lo}:${v}${hi}",
                                                    f"'Indicators'!${w}${lo}:${w}${hi}"]
    assert bar.series[0].cat.strRef.f == f"'Indicators'!${c}${lo}:${c}${hi}"
    # line: one series per country column of Time series over the EGDI rows, years as categories
    ts = wb["Time series"]
    ts_rows = [c.row for c in ts["A"] if c.value == "un.egdi"]
    refs = [s.val.numRef.f for s in line.series]
    assert len(refs) == 7 + 2 + 1  # focus countries, comparators, world average
    assert refs[0] == f"'Time series'!$D${ts_rows[0]}:$D${ts_rows[-1]}"
    assert line.series[0].cat.numRef.f == f"'Time series'!$C${ts_rows[0]}:$C${ts_rows[-1]}"


def same(got, expected) -> bool:
    """A cell read back against the warehouse's value: blank for NULL, else equal as a float."""
    return got is None if expected is None else got == pytest.approx(expected)


def test_every_indicator_row_has_the_world_average_and_comparators_of_its_year(default_export, warehouse):
    _, wb = default_export
    header, rows = table_rows(wb["Indicators"])
    comparators = query(warehouse, "SELECT iso3, name FROM countries WHERE list_contains(groups, 'comparator') "
                                   "ORDER BY iso3")
    assert [h for h in header if h.endswith(") [unit]")] == [f"{n} ({c}) [unit]" for c, n in comparators]
    world = {(i, y): (v, n) for i, y, v, n in query(
        warehouse, "SELECT indicator_id, year, value, n_countries FROM aggregates WHERE group_id = 'world'")}
    values = {(c, i, y): v for c, i, y, v in query(
        warehouse, "SELECT iso3, indicator_id, year, value FROM observations "
                   "WHERE iso3 IN (SELECT iso3 FROM countries WHERE list_contains(groups, 'comparator'))")}
    n_comparator_values = 0
    for r in rows:
        key = (r["Indicator id"], r["Year"])
        w, n = world.get(key, (None, None))
        assert same(r["World average [unit]"], w) and r["World average: countries averaged"] == n, key
        for iso3, name in comparators:
            expected = values.get((iso3, *key))
            assert same(r[f"{name} ({iso3}) [unit]"], expected), (iso3, key)
            n_comparator_values += expected is not None
    assert n_comparator_values > len(rows)  # most rows have both comparators' values


def test_pivoted_columns_follow_the_selection_not_the_data(warehouse_copy, tmp_path):
    """Country columns come from the selection and the comparator group, in that order, whether or not
    the country has values: a comparator without any keeps its blank column, and a country without
    readiness cells keeps its row."""
    wh = warehouse_copy
    with duckdb.connect(str(wh)) as con:
        con.execute("INSERT INTO core.country_group SELECT 'comparator', any_value(label), false, 'SXM' "
                    "FROM core.country_group WHERE group_id = 'comparator'")
        con.execute("DELETE FROM core.readiness WHERE iso3 = 'UZB'")
    out = tmp_path / "x.xlsx"
    export_workbook(wh, out, countries=["UZB", "ARM"])
    wb = load_workbook(out)
    names = dict(query(wh, "SELECT iso3, name FROM countries"))
    shown = ["UZB", "ARM", "EST", "KOR", "SXM"]

    header, rows = table_rows(wb["Time series"])
    unit = "index (0-1)"
    assert header[3:] == [f"{names[c]} ({c}) [{unit}]" for c in shown] + [f"World average [{unit}]"]
    values = {(c, i, y): v for c, i, y, v in query(
        wh, "SELECT iso3, indicator_id, year, value FROM observations WHERE list_contains(?, iso3)", [shown])}
    for r in rows:
        for c in shown:
            assert same(r[f"{names[c]} ({c}) [{unit}]"], values.get((c, r["Indicator id"], r["Year"]))), c
    assert all(r[f"{names['SXM']} (SXM) [{unit}]"] is None for r in rows)
    assert any(r[f"{names['UZB']} (UZB) [{unit}]"] is not None for r in rows)

    _, rows = table_rows(wb["Readiness"])
    assert [r["ISO3"] for r in rows] == shown
    uzb = rows[0]
    assert uzb["Country"] == names["UZB"]
    assert all(v is None for k, v in uzb.items() if k[:2] in {f"D{d}" for d in range(1, 10)})
    assert uzb["Dimensions without a score: why"].startswith("no readiness cells for this country in ")
    assert any(v is not None for k, v in rows[1].items() if k[:2] in {f"D{d}" for d in range(1, 10)})

    header, rows = table_rows(wb["Indicators"])
    assert f"{names['SXM']} (SXM) [unit]" in header
    assert [r["ISO3"] for r in rows if r["Indicator id"] == "un.egdi"] == ["UZB", "ARM"]


def test_export_queries_are_package_data():
    """Every .sql file the warehouse package reads must match a package-data glob, or an installed
    (non-editable) digigov would not find it."""
    root = Path(__file__).resolve().parents[1]
    package_data = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    files = [p.relative_to(root / "warehouse") for p in (root / "warehouse").rglob("*.sql")]
    assert Path("sql/export/indicators.sql") in files and Path("sql/status/runs.sql") in files
    # each sql folder is a package of its own (pyproject.toml), with its own globs
    assert [f for f in files if not any(fnmatch.fnmatch(f.name, g) for g in package_data.get(
        ".".join(("digigov.warehouse", *f.parent.parts)), []))] == []


# --- options ----------------------------------------------------------------------------------


def test_year_option_and_country_selection(warehouse, tmp_path):
    out = tmp_path / "kaz2020.xlsx"
    result = export_workbook(warehouse, out, countries=["kaz", "EST"], year=2020)
    wb = load_workbook(out)
    _, rows = table_rows(wb["Indicators"])
    assert {r["ISO3"] for r in rows} == {"KAZ", "EST"} and {r["Year"] for r in rows} == {2020}
    egdi = {r["ISO3"]: r for r in rows if r["Indicator id"] == "un.egdi"}
    assert round(egdi["KAZ"]["World average [unit]"], 4) == 0.5988
    assert egdi["KAZ"]["Value [unit]"] == pytest.approx(query(
        warehouse, "SELECT value FROM observations WHERE iso3 = 'KAZ' AND indicator_id = 'un.egdi' "
                   "AND year = 2020")[0][0])
    _, ready = table_rows(wb["Readiness"])
    assert [r["ISO3"] for r in ready] == ["KAZ", "EST", "KOR"]  # KOR joins as the comparator not selected
    assert "2020" in wb["Charts"]._charts[0].title.tx.rich.p[0].r[0].t
    assert result["charts"] == 2
    assert 2020 in ref_years(warehouse)
    assert "reference year 2020, the latest of" in description(wb, "Readiness")
    d2 = query(warehouse, "SELECT name FROM dimensions WHERE dimension_id = 2")[0][0]
    assert same(readiness_by_country(wb)["KAZ"][f"D2 {d2} (score 0-1)"], query(
        warehouse, "SELECT score FROM readiness WHERE iso3 = 'KAZ' AND dimension_id = 2 AND ref_year = 2020")[0][0])
    _, gaps = table_rows(wb["Priority gaps"])
    assert [r["Dimension id"] for r in gaps if r["ISO3"] == "KAZ"] == [r[0] for r in query(
        warehouse, "SELECT dimension_id FROM priority_gaps WHERE iso3 = 'KAZ' AND ref_year = 2020 ORDER BY priority")]


@pytest.mark.parametrize("offset", ["between", "before"])
def test_year_option_picks_the_readiness_reference_year(warehouse, tmp_path, offset):
    """--year Y shows the latest reference year up to Y; before the first one, the earliest, and says so."""
    years = ref_years(warehouse)
    year, shown = (years[1] + 1, years[1]) if offset == "between" else (years[0] - 1, years[0])
    assert year not in years
    export_workbook(warehouse, tmp_path / "x.xlsx", countries=["KAZ"], year=year)
    wb = load_workbook(tmp_path / "x.xlsx")
    text = description(wb, "Readiness")
    if offset == "between":
        assert f"reference year {shown}, the latest of" in text and f"up to {year}" in text
    else:
        assert f"reference year {shown} (the earliest: none of" in text and f"is {year} or earlier" in text
    kaz = readiness_by_country(wb)["KAZ"]
    for d, name, score, level in query(warehouse, "SELECT dimension_id, dimension, score, level FROM readiness "
                                                  "WHERE iso3 = 'KAZ' AND ref_year = ?", [shown]):
        assert same(kaz[f"D{d} {name} (score 0-1)"], score) and kaz[f"D{d} level"] == (level or "no score")
    _, comps = table_rows(wb["Readiness components"])
    assert comps and {r["ISO3"] for r in comps} == {"KAZ"}
    assert f"reference year {shown}" in description(wb, "Readiness components")


def test_text_that_looks_like_a_formula_stays_text(warehouse_copy, tmp_path):
    wh = warehouse_copy
    statement = '=HYPERLINK("http://example.invalid/x","click me")'
    with duckdb.connect(str(wh)) as con:
        con.execute("INSERT INTO core.finding (finding_id, iso3, dimension_id, topic, statement, evidence, "
                    "count_countries, source_id, is_sample, check_status, check_detail) "
                    "VALUES ('ZZ1', 'KAZ', 1, '@SUM(1)', ?, '+1', 3, 'test', false, '#N/A', '-2+3')",
                    [statement])
    out = tmp_path / "x.xlsx"
    export_workbook(wh, out)
    ws = load_workbook(out)["Findings"]
    header, rows = table_rows(ws)
    (i, row), = [(i, r) for i, r in enumerate(rows, 2) if r["Finding id"] == "ZZ1"]
    for name, text in (("Statement", statement), ("Topic", "@SUM(1)"), ("Evidence", "+1"),
                       ("Check against the data", "#N/A"), ("Check detail", "-2+3")):
        cell = ws.cell(i, find_col(header, name))
        assert (cell.value, cell.data_type) == (text, "s"), name
    count = ws.cell(i, find_col(header, "Countries counted"))
    assert (count.value, count.data_type) == (3, "n")


# --- bad arguments and output paths -----------------------------------------------------------


def test_unknown_country_code_is_named(warehouse, tmp_path):
    with pytest.raises(DigigovError, match="unknown country code 'XYZ'"):
        export_workbook(warehouse, tmp_path / "x.xlsx", countries=["KAZ", "XYZ"])
    assert not list(tmp_path.iterdir())


def test_year_without_data_for_the_selection(warehouse, tmp_path):
    first, last = query(warehouse, "SELECT min(year), max(year) FROM observations WHERE iso3 = 'KAZ'")[0]
    with pytest.raises(DigigovError, match=f"no data for {first - 1} for KAZ: their data cover {first}–{last}"):
        export_workbook(warehouse, tmp_path / "x.xlsx", countries=["KAZ"], year=first - 1)
    assert not list(tmp_path.iterdir())


def test_missing_warehouse(tmp_path):
    with pytest.raises(WarehouseError, match="no warehouse at"):
        export_workbook(tmp_path / "nowhere.duckdb", tmp_path / "x.xlsx")


def test_existing_file_needs_force(warehouse, tmp_path):
    out = tmp_path / "x.xlsx"
    out.write_bytes(b"keep me")
    with pytest.raises(DigigovError, match="exists; use --force"):
        export_workbook(warehouse, out)
    assert out.read_bytes() == b"keep me"
    export_workbook(warehouse, out, force=True)
    assert load_workbook(out).sheetnames == SHEETS
    assert [p.name for p in tmp_path.iterdir()] == ["x.xlsx"]


def test_missing_folder(warehouse, tmp_path):
    with pytest.raises(DigigovError, match="does not exist"):
        export_workbook(warehouse, tmp_path / "no" / "x.xlsx")


def test_wrong_suffix(warehouse, tmp_path):
    with pytest.raises(DigigovError, match=r"\.xlsx"):
        export_workbook(warehouse, tmp_path / "x.csv")
    assert not list(tmp_path.iterdir())


def test_unwritable_folder(warehouse, tmp_path):
    # /proc refuses new files even to root, where chmod would not
    with pytest.raises(DigigovError, match="(not writable|cannot write)"):
        export_workbook(warehouse, Path("/proc/digigov-export.xlsx"))
