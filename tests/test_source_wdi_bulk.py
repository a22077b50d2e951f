"""The WDI bulk CSV reader, its schemas, vintages and fetch, on the real files and damaged copies."""

import functools
import io
import json
import re
import zipfile

import duckdb
import pandas as pd
import pytest

from digigov.errors import FetchError, SourceFileError
from digigov.settings import EMBEDDED_SNAPSHOTS, load_config
from digigov.sources import wdi_bulk
from digigov.sources.snapshots import SnapshotFile, sha256_of
from digigov.transforms.catalogue import catalogue
from digigov.transforms.context import context_for
from digigov.transforms.fetch import fetch_snapshot
from digigov.transforms.stage import stage_file, stage_source
from tests.conftest import FIXTURES

SNAP = EMBEDDED_SNAPSHOTS / "wdi_bulk"
CTX = context_for("wdi_bulk")
CFG = CTX.config
CEL_2023 = SNAP / "API_IT.CEL.SETS.P2_DS2_en_csv_v2_4903391.csv"
CEL_2020 = SNAP / "API_IT.CEL.SETS.P2_DS2_en_csv_v2_887311.csv"
USER_2020 = SNAP / "API_IT.NET.USER.ZS_DS2_en_csv_v2_889089.csv"
USER_2022 = SNAP / "API_IT.NET.USER.ZS_DS2_en_csv_v2_4150946.csv"  # CRLF line endings
USER_2025 = SNAP / "uso_individuos_internet__IT.NET.USER.ZS_headerless.csv"
REAL = [CEL_2023, CEL_2020, USER_2020, USER_2022, USER_2025]
WDICSV = FIXTURES / "wdi_bulk" / "WDICSV.csv"
EXCLUDED = "excluded: World Bank aggregate"


def _stage(path, ctx):
    data = path.read_bytes()
    return stage_file(wdi_bulk.SOURCE, SnapshotFile(path, sha256_of(data), len(data), {}), ctx)


_embedded = functools.cache(lambda path: _stage(path, CTX))


def stage(path, ctx=CTX):
    """stage_file on one file; the embedded (read-only) files are staged once per session."""
    if path.parent == SNAP and ctx is CTX:
        return tuple(part.copy() for part in _embedded(path))
    return _stage(path, ctx)


def text_rows(path):
    """The file's data lines split by hand (not by the module's reader): {code: (line, fields)}."""
    lines = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").split("\n")  # the 2022 file is CRLF
    head = next(i for i, line in enumerate(lines) if line.startswith('"Country Name"'))
    def split(line):  # '"a","b","",' -> ['a', 'b', '']: drop the one trailing comma, then the outer quotes
        line = line[:-1] if line.endswith(",") else line
        assert line[0] == line[-1] == '"'
        return line[1:-1].split('","')

    header = split(lines[head])
    out = {}
    for n, line in enumerate(lines[head + 1:], start=head + 2):
        if line:
            fields = split(line)
            assert len(fields) == len(header)
            out.setdefault(fields[1], []).append((n, dict(zip(header, fields))))
    return out


def values(obs, iso3, indicator):
    sel = obs[(obs["iso3"] == iso3) & (obs["indicator_id"] == indicator)]
    return dict(zip(sel["year"], sel["value"]))


def write_lines(path, lines, bom=True):
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + "\n".join(lines).encode("utf-8"))
    return path


def real_lines(path):
    return path.read_bytes().decode("utf-8-sig").split("\n")


# ---- the real files --------------------------------------------------------------------------

@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_values_match_the_csv_text_for_several_countries(path):
    obs, rejects, _ = stage(path)
    code = wdi_bulk.read(path, CTX)["Indicator Code"].iloc[0]
    by_code = text_rows(path)
    for iso3 in ("KAZ", "UZB", "ARM", "KOR", "TJK"):
        (line, fields), = by_code[iso3]
        published = {int(y): float(v) for y, v in fields.items() if y.isdigit() and v != ""}
        assert values(obs, iso3, f"wdi.{code}") == published, iso3
        assert set(obs.loc[obs["iso3"] == iso3, "row"]) <= {line}
    invalid = rejects[~rejects["reason"].str.startswith("excluded:")]
    assert invalid.empty, invalid["reason"].tolist()


