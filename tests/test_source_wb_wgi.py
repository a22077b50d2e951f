"""The Worldwide Governance Indicators reader, its schemas and its mapping, on the real
wgidataset.xlsx (2024 update) and on small damaged copies written with openpyxl.

Fault policy (see sources/wb_wgi.py): a wrong sheet name, any missing column of the 2024 layout,
a file that is not a readable workbook or a file lacking one of the six indicators fails the
file (SourceFileError naming file, sheet and column); text in `estimate` or `year`, an unknown
indicator code, a malformed or unknown country code, a duplicated code x indicator x year or an
estimate outside the configured scale quarantines that row with a reason, and the rest loads.
The publisher's `..` is a missing value: not emitted, not rejected.
"""


import dataclasses

import openpyxl
import pandas as pd
import pytest
import python_calamine

from digigov.errors import FetchError, SourceFileError
from digigov.settings import EMBEDDED_SNAPSHOTS
from digigov.sources import wb_wgi, xlsx
from digigov.sources.snapshots import SnapshotFile, sha256_of, verify
from digigov.transforms.context import context_for
from digigov.transforms.countries import resolve_code
from digigov.transforms.stage import stage_file

SNAP = EMBEDDED_SNAPSHOTS / "wb_wgi"
REAL = SNAP / "wgidataset.xlsx"
CTX = context_for("wb_wgi")
WGI = wb_wgi.SOURCE
LEGACY = {"ROM": "ROU", "ZAR": "COD", "TMP": "TLS", "ADO": "AND", "KSV": "XKX", "WBG": "PSE"}
SMALL = {"KAZ", "UZB", "EST", "KOR", "ROM", "ZAR", "ASM", "ANT"}  # focus, comparators, legacy, '..', unknown


def snapshot_file(path):
    data = path.read_bytes()
    return SnapshotFile(path, sha256_of(data), len(data), {})


@pytest.fixture(scope="module")
def staged():
    files, warnings = verify(SNAP, wb_wgi.FILE_GLOB, {})
    assert [f.name for f in files] == ["wgidataset.xlsx"] and warnings == []
    return stage_file(WGI, files[0], CTX)


@pytest.fixture(scope="module")
def workbook():
    """The sheet read independently of digigov's reader (pandas' calamine engine)."""
    return pd.read_excel(REAL, sheet_name="Sheet1", engine="calamine", dtype=object)


@pytest.fixture(scope="module")
def real_rows():
    cells = python_calamine.CalamineWorkbook.from_path(REAL).get_sheet_by_name("Sheet1").to_python()
    tidy = [[int(v) if isinstance(v, float) and v.is_integer() else v for v in r] for r in cells]
    return tidy[0], [r for r in tidy[1:] if r[1] in SMALL]


def small_copy(tmp_path, real_rows, change=None, sheet="Sheet1"):
    """An openpyxl workbook in the 2024 layout holding the real rows of SMALL, then `change(ws)`."""
    header, body = real_rows
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for row in body:
        ws.append(row)
    if change:
        change(ws)
    out = tmp_path / "wgidataset.xlsx"
    wb.save(out)
    return out


def row_of(ws, key):
    return next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == key)


def unknown_codes(codes) -> set:
    return {c for c in set(codes) if resolve_code(c)[0] is None and resolve_code(c)[1] != "aggregate"}


# ---- the real file --------------------------------------------------------------------------

def test_read_keeps_the_published_strings():
    """The 3 MB workbook is parsed with python-calamine; only the five columns used are converted.
    (Read time is a benchmark matter, not asserted here.)"""
    xlsx._cells.cache_clear()
    raw = wb_wgi.read(REAL, CTX)
    assert len(raw) == 32100
    assert list(raw.columns) == ["code", "countryname", "year", "indicator", "estimate", "_file", "_row"]
    first = raw.iloc[0]
    assert first[["code", "year", "indicator", "_row"]].tolist() == ["AFG", "1996", "cc", 2]
    assert first["estimate"] == "-1.291704773902893"


def test_dotdot_is_read_as_missing_and_not_emitted_or_rejected(staged, workbook):
    raw = wb_wgi.read(REAL, CTX)
    assert raw["estimate"].isna().sum() == (workbook["estimate"] == "..").sum() == 1126
    asm = raw[(raw["code"] == "ASM") & (raw["year"] == "1996")]
    assert len(asm) == 6 and asm["estimate"].isna().all()
    obs, rejects, _ = staged
    assert obs[(obs["iso3"] == "ASM") & (obs["year"] == 1996)].empty
    assert not set(asm["_row"]) & set(rejects["row"])


def test_release_and_dates():
    assert wb_wgi.release_of(REAL, CTX) == "2024"
    assert wb_wgi.last_updated_of(REAL, CTX) == "2024-09-27"
    assert WGI.last_updated_of is wb_wgi.last_updated_of  # declared, so staging records the file's date
    manifest = verify(SNAP, wb_wgi.FILE_GLOB, {})[0][0].meta
    assert (manifest["release"], manifest["last_updated"]) == ("2024", "2024-09-27")


