"""STORE_CACHE=tracking as deployed: gunicorn with three sync workers, each keeping a cache
of its own, on a private redis-server. A token revoked through one worker (a logout) or a
command (`users passwd`) is refused by every worker from the first request after the
revoking answer returned: no stale accept, while the tracking connections are killed, while
Redis is paused, after Redis restarts. And the caches do answer: far fewer reads reach Redis
than requests are made.

Each request is a connection of its own (gunicorn's sync workers close every one), so the
kernel spreads the calls over the workers; each response names its worker (worker_app)."""

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from benchmarks.harness.processes import free_port
from benchmarks.harness.redis_server import RedisServer
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from sandbox.store_cache import RETRY_S
from tests.conftest import CHEAP_HASH, DEFAULTS
from tests.servers import BIN, LOOPBACK, in_a_process

pytestmark = [pytest.mark.subprocess, pytest.mark.redis]

WORKERS = 3
ROUNDS = 500  # per configuration: each round one login revoked and checked
AFTER = 6  # /protected calls made at once after each revoking answer, each must be 401
KILL_EVERY = 50  # rounds between two CLIENT KILLs of the tracking connections
PAUSE_AT, RESTART_AT = 230, 370  # the rounds during which Redis is paused, restarted
PAUSE_S = 0.5
NEW_PASSWORD = "a new password"  # what the `users passwd` round sets
TESTS = Path(__file__).parent
CONFIGURATIONS = [  # the two whose every request reads the token store
    {"AUTH_STRATEGY": "bearer"},
    {"AUTH_STRATEGY": "jwt", "JWT_DENYLIST": "true"},
    # Its tokens' checks remembered too (JWT_VERIFIED_CACHE): the denylist must still decide.
    {"AUTH_STRATEGY": "jwt", "JWT_DENYLIST": "true", "JWT_VERIFIED_CACHE": "10000"},
]


@dataclass
class Tally:
    rounds: int = 0
    revocations: int = 0  # revoking answers (204) after which the refusals were checked
    unanswered: int = 0  # logouts answered 503 while Redis slept: they revoked nothing
    refusals_checked: int = 0
    stale: list[str] = field(default_factory=list)  # what was accepted after its revocation
    windows_ms: list[float] = field(default_factory=list)
    protected_calls: int = 0

    def summary(self, label: str) -> str:
        windows = self.windows_ms or [float("nan")]
        return (
            f"{label}: {self.rounds} rounds, {self.revocations} revocations "
            f"({self.unanswered} logouts answered 503 during the pause, not counted), "
            f"{self.refusals_checked} calls after them, {len(self.stale)} stale accepts; "
            f"revoking answer to first 401 at another worker: median "
            f"{statistics.median(windows):.2f} ms, max {max(windows):.2f} ms "
            f"over {len(self.windows_ms)} logouts; {self.protected_calls} /protected calls"
        )


@dataclass
class Answer:
    status: int
    worker: str
    at: float  # time.perf_counter() when the response had arrived
    body: bytes


