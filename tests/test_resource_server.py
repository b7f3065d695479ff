"""The resource server: another service that verifies the sandbox's JWTs with the keys the
sandbox publishes, and nothing else. The sandbox and the resource server run as two real
processes (`auth-sandbox serve`, `auth-sandbox resource-server`); what needs a JWK Set of
our own making (an HMAC key in it, a cache that ages) runs in this process beside a small
JWKS server."""

import hashlib
import hmac
import json
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from flask import Flask, Response
from jwt.utils import base64url_encode

from benchmarks.harness.processes import free_port
from sandbox.cli import main
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from sandbox.keys import write_key_pair
from sandbox.resource_server import create_resource_server
from strategies.jwt_keys import KEY_TYPES, public_jwk, public_pem
from tests.conftest import CHEAP_HASH, DEFAULTS
from tests.servers import BIN, in_a_process, start_in_a_thread

REFETCH_INTERVAL = 0.5
CHALLENGE = 'Bearer realm="auth-sandbox", error="invalid_token"'
TIMEOUT = 5  # seconds, every HTTP call


def environment() -> dict[str, str]:
    """This process's environment without any setting of the sandbox's (REDIS_URL, JWT_…)."""
    return {name: value for name, value in os.environ.items() if name not in DEFAULTS}


@dataclass
class Key:
    """A key pair written by `keys new`'s code: its files, private key and kid."""

    path: Path
    public_path: Path
    kid: str

    @property
    def private_key(self) -> Any:
        return serialization.load_pem_private_key(self.path.read_bytes(), password=None)


def new_key(folder: Path, name: str, algorithm: str = "EdDSA") -> Key:
    return Key(*write_key_pair(algorithm, folder / f"{name}.pem"))


@contextmanager
def sandbox(folder: Path, port: int, key: Key, **settings: str) -> Iterator[str]:
    """`auth-sandbox serve` signing with `key` (EdDSA) on `port`: its base URL."""
    env = {
        **environment(),
        "INSTANCE_PATH": str(folder / "instance"),
        "PASSWORD_HASH_METHOD": CHEAP_HASH,
        "JWT_ALGORITHM": "EdDSA",
        "JWT_PRIVATE_KEY_FILE": str(key.path),
        **settings,
    }
    argv = [BIN / "auth-sandbox", "serve", "--port", port]
    with in_a_process(argv, port, env, cwd=folder) as server:
        yield server.url


@dataclass
class ResourceServer:
    url: str
    process: subprocess.Popen
    stderr: Path

    def get(self, token: str | None = None, path: str = "/protected") -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.get(self.url + path, headers=headers, timeout=TIMEOUT)


@contextmanager
def resource_server(folder: Path, jwks_port: int, *options: str) -> Iterator[ResourceServer]:
    """`auth-sandbox resource-server` for the sandbox on `jwks_port`, with none of its settings.

    Served from the moment it answers at all: without the keys, its /healthz answers 503."""
    port = free_port()
    stderr = folder / f"resource-server-{uuid.uuid4().hex[:8]}.err"
    jwks = f"http://127.0.0.1:{jwks_port}/.well-known/jwks.json"
    argv = [
        *(BIN / "auth-sandbox", "resource-server", "--jwks", jwks, "--port", port),
        *("--refetch-interval", REFETCH_INTERVAL, *options),
    ]
    with in_a_process(
        argv, port, environment(), cwd=folder, any_answer=True, stderr=stderr
    ) as server:
        yield ResourceServer(server.url, server.process, stderr)
    assert "Traceback" not in stderr.read_text()


def log_in(base: str) -> dict[str, Any]:
    body = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
    response = requests.post(f"{base}/token", json=body, timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()


def kid_of(token: str) -> str:
    return jwt.get_unverified_header(token)["kid"]


def refused(response: requests.Response, complaint: str = "") -> None:
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == CHALLENGE
    assert complaint in response.json()["msg"]


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    payload = {
        "sub": "1",
        "type": "access",
        "iss": "auth-sandbox",
        "aud": "auth-sandbox-api",
        "iat": now,
        "exp": now + 300,
        **changes,
    }
    return {name: value for name, value in payload.items() if value is not None}


def forge(header: dict[str, Any], payload: dict[str, Any], key: bytes | None) -> str:
    """A JWT made by hand: HMAC-signed with `key` (HS256, HS512), else with no signature."""

    def part(value: dict[str, Any]) -> str:
        return base64url_encode(json.dumps(value).encode()).decode()

    signing_input = f"{part(header)}.{part(payload)}"
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}.get(header["alg"])
    if key is None or digest is None:
        return f"{signing_input}."
    signature = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{base64url_encode(signature).decode()}"