def test_provenance_examples_internet_2025_and_mobile_2023():
    obs25, _, _ = stage(USER_2025)
    for iso3, (v2020, v2023) in {"KAZ": (85.9, 92.9), "UZB": (71.1, 89.0), "TJK": (27.5, 56.8),
                                 "KOR": (96.5, 97.4)}.items():
        got = values(obs25, iso3, "wdi.IT.NET.USER.ZS")
        assert (got[2020], got[2023]) == (v2020, v2023), iso3
        assert 2024 not in got  # countries end in 2023 in this vintage
    obs23, _, _ = stage(CEL_2023)
    cel = {iso3: values(obs23, iso3, "wdi.IT.CEL.SETS.P2").get(2021) for iso3 in ("KAZ", "UZB", "KGZ", "TJK")}
    assert round(cel["KAZ"], 2) == 126.71 and round(cel["UZB"], 2) == 102.90
    assert cel["KGZ"] is None and cel["TJK"] is None  # published blank: not emitted


def test_quoted_numbers_keep_full_precision():
    line = next(line for line in real_lines(CEL_2023) if '"KAZ"' in line)
    assert '"126.70562' in line
    obs, _, _ = stage(CEL_2023)
    assert values(obs, "KAZ", "wdi.IT.CEL.SETS.P2")[2021] == float(line[:-1].split('","')[-1].strip('"'))


@pytest.mark.parametrize("path", REAL, ids=lambda p: p.name)
def test_aggregates_are_excluded_with_a_reason_and_every_code_is_known(path):
    obs, rejects, _ = stage(path)
    aggregates = set(load_config("countries")["wb_aggregates"])
    rows = text_rows(path)
    with_values = {line for code, recs in rows.items() if code in aggregates
                   for line, fields in recs if any(v for y, v in fields.items() if y.isdigit())}
    excluded = rejects[rejects["reason"].str.startswith(EXCLUDED)]
    assert set(excluded["row"]) == with_values and with_values
    assert not set(obs["iso3"]) & aggregates
    assert "WLD" in {json.loads(r)["Country Code"] for r in excluded["record"]}
    # every row is a country the harmonise step knows or a listed aggregate: nothing unmapped
    assert len(set(rows) - aggregates) == 217 and not rejects["reason"].str.contains("unknown").any()


def test_every_aggregate_code_in_the_files_is_listed_in_countries_yaml():
    aggregates = set(load_config("countries")["wb_aggregates"])
    names = {code: recs[0][1]["Country Name"] for p in REAL for code, recs in text_rows(p).items()}
    unknown = {c: n for c, n in names.items() if CTX.countries.code_to_iso3(c) == (None, None)}
    assert unknown == {}
    assert {"AFE", "AFW", "WLD", "ECS"} <= set(names) & aggregates


def test_releases_and_last_updated_identify_each_vintage():
    got = {p.name: (wdi_bulk.release_of(p, CTX), wdi_bulk.last_updated_of(p, CTX)) for p in REAL}
    assert got == {
        CEL_2023.name: ("IT.CEL.SETS.P2 2023-03-01", "2023-03-01"),
        CEL_2020.name: ("IT.CEL.SETS.P2 2020-03-18", "2020-03-18"),
        USER_2020.name: ("IT.NET.USER.ZS 2020-03-18", "2020-03-18"),
        USER_2022.name: ("IT.NET.USER.ZS 2022-05-25", "2022-05-25"),
        USER_2025.name: ("IT.NET.USER.ZS 2025 vintage (Last Updated Date stripped)", None),
    }
    manifest = {e["file"]: e for e in json.loads((SNAP / "manifest.json").read_text())["files"]}
    for name, (release, last_updated) in got.items():
        assert manifest[name]["release"] == release and manifest[name]["last_updated"] == last_updated


