"""`digigov run --local`: the same pipeline in this process, without Prefect (no Prefect harness here)."""

import json
import os
import subprocess
import sys

import pytest

from digigov.flows.cli import main
from digigov.flows.local import LocalEngine
from digigov.flows.pipeline import refresh_with
from digigov.warehouse import runlog
from tests.conftest import query

ONE_SOURCE = ["--only", "wb_dai"]  # a small source: these tests are about the engine, not the data


def test_a_local_run_publishes_without_importing_prefect(tmp_path):
    wh = tmp_path / "w.duckdb"
    script = ("import sys; from digigov.flows.cli import main; rc = main(sys.argv[1:]); "
              "loaded = sorted(m for m in sys.modules if m == 'prefect' or m.startswith('prefect.')); "
              "print('prefect modules:', loaded); sys.exit(rc)")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    proc = subprocess.run([sys.executable, "-c", script, "run", "--local", *ONE_SOURCE, "--warehouse", str(wh)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "prefect modules: []" in proc.stdout
    closing = proc.stdout.splitlines()[-2]
    assert closing.startswith("pipeline ") and ", total " in closing and "Prefect" not in closing
    assert query(wh, "SELECT status FROM runs") == [("succeeded",)]
    assert query(wh, "SELECT count(*) FROM observations WHERE source_id = 'wb_dai'")[0][0] > 1000


def test_digigov_engine_local_picks_the_local_engine(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DIGIGOV_ENGINE", "local")
    assert main(["run", *ONE_SOURCE, "--warehouse", str(tmp_path / "w.duckdb")]) == 0
    closing = capsys.readouterr().out.splitlines()[-1]
    assert ", total " in closing and "Prefect" not in closing


@pytest.mark.parametrize("env, args, message", [
    ({}, ["--local", "--task-runner", "threads:2"], "a local run has no Prefect"),
    ({"DIGIGOV_ENGINE": "local"}, ["--task-runner", "dask"], "a local run has no Prefect"),
    ({"DIGIGOV_ENGINE": "spark"}, [], "DIGIGOV_ENGINE='spark': use local"),
    ({"DIGIGOV_ENGINE": "spark"}, ["--local"], "DIGIGOV_ENGINE='spark': use local"),
])
def test_engine_usage_errors(tmp_path, monkeypatch, capsys, env, args, message):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    wh = tmp_path / "w.duckdb"
    assert main(["run", *args, "--warehouse", str(wh)]) == 2
    err = capsys.readouterr().err
    assert "usage error" in err and message in err and not wh.exists()


class BuildBreaks(LocalEngine):
    """The build writes part of its file, then fails."""

    def build(self, built, *args):
        built.write_bytes(b"half a warehouse")
        raise RuntimeError("disk full")


def test_a_failing_step_fails_the_run_logs_it_and_leaves_the_published_warehouse(tmp_path):
    wh = tmp_path / "w.duckdb"
    assert main(["run", "--local", *ONE_SOURCE, "--warehouse", str(wh)]) == 0
    before = query(wh, "SELECT count(*), (SELECT max(run_id) FROM runs) FROM observations_all")
    with pytest.raises(RuntimeError, match="disk full"):
        refresh_with(BuildBreaks(), only=["wb_dai"], warehouse=str(wh))
    assert not list(tmp_path.glob(".w.duckdb.*.building"))
    assert query(wh, "SELECT count(*), (SELECT max(run_id) FROM runs) FROM observations_all") == before
    last = json.loads(runlog.log_path(wh).read_text().splitlines()[-1])
    assert (last["status"], last["message"]) == ("failed", "disk full")
    # the next run carries the failed one in its history
    assert main(["run", "--local", *ONE_SOURCE, "--warehouse", str(wh)]) == 0
    assert [r[0] for r in query(wh, "SELECT status FROM runs ORDER BY started_at")] == ["succeeded", "failed",
                                                                                         "succeeded"]
