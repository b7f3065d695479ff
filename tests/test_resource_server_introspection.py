"""The resource server in introspection mode: it asks the sandbox (POST /introspect) about each
request's token, or reuses an answer for --cache-ttl seconds, never past the token's exp; 503
while the sandbox cannot answer; its counts of hits and round trips."""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from benchmarks.harness.dpop_client import ProofKey
from benchmarks.harness.processes import free_port
from sandbox.cli import main
from sandbox.introspection_client import Introspector
from sandbox.resource_server import create_resource_server
from tests.servers import in_a_thread
from tests.test_introspection import SECRET, app_of

CLIENT_ID = "resource-server"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    """A bearer sandbox (revocable, opaque tokens) served on a loopback port: (app, URL)."""
    app = app_of(tmp_path, "bearer")
    with in_a_thread(app) as base:
        yield app, base


def elsewhere(base: str, cache_ttl: float = 0.0):
    introspector = Introspector(f"{base}/introspect", CLIENT_ID, SECRET, cache_ttl)
    return create_resource_server(None, introspection=introspector).test_client(), introspector


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def log_in(app: Flask) -> dict:
    answer = app.test_client().post(
        "/token", json={"username": "alesanchezr", "password": "12341234"}
    )
    return answer.get_json()


def test_every_request_asks_and_a_logout_is_refused_at_once(sandbox):
    app, base = sandbox
    issued = log_in(app)
    there, introspector = elsewhere(base)
    for _ in range(2):
        answer = there.get("/protected", headers=bearer(issued["token"]))
        assert answer.status_code == 200 and answer.get_json() == {"sub": str(issued["user_id"])}
    assert app.test_client().post("/logout", headers=bearer(issued["token"])).status_code == 204
    refused = there.get("/protected", headers=bearer(issued["token"]))
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert (introspector.round_trips, introspector.hits) == (3, 0)
    health = there.get("/healthz").get_json()
    assert health["round_trips"] == 3 and health["hits"] == 0 and health["cache_ttl_s"] == 0


@pytest.mark.waits
def test_a_cached_answer_is_reused_until_its_ttl_and_that_is_the_revocation_window(sandbox):
    app, base = sandbox
    token = log_in(app)["token"]
    there, introspector = elsewhere(base, cache_ttl=0.6)
    assert there.get("/protected", headers=bearer(token)).status_code == 200
    assert app.test_client().post("/logout", headers=bearer(token)).status_code == 204
    # Within the TTL the answer of before the logout stands: the window the cache buys.
    assert there.get("/protected", headers=bearer(token)).status_code == 200
    assert (introspector.round_trips, introspector.hits) == (1, 1)
    time.sleep(0.7)  # a hit did not extend it
    assert there.get("/protected", headers=bearer(token)).status_code == 401
    assert introspector.round_trips == 2


@pytest.mark.waits
def test_a_cached_answer_is_never_reused_past_the_tokens_exp(tmp_path):
    app = app_of(tmp_path, "jwt", TOKEN_TTL=1)
    with in_a_thread(app) as base:
        token = log_in(app)["token"]
        there, introspector = elsewhere(base, cache_ttl=60)
        assert there.get("/protected", headers=bearer(token)).status_code == 200
        time.sleep(2.1)
        assert there.get("/protected", headers=bearer(token)).status_code == 401
        assert introspector.round_trips == 2


def test_a_sandbox_that_cannot_answer_is_a_503_with_retry_after(tmp_path):
    down = app_of(tmp_path, "bearer", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    with in_a_thread(down) as base:
        there, _ = elsewhere(base)
        answers = [there.get("/protected", headers=bearer("a-token"))]
    there, _ = elsewhere(f"http://127.0.0.1:{free_port()}")  # nothing listens
    answers.append(there.get("/protected", headers=bearer("a-token")))
    for answer in answers:
        assert answer.status_code == 503 and int(answer.headers["Retry-After"]) > 0
        assert answer.get_json()["msg"]


def test_wrong_client_credentials_are_a_503_that_says_so(sandbox):
    _app, base = sandbox
    introspector = Introspector(f"{base}/introspect", CLIENT_ID, SECRET + "x")
    there = create_resource_server(None, introspection=introspector).test_client()
    answer = there.get("/protected", headers=bearer("a-token"))
    assert answer.status_code == 503 and "401" in answer.get_json()["msg"]


def test_a_bound_token_needs_the_proof_of_the_key_the_sandbox_names(tmp_path):
    app = app_of(tmp_path, "bearer", TOKEN_BINDING="dpop")
    key = ProofKey()
    with in_a_thread(app) as base:
        token = (
            app.test_client()
            .post(
                "/token",
                json={"username": "alesanchezr", "password": "12341234"},
                headers=key.headers("POST", "http://localhost/token"),
            )
            .get_json()["token"]
        )
        there, _ = elsewhere(base)
        url = "http://localhost/protected"
        assert there.get("/protected", headers=key.headers("GET", url, token)).status_code == 200
        assert there.get("/protected", headers=bearer(token)).status_code == 401
        other = ProofKey().headers("GET", url, token)
        assert there.get("/protected", headers=other).status_code == 401


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        ([], "give one of --jwks URL and --introspect URL"),
        (["--jwks", "http://a/jwks.json", "--introspect", "http://a/i"], "give one of"),
        (["--introspect", "http://127.0.0.1:9/introspect"], "client_id:client_secret"),
        (["--introspect", "ftp://a/i", "--client", "a:b"], "http:// or https://"),
    ],
)
def test_the_command_takes_one_way_to_verify_and_says_what_is_missing(arguments, complaint):
    result = CliRunner().invoke(main, ["resource-server", *arguments])
    assert result.exit_code == 2 and complaint in result.output
    assert "Traceback" not in result.output
