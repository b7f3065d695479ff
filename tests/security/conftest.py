"""Live apps for the adversarial suite, and the catalogue's count of cases per target.

A target is a registered strategy as configured by default, or one of its variants
(`Strategy.variants`): jwt, jwt + denylist, jwt + refresh, ... The catalogue runs on
every target, each case where it means something (`profile`); the suite's other tests
on every strategy.
"""

import os
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask

from benchmarks import measurable
from benchmarks.compare.runner import UNLIMITED
from benchmarks.harness.redis_server import RedisServer, delete_keys
from sandbox import create_app
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME, throwaway_settings
from strategies import registry
from strategies.base import Strategy
from tests.conftest import CHEAP_HASH, IN_CI, configured, need_service
from tests.security.live import JWKS_PATH, Live, Profile, serve, token_kind
from tests.servers import Listener

# The property each catalogue test records: the label of the target it ran on.
TARGET_PROPERTY = "catalogue_target"


@dataclass(frozen=True)
class Target:
    label: str  # "jwt", or "jwt + refresh" for a variant
    strategy: str
    # The label names the target: its settings take no part in its hash (configured_as).
    settings: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)


def targets(name: str) -> list[Target]:
    """The strategy as configured by default, then each of its variants."""
    variants = measurable.variants(registry.load(name))
    return [
        Target(name, name),
        *(Target(f"{name} + {label}", name, settings) for label, settings in variants.items()),
    ]


# Targets whose tokens are bound to a key (TOKEN_BINDING=dpop) take a proof with every
# request: their own cases are in tests/security/test_dpop_catalogue.py.
BOUND_TARGETS = [
    target
    for name in registry.names()
    for target in targets(name)
    if target.settings.get("TOKEN_BINDING") == "dpop"
]
TARGETS = [
    target for name in registry.names() for target in targets(name) if target not in BOUND_TARGETS
]


@cache
def configured_as(target: Target) -> Strategy:
    """The target's strategy, configured: its facts, known before any app exists."""
    return configured(target.strategy, **target.settings)


# The targets that keep state in Redis, and so meet an outage; tests/test_outage.py shows
# that the others keep serving.
STATEFUL_TARGETS = [target for target in TARGETS if configured_as(target).stateful]


@pytest.fixture(scope="session")
def spy() -> Iterator[Listener]:
    """A port that counts the connections made to it: the app must make none."""
    with Listener() as watcher:
        yield watcher


def target_settings(
    target: Target, folder: str, redis_url: str | None = None, prefix: str = "catalogue:"
) -> dict:
    return throwaway_settings(
        target.strategy,
        folder,
        redis_url,  # None: the embedded fakeredis
        prefix,
        PASSWORD_HASH_METHOD=CHEAP_HASH,
        # The catalogue sends bad credentials by the dozen; the limits have tests of their own.
        LOGIN_LIMIT_PER_USER=UNLIMITED,
        LOGIN_LIMIT_PER_CLIENT=UNLIMITED,
        **target.settings,
    )


# The instance folders of the catalogue's apps, removed as the test process ends.
FOLDERS: list[tempfile.TemporaryDirectory] = []


# A target that answers the store's reads from a cache Redis keeps exact (STORE_CACHE=
# tracking) runs on a real Redis, under a prefix of this run's: on the embedded store the
# cache has nothing to do, and its cases would test none of it.
TRACKED_PREFIX = f"catalogue-{uuid.uuid4().hex[:8]}:"


@cache
def tracked_store() -> str | None:
    """The real Redis the tracked targets run on (REDIS_URL, or the machine's); where there
    is none, the embedded store, except in CI, where that is a failure."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError as error:
        if IN_CI:
            pytest.fail(f"the catalogue's tracked targets need a Redis at {url}: {error}")
        return None
    return url


def store_of(target: Target) -> tuple[str | None, str]:
    """The Redis URL (None: the embedded store) and key prefix a target's app runs on."""
    if target.settings.get("STORE_CACHE") == "tracking" and (url := tracked_store()):
        return url, TRACKED_PREFIX
    return None, "catalogue:"


