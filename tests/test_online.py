"""--online against a real HTTP server on 127.0.0.1 serving the real egovkb files. The local engine
runs them: fetching and its fallbacks are the pipeline's; one fallback is also run by Prefect."""

import json

import pytest
from werkzeug import Response

from digigov.flows.cli import main
from digigov.settings import EMBEDDED_SNAPSHOTS
from digigov.sources.http import get_bytes
from digigov.errors import FetchError
from tests.conftest import query

YEARS = (2003, 2004, 2005, 2008, 2010, 2012, 2014, 2016, 2018, 2020, 2022, 2024)


def serve_all(httpserver, mutate=lambda name, data: data):
    for y in YEARS:
        name = f"EGOV_DATA_{y}.csv"
        data = (EMBEDDED_SNAPSHOTS / "un_egov" / name).read_bytes()
        httpserver.expect_request(f"/egov/{name}").respond_with_data(mutate(name, data), content_type="text/csv")


def test_online_fetch_stores_a_new_snapshot_and_uses_it(httpserver, monkeypatch, tmp_path, isolated_home, capsys):
    serve_all(httpserver, lambda name, data: data.replace(b"0.83750", b"0.83751") if "2020" in name else data)
    monkeypatch.setenv("DIGIGOV_UN_EGOV_URL", httpserver.url_for("/egov"))
    wh = tmp_path / "w.duckdb"
    assert main(["run", "--local", "--online", "--only", "un_egov", "--warehouse", str(wh)]) == 0
    stored = isolated_home / "snapshots" / "un_egov"
    manifest = json.loads((stored / "manifest.json").read_text())
    assert len(manifest["files"]) == 12
    assert manifest["files"][0]["url"] == httpserver.url_for("/egov/EGOV_DATA_2003.csv")
    assert query(wh, "SELECT value FROM observations WHERE iso3='KAZ' AND year=2020 AND indicator_id='un.egdi'")[0][0] == 0.83751
    assert query(wh, "SELECT DISTINCT snapshot_origin, stale FROM sources WHERE source_id = 'un_egov'") == [("fetched", False)]
    # a later offline run uses that last fetched snapshot
    assert main(["run", "--local", "--only", "un_egov", "--warehouse", str(wh)]) == 0
    assert query(wh, "SELECT DISTINCT snapshot_origin FROM sources WHERE source_id = 'un_egov'") == [("fetched",)]


@pytest.mark.parametrize("engine", [pytest.param(["--local"], id="local"),
                                    pytest.param([], marks=pytest.mark.prefect, id="prefect")])
def test_failed_fetch_falls_back_with_a_warning_and_marks_stale(httpserver, monkeypatch, tmp_path, capsys, engine):
    """Also with Prefect: the failed fetch is a failed task there, and the run must still go on."""
    httpserver.expect_request("/egov/EGOV_DATA_2003.csv").respond_with_data("down", status=503)
    monkeypatch.setenv("DIGIGOV_UN_EGOV_URL", httpserver.url_for("/egov"))
    wh = tmp_path / "w.duckdb"
    assert main(["run", *engine, "--online", "--only", "un_egov", "--warehouse", str(wh)]) == 0
    captured = capsys.readouterr()
    assert "fetch failed, using the last good snapshot" in captured.err and "HTTP 503" in captured.err
    assert "STALE" in captured.out
    rows = query(wh, "SELECT DISTINCT snapshot_origin, stale, error LIKE '%HTTP 503%' FROM sources WHERE source_id = 'un_egov'")
    assert rows == [("embedded", True, True)]
    assert len(httpserver.log) == 3  # first try and two retries (DIGIGOV_HTTP_RETRIES=2)


def test_strict_makes_a_failed_fetch_fail_the_run(httpserver, monkeypatch, tmp_path, capsys):
    httpserver.expect_request("/egov/EGOV_DATA_2003.csv").respond_with_data("down", status=500)
    monkeypatch.setenv("DIGIGOV_UN_EGOV_URL", httpserver.url_for("/egov"))
    wh = tmp_path / "w.duckdb"
    assert main(["run", "--local", "--online", "--strict", "--only", "un_egov", "--warehouse", str(wh)]) == 1
    assert "--strict" in capsys.readouterr().err and not wh.exists()


def test_an_html_page_is_never_stored_as_a_snapshot(httpserver, monkeypatch, tmp_path, isolated_home, capsys):
    serve_all(httpserver, lambda name, data: b"<html><body>Maintenance</body></html>" if "2024" in name else data)
    monkeypatch.setenv("DIGIGOV_UN_EGOV_URL", httpserver.url_for("/egov"))
    assert main(["run", "--local", "--online", "--only", "un_egov",
                 "--warehouse", str(tmp_path / "w.duckdb")]) == 0
    assert "not with the egovkb CSV layout" in capsys.readouterr().err
    assert not (isolated_home / "snapshots" / "un_egov").exists()


def test_retry_after_is_honoured_then_success(httpserver):
    calls = []

    def handler(request):
        calls.append(1)
        if len(calls) == 1:
            return Response("slow down", status=429, headers={"Retry-After": "0"})
        return Response("ok", status=200)

    httpserver.expect_request("/x").respond_with_handler(handler)
    assert get_bytes(httpserver.url_for("/x"), backoff=5) == b"ok"  # Retry-After 0: retried at once
    assert len(calls) == 2


def test_not_found_is_not_retried(httpserver):
    httpserver.expect_request("/missing").respond_with_data("no", status=404)
    with pytest.raises(FetchError, match="HTTP 404"):
        get_bytes(httpserver.url_for("/missing"))
    assert len(httpserver.log) == 1
