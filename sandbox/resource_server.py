"""A resource server: another service that verifies the sandbox's JWTs with its published keys.

It holds no private key and no secret, only the URL of a JWK Set (the sandbox's
GET /.well-known/jwks.json with JWT_ALGORITHM RS256, ES256 or EdDSA), which PyJWT's
PyJWKClient fetches and caches. GET /protected answers 200 {"sub", "kid"} for an access
token of the issuer and audience it expects, signed by a key the JWK Set publishes, with
the algorithm the JWK Set gives that key; every refusal is 401 {"msg"} with the sandbox's
Bearer challenge, answered through the sandbox's error table (sandbox/errors.py). A token
bound to a key (`cnf.jkt`, TOKEN_BINDING=dpop at the sandbox) is accepted only as
`Authorization: DPoP` beside a proof of that key, checked by the sandbox's rules
(sandbox/dpop.py) with a replay cache of its own, in the process; refused with a DPoP
challenge. What a
sandbox JWT is (its issuer and audience by default, the claims it must carry, its kinds)
comes from strategies/jwt_claims.py, as the jwt strategy's does.

How it holds the keys (`cache_lifespan`, `refetch_interval`, the 503 while it has none):
sandbox/jwks_client.py. It knows nothing of revocation: a token logged out at the sandbox
works here until its `exp`.
"""

import math
from contextlib import suppress
from typing import Any
from urllib.parse import urlparse

import jwt
from flask import Flask, current_app, jsonify, request
from werkzeug.wrappers import Response

from sandbox.dpop import ProcessReplays, ProofChecker, replay_window
from sandbox.errors import register_auth_error_handler, register_http_error_handlers
from sandbox.introspection_client import Introspector
from sandbox.jwks_client import VERIFIED_ALGORITHMS, JWKSClient, KeysUnavailable
from sandbox.transports.base import challenge
from sandbox.transports.dpop import SCHEME as DPOP
from sandbox.transports.dpop import dpop_challenge, proved_key
from sandbox.transports.header import credentials
from strategies.errors import (
    AuthError,
    BoundTokenWithoutProof,
    InvalidCredentials,
    InvalidDPoPProof,
)
from strategies.jwt_claims import (
    DEFAULT_AUDIENCE,
    DEFAULT_ISSUER,
    REQUIRED_CLAIMS,
    decoding_errors,
    of_kind,
)
from strategies.key_binding import bound_key, check_binding

__all__ = ["VERIFIED_ALGORITHMS", "create_resource_server"]

DEFAULT_REFETCH_INTERVAL = 5.0
DEFAULT_CACHE_LIFESPAN = 300.0  # what the sandbox's JWKS allows: Cache-Control max-age=300
DEFAULT_DPOP_PROOF_MAX_AGE = 60  # the sandbox's DPOP_PROOF_MAX_AGE default
FETCH_TIMEOUT = 3.0  # seconds; requests that need a key wait for a fetch under way
EXTENSION = "resource_server"


class Verifier:
    """An access token's claims, verified with the JWKS's keys alone, or by introspection."""

    def __init__(
        self,
        keys: JWKSClient | None,
        issuer: str,
        audience: str,
        proof_max_age: int,
        introspector: Introspector | None = None,
    ):
        self.keys, self.introspector = keys, introspector
        self.issuer = issuer
        self.audience = audience
        self.proofs = ProofChecker(proof_max_age, ProcessReplays(replay_window(proof_max_age)))

    def authenticate(self) -> tuple[dict[str, Any], str | None]:
        """(claims, kid) of the current request's access token: a bearer token, or a token
        bound to a key beside a proof of it."""
        header = request.headers.get("Authorization")
        sent_scheme = (header or "").strip().partition(" ")[0]
        if sent_scheme.lower() == DPOP.lower():
            token = credentials(header, DPOP)
            proved: str | None = proved_key(self.proofs, token)
        else:
            token, proved = credentials(header, "Bearer"), None
        claims, kid = self.verify(token)
        check_binding(bound_key(claims), proved)
        return claims, kid

    def verify(self, token: str) -> tuple[dict[str, Any], str | None]:
        """(claims, kid) of a valid access token, or the AuthError that refuses it; the sandbox
        says what it knows of the token where this server introspects (no kid)."""
        if self.introspector is not None:
            return self.introspector.claims(token), None
        assert self.keys is not None  # one of the two, create_resource_server made sure
        with decoding_errors():
            kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidCredentials("Invalid token: no kid in its header")
        key = self.keys.key(kid)
        with decoding_errors():
            claims = jwt.decode(
                token,
                key,
                algorithms=[key.algorithm_name],  # the JWK's; a token's `alg` never chooses
                issuer=self.issuer,
                audience=self.audience,
                # Not `sid`: the state of a login stays at the sandbox, which alone revokes.
                options={"require": list(REQUIRED_CLAIMS)},
            )
        of_kind(claims, "access")
        if not isinstance(claims["sub"], str):
            raise InvalidCredentials("Invalid token: its sub is not a string")
        return claims, kid


