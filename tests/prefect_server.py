"""A real `prefect server start`, as an operator runs it, in a subprocess of its own process group.

conftest.py starts one in the background when the session holds a test that asks for it (fixture
`prefect_server`): the server takes seconds to come up, and meanwhile other tests run.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PrefectServer:
    proc: subprocess.Popen
    url: str  # the API, …/api
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], env: dict, log: Path, cwd: Path) -> subprocess.Popen:
    """A subprocess in a new session (process group), output to `log`."""
    with open(log, "wb") as fh:
        return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM the whole group (runner and flow-run children, server and its services), then SIGKILL."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


def launch(folder: Path) -> PrefectServer:
    """Start the server on a free port with its own home and SQLite database in `folder`; return at
    once (poll `url`/health before use)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(folder / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{folder / 'prefect.db'}",
        PREFECT_UI_ENABLED="false",  # nothing to look at; saves preparing the UI bundle
        PREFECT_LOGGING_LEVEL="INFO",
    )
    log = folder / "server.log"
    proc = start([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                 env, log, folder)
    return PrefectServer(proc, f"http://127.0.0.1:{port}/api", log)
