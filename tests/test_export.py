"""Excel export: the session warehouse (built by the real pipeline), every workbook re-opened with
openpyxl and its XML read back (charts, drawings, document properties).

Expected values are read from the warehouse itself (read-only DuckDB) or from config/export.yaml,
never typed in, except the UN's own published world average, which the README documents.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import tomllib
import zipfile
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from digigov.errors import DigigovError, WarehouseError
from digigov.settings import load_config
from digigov.warehouse.export import export_workbook
from tests.conftest import query

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
MARKER = re.compile(r"\[note (\d+)\]")
SHORTHAND = {"[x]", "[z]"}


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


def names(warehouse) -> dict[str, str]:
    return dict(query(warehouse, "SELECT iso3, name FROM countries"))


def ref_years(warehouse) -> list[int]:
    return [r[0] for r in query(warehouse, "SELECT DISTINCT ref_year FROM readiness ORDER BY ref_year")]


def title_above(ws, header_row: int) -> str:
    """The title rows directly above a table's header, joined (a long title wraps into rows)."""
    parts, r = [], header_row - 1
    while r >= 1 and ws.cell(r, 1).value not in (None, ""):
        parts.insert(0, str(ws.cell(r, 1).value))
        r -= 1
    return " ".join(parts)


def sheet_title(ws) -> str:
    """The sheet's title: A1 and the rows a long title wraps into (same bold 15-point font)."""
    return " ".join(str(ws.cell(r, 1).value) for r in range(1, 5)
                    if ws.cell(r, 1).value and ws.cell(r, 1).font.sz == ws["A1"].font.sz)


def tables(ws) -> list[dict]:
    """The sheet's Excel tables in order: title, header, rows as {header: value}, and where."""
    out = []
    for table in ws.tables.values():
        cells = list(ws[table.ref])
        header = [c.value for c in cells[0]]
        first = cells[0][0].row
        out.append({"title": title_above(ws, first), "header": header, "header_row": first,
                    "rows": [dict(zip(header, (c.value for c in row))) for row in cells[1:]],
                    "cells": cells[1:], "name": table.displayName, "table": table})
    return sorted(out, key=lambda t: t["header_row"])


def table(ws, starts: str = "") -> dict:
    (hit,) = [t for t in tables(ws) if t["title"].startswith(starts)] if starts else tables(ws)
    return hit


def same(got, expected) -> bool:
    """A cell read back against the warehouse's value: [x] for NULL, else equal as a float."""
    return got in SHORTHAND if expected is None else got == pytest.approx(expected)


def chart_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith("xl/charts/chart")}


def sheet_charts(path: Path) -> dict[str, list[dict]]:
    """Per sheet name, its charts: type, title, alt text, series (name, x ref, y ref, line colour and
    dash), and the chart's XML root."""
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(path) as z:
        def xml(name):
            return ET.fromstring(z.read(name))

        def rels(name):
            folder, base = name.rsplit("/", 1)
            r = f"{folder}/_rels/{base}.rels"
            if r not in z.namelist():
                return {}
            return {e.get("Id"): e.get("Target") for e in xml(r)}

        wb = xml("xl/workbook.xml")
        ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
              "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
        wb_rels = rels("xl/workbook.xml")
        out = {}
        for s in wb.find("m:sheets", ns):
            target = "xl/" + wb_rels[s.get(f"{{{ns['r']}}}id")]
            charts = []
            for rid, drawing in rels(target).items():
                if "drawings/" not in drawing:
                    continue
                dpath = "xl/drawings/" + drawing.rsplit("/", 1)[1]
                drels = rels(dpath)
                for frame in xml(dpath).iter("{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}graphicFrame"):
                    descr = frame.find(".//{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}cNvPr").get("descr")
                    cref = frame.find(f".//{C}chart").get(f"{{{ns['r']}}}id")
                    root = xml("xl/charts/" + drels[cref].rsplit("/", 1)[1])
                    charts.append(chart_info(root, descr))
            out[s.get("name")] = charts
        return out


