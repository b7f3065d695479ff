"""Failed-login limits (the 429 of `POST /token` and of Basic credentials), on `limits`.

Only failures count: per username and per client address, each in a fixed window.
With REDIS_URL the counts live in Redis (with REDIS_CLUSTER, in the cluster: each
count is one key, on the node its slot falls to), so every worker shares them;
without, in the process. When Redis (or a count's node) cannot be reached the
counts fall back to the process for a few seconds, so that strategies that need no
store keep serving and guessing stays bounded per worker.

Credentials a strategy remembers as verified (Basic's credential cache) reach no
password hash, so they skip the two checks and their round trips. A remembered
credential is the right password, though, so a spent limit must still refuse it,
or it would tell a guesser which guess was right: each worker remembers the
refusals it has answered, in the process, until their window ends, and refuses a
remembered credential of that username or client too. Past a spent limit a
guesser can thus test at most one guess per worker against remembered credentials
(the request that first meets the refusal there), and none reaches the hash. A worker
remembers up to 10,000 refusals: one who spends the limits of more usernames and client
addresses than that within a window pushes the oldest out, and gets that one guess again.
"""

import math
import threading
import time
from contextlib import nullcontext
from typing import Any

from cachetools import TLRUCache
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from redis.connection import SSLConnection, parse_url
from redis.exceptions import RedisClusterException

from sandbox.store import client_options, cluster_client_options, cluster_start_errors
from strategies.errors import TooManyFailedLogins
from strategies.settings import Setting
from strategies.token_store import store_down

FALLBACK_SECONDS = 5.0  # how long to count in the process after Redis failed
REMEMBERED_REFUSALS = 10_000  # per worker; the oldest are forgotten first


def a_limit(value: str) -> str:
    try:
        parse(value)
    except ValueError:
        raise ValueError(f"must read like '10 per 15 minutes', not {value!r}") from None
    return value


SETTINGS = (
    Setting(
        "LOGIN_LIMIT_PER_USER",
        "10 per 15 minutes",
        "failed logins allowed per username before 429",
        a_limit,
    ),
    Setting(
        "LOGIN_LIMIT_PER_CLIENT",
        "50 per 15 minutes",
        "failed logins allowed per client address before 429",
        a_limit,
    ),
)


def limits_uri(redis_url: str) -> str:
    """REDIS_URL as `limits` names it: redis-py's unix:// (a socket) is its redis+unix://."""
    return "redis+" + redis_url if redis_url.startswith("unix://") else redis_url


def cluster_storage(redis_url: str) -> tuple[str, dict[str, Any]]:
    """The `limits` URI and redis-py options of the Redis Cluster whose node REDIS_URL names.

    `limits` reads host and port from its redis+cluster:// URI, and hands everything else
    to redis-py's cluster client: the URL's own options (credentials, TLS) are passed so.
    """
    options = parse_url(redis_url)
    host, port = options.pop("host", "localhost"), options.pop("port", 6379)
    options.pop("db", None)
    if options.pop("connection_class", None) is SSLConnection:  # rediss://
        options["ssl"] = True
    return f"redis+cluster://{host}:{port}", {**cluster_client_options(), **options}


class LoginLimits:
    def __init__(
        self,
        per_user: str,
        per_client: str,
        redis_url: str | None,
        key_prefix: str,
        cluster: bool = False,
    ):
        self.limits: dict[str, RateLimitItem] = {
            "user": parse(per_user),
            "client": parse(per_client),
        }
        self.local = FixedWindowRateLimiter(MemoryStorage())
        self.shared = None
        self.key_prefix = key_prefix + "failed-logins"
        # (scope, key) -> when its refusal ends, in time.monotonic()'s clock.
        self._refused: TLRUCache[tuple[str, str], float] = TLRUCache(
            REMEMBERED_REFUSALS, ttu=lambda _key, ends, _now: ends, timer=time.monotonic
        )
        self._refused_lock = (
            threading.Lock()
        )  # TLRUCache is not thread-safe; gunicorn may run threads
        if redis_url:
            uri, options = (
                cluster_storage(redis_url) if cluster else (limits_uri(redis_url), client_options())
            )
            with cluster_start_errors(redis_url) if cluster else nullcontext():
                storage = storage_from_string(
                    uri, key_prefix=self.key_prefix, wrap_exceptions=True, **options
                )
            self.shared = FixedWindowRateLimiter(storage)
        self._shared_down_until = 0.0

    def check(self, username: str, client: str) -> None:
        """Raise TooManyFailedLogins if either count is spent; checked before any password.

        Both are checked, so that the worker remembers each spent one."""
        waits = []
        for scope, key in (("user", username), ("client", client)):
            limit = self.limits[scope]
            if not self._call("test", limit, scope, key):
                reset = self._call("get_window_stats", limit, scope, key).reset_time
                seconds = max(1, math.ceil(reset - time.time()))
                with self._refused_lock:
                    self._refused[scope, key] = time.monotonic() + seconds
                waits.append(seconds)
        if waits:
            raise TooManyFailedLogins(max(waits))

    def check_remembered(self, username: str, client: str) -> None:
        """The check for credentials verified before: a refusal this worker has answered
        for the username or client stands; no round trip."""
        now = time.monotonic()
        for scope, key in (("user", username), ("client", client)):
            with self._refused_lock:
                ends = self._refused.get((scope, key))
            if ends is not None:
                raise TooManyFailedLogins(max(1, math.ceil(ends - now)))

    def failed(self, username: str, client: str) -> None:
        for scope, key in (("user", username), ("client", client)):
            self._call("hit", self.limits[scope], scope, key)

    def _call(self, method: str, *args: Any) -> Any:
        if self.shared is not None and time.monotonic() >= self._shared_down_until:
            try:
                return getattr(self.shared, method)(*args)
            # limits wraps redis-py's RedisError only; a cluster that no node of answers
            # raises the cluster client's RedisClusterException.
            except (StorageError, RedisClusterException) as error:
                if not isinstance(error, StorageError) and not store_down(error):
                    raise
                self._shared_down_until = time.monotonic() + FALLBACK_SECONDS
        return getattr(self.local, method)(*args)
