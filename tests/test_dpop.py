"""Tokens bound to a key (TOKEN_BINDING=dpop, RFC 9449): the settings, the login, every proof
rule on a request, logout and refresh, `/strategy`, and the replay cache across workers."""

import base64
import concurrent.futures
import json
import time
from pathlib import Path

import jwt as pyjwt
import pytest
from flask import Flask

from benchmarks.harness.dpop_client import ProofKey
from sandbox import create_app
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME, ConfigError
from strategies import registry
from tests.conftest import CHEAP_HASH, DEFAULTS

URL = "http://localhost"
LOGIN = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
REFRESH = {"JWT_DENYLIST": True, "REFRESH_TOKEN_TTL": 3600}
# Each configuration a binding applies to, as compare labels it.
BOUND = {
    "bearer": ("bearer", {}),
    "jwt": ("jwt", {}),
    "jwt + refresh + denylist": ("jwt", REFRESH),
    "jwt + ES256": ("jwt", {"JWT_ALGORITHM": "ES256"}),
    # The example plug-in implements KeyBinding: bound the same way, where it is installed.
    **({"paseto": ("paseto", {})} if "paseto" in registry.names() else {}),
}


def bound_app(tmp_path: Path, name: str, **settings) -> Flask:
    app = create_app(
        {
            **DEFAULTS,
            "AUTH_STRATEGY": name,
            "TOKEN_BINDING": "dpop",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "PASSWORD_HASH_METHOD": CHEAP_HASH,
            **settings,
        }
    )
    app.testing = True
    return app


@pytest.fixture(params=list(BOUND))
def app(request, tmp_path) -> Flask:
    name, settings = BOUND[request.param]
    return bound_app(tmp_path, name, **settings)


@pytest.fixture
def key() -> ProofKey:
    return ProofKey()


def log_in(client, key: ProofKey) -> dict:
    response = client.post("/token", json=LOGIN, headers=key.headers("POST", URL + "/token"))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def protected(client, token: str, proof: str | list[str] | None, scheme: str = "DPoP"):
    proofs = [] if proof is None else [proof] if isinstance(proof, str) else proof
    headers = [("Authorization", f"{scheme} {token}"), *(("DPoP", p) for p in proofs)]
    return client.get("/protected", headers=headers)


def assert_refused_proof(response) -> None:
    assert response.status_code == 401, response.get_json()
    assert response.get_json()["error"] == "invalid_dpop_proof"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('DPoP algs="') and 'error="invalid_dpop_proof"' in challenge


# -- settings -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"AUTH_STRATEGY": "basic"}, "TOKEN_BINDING=dpop"),
        ({"AUTH_STRATEGY": "bearer", "TOKEN_LOCATION": "cookie"}, "TOKEN_BINDING=dpop"),
        ({"AUTH_STRATEGY": "jwt", "DPOP_PROOF_MAX_AGE": "0"}, "DPOP_PROOF_MAX_AGE"),
        ({"AUTH_STRATEGY": "jwt", "TOKEN_BINDING": "mtls"}, "TOKEN_BINDING"),
    ],
)
def test_a_binding_the_configuration_cannot_carry_stops_the_start_with_one_line(
    tmp_path, settings, named
):
    with pytest.raises(ConfigError) as refused:
        bound_app(tmp_path, **{"name": settings.pop("AUTH_STRATEGY")}, **settings)
    assert named in str(refused.value) and "\n" not in str(refused.value)


def test_strategy_names_the_binding_and_the_scheme(app):
    body = app.test_client().get("/strategy").get_json()
    assert body["token_binding"] == "dpop" and body["scheme"] == "DPoP"


def test_an_unbound_configuration_ignores_a_dpop_header(tmp_path, key):
    app = create_app(
        {**DEFAULTS, "INSTANCE_PATH": str(tmp_path), "PASSWORD_HASH_METHOD": CHEAP_HASH}
    )
    client = app.test_client()
    assert client.get("/strategy").get_json()["token_binding"] == "none"
    headers = {"DPoP": "not even a JWT"}
    issued = client.post("/token", json=LOGIN, headers=headers).get_json()
    assert issued["token_type"] == "Bearer"
    headers["Authorization"] = f"Bearer {issued['token']}"
    assert client.get("/protected", headers=headers).status_code == 200


# -- the login ----------------------------------------------------------------------------


def test_a_login_with_a_proof_gets_a_token_bound_to_its_key(app, key):
    issued = log_in(app.test_client(), key)
    assert issued["token_type"] == "DPoP"
    if issued["token"].startswith("eyJ"):  # a JWT carries the thumbprint, refresh JWT too
        for token in (issued["token"], issued.get("refresh_token")):
            if token:
                claims = pyjwt.decode(token, options={"verify_signature": False})
                assert claims["cnf"] == {"jkt": key.jkt}


