"""Micro-benchmarks of each strategy's authenticate step, with pytest-benchmark.

Not part of the default test run (pytest collects `tests/` only):

    pytest benchmarks/ --benchmark-columns=median,iqr,ops

`public_lookup` is the baseline: the user-table read that /public does too.
Basic pays werkzeug's default password hash (PASSWORD_HASH_METHOD) on every call;
`basic + cache` shows it with BASIC_AUTH_CACHE_TTL. `jwt_required` is the peer of
each configuration whose app verifies with flask-jwt-extended: the same token
through the library's `@jwt_required()` path (benchmarks/load/peer_app.py), against
`authenticate`'s one PyJWT pass.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request
from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks import measurable
from benchmarks.load import peer_app
from sandbox import create_app, extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME, throwaway_settings
from sandbox.users import TokenUser, UserRow
from strategies import registry
from strategies import users as base

# (strategy, its settings) by label: each strategy and variant, as compare and bench label them.
CASES: dict[str, tuple[str, Mapping[str, Any]]] = {
    label: (name, settings) for label, name, settings in measurable.configurations(registry.names())
}


@pytest.fixture(params=CASES.values(), ids=list(CASES))
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Flask:
    name, settings = request.param
    return create_app(throwaway_settings(name, str(tmp_path), None, "bench:", **settings))


def issued_token(app: Flask) -> dict[str, Any]:
    login = app.test_client().post(
        "/token", json={"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
    )
    issued = login.json
    assert issued is not None, login.status_code
    return issued


def test_authenticate(benchmark: BenchmarkFixture, app: Flask) -> None:
    token = issued_token(app)["token"]
    strategy = extensions.strategy(app)

    def authenticate() -> base.User:
        with app.test_request_context("/protected"):
            return strategy.authenticate(token)

    assert benchmark(authenticate).username == DEMO_USERNAME


def test_jwt_required(benchmark: BenchmarkFixture, app: Flask) -> None:
    """The peer's path: flask-jwt-extended verifies, then the user is read by its identity."""
    if not peer_app.exposes_jwt_extended(app) or extensions.strategy(app).stateful:
        pytest.skip("no @jwt_required peer: the app does not verify with flask-jwt-extended alone")
    issued = issued_token(app)
    header = {"Authorization": f"{issued['token_type']} {issued['token']}"}
    users = extensions.users(app)

    def jwt_required() -> TokenUser | None:
        with app.test_request_context(peer_app.PATH, headers=header):
            verify_jwt_in_request()
            return users.get(int(get_jwt_identity()))

    user = benchmark(jwt_required)
    assert user is not None and user.username == DEMO_USERNAME


def test_public_lookup(benchmark: BenchmarkFixture, tmp_path: Path) -> None:
    app = create_app({"AUTH_STRATEGY": "jwt", "INSTANCE_PATH": str(tmp_path), "REDIS_URL": None})
    users = extensions.users(app)

    def lookup() -> UserRow | None:
        with app.test_request_context("/public"):
            return users.find(DEMO_USERNAME)

    assert benchmark(lookup).username == DEMO_USERNAME
