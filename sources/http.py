"""One HTTP GET with a timeout and bounded retries: the only network code sources use.

Retries connection errors, timeouts, 429 and 5xx with exponential backoff, honouring a
Retry-After header given in seconds. Anything else is final at once.
"""

from __future__ import annotations

import time

import requests

from digigov.errors import FetchError

RETRY_STATUS = {429, 500, 502, 503, 504}


def get_bytes(url: str, *, timeout: float = 30.0, retries: int = 3, backoff: float = 1.0,
              max_wait: float = 60.0, session: requests.Session | None = None,
              params: dict | None = None) -> bytes:
    """Return the body of a successful GET of `url`, or raise FetchError saying why not."""
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