def chart_info(root, descr) -> dict:
    plot = root.find(f".//{C}plotArea")
    kind = next(e.tag.replace(C, "") for e in plot if e.tag.endswith("Chart"))
    title = "".join(t.text or "" for t in root.find(f"{C}chart/{C}title").iter(f"{A}t"))
    series = []
    for ser in plot.iter(f"{C}ser"):
        ln = ser.find(f"{C}spPr/{A}ln")
        colour = ln.find(f".//{A}srgbClr").get("val") if ln is not None and ln.find(f".//{A}srgbClr") is not None else None
        dash = ln.find(f"{A}prstDash").get("val") if ln is not None and ln.find(f"{A}prstDash") is not None else "solid"
        name = "".join(t.text or "" for t in ser.find(f"{C}tx").iter(f"{C}v")) if ser.find(f"{C}tx") is not None else ""
        xref = ser.find(f"{C}xVal//{C}f") if ser.find(f"{C}xVal") is not None else ser.find(f"{C}cat//{C}f")
        series.append({"name": name, "x": xref.text if xref is not None else None,
                       "y": ser.find(f"{C}yVal//{C}f").text if ser.find(f"{C}yVal") is not None
                       else ser.find(f"{C}val//{C}f").text,
                       "colour": colour, "dash": dash,
                       "smooth": ser.find(f"{C}smooth").get("val") if ser.find(f"{C}smooth") is not None else None,
                       "err": ser.find(f"{C}errBars") is not None})
    return {"kind": kind, "title": title, "alt": descr, "series": series, "root": root}


def range_values(wb, ref: str) -> list:
    sheet, cells = ref.rsplit("!", 1)
    ws = wb[sheet.strip("'")]
    return [c.value for row in ws[cells.replace("$", "")] for c in row]


# --- structure --------------------------------------------------------------------------------


def test_default_export_sheets_in_report_order(default_export, warehouse):
    result, wb = default_export
    n = names(warehouse)
    profiles = [n[c] for c in sorted(focus(warehouse), key=lambda c: n[c])]
    assert wb.sheetnames == result["sheets"]
    assert wb.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    assert wb.sheetnames[3:3 + len(profiles) + 1] == sorted(profiles, key=[n[c] for c in focus(warehouse)].index) \
        + ["Comparators"]
    rest = wb.sheetnames[3 + len(profiles) + 1:]
    for before, after in (("Charts", "Indicators"), ("Indicators", "GTMI items"), ("Readiness", "Method"),
                          ("Survey summary", "Survey comments"), ("Survey comments", "Survey answers")):
        assert rest.index(before) < rest.index(after)
    assert rest[-1] == "Chart data"
    assert result["skipped_charts"] == [] and result["charts"] == sum(len(c) for c in
                                                                       sheet_charts(Path(result["path"])).values())
    p = Path(result["path"])
    assert result["bytes"] == p.stat().st_size > 10_000
    assert not [f for f in p.parent.iterdir() if f.name != p.name], "a temp file was left behind"


def test_every_sheet_has_a_title_in_a1_and_every_table_a_title_row(default_export):
    _, wb = default_export
    seen = set()
    for ws in wb.worksheets:
        a1 = ws["A1"]
        assert isinstance(a1.value, str) and len(a1.value) > 10 and a1.font.b, ws.title
        assert not ws.merged_cells.ranges, ws.title
        for t in tables(ws):
            assert t["title"], f"{ws.title}: table {t['name']} has no title row above it"
            assert t["header_row"] > 2, ws.title
            assert all(isinstance(h, str) and h for h in t["header"]) and len(set(t["header"])) == len(t["header"])
            assert t["name"] not in seen
            seen.add(t["name"])
    assert not wb["Cover"].tables and wb["Contents"].tables


def test_no_blank_cell_inside_a_table_but_chart_data(default_export):
    """Missing values are shorthand ([x], [z]) or words, never a blank cell (the guidance); only
    the chart data leave blanks, as the charts need, and say so."""
    _, wb = default_export
    for ws in wb.worksheets:
        for t in tables(ws):
            blanks = [c.coordinate for row in t["cells"] for c in row if c.value is None]
            if ws.title == "Chart data":
                continue
            assert not blanks, f"{ws.title}: blank cells {blanks[:5]}"
    text = " ".join(str(c.value) for row in wb["Chart data"].iter_rows(max_row=6) for c in row if c.value)
    assert "Blank cells" in text and "gap" in text
    assert any(c.value is None for t in tables(wb["Chart data"]) for row in t["cells"] for c in row)


