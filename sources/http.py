"""One HTTP GET with a timeout and bounded retries: the only network code sources use.

Retries connection errors, timeouts, 429 and 5xx with exponential backoff, honouring a
Retry-After header given in seconds. Anything else is final at once.
"""

from __future__ import annotations

import os
import time

import requests

from digigov.errors import FetchError

RETRY_STATUS = {429, 500, 502, 503, 504}


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def get_bytes(url: str, *, timeout: float | None = None, retries: int | None = None,
              backoff: float | None = None, max_wait: float = 60.0,
              session: requests.Session | None = None, params: dict | None = None) -> bytes:
    """Return the body of a successful GET of `url`, or raise FetchError saying why not.

    Defaults come from DIGIGOV_HTTP_TIMEOUT (30 s), DIGIGOV_HTTP_RETRIES (3) and
    DIGIGOV_HTTP_BACKOFF (1 s, doubled at each retry)."""
    timeout = _env_float("DIGIGOV_HTTP_TIMEOUT", 30.0) if timeout is None else timeout
    retries = int(_env_float("DIGIGOV_HTTP_RETRIES", 3)) if retries is None else retries
    backoff = _env_float("DIGIGOV_HTTP_BACKOFF", 1.0) if backoff is None else backoff
    http = session or requests.Session()
    last = "no attempt made"
    for attempt in range(retries + 1):
        wait = backoff * (2 ** attempt)
        try:
            resp = http.get(url, params=params, timeout=timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            if resp.status_code == 200:
                return resp.content
            last = f"HTTP {resp.status_code}"
            if resp.status_code not in RETRY_STATUS:
                break
            retry_after = resp.headers.get("Retry-After", "")
            if retry_after.strip().isdigit():
                wait = float(retry_after)
        if attempt < retries:
            time.sleep(min(wait, max_wait))
    raise FetchError(f"GET {url} failed after {attempt + 1} attempt(s): {last}")
