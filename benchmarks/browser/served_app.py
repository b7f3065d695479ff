"""The app under attack, served on a loopback port of its own and watched: what it answered
to each request, and whether the access-token cookie came with it."""

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from werkzeug.http import parse_cookie
from werkzeug.serving import WSGIRequestHandler, make_server

from sandbox.transports.cookie import ACCESS_COOKIE

POLL_S = 0.02  # how often a server's loop looks for a shutdown


@dataclass(frozen=True)
class Hit:
    """One request the app answered."""

    method: str
    path: str
    status: int
    cookie: bool  # the access-token cookie came with it
    origin: str  # its Origin header ("" when the browser sent none)


class Recorder:
    """The app as a WSGI callable that notes every request's answer."""

    def __init__(self, app: Flask):
        self.app = app
        self.hits: list[Hit] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        cookie = ACCESS_COOKIE in parse_cookie(environ.get("HTTP_COOKIE", ""))
        origin = environ.get("HTTP_ORIGIN", "")

        def recording(status: str, headers: list, exc_info: Any = None) -> Any:
            with self._lock:
                self.hits.append(Hit(method, path, int(status.split()[0]), cookie, origin))
            return start_response(status, headers, exc_info)

        return self.app(environ, recording)


@dataclass
class BrowserTarget:
    """An app served on a loopback port: its URL, its GET /strategy facts, what it answered."""

    url: str
    facts: dict[str, Any]
    recorder: Recorder

    def hits_since(self, mark: int) -> list[Hit]:
        return self.recorder.hits[mark:]


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *_args: Any) -> None:
        pass  # the Recorder keeps what matters


@contextmanager
def serve(app: Flask) -> Iterator[BrowserTarget]:
    """`app` on a loopback port of its own, until the block ends."""
    recorder = Recorder(app)
    server = make_server("127.0.0.1", 0, recorder, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, args=(POLL_S,), daemon=True)
    thread.start()
    try:
        facts = app.test_client().get("/strategy").get_json()
        yield BrowserTarget(f"http://127.0.0.1:{server.server_port}", facts, recorder)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def cookie_capable(facts: Mapping[str, Any]) -> bool:
    """Whether the strategy's token can travel in a cookie: the server's own fact."""
    return bool(facts.get("cookie_capable"))
