"""A live app per strategy (tests/servers.py: werkzeug's server on a loopback port, in a thread)
and raw HTTP to it."""

import base64
import http.client
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from jwt.algorithms import OKPAlgorithm, get_default_algorithms

from benchmarks.anatomy import decode_jwt, kind
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from tests.conftest import hs256_key
from tests.servers import Listener, start_in_a_thread

JWKS_PATH = "/.well-known/jwks.json"
# The header of a forgery sent to a target whose token is no JWT: garbage to it, like any.
HS256 = {"alg": "HS256", "typ": "JWT"}
PASETO_HEADER = "v4.public."
PASETO_KIND = "PASETO v4.public"  # a kind of token benchmarks.anatomy does not tell apart


def token_kind(token: str) -> str:
    """What a token is: a PASETO v4.public, else what benchmarks.anatomy reads (a JWT, ...)."""
    return PASETO_KIND if token.startswith(PASETO_HEADER) else kind(token)


@dataclass(frozen=True)
class Profile:
    """What a target shows of itself before any case is sent to it: its facts (GET /strategy),
    whether it publishes keys (its JWK Set answers 200), and the kind of its tokens."""

    facts: dict[str, Any]
    publishes_keys: bool
    token_kind: str


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Live:
    app: Flask
    port: int
    spy: Listener | None = None  # a port that counts connections: the app must make none
    facts: dict[str, Any] = field(default_factory=dict)
    issued: dict[str, Any] = field(default_factory=dict)
    label: str = ""  # what the catalogue's summary calls it: "jwt + refresh"
    # The JWK Set the target publishes at JWKS_PATH, as served; None where it answers 404.
    jwks_document: bytes | None = None

    @property
    def spy_url(self) -> str:
        assert self.spy is not None, "this live app has no spy"
        return self.spy.url

    @property
    def profile(self) -> Profile:
        return Profile(self.facts, self.jwks_document is not None, token_kind(self.issued["token"]))

    @property
    def key(self) -> str:
        return hs256_key(self.app)

    @property
    def jwks(self) -> dict | None:
        return None if self.jwks_document is None else json.loads(self.jwks_document)

    @property
    def header(self) -> dict:
        """The header of the target's own tokens (alg, kid) where they are JWTs; else HS256's."""
        decoded = decode_jwt(self.issued["token"])
        return dict(HS256) if decoded is None else decoded[0]

    @property
    def signing_key(self) -> Any:
        """What signs the target's tokens: its private key where it publishes the public one,
        else its HS256 key (a key of ours where it has none)."""
        if self.jwks_document is not None:
            return self.app.config["JWT_PRIVATE_KEY"]
        return self.key.encode()

    @property
    def scheme(self) -> str:
        return self.facts["scheme"]

    def send(
        self,
        method: str,
        path: str,
        headers: list[tuple[str, str | bytes]] = (),
        body: bytes | None = None,
    ) -> Reply:
        """One request with exactly these headers, bytes and duplicates included."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.putrequest(method, path)
            for name, value in headers:
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return Reply(response.status, dict(response.getheaders()), response.read())
        finally:
            connection.close()

    def protected(self, authorization: str | bytes | None, path: str = "/protected") -> Reply:
        headers = [] if authorization is None else [("Authorization", authorization)]
        return self.send("GET", path, headers)

    def login(self, username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD) -> dict:
        body = json.dumps({"username": username, "password": password}).encode()
        reply = self.send("POST", "/token", [("Content-Type", "application/json")], body)
        assert reply.status == 200, reply.body
        return reply.json()

    def refresh(self, refresh_token: str) -> Reply:
        body = json.dumps({"refresh_token": refresh_token}).encode()
        return self.send("POST", "/token/refresh", [("Content-Type", "application/json")], body)

    def logout(self, issued: dict) -> Reply:
        authorization = f"{issued['token_type']} {issued['token']}"
        return self.send("POST", "/logout", [("Authorization", authorization)])


def serve(app: Flask, spy: Listener | None = None) -> tuple[Live, Callable[[], None]]:
    port, stop = start_in_a_thread(app)
    live = Live(app, port, spy)
    live.facts = live.send("GET", "/strategy").json()
    published = live.send("GET", JWKS_PATH)
    live.jwks_document = published.body if published.status == 200 else None
    live.issued = live.login()
    return live, stop


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# What signs a forgery, by its header's `alg`: PyJWT's algorithms, and RFC 9864's fully
# specified name of EdDSA over Ed25519. Any other `alg` (none, NONE, ...) is left unsigned.
ALGORITHMS = {**get_default_algorithms(), "Ed25519": OKPAlgorithm()}


def signing_input(header: dict, payload: dict) -> str:
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"


def forge(header: dict, payload: dict, key: Any) -> str:
    """A JWT made by hand, exactly this header and payload, signed by the header's `alg`.

    `key`: bytes for HMAC (HS256, HS512: an empty key, a public key's PEM, ...), a private
    key of `cryptography` for RS256, ES256, EdDSA and their kin, None for no signature.
    """
    text = signing_input(header, payload)
    algorithm = ALGORITHMS.get(header.get("alg")) if isinstance(header.get("alg"), str) else None
    signature = b"" if key is None or algorithm is None else algorithm.sign(text.encode(), key)
    return f"{text}.{b64url(signature)}"


def sign(live: Live, payload: dict, **header_changes: Any) -> str:
    """A JWT as the target signs its own: its header (alg, kid) with these changes (None
    removes a member) and its key. To a target whose token is no JWT: HS256 under a key of ours.
    """
    header = {**live.header, **header_changes}
    header = {name: value for name, value in header.items() if value is not None}
    return forge(header, payload, live.signing_key)


def claims(user_id: int, **changes) -> dict:
    now = int(time.time())
    payload = {
        "sub": str(user_id),
        "type": "access",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "forged",
        "fresh": False,
        **changes,
    }
    return {name: value for name, value in payload.items() if value is not None}
