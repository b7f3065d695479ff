"""Serving for the tests, written once: a WSGI app on a loopback port in a thread of this
process, a server command in a process of its own, waiting for either to answer, and a port
that accepts connections and never answers.

Free ports, waiting for a 200 and stopping a process are the harness's own
(benchmarks/harness/processes.py), used here as they are.
"""

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from werkzeug.serving import make_server

from benchmarks.harness.processes import stop, wait_for_http

BIN = Path(sys.executable).parent  # the virtualenv's commands: auth-sandbox, flask, gunicorn
LOOPBACK = "127.0.0.1"
POLL_S = 0.02  # how often a threaded server looks for a shutdown (werkzeug's default: 0.5 s)


def start_in_a_thread(app: Callable[..., Any]) -> tuple[int, Callable[[], None]]:
    """`app` (any WSGI app) served by werkzeug on a free loopback port, in a thread of this
    process: its port, and what stops it."""
    server = make_server(LOOPBACK, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(POLL_S,), daemon=True)
    thread.start()

    def stop_serving() -> None:
        server.shutdown()
        thread.join(10)
        server.server_close()

    return server.server_port, stop_serving


@contextmanager
def in_a_thread(app: Callable[..., Any]) -> Iterator[str]:
    """`app` served in a thread (start_in_a_thread) while the block runs: its base URL."""
    port, stop_serving = start_in_a_thread(app)
    try:
        yield f"http://{LOOPBACK}:{port}"
    finally:
        stop_serving()


def wait_for_answer(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    """Wait until `url` answers at all, whatever its status (a 503 too).

    RuntimeError if `process` exits first, TimeoutError after `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before it answered")
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@dataclass
class Served:
    url: str  # http://127.0.0.1:<port>
    process: subprocess.Popen


@contextmanager
def in_a_process(
    argv: Sequence[object],
    port: int,
    env: Mapping[str, str],
    *,
    cwd: Path | None = None,
    ready: str = "/healthz",
    any_answer: bool = False,
    stderr: Path | None = None,
) -> Iterator[Served]:
    """A server command (`argv`, listening on loopback `port`) in a process of its own,
    from the moment `ready` answers 200 (any status with `any_answer`) until the block ends,
    then stopped. Its stderr goes to the file `stderr`, else nowhere."""
    with ExitStack() as files:
        errors = files.enter_context(stderr.open("w")) if stderr else subprocess.DEVNULL
        process = subprocess.Popen(
            [str(part) for part in argv],
            env=dict(env),
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    try:
        url = f"http://{LOOPBACK}:{port}"
        (wait_for_answer if any_answer else wait_for_http)(url + ready, process)
        yield Served(url, process)
    finally:
        stop(process)


class Listener:
    """A loopback port that accepts connections and never answers, and counts them (`hits`).

    `hold`: keep each connection open, as a hung server does; else close it at once.
    """

    def __init__(self, hold: bool = False):
        self.hold = hold
        self.listener = socket.create_server((LOOPBACK, 0))
        self.listener.settimeout(0.1)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.hits = 0
        self._held: list[socket.socket] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._done.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.hits += 1
            if self.hold:
                self._held.append(connection)
            else:
                connection.close()

    def close(self) -> None:
        self._done.set()
        self._thread.join()
        for connection in self._held:
            connection.close()
        self.listener.close()

    def __enter__(self) -> "Listener":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