def test_an_opaque_tokens_record_keeps_the_thumbprint(tmp_path, key):
    app = bound_app(tmp_path, "bearer")
    token = log_in(app.test_client(), key)["token"]
    store = app.extensions["auth_sandbox"].store
    (stored,) = [store.get(k) for k in store.scan_iter(match="*token:*")]
    assert stored.decode().endswith(" " + key.jkt) and token not in stored.decode()


def bad_proofs(key: ProofKey, method: str, url: str, token: str | None = None) -> dict:
    """Each way a proof for a request of `method` to `url` (beside `token`) breaks a rule."""
    now = int(time.time())
    hs256 = pyjwt.encode(
        {"jti": "j", "htm": method, "htu": url, "iat": now},
        "a shared secret of thirty-two bytes!",
        algorithm="HS256",
        headers={"typ": "dpop+jwt", "jwk": key.jwk},
    )

    def proof(**changes) -> list[str]:
        return [key.proof(method, url, token, **changes)]

    return {
        "none": [],
        "two": proof() + proof(),
        "wrong htm": proof(claims={"htm": "PUT"}),
        "wrong htu": proof(claims={"htu": URL + "/elsewhere"}),
        "stale iat": proof(claims={"iat": now - 3600}),
        "future iat": proof(claims={"iat": now + 3600}),
        "wrong typ": proof(header={"typ": "JWT"}),
        "alg none": [unsigned(proof()[0])],
        "HS256": [hs256],
        "private jwk": proof(header={"jwk": {**key.jwk, "d": "private"}}),
        "jwk of another key": proof(header={"jwk": ProofKey("EdDSA").jwk}),
        "no jti": proof(claims={"jti": None}),
        "not a JWT": ["not-a-jwt"],
    }


def unsigned(proof: str) -> str:
    """`proof` with `alg: none` and no signature."""
    header, payload, _signature = proof.split(".")
    header_json = json.loads(base64.urlsafe_b64decode(header + "=="))
    none = base64.urlsafe_b64encode(json.dumps({**header_json, "alg": "none"}).encode())
    return f"{none.rstrip(b'=').decode()}.{payload}."


def test_a_login_without_a_valid_proof_is_a_400_and_issues_nothing(app, key):
    client = app.test_client()
    for case, proofs in bad_proofs(key, "POST", URL + "/token").items():
        response = client.post("/token", json=LOGIN, headers=[("DPoP", p) for p in proofs])
        assert response.status_code == 400, case
        assert set(response.get_json()) == {"msg", "error"}, case
        assert response.get_json()["error"] == "invalid_dpop_proof", case
    replayed = key.proof("POST", URL + "/token")
    assert client.post("/token", json=LOGIN, headers={"DPoP": replayed}).status_code == 200
    assert client.post("/token", json=LOGIN, headers={"DPoP": replayed}).status_code == 400


# -- a request ----------------------------------------------------------------------------


def test_a_request_with_the_token_and_a_fresh_proof_of_its_key_is_accepted(app, key):
    client = app.test_client()
    token = log_in(client, key)["token"]
    for _ in range(3):  # a fresh proof each time
        response = protected(client, token, key.proof("GET", URL + "/protected", token))
        assert response.status_code == 200
        assert response.get_json()["username"] == DEMO_USERNAME


def test_every_broken_proof_rule_is_a_401_with_a_dpop_challenge(app, key):
    client = app.test_client()
    token = log_in(client, key)["token"]
    url = URL + "/protected"
    cases = bad_proofs(key, "GET", url, token) | {
        "another key than the token's": [ProofKey().proof("GET", url, token)],
        "wrong ath": [key.proof("GET", url, "another token")],
        "no ath": [key.proof("GET", url)],
    }
    for case, proofs in cases.items():
        response = protected(client, token, proofs)
        assert response.status_code == 401, case
        assert_refused_proof(response)
    replayed = key.proof("GET", url, token)
    assert protected(client, token, replayed).status_code == 200
    assert_refused_proof(protected(client, token, replayed))


def test_a_bound_token_sent_as_bearer_is_refused(app, key):
    client = app.test_client()
    token = log_in(client, key)["token"]
    response = protected(client, token, key.proof("GET", URL + "/protected", token), "Bearer")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("DPoP ")


def test_a_request_without_authorization_gets_a_dpop_challenge_without_error(app):
    response = app.test_client().get("/protected")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('DPoP algs="')
    assert "error=" not in response.headers["WWW-Authenticate"]


def test_a_proof_is_accepted_within_the_max_age_and_refused_past_it(tmp_path, key):
    app = bound_app(tmp_path, "jwt", DPOP_PROOF_MAX_AGE=5)
    client = app.test_client()
    token = log_in(client, key)["token"]
    url = URL + "/protected"
    late = key.proof("GET", url, token, claims={"iat": int(time.time()) - 4})
    assert protected(client, token, late).status_code == 200
    too_late = key.proof("GET", url, token, claims={"iat": int(time.time()) - 7})
    assert_refused_proof(protected(client, token, too_late))


# -- logout and refresh -------------------------------------------------------------------


