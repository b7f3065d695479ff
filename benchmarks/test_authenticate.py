"""Micro-benchmarks of each strategy's authenticate step, with pytest-benchmark.

Not part of the default test run (pytest collects `tests/` only):

    pytest benchmarks/ --benchmark-columns=median,iqr,ops

`public_lookup` is the baseline: the user-table read that /public does too.
Basic pays werkzeug's default password hash (PASSWORD_HASH_METHOD) on every call;
`basic + cache` shows it with BASIC_AUTH_CACHE_TTL.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pytest_benchmark.fixture import BenchmarkFixture

from sandbox import create_app, extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME, throwaway_settings
from sandbox.users import User
from strategies import base, registry

Case = tuple[str, Mapping[str, Any]]  # (strategy, its settings)

CASES: dict[str, Case] = {name: (name, {}) for name in registry.names()} | {
    f"{name} + {variant}": (name, settings)
    for name in registry.names()
    for variant, settings in registry.load(name).variants.items()
}


@pytest.fixture(params=CASES.values(), ids=list(CASES))
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Flask:
    name, settings = request.param
    return create_app(throwaway_settings(name, str(tmp_path), None, "bench:", **settings))


def test_authenticate(benchmark: BenchmarkFixture, app: Flask) -> None:
    client = app.test_client()
    login = client.post("/token", json={"username": DEMO_USERNAME, "password": DEMO_PASSWORD})
    issued = login.json
    assert issued is not None, login.status_code
    header = {"Authorization": f"{issued['token_type']} {issued['token']}"}
    strategy = extensions.strategy(app)

    def authenticate() -> base.User:
        with app.test_request_context("/protected", headers=header):
            return strategy.authenticate()

    assert benchmark(authenticate).username == DEMO_USERNAME


def test_public_lookup(benchmark: BenchmarkFixture, tmp_path: Path) -> None:
    app = create_app({"AUTH_STRATEGY": "jwt", "INSTANCE_PATH": str(tmp_path), "REDIS_URL": None})
    users = extensions.users(app)

    def lookup() -> User | None:
        with app.test_request_context("/public"):
            return users.find(DEMO_USERNAME)

    assert benchmark(lookup).username == DEMO_USERNAME
