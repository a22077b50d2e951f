"""sources/http.py: the retry policy (urllib3's Retry) and the FetchError messages, against a real
HTTP server on 127.0.0.1. Waits are recorded, not slept: the assertions are on what the server saw
and on the waits urllib3 asked for, never on wall time."""

import socket
import threading

import pytest
import requests
from werkzeug import Response

from digigov.errors import FetchError
from digigov.sources.http import get_bytes, retrying_session


def answers(httpserver, path: str, *responses: Response) -> None:
    """Serve `responses` in turn at `path`, the last one for every later request."""
    seen = []

    def handler(request):
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]

    httpserver.expect_request(path).respond_with_handler(handler)


def test_503_then_200_succeeds(httpserver, waits):
    answers(httpserver, "/x", Response("down", status=503), Response("ok"))
    assert get_bytes(httpserver.url_for("/x")) == b"ok"
    assert len(httpserver.log) == 2


def test_retry_after_is_honoured_instead_of_the_backoff(httpserver, waits):
    # The second retry would wait 2 x 5 s by the backoff; the server's Retry-After: 1 wins.
    answers(httpserver, "/x", Response("down", status=503),
            Response("slow down", status=503, headers={"Retry-After": "1"}), Response("ok"))
    assert get_bytes(httpserver.url_for("/x"), retries=3, backoff=5) == b"ok"
    assert len(httpserver.log) == 3
    assert waits == [1]


def test_backoff_doubles_and_every_wait_is_capped(httpserver, waits):
    answers(httpserver, "/x", Response("down", status=503))
    with pytest.raises(FetchError, match=r"after 5 attempt\(s\): HTTP 503"):
        get_bytes(httpserver.url_for("/x"), retries=4, backoff=1, max_wait=3)
    assert len(httpserver.log) == 5
    assert waits == [2, 3, 3]  # urllib3 retries the first failure at once, then 2 s, 4 s, 8 s capped at 3

    httpserver.clear_log()
    waits.clear()
    answers(httpserver, "/later", Response("busy", status=429, headers={"Retry-After": "3600"}), Response("ok"))
    assert get_bytes(httpserver.url_for("/later"), max_wait=3) == b"ok"
    assert waits == [3]


def test_not_found_fails_at_once(httpserver, waits):
    httpserver.expect_request("/missing").respond_with_data("no", status=404)
    with pytest.raises(FetchError) as err:
        get_bytes(httpserver.url_for("/missing"), retries=3)
    assert str(err.value).startswith(f"GET {httpserver.url_for('/missing')} failed after 1 attempt(s): HTTP 404")
    assert len(httpserver.log) == 1 and waits == []


def test_exhausted_retries_name_the_status_and_the_attempts(httpserver, waits):
    answers(httpserver, "/x", Response("down", status=502))
    with pytest.raises(FetchError, match=r"^GET http://\S+/x failed after 3 attempt\(s\): HTTP 502"):
        get_bytes(httpserver.url_for("/x"))  # DIGIGOV_HTTP_RETRIES=2 in the test settings
    assert len(httpserver.log) == 3


def test_connection_refused_is_retried_and_reported_in_plain_words(waits):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError) as err:
        get_bytes(f"http://127.0.0.1:{port}/x")
    message = str(err.value)
    assert message == (f"GET http://127.0.0.1:{port}/x failed after 3 attempt(s): "
                       f"ConnectionError: cannot connect to 127.0.0.1:{port} (Connection refused)")
    assert len(waits) == 1  # the first retry is immediate, the second waits


def test_a_body_cut_short_is_a_fetch_error():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(10)

        def serve_once():
            conn, _ = server.accept()
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\nshort")

        thread = threading.Thread(target=serve_once, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.getsockname()[1]}/x"
        with pytest.raises(FetchError) as err:
            get_bytes(url)
        thread.join(10)
    assert str(err.value) == (f"GET {url} failed after 1 attempt(s): ConnectionError: "
                              "the body was cut short after 5 bytes (95 more expected)")


def test_a_given_session_is_used_as_it_is(httpserver):
    answers(httpserver, "/x", Response("down", status=503), Response("ok"))
    with requests.Session() as plain:  # requests' own adapter: no retries
        with pytest.raises(FetchError, match=r"after 1 attempt\(s\): HTTP 503"):
            get_bytes(httpserver.url_for("/x"), session=plain, retries=5)
    assert len(httpserver.log) == 1

    httpserver.clear()
    answers(httpserver, "/x", Response("down", status=503), Response("ok"))
    with retrying_session(retries=1, backoff=0) as shared:  # one session for many GETs keeps the policy
        assert get_bytes(httpserver.url_for("/x"), session=shared) == b"ok"
        assert get_bytes(httpserver.url_for("/x"), session=shared) == b"ok"
    assert [resp.status_code for _, resp in httpserver.log] == [503, 200, 200]
