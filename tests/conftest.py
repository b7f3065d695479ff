"""The comparison suite's spine: every contract test runs against every registered strategy."""

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from benchmarks.compare.runner import run_comparison
from benchmarks.harness.redis_server import RedisServer
from sandbox import create_app
from sandbox.config import (
    APP_SETTINGS,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    THROWAWAY_HASH,
    configure,
)
from strategies import registry
from strategies.base import Strategy

# werkzeug's default scrypt costs ~0.1 s a check; the contract is the same with a cheap hash.
CHEAP_HASH = THROWAWAY_HASH
IN_CI = os.environ.get("CI") == "true"


# What makes a test slow, each a marker of its own (pyproject.toml): a test carries the one
# that applies, and `slow` comes with it, so that `pytest -m "not slow"` is the fast tier.
SLOW_REASONS = ("subprocess", "browser", "cluster", "load", "waits", "measures")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if any(item.get_closest_marker(reason) for reason in SLOW_REASONS):
            item.add_marker(pytest.mark.slow)


def need_service(reason: str) -> None:
    """Skip a test whose real service is absent, except in CI, where that is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service is a failure)")
    pytest.skip(reason)


# Every setting the app or a registered strategy declares, at its default: a test's app
# reads none of them from the environment it runs in (CI sets REDIS_URL, for one).
DEFAULTS = {
    setting.name: setting.default
    for settings in (APP_SETTINGS, *(s.settings for s in registry.load_all()[0].values()))
    for setting in settings
}


def configured(name: str, **settings) -> Strategy:
    """The strategy `name` as an app would configure it with these settings (development)."""
    return configure({**DEFAULTS, "AUTH_STRATEGY": name, **settings}).strategy


def production_values(name: str) -> dict[str, str]:
    """A good value for each setting that the strategy requires in production (e.g. its key)."""
    return {
        setting.name: setting.make()
        for setting in registry.load(name).settings
        if setting.required_in_production and setting.make
    }


def strategies_where(**facts) -> list[str]:
    """The registered strategies whose facts, configured by default, match: `stateful=True`."""
    return [
        name
        for name in registry.names()
        if all(getattr(configured(name), fact) == value for fact, value in facts.items())
    ]


def strategies_declaring(setting: str) -> list[str]:
    """The registered strategies that declare `setting`: e.g. jwt, and any plug-in built on it."""
    return [
        name
        for name in registry.names()
        if setting in {declared.name for declared in registry.load(name).settings}
    ]


@pytest.fixture(params=registry.names())
def strategy_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def make_app(tmp_path: Path, strategy_name: str) -> Callable[..., Flask]:
    """An app for the strategy under test; keyword arguments override its settings."""

    def make(**overrides) -> Flask:
        config = {
            **DEFAULTS,
            "AUTH_STRATEGY": strategy_name,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "PASSWORD_HASH_METHOD": CHEAP_HASH,
            **overrides,
        }
        app = create_app(config)
        app.testing = True
        return app

    return make


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def login(client, username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD) -> dict:
    response = client.post("/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def hs256_key(app: Flask) -> str:
    """The app's HS256 key; a strategy that signs with none gets tokens under a key of ours."""
    return app.config.get("JWT_SECRET_KEY") or "a key that no strategy of this app holds"


def auth_header(issued: dict) -> dict[str, str]:
    return {"Authorization": f"{issued['token_type']} {issued['token']}"}


@pytest.fixture(scope="session")
def comparison() -> dict[str, Any]:
    """One `auth-sandbox compare` run over every strategy, shared by the tests that read it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PASSWORD_HASH_METHOD", CHEAP_HASH)
        return run_comparison(registry.names(), budget_s=0.05)


@pytest.fixture
def redis_url() -> str:
    """The real Redis (REDIS_URL, or the machine's 127.0.0.1:6379)."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.RedisError as error:
        need_service(f"no Redis at {url}: {error}")
    return url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own on the real Redis, emptied afterwards."""
    prefix = f"auth-sandbox-test:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    """A redis-server of the test's own, to stop and start at will."""
    if not RedisServer.available():
        need_service("redis-server is not on the PATH")
    with RedisServer() as server:
        yield server