# One sandbox and one resource server for the tests that change neither.


@dataclass
class Pair:
    sandbox: str
    resource_server: ResourceServer
    key: Key


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    folder = tmp_path_factory.mktemp("pair")
    key, port = new_key(folder, "signing"), free_port()
    # Refresh tokens and a denylist: both are the sandbox's business alone.
    settings = {"JWT_DENYLIST": "true", "REFRESH_TOKEN_TTL": "3600", "TOKEN_TTL": "300"}
    with sandbox(folder, port, key, **settings) as base, resource_server(folder, port) as server:
        yield Pair(base, server, key)


@pytest.mark.subprocess
def test_a_token_from_the_sandbox_is_accepted(pair):
    token = log_in(pair.sandbox)["token"]
    answer = pair.resource_server.get(token)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"sub": "1", "kid": pair.key.kid}
    assert kid_of(token) == pair.key.kid


@pytest.mark.subprocess
def test_a_tampered_token_is_refused(pair):
    header, payload, signature = log_in(pair.sandbox)["token"].split(".")
    other = base64url_encode(json.dumps(claims(sub="2")).encode()).decode()
    refused(pair.resource_server.get(f"{header}.{other}.{signature}"), "Signature verification")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    refused(pair.resource_server.get(f"{header}.{payload}.{flipped}"))


@pytest.mark.subprocess
def test_a_refresh_token_is_refused(pair):
    issued = log_in(pair.sandbox)
    refused(pair.resource_server.get(issued["refresh_token"]), "it is not an access token")


@pytest.mark.subprocess
@pytest.mark.parametrize("as_secret", ["PEM", "JWK JSON", "JWK JSON, sorted and compact"])
def test_an_hs256_token_signed_with_the_public_key_is_refused(pair, as_secret):
    published = requests.get(f"{pair.sandbox}/.well-known/jwks.json", timeout=TIMEOUT).json()
    (jwk,) = published["keys"]
    secret = {
        "PEM": public_pem(pair.key.private_key.public_key()),
        "JWK JSON": json.dumps(jwk),
        "JWK JSON, sorted and compact": json.dumps(jwk, sort_keys=True, separators=(",", ":")),
    }[as_secret]
    forged = forge({"alg": "HS256", "typ": "JWT", "kid": jwk["kid"]}, claims(), secret.encode())
    refused(pair.resource_server.get(forged), "alg")


@pytest.mark.subprocess
def test_an_unsigned_token_is_refused(pair):
    forged = forge({"alg": "none", "typ": "JWT", "kid": pair.key.kid}, claims(), None)
    refused(pair.resource_server.get(forged))


@pytest.mark.subprocess
def test_a_token_with_an_unknown_kid_is_refused(pair, tmp_path):
    stranger = new_key(tmp_path, "stranger")
    token = jwt.encode(claims(), stranger.private_key, "EdDSA", headers={"kid": stranger.kid})
    refused(pair.resource_server.get(token), "its kid names no signing key the JWKS publishes")
    # Its own key under the sandbox's kid: the signature does not match.
    token = jwt.encode(claims(), stranger.private_key, "EdDSA", headers={"kid": pair.key.kid})
    refused(pair.resource_server.get(token), "Signature verification failed")
    refused(pair.resource_server.get(jwt.encode(claims(), stranger.private_key, "EdDSA")), "kid")


@pytest.mark.subprocess
@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"iss": "someone-else"}, "Invalid issuer"),
        ({"iss": None}, 'missing the "iss" claim'),
        ({"aud": "another-api"}, "Audience doesn't match"),
        ({"aud": None}, 'missing the "aud" claim'),
        ({"exp": None}, 'missing the "exp" claim'),
        ({"exp": int(time.time()) - 60}, "Token has expired"),
        ({"sub": None}, 'missing the "sub" claim'),
        ({"type": None}, 'missing the "type" claim'),
        ({"type": "refresh"}, "it is not an access token"),
        # Far ahead: the value is made when the tests are collected, minutes before it runs.
        ({"nbf": int(time.time()) + 10 * 365 * 86_400}, "not valid yet"),
    ],
)
def test_the_claims_are_required_and_checked(pair, changes, complaint):
    token = jwt.encode(claims(**changes), pair.key.private_key, "EdDSA", {"kid": pair.key.kid})
    refused(pair.resource_server.get(token), complaint)


