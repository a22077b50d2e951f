"""`serve`: argument checks, and one scheduled deployment served against a real Prefect server.

The integration test runs what an operator runs: `prefect server start` (tests/prefect_server.py,
started when the session starts so it comes up while other tests run) and a serving process, each a
subprocess in its own process group so teardown can stop them and every child they spawn.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from digigov.errors import DigigovError
from digigov.flows import serve as serve_mod
from tests.conftest import query
from tests.prefect_server import free_port, start, stop

ROOT = Path(__file__).resolve().parents[1]
SERVER_WAIT, DEPLOYMENT_WAIT, RUN_WAIT = 120, 120, 300


def test_bad_cron_is_refused_before_anything_is_served(monkeypatch):
    monkeypatch.setattr(serve_mod, "api_url", lambda: pytest.fail("the cron must be checked first"))
    for bad in ["every monday", "61 6 * * 1", "0 6 * *", "H 6 * * 1"]:
        with pytest.raises(DigigovError, match="not a cron expression"):
            serve_mod.serve(bad)


def test_the_task_runner_of_served_runs_is_checked_first_and_handed_on(monkeypatch):
    monkeypatch.setenv("DIGIGOV_TASK_RUNNER", "sequential")  # restored after the test
    monkeypatch.setattr(serve_mod, "api_url", lambda: pytest.fail("the task runner must be checked first"))
    with pytest.raises(DigigovError, match="unknown task runner 'spark'"):
        serve_mod.serve(task_runner="spark")
    monkeypatch.setattr(serve_mod, "api_url", lambda: (_ for _ in ()).throw(DigigovError("stop here")))
    with pytest.raises(DigigovError, match="stop here"):
        serve_mod.serve(task_runner="threads:2")
    assert os.environ["DIGIGOV_TASK_RUNNER"] == "threads:2"  # what the runs of the deployment read


def test_no_api_url_asks_for_a_real_server(monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        with pytest.raises(DigigovError, match="PREFECT_API_URL is not set") as err:
            serve_mod.serve()
    assert "prefect server start" in str(err.value)
    assert "prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api" in str(err.value)


def test_unreachable_server_gets_the_same_hint(monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: f"http://127.0.0.1:{free_port()}/api"}):
        with pytest.raises(DigigovError, match="no Prefect server answers") as err:
            serve_mod.serve()
    assert "prefect server start" in str(err.value)


def test_prefect_yaml_schedules_the_same_weekly_refresh():
    """prefect.yaml is the work-pool twin of `serve`: it must not drift from it."""
    project = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    (dep,) = project["deployments"]
    assert dep["name"] == serve_mod.DEFAULT_NAME
    assert dep["entrypoint"] == "flows/refresh.py:refresh"
    assert (ROOT / "flows" / "refresh.py").is_file()
    assert [s["cron"] for s in dep["schedules"]] == [serve_mod.DEFAULT_CRON]
    assert dep["parameters"] == {"online": True, "strict": False}
    assert dep["work_pool"]["name"] == "digigov-pool"
    assert "prefect.deployments.steps.set_working_directory" in project["pull"][0]


def _wait(what: str, check, timeout: float, procs: dict[str, subprocess.Popen], every: float = 0.2):
    """Poll `check` until it returns something truthy; fail early if a subprocess died. Polling
    often costs the local API nothing and ends each wait as soon as its condition holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, proc in procs.items():
            if proc.poll() is not None:
                pytest.fail(f"{name} exited with {proc.returncode} while waiting for {what}")
        result = check()
        if result:
            return result
        time.sleep(every)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def test_served_deployment_runs_and_publishes(tmp_path, isolated_home, prefect_server):
    import httpx
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url = prefect_server.url
    warehouse = tmp_path / "wh" / "digigov.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_LOGGING_LEVEL="INFO",
        DIGIGOV_HOME=str(isolated_home),
        DIGIGOV_WAREHOUSE=str(warehouse),
    )  # DIGIGOV_*_URL come from isolated_home: a closed local port
    serve_env = dict(env, PREFECT_API_URL=url,
                     PREFECT_RUNNER_POLL_FREQUENCY="1")  # pick the triggered run up in ~1 s, not 10
    logs = {"server": prefect_server.log, "serve": tmp_path / "serve.log"}
    procs: dict[str, subprocess.Popen] = {"server": prefect_server.proc}
    t0 = time.monotonic()
    try:
        def healthy():
            try:
                return httpx.get(f"{url}/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        _wait("the Prefect server's /api/health", healthy, SERVER_WAIT, procs)
        t_server = time.monotonic() - t0
        # The schedule is the default weekly one; the test triggers its run by hand. online=False:
        # the run must not fetch (the URLs point at a closed port anyway).
        procs["serve"] = start([sys.executable, "-m", "digigov.flows.cli", "serve", "--name", "digigov-test",
                                "--offline"], serve_env, logs["serve"], tmp_path)

        with temporary_settings(updates={PREFECT_API_URL: url}), get_client(sync_client=True) as client:
            def deployment():
                try:
                    return client.read_deployment_by_name("digigov-refresh/digigov-test")
                except Exception:  # ObjectNotFound until the serving process has registered it
                    return None

            dep = _wait("the deployment digigov-refresh/digigov-test", deployment, DEPLOYMENT_WAIT, procs)
            assert [s.schedule.cron for s in dep.schedules] == [serve_mod.DEFAULT_CRON]
            assert dep.parameters == {"online": False, "strict": False, "warehouse": str(warehouse)}
            run = client.create_flow_run_from_deployment(dep.id)

            def final_state():
                state = client.read_flow_run(run.id).state
                return state if state is not None and state.is_final() else None

            state = _wait(f"flow run {run.id} to finish", final_state, RUN_WAIT, procs)
        assert state.type.value == "COMPLETED", f"flow run ended {state.type.value}: {state.message}"
        assert warehouse.is_file(), "the run completed but published no warehouse"
        assert query(warehouse, "SELECT count(*) FROM observations")[0][0] > 0
        assert query(warehouse, "SELECT count(*) FROM runs WHERE status = 'succeeded'")[0][0] >= 1
        # What a Prefect user reads back from the API: the run's tasks, its log lines, its artifacts.
        tasks = httpx.post(f"{url}/task_runs/filter", json={"flow_runs": {"id": {"any_": [str(run.id)]}}}).json()
        names = sorted(t["name"].rsplit("-", 1)[0] for t in tasks)
        n_sources = query(warehouse, "SELECT count(DISTINCT source_id) FROM sources WHERE source_id <> "
                                     "'acsh_needs_assessment_2022'")[0][0]
        assert names == sorted(["build", "publish", "report"] + ["stage"] * n_sources), names
        assert all(t["state"]["type"] == "COMPLETED" for t in tasks)

        def run_logs():
            found = httpx.post(f"{url}/logs/filter", json={"logs": {"flow_run_id": {"any_": [str(run.id)]}},
                                                           "limit": 200}).json()
            return found if any(m["message"].startswith("un_egov: ") for m in found) else None

        lines = [m["message"] for m in _wait("the run's digigov log lines", run_logs, 30, procs)]
        assert any(line.startswith("survey: ") and "answers" in line for line in lines), lines
        arts = httpx.post(f"{url}/artifacts/filter", json={"artifacts": {"flow_run_id": {"any_": [str(run.id)]}}}).json()
        assert {a["key"] for a in arts} == {"digigov-sources", "digigov-data-quality"}
        print(f"server up after another {t_server:.1f} s, whole test {time.monotonic() - t0:.1f} s")
    except BaseException:
        for name, log in logs.items():
            print(f"===== {name} log ({log}) =====")
            print(log.read_text(errors="replace")[-20000:] if log.exists() else "(none)")
        raise
    finally:
        if "serve" in procs:
            stop(procs["serve"])  # the server is the session's: conftest.py stops it at the end