def test_notes_table_lists_every_marker_used_and_the_shorthand(default_export):
    _, wb = default_export
    notes = table(wb["Notes"], "Notes")
    config = load_config("export")
    assert [r["Note number"] for r in notes["rows"]] == [f"[note {k}]" for k in range(1, len(config["notes"]) + 1)]
    assert [r["Note text"] for r in notes["rows"]] == [" ".join(v.split()) for v in config["notes"].values()] or \
        [r["Note text"] for r in notes["rows"]] == list(config["notes"].values())
    used = set()
    for ws in wb.worksheets:
        if ws.title == "Notes":
            continue
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str):
                    used.update(int(k) for k in MARKER.findall(c.value))
    assert used == set(range(1, len(config["notes"]) + 1)), "a note nobody marks, or a marker with no note"
    shorthand = table(wb["Notes"], "Shorthand")
    assert {r["Symbol"] for r in shorthand["rows"]} == SHORTHAND
    # and the shorthand is used where values are missing
    cells = [c.value for t in tables(wb["Indicators"]) for row in t["cells"] for c in row]
    assert "[x]" in cells


def test_document_language_and_properties(default_export):
    result, _ = default_export
    with zipfile.ZipFile(result["path"]) as z:
        core = z.read("docProps/core.xml").decode()
    assert f"<dc:language>{load_config('export')['language']}</dc:language>" in core
    assert "<dc:creator>digigov</dc:creator>" in core and "<dc:title>Digital government in" in core


def test_contents_links_every_sheet(default_export):
    _, wb = default_export
    t = table(wb["Contents"])
    assert [r["Sheet"] for r in t["rows"]] == wb.sheetnames
    assert all(r["What it holds"] for r in t["rows"])
    for row in t["cells"]:
        cell = row[0]
        assert cell.hyperlink is not None and cell.hyperlink.location == f"'{cell.value}'!A1"


def test_cover_has_statistical_title_period_about_source_contact_and_sample_data(default_export, warehouse):
    result, wb = default_export
    ws = wb["Cover"]
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    n = names(warehouse)
    first, last = query(warehouse, "SELECT min(year), max(year) FROM observations WHERE list_contains(?, iso3)",
                        [focus(warehouse)])[0]
    title = sheet_title(ws)
    assert title.startswith("Digital government in") and title.endswith(f"{first}–{last}")
    for heading in ("About this workbook", "Period covered", "Countries", "Comparators", "Source", "Produced",
                    "Contact", "SAMPLE data", "Survey responses", "Charts", "How to read this workbook"):
        assert heading in text
    for iso3 in focus(warehouse) + ["EST", "KOR"]:
        assert f"{n[iso3]} ({iso3})" in text
    run_id = query(warehouse, "SELECT run_id FROM runs WHERE status LIKE 'succeeded%' ORDER BY finished_at DESC "
                              "LIMIT 1")[0][0]
    assert run_id in text
    assert str(Path(result["path"]).parent) not in text and ".duckdb" not in text
    answers = query(warehouse, "SELECT count(*) FROM survey_responses WHERE is_sample AND list_contains(?, iso3)",
                    [focus(warehouse) + ["EST", "KOR"]])[0][0]
    assert answers and f"{answers:,} survey answers of the countries shown are SAMPLE data" in text
    assert "never enter a readiness score" in text
    assert f"reference year {max(ref_years(warehouse))}, the latest of" in text
    assert "Every chart of this workbook could be drawn." in text
    # every cover line fits its column: nothing runs past the printed width
    width = ws.column_dimensions["A"].width
    assert all(len(str(c.value)) <= width * 1.0 for row in ws.iter_rows(min_row=2) for c in row if c.value)


def test_contact_given_on_the_command_line_is_on_the_cover(warehouse, tmp_path):
    export_workbook(warehouse, tmp_path / "x.xlsx", countries=["KAZ"], contact="Data team, data@example.org")
    text = " ".join(str(c.value) for row in load_workbook(tmp_path / "x.xlsx")["Cover"].iter_rows()
                    for c in row if c.value)
    assert "Data team, data@example.org" in text and "None given" not in text


def test_cover_says_when_nothing_rests_on_sample_data(warehouse_copy, tmp_path):
    wh = warehouse_copy
    with duckdb.connect(str(wh)) as con:
        for t in ("core.survey_response", "core.finding", "core.source_file"):
            con.execute(f"DELETE FROM {t} WHERE is_sample")
    export_workbook(wh, tmp_path / "x.xlsx")
    text = " ".join(str(c.value) for row in load_workbook(tmp_path / "x.xlsx")["Cover"].iter_rows()
                    for c in row if c.value is not None)
    assert "None: no part of this workbook rests on SAMPLE data." in text


# --- profiles ---------------------------------------------------------------------------------