@pytest.mark.subprocess
def test_no_token_or_another_scheme_is_refused_as_the_sandbox_refuses_it(pair):
    missing = pair.resource_server.get()
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="auth-sandbox"'  # no error=
    assert missing.json() == {"msg": "Missing Authorization header"}
    basic = requests.get(
        f"{pair.resource_server.url}/protected",
        headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"},
        timeout=TIMEOUT,
    )
    refused(basic, "Expected 'Authorization: Bearer <credentials>'")
    refused(pair.resource_server.get("not-a-jwt"), "Invalid token")


@pytest.mark.subprocess
def test_a_token_logged_out_at_the_sandbox_works_here_until_it_expires(pair):
    # A fact of verifying elsewhere: the denylist is the sandbox's, in its own store.
    token = log_in(pair.sandbox)["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (
        requests.post(f"{pair.sandbox}/logout", headers=headers, timeout=TIMEOUT).status_code == 204
    )
    assert (
        requests.get(f"{pair.sandbox}/protected", headers=headers, timeout=TIMEOUT).status_code
        == 401
    )
    assert pair.resource_server.get(token).status_code == 200


@pytest.mark.subprocess
def test_other_errors_are_json_as_the_sandboxs(pair):
    missing = pair.resource_server.get(path="/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/json"
    assert "msg" in missing.json()
    posted = requests.post(f"{pair.resource_server.url}/protected", timeout=TIMEOUT)
    assert posted.status_code == 405
    assert set(posted.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "msg" in posted.json()


@pytest.mark.subprocess
def test_it_says_which_keys_it_holds(pair):
    health = pair.resource_server.get(path="/healthz").json()
    assert health["kids"] == [pair.key.kid]
    assert health["issuer"] == "auth-sandbox"
    assert health["audience"] == "auth-sandbox-api"


@pytest.mark.subprocess
def test_its_process_holds_no_secret(pair):
    environ = Path(f"/proc/{pair.resource_server.process.pid}/environ")
    if not environ.exists():
        pytest.skip("no /proc here")
    names = {entry.split(b"=", 1)[0] for entry in environ.read_bytes().split(b"\0") if entry}
    assert not {b"JWT_SECRET_KEY", b"JWT_PRIVATE_KEY_FILE", b"SECRET_KEY"} & names


def test_its_app_holds_no_secret():
    app = create_resource_server("http://127.0.0.1:9/jwks.json", fetch_now=False)
    assert app.config["SECRET_KEY"] is None
    assert not {"JWT_SECRET_KEY", "JWT_PRIVATE_KEY", "JWT_PRIVATE_KEY_FILE"} & set(app.config)
    assert not any("PRIVATE KEY" in str(value) for value in app.config.values())
    assert app.config["JWKS_URL"] == "http://127.0.0.1:9/jwks.json"


# Rotations: the sandbox restarts with a new key; the resource server keeps running.


@pytest.mark.subprocess
def test_after_a_rotation_the_new_key_and_the_old_one_are_accepted(tmp_path):
    old, new, port = new_key(tmp_path, "old"), new_key(tmp_path, "new"), free_port()
    with ExitStack() as first:
        base = first.enter_context(sandbox(tmp_path, port, old))
        with resource_server(tmp_path, port) as server:
            before = log_in(base)["token"]
            assert server.get(before).status_code == 200
            first.close()  # the sandbox stops, the resource server keeps running
            with sandbox(tmp_path, port, new, JWT_VERIFY_KEY_FILES=str(old.public_path)) as base:
                after = log_in(base)["token"]
                assert kid_of(after) == new.kid
                # A kid it has not seen: it fetches the JWKS again (the cooldown is long past).
                assert server.get(after).json() == {"sub": "1", "kid": new.kid}
                assert server.get(before).json() == {"sub": "1", "kid": old.kid}
                assert set(server.get(path="/healthz").json()["kids"]) == {old.kid, new.kid}
            assert server.process.poll() is None  # one process throughout, never restarted


@pytest.mark.subprocess
def test_after_a_compromise_the_old_key_works_only_until_the_next_fetch(tmp_path):
    old, new, port = new_key(tmp_path, "old"), new_key(tmp_path, "new"), free_port()
    with ExitStack() as first:
        base = first.enter_context(sandbox(tmp_path, port, old))
        with resource_server(tmp_path, port) as server:
            stolen = log_in(base)["token"]
            assert server.get(stolen).status_code == 200
            first.close()
            with sandbox(tmp_path, port, new) as base:  # the old public key is not kept
                # The window: its cached JWK Set (default lifespan 300 s) still holds the old key.
                assert server.get(stolen).status_code == 200
                # A token with the new kid makes it fetch; the old key is gone from then on.
                assert server.get(log_in(base)["token"]).status_code == 200
                refused(server.get(stolen), "its kid names no signing key the JWKS publishes")
                assert server.get(path="/healthz").json()["kids"] == [new.kid]


@pytest.mark.subprocess
def test_after_a_compromise_the_old_key_ends_with_the_cache_lifespan(tmp_path):
    old, new, port = new_key(tmp_path, "old"), new_key(tmp_path, "new"), free_port()
    lifespan = 1.0
    with ExitStack() as first:
        base = first.enter_context(sandbox(tmp_path, port, old))
        with resource_server(tmp_path, port, "--cache-lifespan", str(lifespan)) as server:
            stolen = log_in(base)["token"]
            assert server.get(stolen).status_code == 200
            first.close()
            with sandbox(tmp_path, port, new):
                # No token with a new kid is sent: only the lifespan ends the old key.
                deadline = time.monotonic() + lifespan + 3
                while server.get(stolen).status_code == 200:
                    assert time.monotonic() < deadline, "the old key outlived the cache lifespan"
                    time.sleep(0.1)
                refused(server.get(stolen), "its kid names no signing key the JWKS publishes")


@pytest.mark.subprocess
def test_an_unreachable_jwks_gives_503_until_the_sandbox_comes_up(tmp_path):
    key, port = new_key(tmp_path, "signing"), free_port()  # nothing listens on `port` yet
    with resource_server(tmp_path, port) as server:
        some_token = jwt.encode(claims(), key.private_key, "EdDSA", headers={"kid": key.kid})
        waiting = server.get(some_token)
        assert waiting.status_code == 503
        assert int(waiting.headers["Retry-After"]) >= 1
        assert set(waiting.json()) == {"msg"}
        assert server.get(path="/healthz").status_code == 503
        # What needs no key is answered as usual.
        assert server.get().status_code == 401
        refused(server.get("not-a-jwt"))
        with sandbox(tmp_path, port, key) as base:
            token = log_in(base)["token"]
            deadline = time.monotonic() + REFETCH_INTERVAL + 5
            while (answer := server.get(token)).status_code == 503:
                assert time.monotonic() < deadline, "it never fetched the keys"
                time.sleep(0.1)
            assert answer.json() == {"sub": "1", "kid": key.kid}
    said = [line for line in server.stderr.read_text().splitlines() if "cannot be fetched" in line]
    assert len(said) == 1, said


# A JWK Set of our own making, served beside an in-process resource server.


class JWKSServer:
    """A JWKS endpoint on a loopback port that serves `body` with `status`, and counts."""

    def __init__(self) -> None:
        self.body: Any = {"keys": []}
        self.status = 200
        self.hits = 0
        app = Flask("jwks")

        @app.get("/jwks.json")
        def jwks() -> Response:
            self.hits += 1
            data = self.body if isinstance(self.body, bytes) else json.dumps(self.body)
            return Response(data, self.status, content_type="application/json")

        port, self.close = start_in_a_thread(app)
        self.url = f"http://127.0.0.1:{port}/jwks.json"


@pytest.fixture
def jwks() -> Iterator[JWKSServer]:
    server = JWKSServer()
    yield server
    server.close()


def ed25519(tmp_path: Path, name: str) -> tuple[Key, dict[str, str]]:
    key = new_key(tmp_path, name)
    return key, public_jwk(key.private_key.public_key(), "EdDSA")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def in_process(jwks: JWKSServer, **options: Any) -> Callable[[str], Any]:
    app = create_resource_server(jwks.url, **{"refetch_interval": REFETCH_INTERVAL, **options})
    client = app.test_client()
    return lambda token: client.get("/protected", headers=bearer(token))


@pytest.mark.parametrize(
    "hmac_jwk",
    [
        {"kty": "oct", "alg": "HS256", "use": "sig"},
        {"kty": "oct", "use": "sig"},  # no alg: PyJWT would read it as HS256
        {"kty": "oct", "alg": "HS512"},
    ],
)
def test_an_hmac_key_in_the_jwks_is_never_used(jwks, tmp_path, hmac_jwk):
    secret = b"a secret that the JWKS should never have published"
    _key, real = ed25519(tmp_path, "real")
    jwks.body = {
        "keys": [real, {**hmac_jwk, "kid": "hmac", "k": base64url_encode(secret).decode()}]
    }
    alg = hmac_jwk.get("alg", "HS256")
    forged = forge({"alg": alg, "typ": "JWT", "kid": "hmac"}, claims(), secret)
    answer = in_process(jwks)(forged)
    assert answer.status_code == 401
    assert "this server verifies RS256, ES256, EdDSA only" in answer.get_json()["msg"]


def test_a_key_is_used_with_the_algorithm_its_jwk_gives(jwks, tmp_path):
    key, jwk = ed25519(tmp_path, "k")
    _other, other_jwk = ed25519(tmp_path, "other")
    # A JWK that names another algorithm than its key's is of no use, whatever the token says.
    jwks.body = {"keys": [{**jwk, "alg": "ES256"}, other_jwk]}
    token = jwt.encode(claims(), key.private_key, "EdDSA", headers={"kid": key.kid})
    answer = in_process(jwks)(token)
    assert answer.status_code == 401


@pytest.mark.waits
def test_a_cached_key_set_is_used_for_its_lifespan_and_no_longer(jwks, tmp_path):
    old, old_jwk = ed25519(tmp_path, "old")
    _new, new_jwk = ed25519(tmp_path, "new")
    jwks.body = {"keys": [old_jwk]}
    get = in_process(jwks, cache_lifespan=0.5)
    token = jwt.encode(claims(), old.private_key, "EdDSA", headers={"kid": old.kid})
    assert get(token).status_code == 200
    jwks.body = {"keys": [new_jwk]}  # the old key is no longer published
    assert get(token).status_code == 200  # the cached set, younger than its lifespan
    assert jwks.hits == 1
    time.sleep(0.6)
    assert get(token).status_code == 401  # fetched again: gone
    assert jwks.hits == 2


@pytest.mark.waits
def test_an_expired_key_set_is_not_used_while_the_jwks_is_down(jwks, tmp_path):
    key, jwk = ed25519(tmp_path, "k")
    jwks.body = {"keys": [jwk]}
    get = in_process(jwks, cache_lifespan=0.5)
    token = jwt.encode(claims(), key.private_key, "EdDSA", headers={"kid": key.kid})
    assert get(token).status_code == 200
    jwks.status = 500
    time.sleep(0.6)
    answer = get(token)
    assert answer.status_code == 503  # not the stale keys: the window stays the lifespan
    assert answer.headers["Retry-After"] == "1"
    jwks.status = 200
    time.sleep(REFETCH_INTERVAL)
    assert get(token).status_code == 200


@pytest.mark.waits
def test_unknown_kids_and_an_unreachable_jwks_never_hammer_it(jwks, tmp_path):
    key, jwk = ed25519(tmp_path, "k")
    jwks.body = {"keys": [jwk]}
    get = in_process(jwks, refetch_interval=1.0)
    assert jwks.hits == 1  # fetched at start
    for n in range(20):  # unknown kids, within the cooldown of that fetch
        stranger = jwt.encode(claims(), key.private_key, "EdDSA", headers={"kid": f"kid-{n}"})
        assert get(stranger).status_code == 401
    assert jwks.hits == 1
    time.sleep(1.0)
    for n in range(20):  # after it: one fetch for all of them
        stranger = jwt.encode(claims(), key.private_key, "EdDSA", headers={"kid": f"kid-{n}"})
        assert get(stranger).status_code == 401
    assert jwks.hits == 2


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", {"keys": []}, {"msg": "Not Found"}])
def test_an_answer_that_is_not_a_jwk_set_counts_as_unreachable(jwks, tmp_path, body):
    key, _jwk = ed25519(tmp_path, "k")
    jwks.body = body
    get = in_process(jwks, refetch_interval=60)
    token = jwt.encode(claims(), key.private_key, "EdDSA", headers={"kid": key.kid})
    for _ in range(5):
        answer = get(token)
        assert answer.status_code == 503
        assert 1 <= int(answer.headers["Retry-After"]) <= 60
    assert jwks.hits == 1  # tried again after --refetch-interval, not for every token


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/jwks.json", "jwks.json"])
def test_only_an_http_jwks_url_is_taken(url):
    with pytest.raises(ValueError, match="must be an http"):
        create_resource_server(url)
    result = CliRunner().invoke(main, ["resource-server", "--jwks", url])
    assert result.exit_code == 2
    assert "Invalid value for --jwks: the JWKS URL must be an http" in result.output


def test_only_the_algorithms_of_the_sandboxs_keys_are_verified():
    # HS256 is not one of them: a verifier that holds no secret cannot check an HMAC.
    from sandbox.resource_server import VERIFIED_ALGORITHMS

    assert set(VERIFIED_ALGORITHMS) == set(KEY_TYPES)