class Deployment:
    def __init__(
        self, port: int, redis_server: RedisServer, tally: Tally, pool: ThreadPoolExecutor
    ):
        self.port, self.redis, self.tally, self.pool = port, redis_server, tally, pool
        self.admin = redis.Redis.from_url(redis_server.url)  # reconnects after a restart

    def call(self, method: str, path: str, headers: dict, body: dict | None = None) -> Answer:
        """One request on a connection of its own. http.client rather than requests: half
        the client's CPU a call (0.6 ms against 1.5), on two cores shared with the server."""
        connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=10)
        try:
            if body is not None:
                headers = {**headers, "Content-Type": "application/json"}
            connection.request(method, path, json.dumps(body) if body else None, headers)
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        return Answer(response.status, response.headers["X-Worker-Pid"], time.perf_counter(), body)

    def login(self, password: str = DEMO_PASSWORD) -> dict[str, str]:
        credentials = {"username": DEMO_USERNAME, "password": password}
        answer = self.call("POST", "/token", {}, credentials)
        assert answer.status == 200, answer.body
        issued = json.loads(answer.body)
        return {"Authorization": f"{issued['token_type']} {issued['token']}"}

    def at_once(self, header: dict, calls: int) -> list[Answer]:
        """`calls` /protected calls sent together: each busy worker leaves the next to another."""
        self.tally.protected_calls += calls
        return list(self.pool.map(lambda _: self.call("GET", "/protected", header), range(calls)))

    def cached_everywhere(self, header: dict, attempts: int = 100) -> None:
        """Accepted by every worker, so that each holds the token's answer."""
        seen: set[str] = set()
        for _ in range(attempts):
            answers = self.at_once(header, WORKERS + 1)
            assert {answer.status for answer in answers} == {200}
            seen |= {answer.worker for answer in answers}
            if len(seen) == WORKERS:
                return
        raise AssertionError(f"only workers {seen} answered")

    def refused_everywhere(self, header: dict, revoker: str | None, revoked_at: float, what: str):
        """The calls made at once after a revoking answer: every one refused. The window
        measured: from the revoking answer to the first refusal that another worker than
        `revoker` (the logout's) sent, the calls all in flight together on two cores, so
        it includes their queueing."""
        self.tally.revocations += 1
        answers = self.at_once(header, AFTER)
        self.tally.refusals_checked += len(answers)
        self.tally.stale += [
            f"{what}: {a.status} from {a.worker}" for a in answers if a.status != 401
        ]
        others = [answer.at for answer in answers if answer.worker != revoker]
        if others and revoker is not None:
            self.tally.windows_ms.append((min(others) - revoked_at) * 1000)

    def tracking_everywhere(self, header: dict) -> None:
        """Every worker tracking, with the token cached: the state a fault must meet. A worker
        sets tracking up again at most once a second after a fault, and only on a request."""
        deadline = time.monotonic() + 5 * RETRY_S
        while sum("t" in client["flags"] for client in self.admin.client_list()) < WORKERS:
            assert time.monotonic() < deadline, "a worker did not set tracking up again"
            time.sleep(0.05)
            self.cached_everywhere(header)

    def reads(self) -> int:
        stats = self.admin.info("commandstats")
        return sum(stats.get(f"cmdstat_{c}", {}).get("calls", 0) for c in ("get", "exists"))


def kill_tracking(deployment: Deployment, which: int) -> None:
    """CLIENT KILL the tracked readers, the invalidation listeners, or both: each loss
    alone must empty the cache (a killed listener leaves its reader silent, redis#11767)."""
    admin, killed = deployment.admin, 0
    if which != 1:
        for client in admin.client_list():
            if "t" in client["flags"]:
                killed += admin.client_kill_filter(_id=client["id"])
    if which != 2:
        killed += admin.client_kill_filter(_type="pubsub")
    assert killed >= WORKERS  # a fault that met no connection would prove nothing