def test_a_profile_per_focus_country_with_headline_indices_rank_and_change(default_export, warehouse):
    _, wb = default_export
    n = names(warehouse)
    headline = load_config("export")["headline"]
    for iso3 in focus(warehouse):
        ws = wb[n[iso3]]
        assert sheet_title(ws).startswith(f"{n[iso3]}: digital-government profile")
        t = table(ws, f"Headline indices of {n[iso3]}")
        known = [i for i in headline if query(warehouse, "SELECT count(*) FROM indicators WHERE indicator_id = ?",
                                              [i])[0][0]]
        assert len(t["rows"]) == len(known)
        by_name = {r["Indicator"]: r for r in t["rows"]}
        for ind in ("un.egdi", "un.egdi_rank"):
            name = query(warehouse, "SELECT name FROM indicators WHERE indicator_id = ?", [ind])[0][0]
            (latest, value), (prev, pvalue) = query(
                warehouse, "SELECT year, value FROM observations WHERE iso3 = ? AND indicator_id = ? "
                           "ORDER BY year DESC LIMIT 2", [iso3, ind])
            row = by_name[name]
            assert (row["Year"], row["Previous year"]) == (latest, prev)
            assert row["Value [unit]"] == pytest.approx(value)
            assert row["Previous value [unit]"] == pytest.approx(pvalue)
            change = [h for h in t["header"] if h.startswith("Change")][0]
            # a rank's change is previous minus current: a rise is positive
            assert row[change] == pytest.approx(pvalue - value if ind.endswith("rank") else value - pvalue)
        world = [h for h in t["header"] if h.startswith("World average")][0]
        egdi = by_name[query(warehouse, "SELECT name FROM indicators WHERE indicator_id = 'un.egdi'")[0][0]]
        assert egdi[world] == pytest.approx(query(
            warehouse, "SELECT value FROM aggregates WHERE group_id = 'world' AND indicator_id = 'un.egdi' "
                       "AND year = ?", [egdi["Year"]])[0][0])
        assert egdi["Estonia [unit]"] == pytest.approx(query(
            warehouse, "SELECT value FROM observations WHERE iso3 = 'EST' AND indicator_id = 'un.egdi' AND year = ?",
            [egdi["Year"]])[0][0])


def test_profile_gtmi_groups_readiness_gaps_findings_institutions(default_export, warehouse):
    _, wb = default_export
    n = names(warehouse)
    latest = max(ref_years(warehouse))
    for iso3 in focus(warehouse):
        ws = wb[n[iso3]]
        groups = table(ws, "GovTech Maturity Index and group")["rows"]
        expected = query(warehouse, "SELECT year, min(category) FROM classifications WHERE scheme = 'gtmi_group' "
                                    "AND iso3 = ? GROUP BY year ORDER BY year", [iso3])
        assert [(r["Wave"], r[[k for k in r if k.startswith("GTMI group")][0]]) for r in groups] == \
            [(f"GTMI {y}", g) for y, g in expected]
        ready = table(ws, f"Readiness of {n[iso3]} by dimension")
        assert f"reference year {latest}" in ready["title"]
        cells = query(warehouse, "SELECT dimension_id, score, score_p05, score_p95, level FROM readiness "
                                 "WHERE iso3 = ? AND ref_year = ? ORDER BY dimension_id", [iso3, latest])
        assert len(ready["rows"]) == len(cells) == 9
        for r, (d, score, p05, p95, level) in zip(ready["rows"], cells):
            assert r["Dimension"].startswith(f"D{d} ")
            assert same(r["Score (0-1)"], score) and same(r["5th percentile"], p05) and same(r["95th percentile"], p95)
            assert r["Level"] == (level or "[x]")
        gaps = table(ws, f"Priority gaps of {n[iso3]}")["rows"]
        assert [(r["Priority (1 = weakest)"], r["Dimension"]) for r in gaps] == [
            (p, f"D{d} {name}") for p, d, name in query(
                warehouse, "SELECT priority, dimension_id, dimension FROM priority_gaps WHERE iso3 = ? AND ref_year = ? "
                           "ORDER BY priority", [iso3, latest])]
        findings = table(ws, f"Findings that name {n[iso3]}")["rows"]
        expected = query(warehouse, "SELECT finding_id, is_sample FROM findings WHERE iso3 = ? ORDER BY finding_id",
                         [iso3])
        got = sorted((r["Finding"], r[[k for k in r if k.startswith("Real or SAMPLE")][0]]) for r in findings
                     if r["Finding"] not in SHORTHAND and r["Finding"] is not None)
        assert got == [(f, "SAMPLE" if s else "real") for f, s in expected]
        inst = table(ws, "Institutions responsible")["rows"]
        count = query(warehouse, "SELECT count(*) FROM institutions WHERE iso3 = ?", [iso3])[0][0]
        assert len(inst) == max(count, 1)


