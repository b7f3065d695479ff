"""JWT_VERIFIED_CACHE: access tokens a worker has verified, remembered until they expire.

A token's signature and claim checks depend on the token and the server's keys alone, and the
keys are fixed for the life of a worker: until its `exp` passes (plus the leeway), a token that
passed once passes again. So the answer can be remembered, keyed by the whole token, with no
way to go stale, as Envoy's jwt_authn does (jwt_cache_config). A repeat request then skips
PyJWT's parse, its signature check and its claim checks: most of what a JWT costs a request.

What can change is not remembered, and every request still reads it: the denylist (a logout),
the user and its token generation (`users passwd`/`delete`). Only tokens that passed are
remembered: a changed character is another key, which pays the whole check. Refresh tokens are
not: each is spent once. Off by default (0), so that the measurements of a plain `jwt` show
what a signature costs.
"""

import threading
import time
from typing import Any

from cachetools import TLRUCache

from strategies.settings import Setting, whole_number

SETTING = Setting(
    "JWT_VERIFIED_CACHE",
    0,
    "how many verified access tokens each worker remembers until they expire, so that a "
    "repeat request skips the signature and claim checks (the denylist and the user are still "
    "read); 0: off",
    whole_number(0, "token(s)"),
)


class VerifiedTokens:
    """The claims of access tokens that passed, by token, each until its `exp` + leeway."""

    def __init__(self, size: int, leeway: float):
        self._entries: TLRUCache[str, dict[str, Any]] | None = None
        if size > 0:
            # Expiry as PyJWT judges it (refused once exp <= now - leeway), on the wall
            # clock PyJWT reads, not a monotonic one.
            self._entries = TLRUCache(
                size, lambda _token, claims, _now: claims["exp"] + leeway, timer=time.time
            )
        self._lock = threading.Lock()  # TLRUCache is not thread-safe; gunicorn may run threads

    def get(self, token: str) -> dict[str, Any] | None:
        if self._entries is None:
            return None
        with self._lock:
            return self._entries.get(token)

    def remember(self, token: str, claims: dict[str, Any]) -> dict[str, Any]:
        """`claims`, verified; an access token's are remembered for its next request."""
        if self._entries is not None and claims["type"] == "access":
            with self._lock:
                self._entries[token] = claims
        return claims
