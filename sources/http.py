"""One HTTP GET with a timeout and bounded retries: the only network code sources use.

The retrying is urllib3's `Retry`, mounted on a requests session: connection errors, timeouts,
429 and 500/502/503/504 are retried with urllib3's exponential backoff (the first retry at once,
then 2 × backoff, 4 × backoff …) and a `Retry-After` header is honoured instead of the backoff.
Both waits are capped at `max_wait`. Any other status is final at once (urllib3 also retries a
413 that carries Retry-After). What this module adds is the one-line FetchError a user can act on:
the URL, the number of attempts and the last cause.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (ConnectTimeoutError, IncompleteRead, MaxRetryError,
                                NewConnectionError, ProtocolError, ReadTimeoutError)
from urllib3.util import Retry

from digigov.errors import FetchError

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def _retries(retries: int | None) -> int:
    return max(0, int(_env_float("DIGIGOV_HTTP_RETRIES", 3)) if retries is None else int(retries))


def retrying_session(retries: int | None = None, backoff: float | None = None,
                     max_wait: float = 60.0) -> requests.Session:
    """A session that retries as get_bytes documents; share one across many GETs to one host
    (pages of an API) to reuse its connections, and close it when done."""
    backoff = _env_float("DIGIGOV_HTTP_BACKOFF", 1.0) if backoff is None else backoff
    policy = Retry(
        total=_retries(retries),          # one budget for connection, read and status retries
        status_forcelist=RETRY_STATUS,
        backoff_factor=backoff,
        backoff_max=max_wait,
        respect_retry_after_header=True,
        retry_after_max=max_wait,
        raise_on_status=False,            # hand back the last response: its status goes in the message
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=policy)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def get_bytes(url: str, *, timeout: float | None = None, retries: int | None = None,
              backoff: float | None = None, max_wait: float = 60.0,
              session: requests.Session | None = None, params: dict | None = None) -> bytes:
    """Return the body of a successful (200) GET of `url`, or raise FetchError saying why not.

    Defaults come from DIGIGOV_HTTP_TIMEOUT (30 s), DIGIGOV_HTTP_RETRIES (3) and
    DIGIGOV_HTTP_BACKOFF (1 s). A `session` given is used as it is, with its own retry policy
    (`retries`, `backoff` and `max_wait` are then ignored): make it with retrying_session() to keep
    the policy above. Without one, a retrying session is made for this GET and closed after it."""
    timeout = _env_float("DIGIGOV_HTTP_TIMEOUT", 30.0) if timeout is None else timeout
    own = session is None
    http = retrying_session(retries, backoff, max_wait) if own else session
    try:
        try:
            # stream=True: the response stays ours while its body is read, so a body cut short
            # can still be reported with the attempts that led to it.
            resp = http.get(url, params=params, timeout=timeout, stream=True)
        except requests.RequestException as exc:
            raise FetchError(_message(url, _attempts_before_error(exc, http, url),
                                      _cause(exc, url, timeout))) from exc
        with resp:
            attempts = _attempts_before_response(resp)
            if resp.status_code != 200:
                cause = f"HTTP {resp.status_code}" + (f" {resp.reason}" if resp.reason else "")
                raise FetchError(_message(url, attempts, cause))
            try:
                return resp.content
            except requests.RequestException as exc:
                raise FetchError(_message(url, attempts, _cause(exc, url, timeout, body=True))) from exc
    finally:
        if own:
            http.close()


def _message(url: str, attempts: int, cause: str) -> str:
    return f"GET {url} failed after {attempts} attempt(s): {cause}"


def _attempts_before_response(resp: requests.Response) -> int:
    """The retries urllib3 made before this response are in its history; plus this one."""
    policy = getattr(resp.raw, "retries", None)
    return len(policy.history) + 1 if isinstance(policy, Retry) else 1


def _attempts_before_error(exc: requests.RequestException, http: requests.Session, url: str) -> int:
    """urllib3 raises MaxRetryError only once the whole budget is spent (it does not carry the
    history), so the count is the session's budget plus the first try; any other error ended
    the first attempt."""
    if not isinstance(_unwrap(exc), MaxRetryError):
        return 1
    policy = http.get_adapter(url).max_retries
    total = policy.total if isinstance(policy, Retry) else None
    return total + 1 if type(total) is int and total >= 0 else 1


def _unwrap(exc: BaseException) -> BaseException:
    """requests wraps urllib3's exception as its first argument."""
    inner = exc.args[0] if exc.args else None
    return inner if isinstance(inner, BaseException) else exc


def _cause(exc: requests.RequestException, url: str, timeout: float, body: bool = False) -> str:
    """The last cause in plain words, prefixed by the requests exception class a user would
    search for; never the repr of a urllib3 object (they name pools and memory addresses)."""
    reason = _unwrap(exc)
    if isinstance(reason, MaxRetryError) and reason.reason is not None:
        reason = reason.reason
    where = urlsplit(url).netloc or url
    while_reading = " while reading the body" if body else ""
    if isinstance(reason, NewConnectionError):  # also NameResolutionError
        os_error = reason.__cause__ or reason.__context__
        detail = getattr(os_error, "strerror", None) or str(os_error or "no detail")
        return f"ConnectionError: cannot connect to {where} ({detail})"
    if isinstance(reason, ConnectTimeoutError):
        return f"Timeout: no connection to {where} within {timeout:g} s"
    if isinstance(reason, ReadTimeoutError) or isinstance(exc, requests.Timeout):
        return f"Timeout: no answer from {where} within {timeout:g} s{while_reading}"
    if isinstance(reason, ProtocolError) and len(reason.args) > 1:
        reason = reason.args[1]
    if isinstance(reason, IncompleteRead):
        return (f"ConnectionError: the body was cut short after {reason.partial} bytes "
                f"({reason.expected} more expected)")
    if isinstance(reason, ConnectionError):  # the builtin one: reset, aborted, closed by the server
        return f"ConnectionError: the connection to {where} broke{while_reading} ({reason})"
    detail = str(reason) or type(reason).__name__
    return f"{type(exc).__name__}: {detail}"