def test_comparator_profile(default_export, warehouse):
    _, wb = default_export
    ws = wb["Comparators"]
    titles = [t["title"] for t in tables(ws)]
    for name in ("Estonia", "Republic of Korea"):
        assert any(t.startswith(f"Headline indices of {name}") for t in titles)
        assert any(t.startswith(f"Readiness of {name} by dimension") for t in titles)
    charts = sheet_charts(Path(default_export[0]["path"]))["Comparators"]
    assert [c["kind"] for c in charts] == ["scatterChart"]
    assert {s["name"] for s in charts[0]["series"]} >= {"Estonia", "Republic of Korea", "World average"}


def test_profile_charts_egdi_components_and_readiness_with_intervals(default_export, warehouse):
    result, wb = default_export
    n = names(warehouse)
    charts = sheet_charts(Path(result["path"]))
    for iso3 in focus(warehouse):
        kinds = [(c["kind"], c["title"]) for c in charts[n[iso3]]]
        assert [k for k, _ in kinds] == ["barChart", "scatterChart", "scatterChart"], kinds
        bar, egdi, comps = charts[n[iso3]]
        assert bar["title"].startswith(f"Readiness of {n[iso3]} by dimension") and bar["series"][0]["err"]
        labels = range_values(wb, bar["series"][0]["x"])
        scores = range_values(wb, bar["series"][0]["y"])
        cells = query(warehouse, "SELECT dimension_id, score, level FROM readiness WHERE iso3 = ? AND ref_year = ? "
                                 "ORDER BY dimension_id", [iso3, max(ref_years(warehouse))])
        assert [s for s in scores] == [pytest.approx(s) if s is not None else None for _, s, _ in cells]
        assert all(f"({lvl or 'no score'})" in lab for lab, (_, _, lvl) in zip(labels, cells))  # not colour alone
        assert [s["name"] for s in egdi["series"]] == [n[iso3], "Estonia", "Republic of Korea", "World average"]
        assert {s["name"] for s in comps["series"]} == {f"{k}, {n[iso3]}" for k in ("OSI", "HCI", "TII")} | \
            {f"{k}, world average" for k in ("OSI", "HCI", "TII")}


# --- charts -----------------------------------------------------------------------------------


def test_every_chart_has_alt_text(default_export):
    charts = sheet_charts(Path(default_export[0]["path"]))
    every = [c for cs in charts.values() for c in cs]
    assert len(every) == default_export[0]["charts"] > 20
    for c in every:
        assert c["alt"] and len(c["alt"]) > 80 and c["alt"] != c["title"], c["title"]


def test_line_charts_are_straight_on_a_numeric_year_axis_with_gaps(default_export):
    result, wb = default_export
    charts = [c for cs in sheet_charts(Path(result["path"])).values() for c in cs if c["kind"] == "scatterChart"]
    assert charts
    for c in charts:
        root = c["root"]
        assert root.find(f".//{C}scatterStyle").get("val") == "lineMarker"
        assert {s["smooth"] for s in c["series"]} == {"0"}, c["title"]
        assert root.find(f".//{C}dispBlanksAs").get("val") == "gap"
        axes = root.findall(f".//{C}plotArea/{C}valAx")
        assert len(axes) == 2 and not root.findall(f".//{C}catAx")  # years are numbers, not categories
        x_axis = next(a for a in axes if a.find(f"{C}axPos").get("val") == "b")
        lo, hi = (float(x_axis.find(f"{C}scaling/{C}{k}").get("val")) for k in ("min", "max"))
        years = [y for s in c["series"] for y in range_values(wb, s["x"]) if y is not None]
        assert lo == min(years) and max(years) <= hi < max(years) + 3


def test_group_chart_sets_countries_apart_from_world_and_comparators(default_export, warehouse):
    result, wb = default_export
    n = names(warehouse)
    (line, bar) = sheet_charts(Path(result["path"]))["Charts"]
    series = {s["name"]: s for s in line["series"]}
    assert list(series) == [n[c] for c in focus(warehouse)] + ["Estonia", "Republic of Korea", "World average"]
    colours = [series[n[c]]["colour"] for c in focus(warehouse)]
    assert len(set(colours)) == len(colours) == 7 and all(series[n[c]]["dash"] == "solid" for c in focus(warehouse))
    assert series["World average"]["colour"] == load_config("export")["world_colour"]
    assert series["World average"]["dash"] not in ("solid",) and series["Estonia"]["dash"] not in ("solid",)
    assert series["Estonia"]["colour"] == series["Republic of Korea"]["colour"] == \
        load_config("export")["comparator_colour"]
    assert series["Estonia"]["colour"] not in colours
    # the bar chart shows every country, the comparators and the world average
    assert range_values(wb, bar["series"][0]["x"]) == [n[c] for c in focus(warehouse)] + \
        ["Estonia", "Republic of Korea", "World average"]