def pytest_sessionfinish() -> None:
    if tracked_store.cache_info().currsize and (url := tracked_store()):
        client = redis.Redis.from_url(url)
        delete_keys(client, TRACKED_PREFIX)
        client.close()


@cache
def target_app(target: Target) -> Flask:
    """The target's app, made once: measured while the catalogue is collected (`profile`),
    then served to its cases (`live_target`)."""
    folder = tempfile.TemporaryDirectory(prefix=f"catalogue-{target.label.replace(' ', '')}-")
    FOLDERS.append(folder)
    return create_app(target_settings(target, folder.name, *store_of(target)))


@cache
def profile(target: Target) -> Profile:
    """What the target shows of itself, asked in this process: which cases it is sent."""
    client = target_app(target).test_client()
    login = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
    token = client.post("/token", json=login).get_json()["token"]
    return Profile(
        client.get("/strategy").get_json(),
        client.get(JWKS_PATH).status_code == 200,
        token_kind(token),
    )


class Starter:
    """Serves targets live, each in a folder of its own."""

    def __init__(self, folders: pytest.TempPathFactory, spy: Listener):
        self.folders, self.spy = folders, spy

    def start(
        self, target: Target, redis_url: str | None = None
    ) -> tuple[Live, Callable[[], None]]:
        folder: Path = self.folders.mktemp(target.label.replace(" ", ""))
        live, stop = serve(create_app(target_settings(target, str(folder), redis_url)), self.spy)
        live.label = target.label
        return live, stop


@pytest.fixture(scope="session")
def starter(tmp_path_factory: pytest.TempPathFactory, spy: Listener) -> Starter:
    return Starter(tmp_path_factory, spy)


@pytest.fixture(scope="module", params=registry.names())
def live(request, starter: Starter) -> Iterator[Live]:
    """Each registered strategy, configured by default."""
    server, stop = starter.start(Target(request.param, request.param))
    yield server
    stop()


class Serving:
    """Serves one target at a time, the one asked for last: the catalogue's cases come
    target by target, so each target's app is served once, for all of its cases."""

    def __init__(self, spy: Listener):
        self.spy = spy
        self.current: tuple[Target, Live, Callable[[], None]] | None = None

    def live(self, target: Target) -> Live:
        if self.current is None or self.current[0] != target:
            self.stop()
            server, stop = serve(target_app(target), self.spy)
            server.label = target.label
            # The cases were picked by what the app showed in this process (`profile`);
            # over HTTP it shows the same.
            assert server.profile == profile(target)
            self.current = (target, server, stop)
        return self.current[1]

    def stop(self) -> None:
        if self.current is not None:
            self.current[2]()
            self.current = None


@pytest.fixture(scope="module")
def serving(spy: Listener) -> Iterator[Serving]:
    targets = Serving(spy)
    yield targets
    targets.stop()


@pytest.fixture
def live_target(request, serving: Serving) -> Live:
    """A target, on the embedded fakeredis: test_catalogue.py picks which, with its cases."""
    return serving.live(request.param)


@pytest.fixture(scope="module", params=STATEFUL_TARGETS, ids=lambda target: target.label)
def live_without_redis(request, starter: Starter) -> Iterator[Live]:
    """Each target on a redis-server of its own, stopped once the demo user has logged in.

    Stopped once for all the outage cases of the target: none of them changes what the
    next one meets, as nothing can be changed while the store is down.
    """
    if not RedisServer.available():
        need_service("redis-server is not on the PATH")
    with RedisServer() as redis_server:
        server, stop = starter.start(request.param, redis_server.url)
        redis_server.stop()
        yield server
        stop()


def pytest_terminal_summary(terminalreporter) -> None:
    counts: Counter = Counter()
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            properties = dict(getattr(report, "user_properties", []))
            if TARGET_PROPERTY in properties:
                counts[(properties[TARGET_PROPERTY], outcome)] += 1
    ran = {label for label, _ in counts}
    if ran:
        terminalreporter.write_line(
            "adversarial catalogue: "
            + ", ".join(
                f"{label} {counts[(label, 'passed')]} passed, {counts[(label, 'failed')]} failed"
                for label in [target.label for target in TARGETS if target.label in ran]
            )
        )
