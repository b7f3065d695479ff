"""Micro-benchmarks of each strategy's authenticate step, with pytest-benchmark.

The default test run calls each once, untimed (`--benchmark-disable` in pyproject.toml), so
that they keep working; to time them:

    pytest benchmarks/ --benchmark-enable --benchmark-columns=median,iqr,ops

`public_lookup` is the baseline: the user-table read that /public does too.
Basic pays werkzeug's default password hash (PASSWORD_HASH_METHOD) on every call;
`basic + cache` shows it with BASIC_AUTH_CACHE_TTL. `jwt_required` is the peer of
each configuration whose app verifies with flask-jwt-extended: the same token
through the library's `@jwt_required()` path (benchmarks/load/peer_app.py), against
`authenticate`'s one PyJWT pass. A token bound to a key (DPoP) is authenticated with the
key's thumbprint, as the transport hands it over once the proof has passed; what the proof
itself costs is benchmarks/load/dpop_costs.py's subject.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request
from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks import measurable
from benchmarks.harness.dpop_client import TEST_ORIGIN, ProofKey
from benchmarks.load import peer_app
from sandbox import create_app, extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME, throwaway_settings
from sandbox.transports.dpop import DPoPTransport
from sandbox.users import TokenUser
from strategies import registry
from strategies import users as base
from strategies.capabilities import KeyBinding

pytestmark = pytest.mark.measures  # out of the fast tier: an app made for each configuration

# (strategy, its settings) by label: each strategy and variant, as compare and bench label them.
CASES: dict[str, tuple[str, Mapping[str, Any]]] = {
    label: (name, settings) for label, name, settings in measurable.configurations(registry.names())
}


@pytest.fixture(params=CASES.values(), ids=list(CASES))
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Flask:
    name, settings = request.param
    return create_app(throwaway_settings(name, str(tmp_path), None, "bench:", **settings))


def issued_token(app: Flask, key: ProofKey | None = None) -> dict[str, Any]:
    """A login's answer; proved by `key` where the app binds its tokens to one."""
    proof = {} if key is None else key.headers("POST", TEST_ORIGIN + "/token")
    login = app.test_client().post(
        "/token", json={"username": DEMO_USERNAME, "password": DEMO_PASSWORD}, headers=proof
    )
    issued = login.json
    assert issued is not None, login.status_code
    return issued


def test_authenticate(benchmark: BenchmarkFixture, app: Flask) -> None:
    strategy = extensions.strategy(app)
    key = ProofKey() if isinstance(extensions.transport(app), DPoPTransport) else None
    token = issued_token(app, key)["token"]
    jkt = None if key is None else key.jkt

    def authenticate() -> base.User:
        with app.test_request_context("/protected"):
            if jkt is None:
                return strategy.authenticate(token)
            assert isinstance(strategy, KeyBinding)
            return strategy.authenticate_bound(token, jkt)

    assert benchmark(authenticate).username == DEMO_USERNAME


def test_jwt_required(benchmark: BenchmarkFixture, app: Flask) -> None:
    """The peer's path: flask-jwt-extended verifies, then the user is read by its identity."""
    if (
        not peer_app.exposes_jwt_extended(app)
        or extensions.strategy(app).stateful
        or isinstance(extensions.transport(app), DPoPTransport)  # a proof checked besides
    ):
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

    def lookup() -> TokenUser | None:
        with app.test_request_context("/public"):
            return users.named(DEMO_USERNAME)

    assert benchmark(lookup).username == DEMO_USERNAME