def one_round(deployment: Deployment, number: int) -> None:
    tally = deployment.tally
    header = deployment.login()
    deployment.cached_everywhere(header)
    if number in (PAUSE_AT, RESTART_AT) or number % KILL_EVERY == KILL_EVERY // 2:
        deployment.tracking_everywhere(header)
    if number == RESTART_AT:
        # Nothing persists: the restarted Redis knows no token and no denylist entry, so every
        # cached answer is void; a worker must not go on answering from it.
        deployment.redis.stop()
        deployment.redis.start()
    elif number % KILL_EVERY == KILL_EVERY // 2:
        kill_tracking(deployment, number // KILL_EVERY % 3)
    if number == PAUSE_AT:
        deployment.redis.process.send_signal(signal.SIGSTOP)
        paused_at = time.monotonic()
        try:
            logout = deployment.call("POST", "/logout", header)
        finally:
            time.sleep(max(0.0, PAUSE_S - (time.monotonic() - paused_at)))
            deployment.redis.process.send_signal(signal.SIGCONT)
        if logout.status == 503:  # no answer said "revoked": nothing to hold the workers to
            tally.unanswered += 1
            logout = deployment.call("POST", "/logout", header)
    else:
        logout = deployment.call("POST", "/logout", header)
    # A logout after the restart finds no bearer token (401): it is refused all the same.
    assert logout.status in ((204, 401) if number in (PAUSE_AT, RESTART_AT) else (204,))
    deployment.refused_everywhere(header, logout.worker, logout.at, f"round {number}")
    tally.rounds += 1


def passwd_round(deployment: Deployment, environment: dict, cwd: Path) -> None:
    """`users passwd` revokes every token of the user through the user table."""
    header = deployment.login()
    deployment.cached_everywhere(header)
    command = [BIN / "auth-sandbox", "users", "passwd", DEMO_USERNAME, "--password-stdin"]
    changed = NEW_PASSWORD + "\n"
    subprocess.run(
        command, input=changed, env=environment, cwd=cwd, check=True, capture_output=True, text=True
    )
    deployment.refused_everywhere(header, None, time.perf_counter(), "users passwd")


@contextmanager
def served(settings: dict, redis_server: RedisServer, cwd: Path) -> Iterator[tuple[int, dict]]:
    environment = {name: value for name, value in os.environ.items() if name not in DEFAULTS}
    environment |= {
        **settings,
        "STORE_CACHE": "tracking",
        "REDIS_URL": redis_server.url,
        "INSTANCE_PATH": str(cwd / "instance"),
        "PASSWORD_HASH_METHOD": CHEAP_HASH,
        "LOGIN_LIMIT_PER_USER": "1000000 per second",
        "LOGIN_LIMIT_PER_CLIENT": "1000000 per second",
    }
    port = free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", WORKERS, "--worker-class", "sync"]
    # No control socket: its default path is one for every gunicorn of the user's.
    argv = [*gunicorn, "--bind", f"127.0.0.1:{port}", "--no-control-socket"]
    argv += ["--pythonpath", TESTS, "worker_app:app"]
    with in_a_process(argv, port, environment, cwd=cwd, stderr=cwd / "gunicorn.err"):
        yield port, environment


def quiet(deployment: Deployment, password: str = DEMO_PASSWORD, calls: int = 150) -> str:
    """A new token called `calls` times: one read per worker, its first; the rest answered
    from the caches. How many reads Redis served, and for how many calls."""
    header = deployment.login(password)
    before = deployment.reads()
    assert {answer.status for answer in deployment.at_once(header, calls)} == {200}
    reads = deployment.reads() - before
    assert 1 <= reads <= WORKERS
    return f"{reads} reads for {calls} calls"


class Figures:
    """The figures of each configuration at the end of the run's report, `-s` or not."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def pytest_terminal_summary(self, terminalreporter) -> None:
        terminalreporter.write_sep("-", "STORE_CACHE=tracking under gunicorn")
        for line in self.lines:
            terminalreporter.write_line(line)


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> list[str]:
    plugins = request.config.pluginmanager
    if not plugins.has_plugin("store-cache-figures"):
        plugins.register(Figures(), "store-cache-figures")
    return plugins.get_plugin("store-cache-figures").lines


def named(settings: dict) -> str:
    return settings["AUTH_STRATEGY"] + " + verified cache" * ("JWT_VERIFIED_CACHE" in settings)


@pytest.mark.parametrize("settings", CONFIGURATIONS, ids=named)
def test_a_revoked_token_is_refused_by_every_worker_from_the_next_request(
    settings, private_redis, tmp_path, record_property, figures
):
    tally = Tally()
    served_here = served(settings, private_redis, tmp_path)
    with served_here as (port, environment), ThreadPoolExecutor(AFTER) as pool:
        deployment = Deployment(port, private_redis, tally, pool)
        deployment.cached_everywhere(deployment.login(), attempts=1000)  # every worker started
        started = time.monotonic()
        quiet_before = quiet(deployment)
        for number in range(1, ROUNDS + 1):
            one_round(deployment, number)
        passwd_round(deployment, environment, tmp_path)
        time.sleep(RETRY_S)  # after the last fault, each worker sets tracking up again
        quiet_after = quiet(deployment, NEW_PASSWORD)
        elapsed = time.monotonic() - started

    label = f"{named(settings)}, {WORKERS} gunicorn workers"
    summary = (
        f"{tally.summary(label)}; one token, before the faults: {quiet_before}, after them: "
        f"{quiet_after}; {elapsed:.1f} s"
    )
    record_property("store_cache_workers", summary)
    figures.append(summary)
    assert not tally.stale, f"{len(tally.stale)} stale accepts, the first: {tally.stale[:5]}"
    assert tally.revocations >= ROUNDS