def test_the_newest_vintage_is_in_force(tmp_path):
    """Both vintages load under their own release; core.current_observation keeps the newest, and
    a value the newer vintage no longer carries (LKA 2008-2013) is withdrawn, not left in force."""
    from digigov.warehouse.build import create_schema, list_contested

    summary = stage_source("wdi_bulk", None, tmp_path)
    dates = {f["file"]: (f["last_updated"], f["retrieved_at"]) for f in summary["files"]}
    # no publisher date: none is shown, and the warehouse orders by the retrieval date instead
    assert dates[USER_2025.name] == (None, "2025-09-06")
    con = duckdb.connect()
    create_schema(con)
    con.execute("INSERT INTO core.observation_row BY NAME SELECT * FROM read_parquet(?)",
                [str(tmp_path / "wdi_bulk" / "observations.parquet")])
    files = pd.DataFrame(summary["files"])
    known = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns "
                                       "WHERE table_schema = 'core' AND table_name = 'source_file'").fetchall()}
    con.register("files", files[[c for c in files.columns if c in known]])
    con.execute("INSERT INTO core.source_file BY NAME SELECT * FROM files")
    list_contested(con)
    every = con.execute("SELECT indicator_id, release, value FROM core.observation "
                        "WHERE iso3 = 'KAZ' AND year = 2018 ORDER BY 1, 2").fetchall()
    assert [r[1] for r in every] == ["IT.CEL.SETS.P2 2020-03-18", "IT.CEL.SETS.P2 2023-03-01",
                                     "IT.NET.USER.ZS 2020-03-18", "IT.NET.USER.ZS 2022-05-25",
                                     "IT.NET.USER.ZS 2025 vintage (Last Updated Date stripped)"]
    assert every[0][2] != every[1][2]  # the 2023 vintage revised the 2018 value
    current = dict(con.execute("SELECT indicator_id, release FROM core.current_observation "
                               "WHERE iso3 = 'KAZ' AND year = 2018").fetchall())
    assert current == {"wdi.IT.CEL.SETS.P2": "IT.CEL.SETS.P2 2023-03-01",
                       "wdi.IT.NET.USER.ZS": "IT.NET.USER.ZS 2025 vintage (Last Updated Date stripped)"}

    # Sri Lanka's internet use as the two files have it: the 2025 vintage revised the series
    # (2014: 25.8 -> 10.5) and no longer carries 2008-2013.
    def lka(path):
        row = wdi_bulk.read(path, CTX).set_index("Country Code").loc["LKA"]
        return {y: row[str(y)] for y in range(2005, 2018)}
    old, new = lka(USER_2020), lka(USER_2025)
    withdrawn = [y for y in old if pd.notna(old[y]) and pd.isna(new[y])]
    assert withdrawn == list(range(2008, 2014)) and float(old[2013]) == 21.9
    assert float(old[2014]) == 25.8 and float(new[2014]) == 10.5
    in_force = dict(con.execute("SELECT year, release FROM core.current_observation WHERE iso3 = 'LKA' "
                                "AND indicator_id = 'wdi.IT.NET.USER.ZS' AND year BETWEEN 2005 AND 2017").fetchall())
    assert sorted(in_force) == [y for y in old if y not in withdrawn]
    assert set(in_force.values()) == {"IT.NET.USER.ZS 2025 vintage (Last Updated Date stripped)"}
    # the withdrawn values stay in the warehouse as the 2020 vintage
    kept = con.execute("SELECT year, value FROM core.observation WHERE iso3 = 'LKA' AND indicator_id = "
                       "'wdi.IT.NET.USER.ZS' AND release = 'IT.NET.USER.ZS 2020-03-18' "
                       "AND year BETWEEN 2008 AND 2013 ORDER BY year").fetchall()
    assert kept == [(y, float(old[y])) for y in withdrawn]


# ---- layout quirks ---------------------------------------------------------------------------

def test_preamble_present_or_stripped_reads_identically(tmp_path):
    lines = real_lines(USER_2020)
    assert lines[0].startswith('"Data Source"') and lines[2].startswith('"Last Updated Date"')
    stripped = write_lines(tmp_path / USER_2020.name, lines[4:])
    a, b = wdi_bulk.read(USER_2020, CTX), wdi_bulk.read(stripped, CTX)
    assert (a["_row"] - b["_row"] == 4).all()
    pd.testing.assert_frame_equal(a.drop(columns=["_file", "_row"]), b.drop(columns=["_file", "_row"]))
    assert a.attrs["preamble"] == {"Data Source": "World Development Indicators", "Last Updated Date": "2020-03-18"}
    assert b.attrs["preamble"] == {}
    key = ["iso3", "indicator_id", "year", "value"]
    pd.testing.assert_frame_equal(stage(USER_2020)[0][key], stage(stripped)[0][key])
    # stripped and unrecorded: no date anywhere, so the release falls back to the file name
    assert wdi_bulk.last_updated_of(stripped, CTX) is None
    assert wdi_bulk.release_of(stripped, CTX) == "IT.NET.USER.ZS (undated)"


