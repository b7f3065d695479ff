"""The app under gunicorn with two workers, on a free loopback port: what a deployment runs."""

import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests

from benchmarks.harness.processes import free_port
from tests.servers import in_a_process

TESTS = Path(__file__).parent


@contextmanager
def two_workers(environment: dict[str, str], cwd: Path) -> Iterator[str]:
    """The base URL; each response names its worker (X-Worker-Pid). No traceback on stderr."""
    port = free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    argv = [*gunicorn, "--pythonpath", str(TESTS), "worker_app:app"]
    errors = cwd / f"gunicorn-{port}.err"
    with in_a_process(argv, port, environment, cwd=cwd, stderr=errors) as server:
        yield server.url
    assert "Traceback" not in errors.read_text()


def from_both_workers(call: Callable[[], requests.Response]) -> list[requests.Response]:
    """`call`'s answers, sent concurrently until both workers have answered.

    A worker that is still starting, or the kernel's choice of who accepts, can leave
    one worker to answer a whole batch.
    """
    answers: list[requests.Response] = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(20):
            answers += pool.map(lambda _: call(), range(16))
            if len({answer.headers["X-Worker-Pid"] for answer in answers}) == 2:
                return answers
    raise AssertionError("one worker answered every request")
