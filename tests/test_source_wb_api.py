"""wb_api: the World Bank Indicators API v2 client and reader.

Fetch tests run against a real HTTP server on 127.0.0.1 serving the real API JSON of the embedded
snapshot, split into pages, and every fault the API or the network can produce. Read tests use the
embedded snapshot and damaged copies of it; expected values are computed from the JSON itself.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from digigov.errors import DigigovError, FetchError, SourceFileError
from digigov.settings import EMBEDDED_SNAPSHOTS, load_config
from digigov.sources import wb_api
from digigov.sources.base import LastGood, SourceContext
from digigov.sources.snapshots import MANIFEST, SnapshotFile, sha256_of, verify
from digigov.transforms.context import context_for
from digigov.transforms.fetch import fetch_snapshot
from digigov.transforms.stage import stage_file, stage_source

SNAP = EMBEDDED_SNAPSHOTS / "wb_api"
USER = SNAP / "IT.NET.USER.ZS.json"                       # raw response, 5 countries (RamaMarin)
BBND = SNAP / "IT.NET.BBND.P2.json"                       # raw response, 5 countries (RamaMarin)
USER_ALL = SNAP / "IT.NET.USER.ZS__observations_only.json"  # bare observation array, all economies
CTX = context_for("wb_api")
AGGREGATES = set(load_config("countries")["wb_aggregates"])
FIVE = ["CHN", "DEU", "JPN", "MEX", "USA"]
ERROR_BODY = (b'[{"message":[{"id":"120","key":"Invalid value",'
              b'"value":"The provided parameter value is not valid"}]}]')


def records(path: Path) -> list[dict]:
    obj = json.loads(path.read_bytes())
    return obj[1] if isinstance(obj[0], dict) and "page" in obj[0] else obj


def paged(recs: list[dict], per_page: int, lastupdated: str = "2026-07-13") -> list[bytes]:
    """The API's answer split into pages as the API sends them (compact JSON, integer metadata)."""
    pages = max(-(-len(recs) // per_page), 1) if recs else 0
    out = []
    for n in range(1, max(pages, 1) + 1):
        chunk = recs[(n - 1) * per_page:n * per_page] if recs else None
        meta = {"page": n, "pages": pages, "per_page": per_page, "total": len(recs),
                "sourceid": "2", "lastupdated": lastupdated}
        out.append(json.dumps([meta, chunk], separators=(",", ":")).encode())
    return out


def query(per_page: int, page: int) -> dict:
    return {"format": "json", "per_page": str(per_page), "page": str(page)}


def serve(server, code: str, pages: list[bytes], per_page: int, countries: str = "all", skip=()) -> str:
    path = f"/v2/country/{countries}/indicator/{code}"
    for n, body in enumerate(pages, start=1):
        if n not in skip:
            server.expect_request(path, query_string=query(per_page, n)).respond_with_data(
                body, content_type="application/json;charset=utf-8")
    return path


def ctx(codes, per_page, countries="all", **extra) -> SourceContext:
    """The source's context with the download settings a test asks for."""
    return context_for("wb_api", **{"indicator_codes": codes, "countries": countries, "per_page": per_page,
                                    "max_pages": 200, **extra})


def snapshot_file(path: Path) -> SnapshotFile:
    data = path.read_bytes()
    return SnapshotFile(path, sha256_of(data), len(data), {})


def write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else json.dumps(data).encode())
    return path


@pytest.fixture
def threaded_server():
    """A server answering each request in its own thread, so a hung request does not block the
    retry; `release` lets hung handlers return at teardown."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    release = threading.Event()
    yield server, release
    release.set()
    server.clear()
    server.stop()


# ---- fetch: paging ------------------------------------------------------------------------------

def test_fetch_pages_through_all_pages_and_keeps_them_as_received(httpserver, tmp_path):
    recs = records(USER_ALL)
    pages = paged(recs, 1000)
    assert len(pages) == 3
    serve(httpserver, "IT.NET.USER.ZS", pages, 1000)
    out = wb_api.fetch(ctx(["IT.NET.USER.ZS"], 1000), httpserver.url_for("/v2"))
    assert list(out) == ["IT.NET.USER.ZS.json"]
    assert [r.args.get("page") for r, _ in httpserver.log] == ["1", "2", "3"]
    # every page is kept byte for byte, in order, inside one JSON array
    data = out["IT.NET.USER.ZS.json"]
    assert data == b"[" + b",\n".join(pages) + b"]\n"
    stored = write(tmp_path, "IT.NET.USER.ZS.json", data)
    raw = wb_api.read(stored, CTX)
    assert len(raw) == len(recs) == 2660
    assert raw["_row"].tolist() == list(range(1, 2661))
    assert raw["_page"].value_counts().sort_index().tolist() == [1000, 1000, 660]
    assert raw["countryiso3code"].tolist() == [r["countryiso3code"] for r in recs]
    assert wb_api.release_of(stored, CTX) == "IT.NET.USER.ZS 2026-07-13"
    assert wb_api.last_updated_of(stored, CTX) == "2026-07-13"


def test_fetch_a_country_list_small_pages(httpserver, tmp_path):
    recs = records(BBND)
    pages = paged(recs, 20)
    assert len(pages) == 3
    serve(httpserver, "IT.NET.BBND.P2", pages, 20, countries=";".join(FIVE))
    out = wb_api.fetch(ctx(["IT.NET.BBND.P2"], 20, countries=FIVE), httpserver.url_for("/v2"))
    assert len(httpserver.log) == 3
    assert {r.path for r, _ in httpserver.log} == {"/v2/country/CHN;DEU;JPN;MEX;USA/indicator/IT.NET.BBND.P2"}
    # the paged file reads exactly like the single embedded response it was split from
    paged_raw = wb_api.read(write(tmp_path, "IT.NET.BBND.P2.json", out["IT.NET.BBND.P2.json"]), CTX)
    single_raw = wb_api.read(BBND, CTX)
    cols = wb_api.COLUMNS + ["_row"]
    assert paged_raw[cols].equals(single_raw[cols])
    assert paged_raw["_page"].tolist() == [1] * 20 + [2] * 20 + [3] * 15


def test_no_data_answer_is_stored_with_zero_observations(httpserver, tmp_path):
    body = (b'[{"page":1,"pages":0,"per_page":1000,"total":0,"sourceid":"2",'
            b'"lastupdated":"2026-07-13"},null]')
    serve(httpserver, "IT.CEL.SETS.P2", [body], 1000)
    out = wb_api.fetch(ctx(["IT.CEL.SETS.P2"], 1000), httpserver.url_for("/v2"))
    assert len(httpserver.log) == 1  # pages 0: nothing more to ask for
    path = write(tmp_path, "IT.CEL.SETS.P2.json", out["IT.CEL.SETS.P2.json"])
    assert json.loads(path.read_bytes()) == [json.loads(body)]
    assert wb_api.read(path, CTX).empty
    obs, rejects, _ = stage_file(wb_api.SOURCE, snapshot_file(path), CTX)
    assert obs.empty and rejects.empty
    assert wb_api.release_of(path, CTX) == "IT.CEL.SETS.P2 2026-07-13"


def test_no_data_numbered_page_0_is_an_empty_answer_not_a_paging_fault(httpserver, tmp_path):
    """Some servers number the one page of an empty answer 0: still "no data", stored as such when
    there is nothing to lose, and read back as a file with no observations."""
    body = b'[{"page":0,"pages":0,"per_page":1000,"total":0,"sourceid":null,"lastupdated":null},null]'
    serve(httpserver, "IT.CEL.SETS.P2", [body], 1000)
    out = wb_api.fetch(ctx(["IT.CEL.SETS.P2"], 1000), httpserver.url_for("/v2"))
    path = write(tmp_path, "IT.CEL.SETS.P2.json", out["IT.CEL.SETS.P2.json"])
    assert wb_api.read(path, CTX).empty
    assert wb_api.release_of(path, CTX) == "IT.CEL.SETS.P2 vintage unknown"


def test_no_data_is_refused_while_the_last_good_snapshot_has_values(httpserver):
    """Both embedded files of internet use count; the snapshot's date is the newer retrieval."""
    files, _ = verify(SNAP, wb_api.FILE_GLOB, {})
    context = dataclasses.replace(ctx(["IT.NET.USER.ZS"], 1000), last_good=LastGood("embedded", tuple(files)))
    kept = sum(r["value"] is not None for path in (USER, USER_ALL) for r in records(path))
    dated = max(f.meta["retrieved_at"] for f in files if f.name.startswith("IT.NET.USER.ZS"))[:10]
    for number in (1, 0):
        httpserver.clear()
        serve(httpserver, "IT.NET.USER.ZS", [json.dumps(
            [{"page": number, "pages": 0, "per_page": 1000, "total": 0}, None]).encode()], 1000)
        with pytest.raises(FetchError, match=re.escape(
                f"the API returned no data for IT.NET.USER.ZS (page {number}: total 0); keeping {kept:,} values "
                f"from the embedded snapshot of {dated}; nothing stored")):
            wb_api.fetch(context, httpserver.url_for("/v2"))


def test_no_data_on_a_later_page_is_named_as_such(httpserver):
    pages = paged(records(USER), 20)
    pages[1] = b'[{"page":0,"pages":0,"per_page":20,"total":0,"sourceid":"2","lastupdated":"2026-07-13"},null]'
    serve(httpserver, "IT.NET.USER.ZS", pages, 20)
    with pytest.raises(FetchError, match=re.escape(
            "page 2 came back with no data (total 0) though page 1 announced 55 observations")):
        wb_api.fetch(ctx(["IT.NET.USER.ZS"], 20), httpserver.url_for("/v2"))


# ---- fetch: faults --------------------------------------------------------------------------------

def test_500_then_success_is_retried(httpserver):
    pages = paged(records(USER), 20)
    path = "/v2/country/all/indicator/IT.NET.USER.ZS"
    httpserver.expect_oneshot_request(path, query_string=query(20, 2)).respond_with_data("oops", status=500)
    serve(httpserver, "IT.NET.USER.ZS", pages, 20)
    out = wb_api.fetch(ctx(["IT.NET.USER.ZS"], 20), httpserver.url_for("/v2"))
    assert [r.args["page"] for r, _ in httpserver.log] == ["1", "2", "2", "3"]
    assert [resp.status_code for _, resp in httpserver.log] == [200, 500, 200, 200]
    assert out["IT.NET.USER.ZS.json"] == b"[" + b",\n".join(pages) + b"]\n"


def test_persistent_503_fails_after_the_retries(httpserver):
    httpserver.expect_request("/v2/country/all/indicator/IT.NET.USER.ZS").respond_with_data("down", status=503)
    with pytest.raises(FetchError, match=r"IT\.NET\.USER\.ZS page 1: .*3 attempt\(s\): HTTP 503.*nothing stored"):
        wb_api.fetch(ctx(["IT.NET.USER.ZS"], 20), httpserver.url_for("/v2"))
    assert len(httpserver.log) == 3  # first try + DIGIGOV_HTTP_RETRIES=2


def test_429_retry_after_is_honoured(httpserver, waits):
    pages = paged(records(USER), 1000)
    httpserver.expect_oneshot_request("/v2/country/all/indicator/IT.NET.USER.ZS").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1"})
    serve(httpserver, "IT.NET.USER.ZS", pages, 1000)
    out = wb_api.fetch(ctx(["IT.NET.USER.ZS"], 1000), httpserver.url_for("/v2"))
    assert [resp.status_code for _, resp in httpserver.log] == [429, 200]
    assert waits == [1]  # the 1 s Retry-After, not the 0.05 s backoff of the test settings
    assert json.loads(out["IT.NET.USER.ZS.json"])[0][0]["total"] == 55


def test_hung_connection_times_out_and_fails(threaded_server, monkeypatch):
    server, release = threaded_server
    monkeypatch.setenv("DIGIGOV_HTTP_TIMEOUT", "0.3")
    calls = []

    def hang(request):
        calls.append(request.args["page"])
        release.wait(10)  # longer than the timeout: the client gives up first
        return Response(paged(records(USER), 1000)[0], content_type="application/json")

    server.expect_request("/v2/country/all/indicator/IT.NET.USER.ZS").respond_with_handler(hang)
    # a client that waited out the hang would get the page and not raise: the timeout ended each try
    with pytest.raises(FetchError, match=r"page 1: .*3 attempt\(s\): (ReadTimeout|ConnectionError|Timeout)"):
        wb_api.fetch(ctx(["IT.NET.USER.ZS"], 1000), server.url_for("/v2"))
    assert calls == ["1", "1", "1"]


def test_hung_connection_then_success(threaded_server, monkeypatch):
    server, release = threaded_server
    monkeypatch.setenv("DIGIGOV_HTTP_TIMEOUT", "0.3")
    pages = paged(records(USER), 20)
    calls = []

    def hang(request):
        calls.append("hung")
        release.wait(10)
        return Response("late", status=200)

    server.expect_oneshot_request("/v2/country/all/indicator/IT.NET.USER.ZS",
                                  query_string=query(20, 1)).respond_with_handler(hang)
    serve(server, "IT.NET.USER.ZS", pages, 20)
    out = wb_api.fetch(ctx(["IT.NET.USER.ZS"], 20), server.url_for("/v2"))
    assert calls == ["hung"]
    assert [r.args["page"] for r, _ in server.log] == ["1", "2", "3"]  # the hung request is not logged yet
    assert b"late" not in out["IT.NET.USER.ZS.json"]
    assert len(json.loads(out["IT.NET.USER.ZS.json"])) == 3


@pytest.mark.parametrize("page", [1, 2])
def test_error_as_200_is_refused_with_key_and_value(httpserver, page):
    pages = paged(records(USER), 20)
    pages[page - 1] = ERROR_BODY
    serve(httpserver, "IT.NET.USER.ZS", pages, 20)
    with pytest.raises(FetchError) as err:
        wb_api.fetch(ctx(["IT.NET.USER.ZS"], 20), httpserver.url_for("/v2"))
    msg = str(err.value)
    assert f"IT.NET.USER.ZS page {page}" in msg and "error message instead of data" in msg
    assert "Invalid value: The provided parameter value is not valid (id 120)" in msg
    assert len(httpserver.log) == page  # an answer, not a transient fault: not retried, paging stops


@pytest.mark.parametrize("body, expected", [
    (b"<!DOCTYPE html><html><body>Service Unavailable - maintenance</body></html>", "an HTML page, not JSON"),
    (b'<?xml version="1.0" encoding="utf-8"?><wb:error xmlns:wb="http://www.worldbank.org">'
     b'<wb:message id="175" key="Invalid format">The indicator was not found.</wb:message></wb:error>',
     "an XML page, not JSON"),
    (b"", "an empty body"),
])
def test_a_page_that_is_not_json_is_refused(httpserver, body, expected):
    serve(httpserver, "IT.NET.USER.ZS", [body], 1000)
    with pytest.raises(FetchError, match=f"page 1: the server answered, but {expected}"):
        wb_api.fetch(ctx(["IT.NET.USER.ZS"], 1000), httpserver.url_for("/v2"))
    assert len(httpserver.log) == 1


def test_truncated_json_is_refused(httpserver):
    pages = paged(records(USER_ALL), 1000)
    pages[1] = pages[1][:len(pages[1]) // 2]  # the connection dropped half-way through page 2
    serve(httpserver, "IT.NET.USER.ZS", pages, 1000)
    with pytest.raises(FetchError, match=r"page 2: the server answered, but invalid JSON, truncated or damaged"):
        wb_api.fetch(ctx(["IT.NET.USER.ZS"], 1000), httpserver.url_for("/v2"))
    assert len(httpserver.log) == 2


def test_missing_page_404_is_refused(httpserver):
    pages = paged(records(USER_ALL), 1000)
    path = serve(httpserver, "IT.NET.USER.ZS", pages, 1000, skip={3})
    httpserver.expect_request(path, query_string=query(1000, 3)).respond_with_data("not found", status=404)
    with pytest.raises(FetchError, match=r"IT\.NET\.USER\.ZS page 3: .*HTTP 404"):
        wb_api.fetch(ctx(["IT.NET.USER.ZS"], 1000), httpserver.url_for("/v2"))
    assert len(httpserver.log) == 3  # a 404 is final: not retried


def test_page_with_the_wrong_number_is_refused(httpserver):
    pages = paged(records(USER_ALL), 1000)
    pages[2] = pages[1]  # asked for page 3, got page 2 again
    serve(httpserver, "IT.NET.USER.ZS", pages, 1000)
    with pytest.raises(FetchError, match="page 3: asked for page 3, the API answered with page 2"):
        wb_api.fetch(ctx(["IT.NET.USER.ZS"], 1000), httpserver.url_for("/v2"))
    assert len(httpserver.log) == 3


def test_pages_that_disagree_or_fall_short_are_refused(httpserver):
    recs = records(USER)
    pages = paged(recs, 20)
    pages[1] = paged(recs, 20, lastupdated="2026-07-14")[1]  # WDI updated between page 1 and page 2
    serve(httpserver, "IT.NET.USER.ZS", pages, 20)
    with pytest.raises(FetchError, match="page 2 says lastupdated '2026-07-14' but page 1 says '2026-07-13'"):
        wb_api.fetch(ctx(["IT.NET.USER.ZS"], 20), httpserver.url_for("/v2"))
    httpserver.clear()
    short = paged(recs, 1000)[0].replace(b'"total":55', b'"total":56')
    serve(httpserver, "IT.NET.USER.ZS", [short], 1000)
    with pytest.raises(FetchError, match="55 observations present, the metadata says total 56"):
        wb_api.fetch(ctx(["IT.NET.USER.ZS"], 1000), httpserver.url_for("/v2"))


def test_too_many_pages_and_bad_countries_are_refused(httpserver):
    serve(httpserver, "IT.NET.USER.ZS", paged(records(USER_ALL), 10)[:1], 10)
    with pytest.raises(FetchError, match="announces 266 pages of 10, more than max_pages 5"):
        wb_api.fetch(ctx(["IT.NET.USER.ZS"], 10, max_pages=5), httpserver.url_for("/v2"))
    with pytest.raises(DigigovError, match="countries must be 'all' or a list of ISO3 codes"):
        wb_api.fetch(ctx(["IT.NET.USER.ZS"], 10, countries=["KAZ", "kz"]), httpserver.url_for("/v2"))
    assert len(httpserver.log) == 1


def test_url_of_names_the_request():
    assert wb_api.url_of(CTX, "https://api.worldbank.org/v2/", "IT.NET.BBND.P2.json") == (
        "https://api.worldbank.org/v2/country/all/indicator/IT.NET.BBND.P2?format=json&per_page=1000")
    assert wb_api.url_of(ctx([], 20, countries=["KAZ", "UZB"]), "http://x", "IT.NET.USER.ZS.json") == (
        "http://x/country/KAZ;UZB/indicator/IT.NET.USER.ZS?format=json&per_page=20")


# ---- fetch through the snapshot store: all or nothing -----------------------------------------

def serve_configured(httpserver, cel_body: bytes) -> None:
    """The three configured indicators as the real config asks for them (all countries, 1000 a page)."""
    serve(httpserver, "IT.NET.USER.ZS", paged(records(USER_ALL), 1000), 1000)
    serve(httpserver, "IT.NET.BBND.P2", paged(records(BBND), 1000), 1000)
    serve(httpserver, "IT.CEL.SETS.P2", [cel_body], 1000)


def test_fetch_snapshot_stores_all_indicators_then_a_failure_changes_nothing(httpserver, monkeypatch,
                                                                              isolated_home, tmp_path):
    assert CTX.config["indicator_codes"][:3] == ["IT.NET.USER.ZS", "IT.NET.BBND.P2", "IT.CEL.SETS.P2"]
    monkeypatch.setenv("DIGIGOV_WB_API_URL", httpserver.url_for("/v2"))
    no_data = b'[{"page":1,"pages":0,"per_page":1000,"total":0,"sourceid":"2","lastupdated":"2026-07-13"},null]'
    serve_configured(httpserver, no_data)
    folder = fetch_snapshot("wb_api")
    assert folder == isolated_home / "snapshots" / "wb_api"
    assert len(httpserver.log) == 3 + 1 + 1
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["IT.NET.USER.ZS.json", "IT.NET.BBND.P2.json", "IT.CEL.SETS.P2.json", MANIFEST])
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    # the stored snapshot stages: 2660 + 55 records, the same observations as the embedded files
    summary = stage_source("wb_api", None, tmp_path / "work")
    assert summary["origin"] == "fetched" and summary["rows_invalid"] == 0
    by_file = {f["file"]: f for f in summary["files"]}
    assert by_file["IT.CEL.SETS.P2.json"]["rows_loaded"] == 0
    assert by_file["IT.NET.USER.ZS.json"]["last_updated"] == "2026-07-13"
    emb_obs, _, _ = stage_file(wb_api.SOURCE, snapshot_file(USER_ALL), CTX)
    assert by_file["IT.NET.USER.ZS.json"]["rows_loaded"] == len(emb_obs)

    # a later fetch failing on the last indicator leaves the stored snapshot exactly as it was
    httpserver.clear()
    serve_configured(httpserver, ERROR_BODY)
    with pytest.raises(FetchError, match="IT.CEL.SETS.P2 page 1: .*Invalid value"):
        fetch_snapshot("wb_api")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not list(folder.parent.glob(".*"))  # no partial folder


def test_failed_first_fetch_stores_nothing(httpserver, monkeypatch, isolated_home):
    monkeypatch.setenv("DIGIGOV_WB_API_URL", httpserver.url_for("/v2"))
    serve_configured(httpserver, b"<html><body>Bad gateway</body></html>")
    with pytest.raises(FetchError, match="IT.CEL.SETS.P2 page 1: the server answered, but an HTML page"):
        fetch_snapshot("wb_api")
    assert not (isolated_home / "snapshots").exists() or not any((isolated_home / "snapshots").iterdir())


# ---- the embedded snapshot -------------------------------------------------------------------------

def test_embedded_snapshot_matches_its_manifest():
    files, warnings = verify(SNAP, wb_api.FILE_GLOB, {})
    assert [f.name for f in files] == ["IT.NET.BBND.P2.json", "IT.NET.USER.ZS.json",
                                       "IT.NET.USER.ZS__observations_only.json"]
    assert warnings == []  # manifest.json is not taken for a data file
    meta = {f.name: f.meta for f in files}
    assert meta["IT.NET.USER.ZS__observations_only.json"]["last_updated"] is None
    assert "NOT a raw API response" in meta["IT.NET.USER.ZS__observations_only.json"]["origin"]
    for f in files:
        assert f.meta["release"] == wb_api.release_of(f.path, CTX)
        assert f.meta["last_updated"] == wb_api.last_updated_of(f.path, CTX)


def test_read_raw_response_keeps_values_as_published():
    recs = records(USER)
    raw = wb_api.read(USER, CTX)
    assert len(raw) == 55 and raw["_row"].tolist() == list(range(1, 56))
    assert raw["_file"].unique().tolist() == [str(USER)]
    assert raw["date"].tolist() == [r["date"] for r in recs]
    assert raw["countryiso3code"].tolist() == [r["countryiso3code"] for r in recs]
    assert raw["country_id"].tolist() == [r["country"]["id"] for r in recs]
    # numbers stay as the text published; null is missing
    first = raw.iloc[0]
    assert (first["countryiso3code"], first["date"], first["value"], first["decimal"]) == ("CHN", "2025", "91.6", "0")
    assert raw.iloc[1]["value"] == "92"
    assert raw["value"].isna().tolist() == [r["value"] is None for r in recs]
    assert raw["value"].isna().sum() == 4


@pytest.mark.parametrize("path", [USER, BBND, USER_ALL])
def test_embedded_files_stage_with_values_from_the_json(path):
    recs = records(path)
    obs, rejects, _ = stage_file(wb_api.SOURCE, snapshot_file(path), CTX)
    code = recs[0]["indicator"]["id"]
    countries = [r for r in recs if r["countryiso3code"] and r["countryiso3code"] not in AGGREGATES]
    with_value = [r for r in countries if r["value"] is not None]
    assert len(obs) == len(with_value)
    assert set(obs["indicator_id"]) == {f"wdi.{code}"}
    got = obs.set_index(["iso3", "year"])["value"]
    for r in with_value:
        assert got[(r["countryiso3code"], int(r["date"]))] == pytest.approx(float(r["value"]), rel=0, abs=0)
    # everything not loaded is an aggregate left out on purpose, never an error
    assert rejects["reason"].str.startswith("excluded:").all()
    no_code = [r for r in recs if not r["countryiso3code"]]
    aggr_valued = [r for r in recs if r["countryiso3code"] in AGGREGATES and r["value"] is not None]
    assert len(rejects) == len(no_code) + len(aggr_valued)
    assert obs["release"].unique().tolist() == [wb_api.release_of(path, CTX)]


def test_focus_country_values_and_income_groups_without_a_code():
    obs, rejects, _ = stage_file(wb_api.SOURCE, snapshot_file(USER_ALL), CTX)
    v = obs.set_index(["iso3", "year"])["value"]
    assert v[("KAZ", 2020)] == 85.94259898 and v[("KAZ", 2023)] == 92.87846096
    assert v[("UZB", 2020)] == 71.09999824 and v[("UZB", 2023)] == 89.01361047
    assert {"ARM", "AZE", "GEO", "KAZ", "KGZ", "TJK", "UZB", "EST", "KOR"} <= set(obs["iso3"])
    assert not set(obs["iso3"]) & AGGREGATES
    no_code = rejects[rejects["reason"].str.contains("no ISO3 code")]
    assert len(no_code) == 50
    ids = set(no_code["reason"].str.extract(r"country id (\w+),")[0])
    assert ids == {"XD", "XM", "XN", "XT", "XY"}
    assert no_code["reason"].str.contains("High income").any()
    wld = rejects[rejects["record"].str.contains('"countryiso3code": "WLD"')]
    assert len(wld) == 10 and wld["reason"].str.contains("World Bank aggregate").all()


def test_release_and_vintage():
    assert wb_api.release_of(USER, CTX) == "IT.NET.USER.ZS 2026-07-13"
    assert wb_api.last_updated_of(BBND, CTX) == "2026-07-13"
    assert wb_api.release_of(USER_ALL, CTX) == "IT.NET.USER.ZS vintage unknown"
    assert wb_api.last_updated_of(USER_ALL, CTX) is None


def test_stage_source_on_the_embedded_snapshot(tmp_path):
    summary = stage_source("wb_api", None, tmp_path)
    assert summary["origin"] == "embedded" and summary["rows_invalid"] == 0 and summary["warnings"] == []
    by_file = {f["file"]: f for f in summary["files"]}
    # the undated observation array has no publisher date; the warehouse orders it by its retrieval
    # date, older than the dated response, so the dated response is the value in force where they overlap
    undated = by_file["IT.NET.USER.ZS__observations_only.json"]
    assert undated["last_updated"] is None and undated["retrieved_at"] == "2026-04-19"
    assert by_file["IT.NET.USER.ZS.json"]["last_updated"] == "2026-07-13"
    assert by_file["IT.NET.BBND.P2.json"]["rows_loaded"] == 49


def test_old_style_metadata_with_string_integers_and_no_vintage(tmp_path):
    obj = json.loads(USER.read_bytes())
    obj[0] = {"page": "1", "pages": "1", "per_page": "50", "total": "55"}
    path = write(tmp_path, "IT.NET.USER.ZS.json", obj)
    assert len(wb_api.read(path, CTX)) == 55
    assert wb_api.release_of(path, CTX) == "IT.NET.USER.ZS vintage unknown"


# ---- damaged files: file-level faults ----------------------------------------------------------

def test_file_level_faults_name_the_file_and_the_fault(tmp_path):
    cases = {
        "error": (ERROR_BODY, "error message instead of data: Invalid value"),
        "html": (b"<html><body>Maintenance</body></html>", "an HTML page, not JSON"),
        "truncated": (USER.read_bytes()[:5000], "invalid JSON, truncated or damaged"),
        "empty": (b"", "file is empty"),
        "object": (b'{"page": 1}', "neither an API v2 response"),
    }
    for label, (data, expected) in cases.items():
        (tmp_path / label).mkdir()
        path = write(tmp_path / label, "IT.NET.USER.ZS.json", data)
        with pytest.raises(SourceFileError, match=expected) as err:
            wb_api.read(path, CTX)
        assert str(path) in str(err.value), label


def test_missing_or_short_pages_in_a_file_fail_it(tmp_path):
    pages = [json.loads(p) for p in paged(records(USER), 20)]
    path = write(tmp_path, "IT.NET.USER.ZS.json", [pages[0], pages[2]])
    with pytest.raises(SourceFileError, match="page 2 of the answer says it is page 3"):
        wb_api.read(path, CTX)
    obj = json.loads(USER.read_bytes())
    del obj[1][7]
    path = write(tmp_path, "IT.NET.USER.ZS.json", obj)
    with pytest.raises(SourceFileError, match="54 observations present, the metadata says total 55"):
        wb_api.read(path, CTX)


def test_file_holding_another_indicator_than_its_name_fails(tmp_path):
    path = write(tmp_path, "IT.NET.BBND.P2.json", USER.read_bytes())
    with pytest.raises(SourceFileError, match=r"IT\.NET\.BBND\.P2\.json: column 'indicator_id'.*"
                                              r"every indicator\.id must be IT\.NET\.BBND\.P2"):
        stage_file(wb_api.SOURCE, snapshot_file(path), CTX)


def test_undeclared_indicator_fails_the_file(tmp_path):
    path = write(tmp_path, "SP.POP.TOTL.json",
                 USER.read_bytes().replace(b'"id":"IT.NET.USER.ZS"', b'"id":"SP.POP.TOTL"'))
    with pytest.raises(SourceFileError, match=r"SP\.POP\.TOTL\.json: .*wdi\.SP\.POP\.TOTL is not declared"):
        stage_file(wb_api.SOURCE, snapshot_file(path), CTX)


@pytest.mark.parametrize("name", ["internet.json", "IT.NET.USER.ZS.csv", "IT NET.json"])
def test_file_name_must_be_a_wdi_code(tmp_path, name):
    with pytest.raises(SourceFileError, match="file name is not <WDI code>.json"):
        wb_api.code_of(tmp_path / name)


# ---- damaged files: row-level faults --------------------------------------------------------------

def test_bad_records_are_quarantined_and_the_rest_loads(tmp_path):
    obj = json.loads(USER.read_bytes())
    recs = obj[1]
    recs[1]["value"] = "n/a"           # CHN 2024: text in the value
    recs[2]["date"] = "2023Q1"         # CHN 2023: not a year
    del recs[3]["date"]                # CHN 2022: field missing
    recs[4] = "garbage"                # CHN 2021: not an object
    recs[5]["countryiso3code"] = "QQQ"  # CHN 2020: unknown code
    recs[6]["value"] = 150.0           # CHN 2019: above 100 %
    recs[12] = dict(recs[13])          # DEU 2024 duplicated as DEU 2023
    path = write(tmp_path, "IT.NET.USER.ZS.json", obj)
    obs, rejects, _ = stage_file(wb_api.SOURCE, snapshot_file(path), CTX)
    reasons = rejects.set_index("row")["reason"].to_dict()
    assert set(reasons) == {2, 3, 4, 5, 6, 7, 13, 14}
    assert "column 'value'" in reasons[2] and "n/a" in reasons[2]
    assert "column 'date'" in reasons[3] and "2023Q1" in reasons[3]
    assert "column '_problem'" in reasons[4] and "no field 'date'" in reasons[4]
    assert "not a JSON object" in reasons[5]
    assert "unknown country code 'QQQ'" in reasons[6]
    assert "outside the indicator's scale" in reasons[7]
    assert "country_id" in reasons[13] and reasons[13] == reasons[14]
    # everything else loads: 55 records, 4 null values (none of them among the damaged rows)
    null_rows = {i + 1 for i, r in enumerate(records(USER)) if r["value"] is None}
    assert not null_rows & set(reasons)
    assert len(obs) == 55 - len(reasons) - len(null_rows)
    assert obs[(obs["iso3"] == "CHN") & (obs["year"] == 2025)]["value"].tolist() == [91.6]