def test_bom_is_optional(tmp_path):
    assert CEL_2023.read_bytes()[:3] == b"\xef\xbb\xbf"
    plain = write_lines(tmp_path / CEL_2023.name, real_lines(CEL_2023), bom=False)
    pd.testing.assert_frame_equal(wdi_bulk.read(CEL_2023, CTX).drop(columns="_file"),
                                  wdi_bulk.read(plain, CTX).drop(columns="_file"))


def test_trailing_comma_is_optional_and_its_column_must_stay_empty(tmp_path):
    lines = real_lines(CEL_2023)
    assert all(line.endswith(",") for line in lines[4:] if line)
    raw = wdi_bulk.read(CEL_2023, CTX)
    assert raw["_trailing"].isna().all() and list(raw.columns[-4:]) == ["_trailing", "_file", "_row", "_fields"]
    no_comma = write_lines(tmp_path / CEL_2023.name, [line[:-1] if line.endswith(",") else line for line in lines])
    key = ["iso3", "indicator_id", "year", "value", "row"]
    pd.testing.assert_frame_equal(stage(CEL_2023)[0][key], stage(no_comma)[0][key])
    assert "_trailing" not in wdi_bulk.read(no_comma, CTX).columns
    # a value after the trailing comma quarantines that row only
    i = next(i for i, line in enumerate(lines) if '"UZB"' in line)
    lines[i] += '"7"'
    (tmp_path / "extra").mkdir()
    obs, rejects, _ = stage(write_lines(tmp_path / "extra" / CEL_2023.name, lines))
    bad = rejects[~rejects["reason"].str.startswith("excluded:")]
    assert bad["row"].tolist() == [i + 1] and "_trailing" in bad["reason"].item()
    good, _, _ = stage(CEL_2023)
    assert obs[obs["iso3"] == "UZB"].empty
    assert len(obs) == len(good) - len(values(good, "UZB", "wdi.IT.CEL.SETS.P2"))


def test_unquoted_fields_read_like_quoted_ones(tmp_path):
    # quotes kept only where a field holds a comma ("Korea, Rep."), as a csv writer would
    bare = write_lines(tmp_path / USER_2025.name,
                       [re.sub(r'"([^",]*)"', r"\1", line) for line in real_lines(USER_2025)])
    assert bare.read_bytes().count(b'"') == 2 * sum(1 for n in wdi_bulk.read(USER_2025, CTX)["Country Name"] if "," in n) > 0
    pd.testing.assert_frame_equal(wdi_bulk.read(USER_2025, CTX).drop(columns="_file"),
                                  wdi_bulk.read(bare, CTX).drop(columns="_file"))


def test_wdicsv_layout_keeps_the_configured_indicators_only():
    raw = wdi_bulk.read(WDICSV, CTX)
    assert raw.attrs["skipped_rows"] == {"IT.NET.BBND.P2": 1}
    assert set(raw["Indicator Code"]) == set(CFG["wdi_codes"]) and len(raw) == 14
    assert "Korea, Rep." in set(raw["Country Name"]) and "_trailing" not in raw.columns
    obs, rejects, _ = stage(WDICSV)
    assert set(rejects["reason"]) == {EXCLUDED + " (region or income group), not a country"}
    assert {json.loads(r)["Country Code"] for r in rejects["record"]} == {"ECS", "WLD"}
    assert set(obs["iso3"]) == {"ARM", "DEU", "KAZ", "KOR", "UZB"}
    assert set(obs["indicator_id"]) == {"wdi.IT.NET.USER.ZS", "wdi.IT.CEL.SETS.P2"}
    # the fixture's values are the real files' values
    for path, ind in ((USER_2025, "wdi.IT.NET.USER.ZS"), (CEL_2023, "wdi.IT.CEL.SETS.P2")):
        real, _, _ = stage(path)
        for iso3 in ("ARM", "DEU", "KAZ", "KOR", "UZB"):
            assert values(obs, iso3, ind) == values(real, iso3, ind), (iso3, ind)
    assert wdi_bulk.release_of(WDICSV, CTX) == "WDICSV (undated)"