def test_real_file_counts_and_unknown_codes(staged, workbook):
    """Every valued row loads except codes nobody knows; today that is only ANT (Netherlands
    Antilles, former), which the report proposes for config/countries.yaml extra_economies."""
    obs, rejects, _ = staged
    valued = workbook[workbook["estimate"] != ".."]
    unknown = unknown_codes(workbook["code"])
    assert unknown <= {"ANT"}, f"codes the shared step does not know: {sorted(unknown)}"
    expected_rejects = valued[valued["code"].isin(unknown)]
    assert len(rejects) == len(expected_rejects)
    assert rejects["reason"].str.startswith("unknown country code 'ANT'").all()
    assert len(obs) == len(valued) - len(expected_rejects)
    assert obs.groupby("indicator_id").size().index.tolist() == sorted(
        ["wgi.cc", "wgi.ge", "wgi.pv", "wgi.rl", "wgi.rq", "wgi.va"])
    assert obs["year"].min() == 1996 and obs["year"].max() == 2023 and obs["year"].nunique() == 25
    assert set(obs["release"]) == {"2024"}


def test_legacy_codes_are_mapped(staged, workbook):
    obs, _, _ = staged
    codes = set(obs["iso3"])
    assert set(LEGACY.values()) <= codes and not set(LEGACY) & codes
    v = obs.set_index(["iso3", "indicator_id", "year"])["value"]
    wb = workbook.set_index(["code", "indicator", "year"])["estimate"]
    for legacy, iso3 in LEGACY.items():
        assert v[(iso3, "wgi.ge", 2023)] == wb[(legacy, "ge", 2023)], legacy


def test_target_values_match_the_workbook(staged, workbook):
    """KAZ, UZB, EST, KOR: every estimate of every year equals the workbook's cell."""
    obs, _, _ = staged
    v = obs.set_index(["iso3", "indicator_id", "year"])["value"]
    wb = workbook[workbook["code"].isin(["KAZ", "UZB", "EST", "KOR"]) & (workbook["estimate"] != "..")]
    assert len(wb) == 4 * 6 * 25
    for r in wb.itertuples():
        assert v[(r.code, f"wgi.{r.indicator}", r.year)] == r.estimate, r.codeindyr


def test_government_effectiveness_published_figures(staged):
    """GE 2020 / 2022 / 2023 as listed in PROVENANCE.md (4 decimals) for the study countries."""
    obs, _, _ = staged
    ge = obs[obs["indicator_id"] == "wgi.ge"].set_index(["iso3", "year"])["value"].round(4)
    published = {"ARM": (-0.3045, -0.3148, -0.1841), "AZE": (-0.1553, -0.0412, -0.0326),
                 "GEO": (0.7167, 0.6501, 0.7913), "KAZ": (0.1057, 0.1428, 0.1468),
                 "KGZ": (-0.5763, -0.8905, -0.8907), "TJK": (-0.7592, -0.7571, -0.7723),
                 "UZB": (-0.6155, -0.3299, -0.2838), "EST": (1.2990, 1.3426, 1.2635),
                 "KOR": (1.3702, 1.3490, 1.4048)}
    for iso3, values in published.items():
        assert tuple(ge[(iso3, y)] for y in (2020, 2022, 2023)) == values, iso3


def test_scale_fits_every_published_estimate(staged, workbook):
    obs, rejects, _ = staged
    assert not rejects["reason"].str.contains("outside the indicator's scale").any()
    published = pd.to_numeric(workbook["estimate"], errors="coerce")
    assert obs["value"].min() == published.min() and obs["value"].max() == published.max()
    assert -3.5 < published.min() < -3.3 and 2.4 < published.max() < 3.5


# ---- small damaged copies -------------------------------------------------------------------

def test_small_copy_baseline(tmp_path, real_rows):
    obs, rejects, _ = stage_file(WGI, snapshot_file(small_copy(tmp_path, real_rows)), CTX)
    header, body = real_rows
    valued = [r for r in body if r[5] != ".."]
    ant = [r for r in valued if r[1] == "ANT"]
    assert len(ant) == 60 and rejects.empty  # ANT: extra_economies in config/countries.yaml
    assert len(obs) == len(valued)
    assert set(obs["iso3"]) == {"KAZ", "UZB", "EST", "KOR", "ROU", "COD", "ASM", "ANT"}


def test_wrong_sheet_name_fails_the_file(tmp_path, real_rows):
    path = small_copy(tmp_path, real_rows, sheet="WGI data")
    with pytest.raises(SourceFileError, match=r"wgidataset\.xlsx: no sheet 'Sheet1' \(sheets in the file: \['WGI data'\]\)"):
        stage_file(WGI, snapshot_file(path), CTX)


@pytest.mark.parametrize("column", ["estimate", "pctrank"])
def test_missing_column_fails_the_file(tmp_path, real_rows, column):
    """Also a column digigov does not load: a changed layout must not be read by position or guess."""
    header = real_rows[0]

    def drop(ws):
        ws.delete_cols(header.index(column) + 1)
    path = small_copy(tmp_path, real_rows, drop)
    with pytest.raises(SourceFileError, match=rf"wgidataset\.xlsx: sheet 'Sheet1': missing column '{column}'"):
        stage_file(WGI, snapshot_file(path), CTX)