def test_chart_data_leave_the_un_no_online_presence_markers_out(default_export, warehouse):
    """Tajikistan's EGDI of 2003 and 2004 is the UN's no-online-presence 0 (rejected at load); its
    OSI of those years is the same marker: a gap in the charts, [x] in Time series, not a 0."""
    _, wb = default_export
    assert query(warehouse, "SELECT value FROM observations WHERE iso3 = 'TJK' AND indicator_id = 'un.osi' "
                            "AND year = 2003")[0][0] == 0
    assert not query(warehouse, "SELECT value FROM observations WHERE iso3 = 'TJK' AND indicator_id = 'un.egdi' "
                                "AND year = 2003")
    osi = table(wb["Chart data"], "Online Service Index")
    tjk = {r["Survey year"]: r["Tajikistan"] for r in osi["rows"]}
    assert tjk[2003] is None and tjk[2005] is not None and tjk[2005] > 0
    ts = table(wb["Time series"])
    col = [h for h in ts["header"] if h.startswith("Tajikistan")][0]
    row = next(r for r in ts["rows"] if r["Indicator id"] == "un.osi" and r["Survey year"] == 2003)
    assert row[col] == "[x]"
    # a real 0 elsewhere would stay: only rows without EGDI but with HCI are markers
    assert next(r for r in ts["rows"] if r["Indicator id"] == "un.hci" and r["Survey year"] == 2003)[col] != "[x]"


# --- data sheets against the warehouse -------------------------------------------------------


def test_indicators_headline_first_no_gtmi_items(default_export, warehouse):
    _, wb = default_export
    t = table(wb["Indicators"])
    ids = [r["Indicator id"] for r in t["rows"]]
    assert not [i for i in ids if re.fullmatch(r"wb\.gtmi\.i\d+", i)]
    headline = [i for i in load_config("export")["headline"] if i in ids]
    first = list(dict.fromkeys(ids))[:len(headline)]
    assert first == headline
    expected = query(warehouse, "SELECT count(DISTINCT (iso3, indicator_id)) FROM observations "
                                "WHERE list_contains(?, iso3) AND NOT regexp_matches(indicator_id, '^wb\\.gtmi\\.i[0-9]+$')",
                     [focus(warehouse)])[0][0]
    assert len(t["rows"]) == expected
    kaz = next(r for r in t["rows"] if r["ISO3"] == "KAZ" and r["Indicator id"] == "un.egdi")
    year, value = query(warehouse, "SELECT year, value FROM observations WHERE iso3 = 'KAZ' AND indicator_id = "
                                   "'un.egdi' ORDER BY year DESC LIMIT 1")[0]
    assert kaz["Year"] == year and kaz["Value [unit]"] == pytest.approx(value)


def test_gtmi_items_sheet_one_row_per_item(default_export, warehouse):
    _, wb = default_export
    t = table(wb["GTMI items"])
    items = query(warehouse, "SELECT indicator_id FROM indicators WHERE regexp_matches(indicator_id, "
                             "'^wb\\.gtmi\\.i[0-9]+$')")
    assert len(t["rows"]) == len(items) > 40
    wave = query(warehouse, "SELECT max(year) FROM observations WHERE regexp_matches(indicator_id, "
                            "'^wb\\.gtmi\\.i[0-9]+$')")[0][0]
    assert f"the {wave} wave" in sheet_title(wb["GTMI items"])
    row = next(r for r in t["rows"] if r["Indicator id"] == "wb.gtmi.i35")
    assert same(row["Kazakhstan"], (query(warehouse, "SELECT value FROM observations WHERE iso3 = 'KAZ' AND "
                                                     "indicator_id = 'wb.gtmi.i35' AND year = ?", [wave]) or [[None]])[0][0])


