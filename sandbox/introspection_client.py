"""The resource server's other way to verify a token: ask the sandbox (POST /introspect, RFC
7662) on every request, or reuse an answer for a while (`--cache-ttl`).

An answer is reused for at most `cache_ttl` seconds after the request that fetched it (a hit
does not extend it), and never past the token's `exp`: that is the revocation window a cache
buys, and all of it. Any token works here, opaque or not, bound or not (a bound token's `cnf`
comes back with the answer, and the resource server checks its proof itself). While the sandbox
cannot be reached, or answers 503, every request that needs it is a 503 with Retry-After.
Its counts, hits and round trips, are the resource server's metrics.
"""

import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from cachetools import TLRUCache

from sandbox.jwks_client import KeysUnavailable
from strategies.errors import InvalidCredentials

TIMEOUT_S = 3.0  # a request waits at most this long for the sandbox's answer
RETRY_AFTER_S = 5  # the 503's Retry-After while the sandbox cannot answer
MAX_CACHED = 100_000  # answers kept at most; the oldest go first


class IntrospectionUnavailable(KeysUnavailable):
    """The sandbox cannot answer an introspection now: 503, Retry-After, as a missing JWK Set."""

    default_message = "The token introspection endpoint cannot be reached; try again shortly"

    def __init__(self, retry_after: int, why: str | None = None):
        super().__init__(retry_after)
        if why:
            self.message = f"{self.default_message}: {why}"


@dataclass(frozen=True)
class Answer:
    """An introspection's answer, and until when (monotonic) it may be reused."""

    body: dict[str, Any]
    reusable_until: float


class Introspector:
    def __init__(self, url: str, client_id: str, secret: str, cache_ttl: float = 0.0):
        self.url, self.cache_ttl = url, cache_ttl
        self.session = requests.Session()
        self.session.auth = (client_id, secret)
        self.cache: TLRUCache[str, Answer] = TLRUCache(
            maxsize=MAX_CACHED, ttu=lambda _key, answer, _now: answer.reusable_until
        )
        self.lock = threading.Lock()
        self.hits = self.round_trips = 0

    def claims(self, token: str) -> dict[str, Any]:
        """An active token's introspection (`sub`, `exp`, …); InvalidCredentials for any other."""
        body = self._answer(token)
        if body.get("active") is not True:
            raise InvalidCredentials("Invalid token: the issuer says it is not active")
        if not isinstance(body.get("sub"), str):
            raise InvalidCredentials("Invalid token: its introspection names no subject")
        return body

    def _answer(self, token: str) -> dict[str, Any]:
        key = hashlib.sha256(token.encode()).hexdigest()  # no token is kept in clear
        if self.cache_ttl > 0:
            with self.lock:
                cached = self.cache.get(key)
                if cached is not None:
                    self.hits += 1
                    return cached.body
        body = self._ask(token)
        if self.cache_ttl > 0:
            until = time.monotonic() + self.cache_ttl
            exp = body.get("exp")
            if isinstance(exp, int | float):  # never reused past the token's own expiry
                until = min(until, time.monotonic() + exp - time.time())
            with self.lock:
                self.cache[key] = Answer(body, until)
        return body

    def _ask(self, token: str) -> dict[str, Any]:
        with self.lock:
            self.round_trips += 1
        try:
            response = self.session.post(self.url, data={"token": token}, timeout=TIMEOUT_S)
        except requests.RequestException:
            raise IntrospectionUnavailable(RETRY_AFTER_S) from None
        if response.status_code >= 500:
            retry = response.headers.get("Retry-After", "")
            raise IntrospectionUnavailable(int(retry) if retry.isdigit() else RETRY_AFTER_S)
        if response.status_code != 200:  # our client's credentials, or no such route there
            why = f"it answered {response.status_code} (check --client and the URL)"
            raise IntrospectionUnavailable(RETRY_AFTER_S, why)
        try:
            body = response.json()
        except ValueError:
            raise IntrospectionUnavailable(RETRY_AFTER_S) from None
        if not isinstance(body, dict):
            raise IntrospectionUnavailable(RETRY_AFTER_S)
        return body

    def metrics(self) -> dict[str, Any]:
        return {
            "introspect": self.url,
            "cache_ttl_s": self.cache_ttl,
            "hits": self.hits,
            "round_trips": self.round_trips,
        }
