"""The DPoP attacks against each target whose tokens are bound to a key (conftest's
BOUND_TARGETS), served live over HTTP, and a look at unbound targets, which must not care.

Each attack is preceded by its control: the same request, with a fresh proof of the
token's key, gets 200, so that the refusal that follows is the attack's doing.
"""

import http.client
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from benchmarks.harness.dpop_client import ProofKey
from sandbox import create_app
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from tests.security.conftest import BOUND_TARGETS, TARGETS, Target, configured_as, target_settings
from tests.security.dpop_cases import ATTACKS, JUNK_PROOF, Attack, Request
from tests.security.live import Live, Reply
from tests.servers import LOOPBACK, start_in_a_thread

LOGIN = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
REFRESHING = [target for target in BOUND_TARGETS if configured_as(target).refresh_tokens]
# Where the target keeps a token store, the proofs' jtis are kept in it too: on a real Redis,
# every worker of a deployment sees them.
SHARING_A_STORE = [target for target in BOUND_TARGETS if configured_as(target).stateful]
UNBOUND = [target for target in TARGETS if target.label in ("bearer", "jwt")]


def label(target: Target) -> str:
    return target.label


def answered(reply: Reply) -> Reply:
    """Whatever a request meets, it is never a server error, and a refusal says why, in JSON."""
    assert reply.status < 500, reply.body[:300]
    if reply.status >= 400:
        assert reply.headers["Content-Type"] == "application/json", reply.body[:300]
        assert reply.json()["msg"]
    return reply


def assert_refused_proof(reply: Reply) -> None:
    assert reply.status == 401, reply.body[:300]
    challenge = reply.headers["WWW-Authenticate"]
    assert challenge.startswith('DPoP algs="') and 'error="invalid_dpop_proof"' in challenge
    assert reply.json()["error"] == "invalid_dpop_proof"


def assert_refused_grant(reply: Reply) -> None:
    """A login or refresh without a valid proof: 400, and nothing issued (RFC 9449 §5)."""
    assert reply.status == 400, reply.body[:300]
    assert reply.json() == {"msg": reply.json()["msg"], "error": "invalid_dpop_proof"}


@dataclass
class DPoPClient:
    """A client of a live target that holds a key, and signs a fresh proof for each request
    unless told which `DPoP` headers to send."""

    live: Live
    key: ProofKey = field(default_factory=ProofKey)
    # The authority its requests name (Host, and every proof's htu): the live server's own,
    # unless the client reaches it behind another's address, as a worker behind a proxy.
    host: str = ""

    def __post_init__(self) -> None:
        self.host = self.host or f"{LOOPBACK}:{self.live.port}"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    def request(self, method: str, path: str, token: str) -> Request:
        return Request(method, self.url(path), token)

    def proof(self, method: str, path: str, token: str | None = None) -> str:
        return self.key.proof(method, self.url(path), token)

    def send(
        self, method: str, path: str, headers: list[tuple[str, str]], body: dict | None = None
    ) -> Reply:
        """One request with exactly these headers, duplicates included, and this Host."""
        connection = http.client.HTTPConnection(LOOPBACK, self.live.port, timeout=10)
        try:
            connection.putrequest(method, path, skip_host=True)
            connection.putheader("Host", self.host)
            for name, value in headers:
                connection.putheader(name, value)
            data = None if body is None else json.dumps(body).encode()
            if data is not None:
                connection.putheader("Content-Type", "application/json")
                connection.putheader("Content-Length", str(len(data)))
            connection.endheaders(data)
            response = connection.getresponse()
            return answered(Reply(response.status, dict(response.getheaders()), response.read()))
        finally:
            connection.close()

    def login(self, proofs: list[str] | None = None) -> Reply:
        proofs = [self.proof("POST", "/token")] if proofs is None else proofs
        return self.send("POST", "/token", [("DPoP", proof) for proof in proofs], LOGIN)

    def issued(self) -> dict:
        reply = self.login()
        assert reply.status == 200, reply.body[:300]
        return reply.json()

    def protected(self, token: str, proofs: list[str] | None = None, scheme: str = "DPoP") -> Reply:
        proofs = [self.proof("GET", "/protected", token)] if proofs is None else proofs
        headers = [("Authorization", f"{scheme} {token}"), *(("DPoP", p) for p in proofs)]
        return self.send("GET", "/protected", headers)

    def refresh(self, refresh_token: str, proofs: list[str] | None = None) -> Reply:
        proofs = [self.proof("POST", "/token/refresh")] if proofs is None else proofs
        headers = [("DPoP", proof) for proof in proofs]
        return self.send("POST", "/token/refresh", headers, {"refresh_token": refresh_token})


