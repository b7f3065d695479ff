"""The resource server's keys: the sandbox's JWK Set, fetched and cached by PyJWT's
PyJWKClient, with a wait after a failed fetch too.

What `cache_lifespan` and `refetch_interval` set, precisely:

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
  the JWKS unreachable), a token that needs a key gets 503 {"msg"} with Retry-After
  (KeysUnavailable); the server starts and keeps running meanwhile, and accepts nothing
  unverified.
"""

import math
import time
from logging import Logger
from typing import Any

from jwt import PyJWK, PyJWKClient, PyJWKSet
from jwt.exceptions import PyJWKClientConnectionError, PyJWKClientError, PyJWTError

from strategies.errors import InvalidCredentials, StoreUnavailable
from strategies.jwt_keys import KEY_TYPES

VERIFIED_ALGORITHMS = tuple(KEY_TYPES)  # RS256, ES256, EdDSA: never an HMAC algorithm


class KeysUnavailable(StoreUnavailable):
    """No current JWK Set: a token cannot be verified now (503, Retry-After).

    What the resource server verifies with cannot be reached, as the sandbox's token store
    can be down: the error table answers both alike, with the seconds it carries.
    """

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
        if key.key_type == "oct" or key.algorithm_name not in VERIFIED_ALGORITHMS:
            raise InvalidCredentials(
                f"Invalid token: the JWKS gives its key the algorithm {key.algorithm_name}; "
                f"this server verifies {', '.join(VERIFIED_ALGORITHMS)} only"
            )
        return key
