"""Shared fixtures: every test writes under its own tmp folder; Prefect runs use one test server."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest

from digigov.settings import EMBEDDED_SNAPSHOTS

FIXTURES = Path(__file__).parent / "fixtures"

# Nothing a test does may write into the checkout: fixtures wider than one test use this home.
os.environ["DIGIGOV_HOME"] = tempfile.mkdtemp(prefix="digigov-test-home-")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


@pytest.fixture(scope="session")
def prefect_harness():
    """One real Prefect test server for the whole session (starting one takes seconds)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """DIGIGOV_HOME in tmp, fast HTTP retries, no inherited warehouse override."""
    home = tmp_path / "home"
    monkeypatch.setenv("DIGIGOV_HOME", str(home))
    monkeypatch.delenv("DIGIGOV_WAREHOUSE", raising=False)
    monkeypatch.setenv("DIGIGOV_HTTP_RETRIES", "2")
    monkeypatch.setenv("DIGIGOV_HTTP_BACKOFF", "0.05")
    monkeypatch.setenv("DIGIGOV_HTTP_TIMEOUT", "2")
    # No test may reach a publisher: every download base points at a closed local port unless a
    # test serves its own.
    from digigov.settings import load_source_configs

    for cfg in load_source_configs().values():
        if cfg["source"].get("base_url_env"):
            monkeypatch.setenv(cfg["source"]["base_url_env"], "http://127.0.0.1:9/closed")
    return home


@pytest.fixture
def snapshot_copy(tmp_path) -> Path:
    """A writable copy of the embedded snapshots (root holding un_egov/)."""
    root = tmp_path / "snaps"
    shutil.copytree(EMBEDDED_SNAPSHOTS / "un_egov", root / "un_egov")
    return root


def query(warehouse: Path, sql: str, params=None):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