def test_logout_needs_the_token_and_a_proof_before_anything_else(app, key):
    client = app.test_client()
    token = log_in(client, key)["token"]
    url = URL + "/logout"
    without = client.post("/logout", headers={"Authorization": f"DPoP {token}"})
    assert_refused_proof(without)  # 401, even where logout would answer 501
    other = ProofKey().headers("POST", url, token)
    assert_refused_proof(client.post("/logout", headers=other))
    response = client.post("/logout", headers=key.headers("POST", url, token))
    assert response.status_code in (204, 501)


def test_a_refresh_needs_a_proof_of_the_logins_key(tmp_path, key):
    app = bound_app(tmp_path, "jwt", **REFRESH)
    client = app.test_client()
    issued = log_in(client, key)
    url = URL + "/token/refresh"
    body = {"refresh_token": issued["refresh_token"]}
    without = client.post("/token/refresh", json=body)
    assert without.status_code == 400 and without.get_json()["error"] == "invalid_dpop_proof"
    rotated = client.post("/token/refresh", json=body, headers=key.headers("POST", url))
    assert rotated.status_code == 200 and rotated.get_json()["token_type"] == "DPoP"
    claims = pyjwt.decode(rotated.get_json()["token"], options={"verify_signature": False})
    assert claims["cnf"] == {"jkt": key.jkt}


def test_a_refresh_token_with_another_keys_proof_is_a_reuse_that_revokes_the_login(tmp_path, key):
    app = bound_app(tmp_path, "jwt", **REFRESH)
    client = app.test_client()
    issued = log_in(client, key)
    url = URL + "/token/refresh"
    body = {"refresh_token": issued["refresh_token"]}
    thief = client.post("/token/refresh", json=body, headers=ProofKey().headers("POST", url))
    assert thief.status_code == 401
    owner = client.post("/token/refresh", json=body, headers=key.headers("POST", url))
    assert owner.status_code == 401  # the login is revoked
    token = issued["token"]
    assert protected(client, token, key.proof("GET", URL + "/protected", token)).status_code == 401


def test_healthz_is_unchanged(app):
    assert app.test_client().get("/healthz").status_code == 200


# -- the replay cache ---------------------------------------------------------------------


def two_workers(tmp_path: Path, name: str, redis_url: str, prefix: str, **settings):
    """Two apps of one configuration, as two workers would be: one instance folder (one
    development key), one Redis, one prefix."""
    common = {"REDIS_URL": redis_url, "REDIS_KEY_PREFIX": prefix, **settings}
    first = bound_app(tmp_path, name, **common)
    second = bound_app(tmp_path, name, **common)
    return first, second


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        BOUND["bearer"],
        BOUND["jwt + refresh + denylist"],
        # The token lookup answered from each worker's cache: the proof's record is not.
        ("bearer", {"STORE_CACHE": "tracking"}),
    ],
    ids=["bearer", "jwt + refresh + denylist", "bearer + tracking"],
)
def test_a_proof_replayed_at_another_worker_is_refused_and_of_n_at_once_one_is_accepted(
    tmp_path, redis_url, redis_prefix, key, name, settings
):
    first, second = two_workers(tmp_path, name, redis_url, redis_prefix, **settings)
    token = log_in(first.test_client(), key)["token"]
    proof = key.proof("GET", URL + "/protected", token)
    assert protected(first.test_client(), token, proof).status_code == 200
    assert_refused_proof(protected(second.test_client(), token, proof))

    same = key.proof("GET", URL + "/protected", token)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(
                lambda n: protected((first, second)[n % 2].test_client(), token, same).status_code,
                range(16),
            )
        )
    assert sorted(statuses) == [200] + [401] * 15


def test_without_a_token_store_the_replay_cache_is_the_processs(tmp_path, key, redis_url):
    first, second = two_workers(tmp_path, "jwt", redis_url, "unused:")
    token = log_in(first.test_client(), key)["token"]
    proof = key.proof("GET", URL + "/protected", token)
    assert protected(first.test_client(), token, proof).status_code == 200
    assert_refused_proof(protected(first.test_client(), token, proof))
    # The README names this limit: another process has not seen the proof.
    assert protected(second.test_client(), token, proof).status_code == 200


def test_the_replay_cache_keeps_a_digest_of_the_jti_for_twice_the_max_age(
    tmp_path, redis_url, redis_prefix, key
):
    app = bound_app(tmp_path, "bearer", REDIS_URL=redis_url, REDIS_KEY_PREFIX=redis_prefix)
    proof = key.proof("POST", URL + "/token", claims={"jti": "a-jti-of-ours"})
    assert app.test_client().post("/token", json=LOGIN, headers={"DPoP": proof}).status_code == 200
    store = app.extensions["auth_sandbox"].store
    (seen,) = store.keys(redis_prefix + "dpop-jti:*")
    assert 110 <= store.ttl(seen) <= 120  # DPOP_PROOF_MAX_AGE is 60
    assert b"a-jti-of-ours" not in seen