def test_catalogue_declares_every_configured_code_and_the_source_declares_none():
    cat = catalogue()
    assert all(f"wdi.{code}" in cat for code in CFG["wdi_codes"])
    assert not [i for i, spec in cat.items() if spec.get("source_id") == "wdi_bulk" and not i.startswith("wdi.")]


def test_undeclared_indicator_is_excluded_with_a_reason():
    raw = wdi_bulk.read(WDICSV, CTX, codes={"IT.NET.BBND.P2", "IT.NET.USER.ZS"})
    raw.loc[raw["Indicator Code"] == "IT.NET.BBND.P2", "Indicator Code"] = "IT.NOT.DECLARED"
    mapped = wdi_bulk.to_observations(raw, CTX)
    assert mapped.excluded["reason"].tolist() == [
        "indicator wdi.IT.NOT.DECLARED is not declared in config/indicators/wdi.yaml"]
    assert set(mapped.observations["indicator_id"]) == {"wdi.IT.NET.USER.ZS"}


# ---- damaged copies --------------------------------------------------------------------------

def test_missing_country_code_column_fails_the_file_naming_it(tmp_path):
    lines = [",".join(f for j, f in enumerate(line.split(",")) if j != 1) if i >= 4 else line
             for i, line in enumerate(real_lines(USER_2020))]
    bad = write_lines(tmp_path / USER_2020.name, lines)
    with pytest.raises(SourceFileError, match=r"API_IT.NET.USER.ZS_DS2_en_csv_v2_889089.csv: missing column 'Country Code'"):
        stage(bad)


def test_text_in_a_year_column_rejects_that_cell_only(tmp_path):
    lines = real_lines(USER_2020)
    i = next(i for i, line in enumerate(lines) if '"KAZ"' in line)
    assert '"78.9039190578816"' in lines[i]
    lines[i] = lines[i].replace('"78.9039190578816"', '"n/a"')
    obs, rejects, _ = stage(write_lines(tmp_path / USER_2020.name, lines))
    bad = rejects[~rejects["reason"].str.startswith("excluded:")]
    assert bad["row"].tolist() == [i + 1]
    assert "column '2018'" in bad["reason"].item() and "'n/a'" in bad["reason"].item()
    assert "only this cell is rejected" in bad["reason"].item()
    assert json.loads(bad["record"].item())["Country Code"] == "KAZ"
    assert json.loads(bad["record"].item())["2018"] == "n/a"
    good, _, _ = stage(USER_2020)
    kaz, kaz_good = values(obs, "KAZ", "wdi.IT.NET.USER.ZS"), values(good, "KAZ", "wdi.IT.NET.USER.ZS")
    assert 2018 in kaz_good and 2018 not in kaz and len(kaz) == len(kaz_good) - 1 > 5
    assert len(obs) == len(good) - 1


@pytest.mark.parametrize("text", ['"nan"', '"1,5"', '"--"'])
def test_number_lookalikes_are_rejected_not_read_as_missing(tmp_path, text):
    lines = real_lines(USER_2020)
    i = next(i for i, line in enumerate(lines) if '"UZB"' in line)
    lines[i] = lines[i].replace('"55.2"', text)
    _, rejects, _ = stage(write_lines(tmp_path / USER_2020.name, lines))
    bad = rejects[~rejects["reason"].str.startswith("excluded:")]
    assert bad["row"].tolist() == [i + 1] and "number format" in bad["reason"].item()


def test_unknown_country_code_is_rejected(tmp_path):
    lines = real_lines(CEL_2023)
    i = next(i for i, line in enumerate(lines) if '"UZB"' in line)
    lines[i] = lines[i].replace('"UZB"', '"QQQ"')
    obs, rejects, _ = stage(write_lines(tmp_path / CEL_2023.name, lines))
    bad = rejects[~rejects["reason"].str.startswith("excluded:")]
    assert bad["row"].tolist() == [i + 1]
    assert bad["reason"].item().startswith("unknown country code 'QQQ'")
    assert "UZB" not in set(obs["iso3"]) and "KAZ" in set(obs["iso3"])