def serve_bound(
    target: Target, folder: Path, redis_url: str | None = None, prefix: str = "catalogue:"
) -> tuple[Live, Callable[[], None]]:
    """The target served live as conftest's Starter serves one, without its login: a bound
    target refuses a login that sends no proof."""
    app = create_app(target_settings(target, str(folder), redis_url, prefix))
    port, stop = start_in_a_thread(app)
    live = Live(app, port, label=target.label)
    live.facts = live.send("GET", "/strategy").json()
    assert live.facts["token_binding"] == "dpop" and live.facts["scheme"] == "DPoP"
    return live, stop


@pytest.fixture(scope="module", params=BOUND_TARGETS, ids=label)
def bound(request, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """Each bound target on the embedded store, served once for all of its cases."""
    target: Target = request.param
    live, stop = serve_bound(target, tmp_path_factory.mktemp(target.label.replace(" ", "")))
    yield live
    stop()


@pytest.fixture
def client(bound: Live) -> DPoPClient:
    """A client with a key of its own: each test logs in afresh, its attacks spend nothing
    that the next test needs."""
    return DPoPClient(bound)


@pytest.mark.parametrize("attack", [pytest.param(a, id=name) for name, a in ATTACKS.items()])
def test_a_request_whose_proof_breaks_a_rule_is_refused(client: DPoPClient, attack: Attack):
    token = client.issued()["token"]
    request = client.request("GET", "/protected", token)
    assert client.protected(token, [request.proof(client.key)]).status == 200
    assert_refused_proof(client.protected(token, attack(client.key, request)))


def test_a_proof_is_good_for_one_request(client: DPoPClient):
    token = client.issued()["token"]
    proof = client.proof("GET", "/protected", token)
    assert client.protected(token, [proof]).status == 200
    assert_refused_proof(client.protected(token, [proof]))


@pytest.mark.redis
@pytest.mark.parametrize("target", SHARING_A_STORE, ids=label)
def test_a_proof_accepted_by_one_worker_is_refused_by_another(
    target: Target, tmp_path: Path, redis_url: str, redis_prefix: str
):
    # Two workers of one deployment: one instance folder (one development key), one Redis,
    # one prefix, and one address in front, which the second is reached under.
    first, stop_first = serve_bound(target, tmp_path, redis_url, redis_prefix)
    second, stop_second = serve_bound(target, tmp_path, redis_url, redis_prefix)
    try:
        one = DPoPClient(first)
        other = DPoPClient(second, one.key, host=one.host)
        token = one.issued()["token"]
        assert other.protected(token).status == 200
        proof = one.proof("GET", "/protected", token)
        assert one.protected(token, [proof]).status == 200
        assert_refused_proof(other.protected(token, [proof]))
    finally:
        stop_first()
        stop_second()


def test_a_bound_token_sent_as_a_bearer_token_is_refused_even_beside_a_valid_proof(
    client: DPoPClient,
):
    token = client.issued()["token"]
    assert client.protected(token).status == 200
    downgraded = client.protected(token, scheme="Bearer")
    assert downgraded.status == 401
    assert downgraded.headers["WWW-Authenticate"].startswith("DPoP ")


@pytest.mark.parametrize("bound", REFRESHING, indirect=True, ids=label)
def test_a_refresh_with_another_keys_proof_is_a_reuse_that_revokes_the_login(
    client: DPoPClient,
):
    refreshed = client.refresh(client.issued()["refresh_token"])
    assert refreshed.status == 200
    current = refreshed.json()  # the login's unspent refresh token: only the key is wrong
    thief = DPoPClient(client.live)
    assert thief.refresh(current["refresh_token"]).status == 401
    assert client.refresh(current["refresh_token"]).status == 401
    if client.live.facts["revocable"]:
        assert client.protected(current["token"]).status == 401


@pytest.mark.parametrize("bound", REFRESHING, indirect=True, ids=label)
def test_a_refresh_without_a_proof_is_a_400_that_spends_nothing(client: DPoPClient):
    refreshed = client.refresh(client.issued()["refresh_token"])
    assert refreshed.status == 200
    refresh_token = refreshed.json()["refresh_token"]
    assert_refused_grant(client.refresh(refresh_token, proofs=[]))
    # Had the refusal spent it, or revoked the login, this would be a 401.
    assert client.refresh(refresh_token).status == 200


def test_a_login_without_a_proof_is_a_400_that_issues_nothing(client: DPoPClient):
    assert client.login().status == 200
    assert_refused_grant(client.login(proofs=[]))


@pytest.mark.parametrize("live_target", UNBOUND, indirect=True, ids=label)
def test_an_unbound_target_ignores_a_dpop_header(live_target: Live):
    client = DPoPClient(live_target)
    login = client.login(proofs=[JUNK_PROOF])
    assert login.status == 200 and login.json()["token_type"] == "Bearer"
    token = login.json()["token"]
    assert client.protected(token, [JUNK_PROOF], scheme="Bearer").status == 200
