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

import click
import jwt
from flask import Flask, current_app, jsonify, request
from werkzeug.wrappers import Response

from sandbox.dpop import ProcessReplays, ProofChecker, replay_window
from sandbox.errors import register_auth_error_handler, register_http_error_handlers
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

__all__ = ["VERIFIED_ALGORITHMS", "create_resource_server", "resource_server_cli"]

DEFAULT_REFETCH_INTERVAL = 5.0
DEFAULT_CACHE_LIFESPAN = 300.0  # what the sandbox's JWKS allows: Cache-Control max-age=300
DEFAULT_DPOP_PROOF_MAX_AGE = 60  # the sandbox's DPOP_PROOF_MAX_AGE default
FETCH_TIMEOUT = 3.0  # seconds; requests that need a key wait for a fetch under way
EXTENSION = "resource_server"


class Verifier:
    """An access token's claims, verified with the JWKS's keys alone."""

    def __init__(self, keys: JWKSClient, issuer: str, audience: str, proof_max_age: int):
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.proofs = ProofChecker(proof_max_age, ProcessReplays(replay_window(proof_max_age)))

    def authenticate(self) -> tuple[dict[str, Any], str]:
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

    def verify(self, token: str) -> tuple[dict[str, Any], str]:
        """(claims, kid) of a valid access token, or the AuthError that refuses it."""
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


def checked_url(jwks_url: str) -> str:
    parts = urlparse(jwks_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"the JWKS URL must be an http:// or https:// URL, not {jwks_url!r}")
    return jwks_url


def create_resource_server(
    jwks_url: str,
    *,
    issuer: str = DEFAULT_ISSUER,
    audience: str = DEFAULT_AUDIENCE,
    refetch_interval: float = DEFAULT_REFETCH_INTERVAL,
    cache_lifespan: float = DEFAULT_CACHE_LIFESPAN,
    fetch_timeout: float = FETCH_TIMEOUT,
    fetch_now: bool = True,
    dpop_proof_max_age: int = DEFAULT_DPOP_PROOF_MAX_AGE,
) -> Flask:
    """The resource server's app. ValueError for a URL or a time it cannot use.

    With `fetch_now` it fetches the JWK Set once before it returns; when that fails it
    logs one line and starts anyway.
    """
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
        return jsonify(sub=claims["sub"], kid=kid)

    @app.get("/healthz")
    def healthz() -> Response:
        """200 with the kids it verifies with; 503 while it holds no current JWK Set."""
        active = verifier()
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


@click.command("resource-server")
@click.option(
    "--jwks",
    "jwks_url",
    required=True,
    metavar="URL",
    help="The JWK Set to verify with, e.g. http://127.0.0.1:5000/.well-known/jwks.json",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--refetch-interval",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_REFETCH_INTERVAL,
    show_default=True,
    help="Seconds: at most one fetch of the JWK Set this often for a token whose kid it does "
    "not hold, and between two tries while the JWKS cannot be fetched.",
)
@click.option(
    "--cache-lifespan",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_CACHE_LIFESPAN,
    show_default=True,
    help="Seconds a fetched JWK Set is used before it is fetched again: the longest a key the "
    "issuer stops publishing is still accepted.",
)
@click.option(
    "--issuer",
    envvar="JWT_ISSUER",
    show_envvar=True,
    default=DEFAULT_ISSUER,
    show_default=True,
    help="The iss every token must carry (the sandbox's JWT_ISSUER).",
)
@click.option(
    "--audience",
    envvar="JWT_AUDIENCE",
    show_envvar=True,
    default=DEFAULT_AUDIENCE,
    show_default=True,
    help="The aud every token must carry (the sandbox's JWT_AUDIENCE).",
)
@click.option(
    "--dpop-proof-max-age",
    envvar="DPOP_PROOF_MAX_AGE",
    show_envvar=True,
    type=click.IntRange(min=1),
    default=DEFAULT_DPOP_PROOF_MAX_AGE,
    show_default=True,
    help="Seconds around this server's clock within which the iat of a DPoP proof is accepted "
    "(the sandbox's DPOP_PROOF_MAX_AGE), for tokens bound to a key.",
)
def resource_server_cli(
    jwks_url: str,
    host: str,
    port: int,
    refetch_interval: float,
    cache_lifespan: float,
    issuer: str,
    audience: str,
    dpop_proof_max_age: int,
) -> None:
    """Serve GET /protected, which verifies the sandbox's JWTs with the keys at --jwks alone."""
    try:
        checked_url(jwks_url)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--jwks") from None
    try:
        app = create_resource_server(
            jwks_url,
            issuer=issuer,
            audience=audience,
            refetch_interval=refetch_interval,
            cache_lifespan=cache_lifespan,
            dpop_proof_max_age=dpop_proof_max_age,
        )
    except ValueError as error:  # a time that is not finite
        raise click.UsageError(str(error)) from None
    click.echo(
        f"verifying access tokens of iss {issuer!r} and aud {audience!r} with the keys at "
        f"{jwks_url} (fetched again after {cache_lifespan:g} s, or for a new kid at most every "
        f"{refetch_interval:g} s)"
    )
    app.run(host=host, port=port)
