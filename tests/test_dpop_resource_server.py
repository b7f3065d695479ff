"""The resource server and tokens bound to a key (RFC 9449): it verifies them as the sandbox
does, the proof's rules and a replay cache of its own included."""

import pytest

from benchmarks.harness.dpop_client import ProofKey
from sandbox.resource_server import create_resource_server
from tests.servers import start_in_a_thread
from tests.test_dpop import URL, assert_refused_proof, bound_app, log_in, protected


@pytest.fixture
def key() -> ProofKey:
    return ProofKey()


@pytest.fixture
def resource_server(tmp_path):
    """A sandbox signing ES256 tokens bound to a key, served on a loopback port, and a
    resource server (in-process) that verifies them with its JWK Set: (sandbox, there)."""
    sandbox = bound_app(tmp_path, "jwt", JWT_ALGORITHM="ES256")
    port, close = start_in_a_thread(sandbox)
    there = create_resource_server(f"http://127.0.0.1:{port}/.well-known/jwks.json")
    yield sandbox.test_client(), there.test_client()
    close()


def test_the_resource_server_takes_a_bound_token_only_with_a_fresh_proof_of_its_key(
    resource_server, key
):
    sandbox, there = resource_server
    token = log_in(sandbox, key)["token"]
    url = URL + "/protected"
    proof = key.proof("GET", url, token)
    assert protected(there, token, proof).status_code == 200
    assert_refused_proof(protected(there, token, proof))  # its own replay cache
    assert_refused_proof(protected(there, token, ProofKey().proof("GET", url, token)))
    assert_refused_proof(protected(there, token, None))
    assert_refused_proof(
        protected(there, token, key.proof("GET", url, token, claims={"htm": "POST"}))
    )
    downgrade = protected(there, token, key.proof("GET", url, token), "Bearer")
    assert downgrade.status_code == 401
    assert downgrade.headers["WWW-Authenticate"].startswith("DPoP ")