def test_short_and_duplicated_rows_are_rejected(tmp_path):
    lines = real_lines(CEL_2023)
    j = next(i for i, line in enumerate(lines) if '"EST"' in line)
    lines.insert(j + 1, lines[j])
    i = next(i for i, line in enumerate(lines) if '"GEO"' in line)
    lines[i] = lines[i].rsplit(",", 3)[0] + ","
    obs, rejects, _ = stage(write_lines(tmp_path / CEL_2023.name, lines))
    bad = rejects[~rejects["reason"].str.startswith("excluded:")].set_index("row")["reason"]
    assert sorted(bad.index) == sorted([i + 1, j + 1, j + 2])
    assert "row must have 67 fields" in bad[i + 1] and "(value 65)" in bad[i + 1]
    assert "uniqueness" in bad[j + 1] and "EST" in bad[j + 2]
    assert not {"GEO", "EST"} & set(obs["iso3"])


def test_indicator_other_than_the_file_name_fails_the_file(tmp_path):
    wrong = tmp_path / "API_IT.CEL.SETS.P2_DS2_en_csv_v2_1.csv"
    wrong.write_bytes(USER_2020.read_bytes().replace(b'"IT.NET.USER.ZS"', b'"IT.CEL.SETS.P2"', 3))
    with pytest.raises(SourceFileError, match=r"API_IT.CEL.SETS.P2_DS2_en_csv_v2_1.csv: .*every 'Indicator Code' must be IT.CEL.SETS.P2"):
        stage(wrong)


def test_file_of_an_unconfigured_indicator_fails_naming_the_code(tmp_path):
    other = tmp_path / "API_SP.POP.TOTL_DS2_en_csv_v2_1.csv"
    other.write_bytes(USER_2020.read_bytes().replace(b'"IT.NET.USER.ZS"', b'"SP.POP.TOTL"'))
    with pytest.raises(SourceFileError, match=r"no data rows of the configured indicators; found SP.POP.TOTL \(264 rows\)"):
        wdi_bulk.read(other, CTX)


@pytest.mark.parametrize("damage,message", [
    (lambda b: b[:-200], "last line is not terminated"),
    (lambda b: b"", "file is empty"),
    (lambda b: b.replace(b"Kazakhstan", b"Kaz\xe1khstan"), "not UTF-8"),
    (lambda b: b.replace(b'"2020-03-18"', b'"18/03/2020"'), "'Last Updated Date' is '18/03/2020'"),
    (lambda b: b.replace(b'"1960",', b'"Unnamed: 4",', 1), "unexpected column 'Unnamed: 4' \\(position 5\\)"),
    (lambda b: b.replace(b'"1961",', b'"1960",', 1), "duplicated column '1960'"),
    (lambda b: b.split(b'"Country Name","Country Code"')[0], "no header line"),
])
def test_unusable_files_fail_naming_the_file_and_fault(tmp_path, damage, message):
    bad = tmp_path / USER_2020.name
    bad.write_bytes(damage(USER_2020.read_bytes()))
    with pytest.raises(SourceFileError, match=f"{bad.name}: .*{message}"):
        stage(bad)


# ---- fetch -----------------------------------------------------------------------------------

def bulk_zip(csv_name, csv_bytes):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"Metadata_Indicator_{csv_name[4:]}", b'"INDICATOR_CODE","INDICATOR_NAME"\n')
        zf.writestr(csv_name, csv_bytes)
        zf.writestr(f"Metadata_Country_{csv_name[4:]}", b'"Country Code","Region"\n')
    return buf.getvalue()


def serve(httpserver, code, body, content_type="application/zip"):
    httpserver.expect_request(f"/v2/en/indicator/{code}", query_string="downloadformat=csv").respond_with_data(
        body, content_type=content_type)


def test_fetch_extracts_the_api_csv_from_each_zip(httpserver):
    serve(httpserver, "IT.NET.USER.ZS", bulk_zip(USER_2020.name, USER_2020.read_bytes()))
    serve(httpserver, "IT.CEL.SETS.P2", bulk_zip(CEL_2023.name, CEL_2023.read_bytes()))
    got = wdi_bulk.fetch(CTX, httpserver.url_for("/"))
    assert got == {USER_2020.name: USER_2020.read_bytes(), CEL_2023.name: CEL_2023.read_bytes()}


