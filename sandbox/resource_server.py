"""A resource server: another service that verifies the sandbox's JWTs with its published keys.

It holds no private key and no secret, only the URL of a JWK Set (the sandbox's
GET /.well-known/jwks.json with JWT_ALGORITHM RS256, ES256 or EdDSA), which PyJWT's
PyJWKClient fetches and caches. GET /protected answers 200 {"sub", "kid"} for an access
token of the issuer and audience it expects, signed by a key the JWK Set publishes, with
the algorithm the JWK Set gives that key; every refusal is 401 {"msg"} with the sandbox's
Bearer challenge.

The keys, precisely (what `cache_lifespan` and `refetch_interval` set):

- The JWK Set is fetched at start, again on the first request after it is
  `cache_lifespan` seconds old, and again when a token names a kid it does not hold:
  at most once every `refetch_interval` seconds (PyJWKClient's cooldown, counted from
  the last successful fetch). A failed fetch is not tried again for `refetch_interval`
  seconds either, whatever the tokens name: the JWKS URL is never hammered.
- A key is only used from a JWK Set fetched less than `cache_lifespan` seconds ago. A key
  the issuer stops publishing (a compromise) is accepted until the next fetch: at the latest
  `cache_lifespan` seconds after the last one, sooner when a token with a new kid makes it
  fetch.
- A key is used only with the algorithm its JWK gives (`alg`, or PyJWT's reading of `kty`
  and `crv` when it has none), and only RS256, ES256 or EdDSA: an HMAC key (`kty` "oct",
  `alg` HS*) in the set is never used, whatever a token's header says.
- While it holds no JWK Set that is current (none fetched yet, or the last one too old and
  the JWKS unreachable), a token that needs a key gets 503 {"msg"} with Retry-After; the
  server starts and keeps running meanwhile, and accepts nothing unverified.
- It knows nothing of revocation: a token logged out at the sandbox works here until its
  `exp`.
"""

import math
import time
from contextlib import suppress
from logging import Logger
from typing import Any
from urllib.parse import urlparse

import click
import jwt
from flask import Flask, current_app, jsonify
from jwt import PyJWK, PyJWKClient, PyJWKSet
from jwt.exceptions import PyJWKClientConnectionError, PyJWKClientError, PyJWTError
from werkzeug.wrappers import Response

from sandbox.errors import register_http_error_handlers
from sandbox.transports.base import challenge
from sandbox.transports.header import request_credentials
from strategies.errors import AuthError, InvalidCredentials
from strategies.json_web_token import decoding_errors
from strategies.jwt_keys import KEY_TYPES

DEFAULT_ISSUER = "auth-sandbox"  # the sandbox's JWT_ISSUER and JWT_AUDIENCE defaults
DEFAULT_AUDIENCE = "auth-sandbox-api"
DEFAULT_REFETCH_INTERVAL = 5.0
DEFAULT_CACHE_LIFESPAN = 300.0  # what the sandbox's JWKS allows: Cache-Control max-age=300
FETCH_TIMEOUT = 3.0  # seconds; requests that need a key wait for a fetch under way
ALGORITHMS = tuple(KEY_TYPES)  # RS256, ES256, EdDSA: never an HMAC algorithm
REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub", "type"]
EXTENSION = "resource_server"


class KeysUnavailable(AuthError):
    """No current JWK Set: a token cannot be verified now (503, Retry-After)."""

    default_message = "The keys that verify tokens cannot be fetched yet; try again shortly"

    def __init__(self, retry_after: int):
        super().__init__()
        self.retry_after = retry_after


class JWKSUnavailable(PyJWKClientConnectionError):
    """A fetch of the JWK Set failed, or was not tried again so soon after a failure."""