def test_time_series_world_average_is_the_uns(default_export, warehouse):
    _, wb = default_export
    t = table(wb["Time series"])
    world = [h for h in t["header"] if h.startswith("World average")][0]
    egdi = {r["Survey year"]: r for r in t["rows"] if r["Indicator id"] == "un.egdi"}
    assert round(egdi[2020][world], 4) == 0.5988  # UN DESA's published figure
    for year, value in query(warehouse, "SELECT year, value FROM observations WHERE iso3 = 'KAZ' AND "
                                        "indicator_id = 'un.egdi'"):
        assert egdi[year]["Kazakhstan [index 0-1]"] == pytest.approx(value)


def test_readiness_sheet_matrix_and_cells(default_export, warehouse):
    _, wb = default_export
    ws = wb["Readiness"]
    latest = max(ref_years(warehouse))
    matrix, cells = tables(ws)
    assert f"reference year {latest}" in matrix["title"] and f"reference year {latest}" in sheet_title(ws)
    assert [r["ISO3"] for r in matrix["rows"]] == focus(warehouse) + ["EST", "KOR"]
    expected = query(warehouse, "SELECT iso3, dimension_id, score, score_p05, score_p95, level FROM readiness "
                                "WHERE ref_year = ? AND list_contains(?, iso3)", [latest, focus(warehouse) + ["EST", "KOR"]])
    got = {(r["ISO3"], r["Dimension"].split()[0]): r for r in cells["rows"]}
    assert len(got) == len(expected) == 81
    for iso3, d, score, p05, p95, level in expected:
        r = got[(iso3, f"D{d}")]
        assert same(r["Score (0-1)"], score) and same(r["5th percentile"], p05) and same(r["95th percentile"], p95)
        assert r["Level"] == (level or "[x]")
    # colours repeat the levels written in the cells
    rules = [r for cf in ws.conditional_formatting for r in cf.rules]
    assert {r.type for r in rules} >= {"colorScale", "cellIs"}


def test_survey_sheets_label_sample_data(default_export, warehouse):
    _, wb = default_export
    summary = table(wb["Survey summary"])
    data = [h for h in summary["header"] if h.startswith("Real or SAMPLE")][0]
    n_sample = query(warehouse, "SELECT count(*) FROM survey_summary WHERE scope = 'country' AND is_sample "
                                "AND list_contains(?, iso3)", [focus(warehouse)])[0][0]
    assert n_sample and sum(r[data] == "SAMPLE" for r in summary["rows"]) == n_sample
    comments = table(wb["Survey comments"])
    expected = query(warehouse, "SELECT comment, is_sample FROM survey_responses WHERE comment IS NOT NULL AND "
                                "list_contains(?, iso3)", [focus(warehouse)])
    data = [h for h in comments["header"] if h.startswith("Real or SAMPLE")][0]
    assert sorted((r["Comment"], r[data]) for r in comments["rows"]) == \
        sorted((c, "SAMPLE" if s else "real") for c, s in expected)
    answers = tables(wb["Survey answers"])
    orgs = [h for t in answers for h in t["header"][2:]]
    sample_orgs = query(warehouse, "SELECT count(DISTINCT organisation) FROM survey_responses WHERE is_sample "
                                   "AND list_contains(?, iso3)", [focus(warehouse)])[0][0]
    assert len(orgs) == sample_orgs and all("SAMPLE" in o for o in orgs)


def test_sources_and_definitions_come_from_the_warehouse(default_export, warehouse):
    _, wb = default_export
    t = table(wb["Sources"])
    assert sorted((r["File"], r["SHA-256"]) for r in t["rows"]) == sorted(query(warehouse, "SELECT file, sha256 "
                                                                                           "FROM sources"))
    d = table(wb["Definitions"])
    assert {r["Indicator id"] for r in d["rows"]} == {r[0] for r in query(warehouse, "SELECT indicator_id "
                                                                                     "FROM indicators")}


def test_export_queries_are_package_data():
    """Every .sql file the warehouse package reads must match a package-data glob, or an installed
    (non-editable) digigov would not find it."""
    root = Path(__file__).resolve().parents[1]
    package_data = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    files = [p.relative_to(root / "warehouse") for p in (root / "warehouse").rglob("*.sql")]
    assert Path("sql/export/indicators.sql") in files and Path("sql/export/headline.sql") in files
    assert [f for f in files if not any(fnmatch.fnmatch(f.name, g) for g in package_data.get(
        ".".join(("digigov.warehouse", *f.parent.parts)), []))] == []


# --- --year: one meaning for every sheet -------------------------------------------------------