def verifier() -> Verifier:
    return current_app.extensions[EXTENSION]


def checked_url(url: str, what: str = "the JWKS URL") -> str:
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} must be an http:// or https:// URL, not {url!r}")
    return url


def create_resource_server(
    jwks_url: str | None,
    *,
    introspection: Introspector | None = None,
    issuer: str = DEFAULT_ISSUER,
    audience: str = DEFAULT_AUDIENCE,
    refetch_interval: float = DEFAULT_REFETCH_INTERVAL,
    cache_lifespan: float = DEFAULT_CACHE_LIFESPAN,
    fetch_timeout: float = FETCH_TIMEOUT,
    fetch_now: bool = True,
    dpop_proof_max_age: int = DEFAULT_DPOP_PROOF_MAX_AGE,
) -> Flask:
    """The resource server's app, verifying with the JWK Set at `jwks_url`, or else by
    `introspection`. ValueError for a URL or a time it cannot use.

    With `fetch_now` it fetches the JWK Set once before it returns; when that fails it
    logs one line and starts anyway.
    """
    if introspection is not None:
        app = Flask(__name__, static_folder=None)
        app.config.update(INTROSPECT_URL=introspection.url, JWT_ISSUER=issuer)
        verifier = Verifier(None, issuer, audience, dpop_proof_max_age, introspection)
        app.extensions[EXTENSION] = verifier
        register_routes(app)
        register_error_handlers(app)
        return app
    if jwks_url is None:
        raise ValueError("a resource server verifies with a JWKS URL, or by introspection")
    times = {"refetch_interval": refetch_interval, "cache_lifespan": cache_lifespan}
    for name, value in times.items():
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"{name} must be a number of seconds above 0, not {value!r}")
    app = Flask(__name__, static_folder=None)
    # What it is configured with, and all of it: a URL and the claims it expects.
    app.config.update(
        JWKS_URL=checked_url(jwks_url),
        JWT_ISSUER=issuer,
        JWT_AUDIENCE=audience,
        JWKS_REFETCH_INTERVAL=refetch_interval,
        JWKS_CACHE_LIFESPAN=cache_lifespan,
    )
    keys = JWKSClient(jwks_url, refetch_interval, cache_lifespan, fetch_timeout, app.logger)
    app.extensions[EXTENSION] = Verifier(keys, issuer, audience, dpop_proof_max_age)
    register_routes(app)
    register_error_handlers(app)
    if fetch_now:
        # A failure is logged by the client; /protected answers 503 until a fetch succeeds.
        with suppress(KeysUnavailable):
            keys.current_set()
    return app


def register_routes(app: Flask) -> None:
    @app.get("/protected")
    def protected() -> Response:
        claims, kid = verifier().authenticate()
        return jsonify(sub=claims["sub"], **({"kid": kid} if kid is not None else {}))

    @app.get("/healthz")
    def healthz() -> Response:
        """200 with the kids it verifies with; 503 while it holds no current JWK Set. Where it
        introspects, 200 with its counts: answers reused (hits) and asked (round trips)."""
        active = verifier()
        if active.introspector is not None:
            return jsonify(status="ok", **active.introspector.metrics())
        assert active.keys is not None
        jwk_set, age = active.keys.current_set()
        return jsonify(
            status="ok",
            jwks=active.keys.uri,
            kids=[key.key_id for key in jwk_set.keys],
            keys_age_seconds=round(age, 3),
            issuer=active.issuer,
            audience=active.audience,
        )


def register_error_handlers(app: Flask) -> None:
    """Every error as the sandbox answers it, through its table: JSON {"msg"}, never HTML or a
    traceback; a 401 with the Bearer challenge (DPoP's, to a request that sent a DPoP token
    or failed a proof), KeysUnavailable a 503 with its Retry-After."""
    register_auth_error_handler(app, resource_challenge)
    register_http_error_handlers(app)


def resource_challenge(error: AuthError) -> str:
    sent_scheme = request.headers.get("Authorization", "").strip().partition(" ")[0]
    dpop_error = isinstance(error, InvalidDPoPProof | BoundTokenWithoutProof)
    if dpop_error or sent_scheme.lower() == DPOP.lower():
        return dpop_challenge(error)
    return challenge("Bearer", error)