class JWKSClient(PyJWKClient):
    """PyJWKClient that also waits `refetch_interval` seconds after a failed fetch.

    PyJWKClient's cooldown counts from the last successful fetch only: while the JWKS
    is unreachable, every token would try the URL again (each up to `timeout` seconds,
    under the client's lock). Every failure, whatever its kind (unreachable, an HTTP
    error, not a JWK Set), is raised as JWKSUnavailable, and logged when it starts.
    """

    def __init__(
        self,
        url: str,
        refetch_interval: float,
        cache_lifespan: float,
        timeout: float,
        logger: Logger,
    ):
        super().__init__(
            url,
            cache_jwk_set=True,
            lifespan=cache_lifespan,
            cooldown_duration=refetch_interval,
            timeout=timeout,
        )
        self.refetch_interval = refetch_interval
        self.logger = logger
        self.last_attempt: float | None = None
        self.failure: str | None = None  # why the last fetch failed; None after a success

    def fetch_data(self) -> Any:
        now = time.monotonic()
        waiting = self.last_attempt is not None and now < self.last_attempt + self.refetch_interval
        if self.failure is not None and waiting:
            raise JWKSUnavailable(self.failure)
        self.last_attempt = now
        try:
            data = super().fetch_data()
        except (PyJWTError, ValueError, OSError) as error:  # ValueError: a body that is not JSON
            if self.failure is None:
                self.logger.warning(
                    "the JWKS at %s cannot be fetched (%s): a token gets 503 until it can; "
                    "tried again at most every %g s",
                    self.uri,
                    error,
                    self.refetch_interval,
                )
            self.failure = str(error)
            raise JWKSUnavailable(self.failure) from error
        if self.failure is not None:
            self.logger.warning("the JWKS at %s is fetched now", self.uri)
        self.failure = None
        return data

    def retry_after(self) -> int:
        """Whole seconds until the next fetch may be tried, at least 1."""
        if self.last_attempt is None:
            return 1
        left = self.last_attempt + self.refetch_interval - time.monotonic()
        return max(1, math.ceil(left))

    def current_set(self) -> tuple[PyJWKSet, float]:
        """The JWK Set and its age in seconds, fetched if the cached one is not current."""
        with self._client_lock:
            try:
                jwk_set = self.get_jwk_set()
            except JWKSUnavailable:
                raise KeysUnavailable(self.retry_after()) from None
            assert self.jwk_set_cache is not None and self.jwk_set_cache.jwk_set_with_timestamp
            fetched = self.jwk_set_cache.jwk_set_with_timestamp.get_timestamp()
            return jwk_set, time.monotonic() - fetched

    def key(self, kid: str) -> PyJWK:
        """The key the JWK Set publishes as `kid`, if it is one to verify with; or the AuthError."""
        try:
            key = self.get_signing_key(kid)
        except JWKSUnavailable:
            raise KeysUnavailable(self.retry_after()) from None
        except PyJWKClientError:
            raise InvalidCredentials(
                "Invalid token: its kid names no signing key the JWKS publishes"
            ) from None
        if key.key_type == "oct" or key.algorithm_name not in ALGORITHMS:
            raise InvalidCredentials(
                f"Invalid token: the JWKS gives its key the algorithm {key.algorithm_name}; "
                f"this server verifies {', '.join(ALGORITHMS)} only"
            )
        return key


class Verifier:
    """An access token's claims, verified with the JWKS's keys alone."""

    def __init__(self, keys: JWKSClient, issuer: str, audience: str):
        self.keys = keys
        self.issuer = issuer
        self.audience = audience

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
                options={"require": REQUIRED_CLAIMS},
            )
        if claims["type"] != "access":
            raise InvalidCredentials("Invalid token: it is not an access token")
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
    app.extensions[EXTENSION] = Verifier(keys, issuer, audience)
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
        claims, kid = verifier().verify(request_credentials("Bearer"))
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
    """Every error as the sandbox answers it: JSON {"msg"}, never HTML or a traceback."""

    @app.errorhandler(AuthError)
    def auth_error(error: AuthError) -> Response:
        response = jsonify(msg=error.message)
        if isinstance(error, KeysUnavailable):
            response.status_code = 503
            response.headers["Retry-After"] = str(error.retry_after)
        else:
            response.status_code = 401
            response.headers["WWW-Authenticate"] = challenge("Bearer", error)
        return response

    register_http_error_handlers(app)


@click.command("resource-server")
@click.option(
    "--jwks",
    "jwks_url",
    required=True,
    metavar="URL",
    help="The JWK Set to verify with, e.g. http://127.0.0.1:5000/.well-known/jwks.json",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=int)
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
def resource_server_cli(
    jwks_url: str,
    host: str,
    port: int,
    refetch_interval: float,
    cache_lifespan: float,
    issuer: str,
    audience: str,
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
        )
    except ValueError as error:  # a time that is not finite
        raise click.UsageError(str(error)) from None
    click.echo(
        f"verifying access tokens of iss {issuer!r} and aud {audience!r} with the keys at "
        f"{jwks_url} (fetched again after {cache_lifespan:g} s, or for a new kid at most every "
        f"{refetch_interval:g} s)"
    )
    app.run(host=host, port=port)
