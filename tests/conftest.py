"""Shared fixtures: every test writes under its own tmp folder; Prefect runs use one test server.

Speed without losing proof: the default warehouse is built once per session by the local engine
(`built_warehouse`) and tests that only read it share it; a test that changes a warehouse works on
its own copy (`warehouse_copy`). Staged rows are cached in one session folder (DIGIGOV_CACHE): their
key covers input bytes, code and config, so a hit is exactly what staging again would produce.
Only tests marked `prefect` start the Prefect test server.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
import types
from pathlib import Path

import duckdb
import pytest

from digigov.settings import EMBEDDED_SNAPSHOTS

FIXTURES = Path(__file__).parent / "fixtures"
READ_ONLY_FILE, READ_ONLY_DIR = 0o444, 0o555

# Nothing a test does may write into the checkout: fixtures wider than one test use this home.
os.environ["DIGIGOV_HOME"] = tempfile.mkdtemp(prefix="digigov-test-home-")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture(scope="session", autouse=True)
def shared_staged_cache(tmp_path_factory):
    """One staged-rows cache for the session (subprocesses inherit it), never the user's.
    A test about the cache itself points DIGIGOV_CACHE at its own empty folder."""
    folder = tmp_path_factory.mktemp("staged-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DIGIGOV_CACHE", str(folder))
        yield folder


@pytest.fixture(scope="session")
def prefect_harness():
    """One real Prefect test server for the whole session (starting one takes seconds)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(autouse=True)
def _prefect_marker(request):
    """`@pytest.mark.prefect` is how a test asks for the Prefect server: no other test pays for it."""
    if request.node.get_closest_marker("prefect"):
        request.getfixturevalue("prefect_harness")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """DIGIGOV_HOME in tmp, fast HTTP retries, no inherited warehouse override."""
    home = tmp_path / "home"
    monkeypatch.setenv("DIGIGOV_HOME", str(home))
    monkeypatch.delenv("DIGIGOV_WAREHOUSE", raising=False)
    monkeypatch.delenv("DIGIGOV_ENGINE", raising=False)
    monkeypatch.setenv("DIGIGOV_HTTP_RETRIES", "2")
    monkeypatch.setenv("DIGIGOV_HTTP_BACKOFF", "0.05")
    monkeypatch.setenv("DIGIGOV_HTTP_TIMEOUT", "2")
    close_publishers(monkeypatch)
    return home


def close_publishers(monkeypatch) -> None:
    """No test may reach a publisher: every download base points at a closed local port unless a
    test serves its own."""
    from digigov.settings import load_source_configs

    for cfg in load_source_configs().values():
        if cfg["source"].get("base_url_env"):
            monkeypatch.setenv(cfg["source"]["base_url_env"], "http://127.0.0.1:9/closed")


@pytest.fixture(scope="session", autouse=True)
def _prefect_server_in_background(request, tmp_path_factory):
    """A real `prefect server start` takes seconds to come up: when a selected test asks for one
    (fixture `prefect_server`), start it as the session starts, so it comes up while other tests run."""
    if not any("prefect_server" in item.fixturenames for item in request.session.items):
        yield None
        return
    from tests.prefect_server import launch, stop

    server = launch(tmp_path_factory.mktemp("prefect-server"))
    try:
        yield server
    finally:
        stop(server.proc)


@pytest.fixture
def prefect_server(_prefect_server_in_background):
    """The session's real Prefect server (tests/prefect_server.py): poll its /health before use."""
    return _prefect_server_in_background


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory, shared_staged_cache) -> Path:
    """The default warehouse from the embedded snapshots, built ONCE by the local engine, then made
    read-only on disk (file and folder) for the tests that only read it: use `warehouse` to read it,
    `warehouse_copy` to change one."""
    from digigov.flows.local import refresh

    folder = tmp_path_factory.mktemp("shared-warehouse")
    wh = folder / "digigov.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DIGIGOV_HOME", str(tmp_path_factory.mktemp("shared-warehouse-home")))
        mp.delenv("DIGIGOV_WAREHOUSE", raising=False)
        close_publishers(mp)
        result = refresh(warehouse=str(wh))
    assert result["failed"] == {} and result["stale"] == {}, result
    for path in folder.iterdir():
        path.chmod(READ_ONLY_FILE)
    folder.chmod(READ_ONLY_DIR)
    yield wh
    folder.chmod(0o755)  # so pytest can remove its old tmp folders


def _state(folder: Path) -> dict:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns, stat.S_IMODE(p.stat().st_mode))
            for p in sorted(folder.iterdir())}


@pytest.fixture
def warehouse(built_warehouse) -> Path:
    """The session warehouse, to read. Read-only on disk, but root may write anyway: so the test
    fails if its folder changed at all (a file written, added or removed: a WAL, a new build)."""
    before = _state(built_warehouse.parent)
    yield built_warehouse
    assert _state(built_warehouse.parent) == before, "a test changed the shared warehouse: use warehouse_copy"


@pytest.fixture
def warehouse_copy(tmp_path, built_warehouse) -> Path:
    """A private, writable copy of the session warehouse and its run log, at tmp_path/w.duckdb."""
    wh = tmp_path / "w.duckdb"
    for name, target in ((built_warehouse.name, wh.name), (built_warehouse.name + ".runs.jsonl", wh.name + ".runs.jsonl")):
        shutil.copy2(built_warehouse.with_name(name), tmp_path / target)
        (tmp_path / target).chmod(0o644)
    return wh


@pytest.fixture
def waits(monkeypatch) -> list[float]:
    """The waits urllib3's Retry asks for, in order (it sleeps through its module's `time`):
    recorded, not slept, so a test asserts the wait asked for, never wall time."""
    import urllib3.util.retry

    asked = []
    monkeypatch.setattr(urllib3.util.retry, "time", types.SimpleNamespace(sleep=asked.append, time=time.time))
    return asked


@pytest.fixture
def snapshot_copy(tmp_path) -> Path:
    """A writable copy of the embedded snapshots (root holding un_egov/)."""
    root = tmp_path / "snaps"
    shutil.copytree(EMBEDDED_SNAPSHOTS / "un_egov", root / "un_egov")
    return root


def query(warehouse: Path, sql: str, params=None):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