def test_missing_indicator_fails_the_file(tmp_path, real_rows):
    header, body = real_rows
    path = small_copy(tmp_path, (header, [r for r in body if r[4] != "cc"]))
    with pytest.raises(SourceFileError, match=r"sheet 'Sheet1', column 'indicator': every indicator of .*'cc'"):
        stage_file(WGI, snapshot_file(path), CTX)


def test_indicator_codes_come_from_the_context_catalogue(tmp_path, real_rows):
    """An indicator the context's catalogue does not declare is an unknown code: its rows are
    quarantined naming the column, the other five load."""
    ctx = dataclasses.replace(CTX, catalogue={k: v for k, v in CTX.catalogue.items() if k != "wgi.cc"})
    assert sorted(spec["code"] for spec in ctx.indicators.values()) == ["ge", "pv", "rl", "rq", "va"]
    obs, rejects, _ = stage_file(WGI, snapshot_file(small_copy(tmp_path, real_rows)), ctx)
    header, body = real_rows
    cc = [r for r in body if r[4] == "cc"]
    assert len(rejects) == len(cc) and rejects["reason"].str.contains("column 'indicator'").all()
    assert set(obs["indicator_id"]) == {"wgi.ge", "wgi.pv", "wgi.rl", "wgi.rq", "wgi.va"}
    assert len(obs) == len([r for r in body if r[5] != ".." and r[4] != "cc"])


def test_html_saved_as_xlsx_fails_the_file(tmp_path):
    path = tmp_path / "wgidataset.xlsx"
    path.write_bytes(b"<html><head><title>Maintenance</title></head></html>")
    with pytest.raises(SourceFileError, match=r"wgidataset\.xlsx: not a readable xlsx workbook"):
        stage_file(WGI, snapshot_file(path), CTX)


def test_row_faults_quarantine_only_their_rows(tmp_path, real_rows):
    marks = {}

    def damage(ws):
        marks["text"] = row_of(ws, "KAZge2023")
        ws.cell(marks["text"], 6).value = "n/a"          # text in estimate
        marks["year"] = row_of(ws, "UZBva2010")
        ws.cell(marks["year"], 4).value = "2010a"        # text in year
        marks["ind"] = row_of(ws, "ESTrq2015")
        ws.cell(marks["ind"], 5).value = "gx"            # unknown indicator code
        marks["code"] = row_of(ws, "KORcc2002")
        ws.cell(marks["code"], 2).value = "K0R"          # malformed code
        marks["scale"] = row_of(ws, "KORpv2023")
        ws.cell(marks["scale"], 6).value = 42.5          # a percentile rank in the estimate column
        marks["dup"] = row_of(ws, "ESTge2023")
        marks["dup2"] = row_of(ws, "ESTge2022")
        ws.cell(marks["dup2"], 4).value = 2023           # a second EST ge 2023
    path = small_copy(tmp_path, real_rows, damage)
    obs, rejects, _ = stage_file(WGI, snapshot_file(path), CTX)
    reasons = rejects.set_index("row")["reason"]
    assert "column 'estimate'" in reasons[marks["text"]] and "'n/a'" in reasons[marks["text"]]
    assert "column 'year'" in reasons[marks["year"]] and "2010a" in reasons[marks["year"]]
    assert "column 'indicator'" in reasons[marks["ind"]] and "gx" in reasons[marks["ind"]]
    assert "column 'code'" in reasons[marks["code"]]
    assert "outside the indicator's scale" in reasons[marks["scale"]]
    assert set(reasons.index) == {marks[k] for k in ("text", "year", "ind", "code", "scale", "dup", "dup2")}
    header, body = real_rows
    valued = [r for r in body if r[5] != ".."]
    assert len(obs) == len(valued) - 7
    v = obs.set_index(["iso3", "indicator_id", "year"])["value"]
    assert ("KAZ", "wgi.ge", 2023) not in v.index and ("EST", "wgi.ge", 2023) not in v.index
    assert ("KAZ", "wgi.ge", 2022) in v.index and ("ROU", "wgi.ge", 2023) in v.index


# ---- fetch ----------------------------------------------------------------------------------

def test_fetch_returns_the_workbook_bytes(httpserver):
    httpserver.expect_request("/doc/wgidataset.xlsx").respond_with_data(REAL.read_bytes())
    assert wb_wgi.fetch(CTX, httpserver.url_for("/doc")) == {"wgidataset.xlsx": REAL.read_bytes()}


def test_fetch_refuses_an_html_page(httpserver):
    httpserver.expect_request("/doc/wgidataset.xlsx").respond_with_data(
        "<!DOCTYPE html><html><body>Access denied</body></html>", content_type="text/html")
    with pytest.raises(FetchError, match="wgidataset.xlsx: the server answered, but not with an xlsx workbook"):
        wb_wgi.fetch(CTX, httpserver.url_for("/doc"))

