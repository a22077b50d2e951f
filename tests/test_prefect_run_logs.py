"""A flow run as a Prefect user reads it: named after the run id, task runs named after what they
do, and every line digigov logs during the run in the flow run's logs (read back through the API).

Two ways in: the flow called from Python under the Prefect test harness (its process imported
Prefect long before, so nothing may depend on environment variables read at import), and a real
`digigov run` process against a real `prefect server start`, whose stderr lines must all be there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pytest

SERVER_WAIT, LOG_WAIT = 120, 30


def read_run(client, run_id: str):
    """(flow run, its task runs, its log records) of the flow run named `run_id`."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName, LogFilter, LogFilterFlowRunId

    (flow_run,) = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[run_id])))
    tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id={"any_": [flow_run.id]}))
    logs, page = [], None
    while page is None or len(page) == 200:
        page = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run.id])),
                                limit=200, offset=len(logs))
        logs += page
    return flow_run, tasks, logs


def digigov_lines(logs) -> list[str]:
    return [r.message for r in logs if r.name == "digigov" or r.name.startswith("digigov.")]


def wait_for(what: str, check, timeout: float):
    """Logs reach the API in batches: poll until `check` holds (returns its value) or fail."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert result, f"timed out after {timeout} s waiting for {what}"
    return result


@pytest.mark.prefect
def test_a_flow_run_called_from_python_logs_its_lines_to_prefect(httpserver, monkeypatch, warehouse_copy):
    """A failed fetch (a warning and a failed fetch task), the un_egov rejects and the findings the
    carried-over data contradicts: all in the flow run's logs, next to the run's own records."""
    from prefect.client.orchestration import get_client

    from digigov.flows.refresh import refresh
    from digigov.flows.runners import task_runner

    httpserver.expect_request("/egov/EGOV_DATA_2003.csv").respond_with_data("down", status=503)
    monkeypatch.setenv("DIGIGOV_UN_EGOV_URL", httpserver.url_for("/egov"))
    result = refresh.with_options(task_runner=task_runner("threads:2"))(
        online=True, only=["un_egov"], warehouse=str(warehouse_copy))

    def lines():
        with get_client(sync_client=True) as client:
            flow_run, tasks, logs = read_run(client, result["run_id"])
        found = digigov_lines(logs)
        return (flow_run, tasks, found) if any("contradicted by the data" in m for m in found) else None

    flow_run, tasks, found = wait_for("the run's digigov lines", lines, LOG_WAIT)
    assert flow_run.name == result["run_id"] and flow_run.state.is_completed()
    assert sorted(t.name for t in tasks) == ["build", "fetch-un_egov", "publish", "report",
                                             "stage-survey", "stage-un_egov"]
    assert next(t for t in tasks if t.name == "fetch-un_egov").state.is_failed()
    assert any(m.startswith("un_egov: fetch failed, using the last good snapshot") and "HTTP 503" in m for m in found)
    assert any(m.startswith("un_egov: rejected EGOV_DATA_") for m in found)
    assert any(re.match(r"un_egov: \d+ observations (loaded|reused)", m) for m in found)
    assert any(m.startswith("survey: ") and " answers " in m for m in found)
    contradictions = [m for m in found if "contradicted by the data" in m]
    assert sorted(contradictions) == sorted(result["counts"]["contradictions"]) and contradictions
    assert len(found) == len(set(found))  # each line once, not once per handler


def test_a_digigov_run_against_a_prefect_server_shows_every_stderr_line_in_the_run_logs(
        tmp_path, isolated_home, warehouse_copy, prefect_server):
    """What a user runs: `digigov run` in its own process, PREFECT_API_URL set to a real server.
    Every `digigov:` line it writes to stderr is in the flow run's logs."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url = prefect_server.url

    def healthy():
        try:
            return httpx.get(f"{url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for("the Prefect server's /api/health", healthy, SERVER_WAIT)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_API_URL=url, PREFECT_HOME=str(tmp_path / "prefect"), DIGIGOV_HOME=str(isolated_home))
    proc = subprocess.run([sys.executable, "-m", "digigov.flows.cli", "run", "--only", "un_egov,wb_api",
                           "--warehouse", str(warehouse_copy)], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    run_id = re.match(r"run (\S+) published", proc.stdout).group(1)
    stderr = [line.removeprefix("digigov: ") for line in proc.stderr.splitlines() if line.startswith("digigov: ")]
    assert any(" rejected " in line for line in stderr) and any("contradicted by the data" in line for line in stderr)

    with temporary_settings(updates={PREFECT_API_URL: url}), get_client(sync_client=True) as client:
        def lines():
            flow_run, tasks, logs = read_run(client, run_id)
            found = digigov_lines(logs)
            return (flow_run, tasks, found) if len(found) >= len(stderr) else None

        flow_run, tasks, found = wait_for("the run's digigov lines", lines, LOG_WAIT)
    assert flow_run.name == run_id
    assert sorted(found) == sorted(stderr)
    assert {"stage-un_egov", "stage-wb_api", "stage-survey"} <= {t.name for t in tasks}
