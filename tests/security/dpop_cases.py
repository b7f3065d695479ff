"""The DPoP attacks (RFC 9449): each a request to a target whose tokens are bound to a key,
sent with the token of a login and proofs that break one rule of sandbox/dpop.py.

Each attack changes one thing of the proof a client would send, made by the client's own
key for the live server's real URL, so that it is that change which is refused.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import jwt as pyjwt
from jwt.algorithms import ECAlgorithm

from benchmarks.harness.dpop_client import ProofKey
from tests.security.live import forge

AN_HOUR = 3600  # far past any DPOP_PROOF_MAX_AGE a target runs with (60 s by default)


@dataclass(frozen=True)
class Request:
    """A request a proof is made for: method, the live server's real URL, the token sent."""

    method: str
    url: str  # scheme://127.0.0.1:PORT/path: what a proof's htu names
    token: str

    def proof(self, key: ProofKey, **changes: Any) -> str:
        """A valid proof of `key` for this request, with `changes` (claims=, header=)."""
        return key.proof(self.method, self.url, self.token, **changes)


def moved(url: str, *, path: str | None = None, port_offset: int = 0) -> str:
    """`url` with another path, or at another port of the same host."""
    parts = urlsplit(url)
    netloc = f"{parts.hostname}:{(parts.port or 80) + port_offset}"
    return urlunsplit(parts._replace(netloc=netloc, path=path or parts.path))


def resigned(proof: str, alg: str, key: Any) -> str:
    """`proof`'s header and claims under another `alg`, signed with `key` (None: unsigned)."""
    header = pyjwt.get_unverified_header(proof)
    claims = pyjwt.decode(proof, options={"verify_signature": False})
    return forge({**header, "alg": alg}, claims, key)


def private_jwk(key: ProofKey) -> dict:
    """The client's key as a JWK with its private member `d`: a key that has leaked."""
    return ECAlgorithm.to_jwk(key.private_key, as_dict=True)


def hs256_keyed_with_the_jwk(key: ProofKey, request: Request) -> str:
    """An HMAC proof whose secret is the public JWK its header carries, which anyone has: a
    verifier that took the header's key as an HMAC secret would accept it."""
    proof = request.proof(key)
    return resigned(proof, "HS256", json.dumps(key.jwk).encode())


# Each attack: the `DPoP` headers sent, for `request`, by a client whose key is `key` (its
# token's). Every one is refused with 401 and error="invalid_dpop_proof".
Attack = Callable[[ProofKey, Request], list[str]]
ATTACKS: dict[str, Attack] = {
    "no proof": lambda key, request: [],
    # A WSGI server joins repeated headers into one value (RFC 9110 §5.3), so over HTTP the
    # app meets one malformed proof, not two: refused all the same.
    "two DPoP headers, each a valid proof": lambda key, request: [
        request.proof(key),
        request.proof(key),
    ],
    "a proof signed by another key than the token's": lambda key, request: [
        request.proof(ProofKey())
    ],
    "htm of another method": lambda key, request: [request.proof(key, claims={"htm": "POST"})],
    "htu of another path": lambda key, request: [
        request.proof(key, claims={"htu": moved(request.url, path="/public")})
    ],
    "htu of another server on the same host": lambda key, request: [
        request.proof(key, claims={"htu": moved(request.url, port_offset=1)})
    ],
    "ath of another token": lambda key, request: [
        key.proof(request.method, request.url, request.token + "x")
    ],
    "no ath": lambda key, request: [key.proof(request.method, request.url)],
    "iat an hour ago": lambda key, request: [
        request.proof(key, claims={"iat": int(time.time()) - AN_HOUR})
    ],
    "iat an hour ahead": lambda key, request: [
        request.proof(key, claims={"iat": int(time.time()) + AN_HOUR})
    ],
    "alg none, unsigned": lambda key, request: [resigned(request.proof(key), "none", None)],
    "HS256 keyed with the public jwk": lambda key, request: [
        hs256_keyed_with_the_jwk(key, request)
    ],
    "jwk with the private member d": lambda key, request: [
        request.proof(key, header={"jwk": private_jwk(key)})
    ],
    "typ JWT instead of dpop+jwt": lambda key, request: [request.proof(key, header={"typ": "JWT"})],
}

# What an unbound target is sent as a `DPoP` header: it must not even read it.
JUNK_PROOF = "not even a JWT"