def test_fetch_refuses_an_html_page(httpserver):
    serve(httpserver, "IT.NET.USER.ZS", b"<!DOCTYPE html><html><body>Service maintenance</body></html>",
          content_type="text/html")
    with pytest.raises(FetchError, match="not with a zip archive .*<!DOCTYPE html"):
        wdi_bulk.fetch(CTX, httpserver.url_for("/"))


@pytest.mark.parametrize("body,message", [
    (lambda: bulk_zip("API_IT.CEL.SETS.P2_DS2_en_csv_v2_1.csv", CEL_2023.read_bytes()), "not exactly one API_IT.NET.USER.ZS"),
    (lambda: bulk_zip(USER_2020.name, b"<html>oops</html>\n"), "missing column 'Country Name'"),
    (lambda: bulk_zip(USER_2020.name, CEL_2023.read_bytes()), "no data rows of the configured indicators"),
    (lambda: bulk_zip(USER_2020.name, USER_2020.read_bytes())[:-40], "damaged zip|not with a zip"),
])
def test_fetch_refuses_a_zip_without_the_expected_csv(httpserver, body, message):
    serve(httpserver, "IT.NET.USER.ZS", body())
    with pytest.raises(FetchError, match=message):
        wdi_bulk.fetch(CTX, httpserver.url_for("/"))


def test_online_snapshot_from_the_env_url_stages(httpserver, monkeypatch, tmp_path):
    serve(httpserver, "IT.NET.USER.ZS", bulk_zip(USER_2020.name, USER_2020.read_bytes()))
    serve(httpserver, "IT.CEL.SETS.P2", bulk_zip(CEL_2023.name, CEL_2023.read_bytes()))
    monkeypatch.setenv("DIGIGOV_WB_BULK_URL", httpserver.url_for("/"))
    folder = fetch_snapshot("wdi_bulk", tmp_path / "snaps")
    summary = stage_source("wdi_bulk", str(tmp_path / "snaps"), tmp_path / "work")
    assert summary["origin"] == "--snapshots" and summary["folder"] == str(folder)
    assert {f["file"]: f["release"] for f in summary["files"]} == {
        USER_2020.name: "IT.NET.USER.ZS 2020-03-18", CEL_2023.name: "IT.CEL.SETS.P2 2023-03-01"}
    assert summary["rows_invalid"] == 0 and summary["rows_loaded"] > 15000


def test_fetch_refuses_an_oversized_member(httpserver):
    serve(httpserver, "IT.NET.USER.ZS", bulk_zip(USER_2020.name, USER_2020.read_bytes()))
    with pytest.raises(FetchError, match="more than max_csv_bytes \\(1000\\)"):
        wdi_bulk.fetch(context_for("wdi_bulk", max_csv_bytes=1000), httpserver.url_for("/"))


def test_blank_indicator_code_rejects_the_row_not_the_file(tmp_path):
    lines = real_lines(USER_2020)
    i = next(i for i, line in enumerate(lines) if '"ARM"' in line)
    lines[i] = lines[i].replace('"IT.NET.USER.ZS"', '""')
    obs, rejects, _ = stage(write_lines(tmp_path / USER_2020.name, lines))
    bad = rejects[~rejects["reason"].str.startswith("excluded:")]
    assert bad["row"].tolist() == [i + 1] and "column 'Indicator Code'" in bad["reason"].item()
    assert "ARM" not in set(obs["iso3"]) and "KAZ" in set(obs["iso3"])


def test_url_of_gives_the_bulk_download_url():
    assert wdi_bulk.url_of(CTX, "https://api.worldbank.org/", CEL_2023.name) == \
        "https://api.worldbank.org/v2/en/indicator/IT.CEL.SETS.P2?downloadformat=csv"
    manifest = {e["file"]: e["url"] for e in json.loads((SNAP / "manifest.json").read_text())["files"]}
    assert manifest[CEL_2023.name] == wdi_bulk.url_of(CTX, CFG["base_url"], CEL_2023.name)