def test_year_option_means_as_of_that_year_on_every_sheet(warehouse, tmp_path):
    years = ref_years(warehouse)
    year = years[1] + 1   # between two reference years, and a year without a UN survey
    out = tmp_path / "x.xlsx"
    result = export_workbook(warehouse, out, countries=["KAZ"], year=year)
    wb = load_workbook(out)
    for ws in wb.worksheets:
        title = sheet_title(ws)
        if ws.title in ("Cover", "Contents", "Notes", "Chart data", "Method", "Sources", "Definitions", "Charts"):
            continue
        assert (f"up to {year}" in title or f"reference year {years[1]}" in title or "not dated" in title
                or "all workbooks received" in title or "as the needs assessment lists them" in title), title
    ind = table(wb["Indicators"])
    assert max(r["Year"] for r in ind["rows"]) <= year and any(r["Year"] == year for r in ind["rows"])
    ts = table(wb["Time series"])
    assert max(r["Survey year"] for r in ts["rows"]) < year
    ready = table(wb["Readiness"], "Readiness scores")
    assert f"reference year {years[1]}, the latest of" in ready["title"] and f"up to {year}" in ready["title"]
    assert same(ready["rows"][0][[h for h in ready["header"] if h.startswith("D2 ")][0]], query(
        warehouse, "SELECT score FROM readiness WHERE iso3 = 'KAZ' AND dimension_id = 2 AND ref_year = ?",
        [years[1]])[0][0])
    charts = sheet_charts(out)
    for cs in charts.values():
        for c in cs:
            if c["kind"] == "scatterChart":
                assert max(y for s in c["series"] for y in range_values(wb, s["x"]) if y is not None) < year
    assert result["skipped_charts"] == []


def test_year_before_every_reference_year_shows_no_later_readiness_and_says_so(warehouse, tmp_path):
    first = ref_years(warehouse)[0]
    out = tmp_path / "x.xlsx"
    result = export_workbook(warehouse, out, countries=["KAZ"], year=first - 1)
    wb = load_workbook(out)
    assert f"no readiness reference year up to {first - 1}" in sheet_title(wb["Readiness"])
    assert all(r["Score (0-1)"] in SHORTHAND or isinstance(r["Score (0-1)"], str)
               for r in table(wb["Readiness"], "Each score")["rows"])
    assert any("Readiness of Kazakhstan" in s for s in result["skipped_charts"])
    cover = " ".join(str(c.value) for row in wb["Cover"].iter_rows() for c in row if c.value)
    assert "Not drawn: Readiness of Kazakhstan" in cover


def test_a_year_with_no_egdi_yet_reports_the_charts_it_cannot_draw(warehouse, tmp_path, capsys):
    from digigov.flows.cli import main

    first_egdi = query(warehouse, "SELECT min(year) FROM observations WHERE indicator_id = 'un.egdi'")[0][0]
    out = tmp_path / "x.xlsx"
    assert main(["export", "--out", str(out), "--warehouse", str(warehouse), "--countries", "KAZ",
                 "--year", str(first_egdi - 1)]) == 0
    printed = capsys.readouterr().out
    assert "chart not drawn: EGDI over time of Kazakhstan" in printed
    cover = " ".join(str(c.value) for row in load_workbook(out)["Cover"].iter_rows() for c in row if c.value)
    assert "Not drawn: EGDI over time of Kazakhstan" in cover


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
    t = table(ws)
    (i, row), = [(i, r) for i, r in enumerate(t["rows"]) if r["Finding id"] == "ZZ1"]
    for name, text in (("Statement", statement), ("Topic", "@SUM(1)"), ("Evidence", "+1"),
                       ("Check detail", "-2+3")):
        cell = t["cells"][i][t["header"].index(name)]
        assert (cell.value, cell.data_type) == (text, "s"), name


# --- bad arguments and output paths -----------------------------------------------------------


def test_unknown_country_code_is_named(warehouse, tmp_path):
    with pytest.raises(DigigovError, match="unknown country code 'XYZ'"):
        export_workbook(warehouse, tmp_path / "x.xlsx", countries=["KAZ", "XYZ"])
    assert not list(tmp_path.iterdir())


def test_year_without_data_for_the_selection(warehouse, tmp_path):
    first, last = query(warehouse, "SELECT min(year), max(year) FROM observations WHERE iso3 = 'KAZ'")[0]
    with pytest.raises(DigigovError, match=f"no data up to {first - 1} for KAZ: their data cover {first}–{last}"):
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
    export_workbook(warehouse, out, force=True, countries=["KAZ"])
    assert load_workbook(out).sheetnames[0] == "Cover"
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
