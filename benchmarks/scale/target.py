"""The Redis that `auth-sandbox scale` fills: a private redis-server, or one the user names.

A private server (loopback, stopped by its PID) is the default: a million keys in a
Redis that others use would disturb them, and their keys would blur the bytes per
token. Its database 1 holds the reference store, the same configuration at the
smallest size, timed in alternation with the one that grows. A Redis given by URL
is filled only when it holds nothing but this run's keys, unless the user allows it.
"""

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

import redis

from benchmarks.harness.redis_server import RedisServer
from benchmarks.scale import ScaleError
from sandbox.config import APP_SETTINGS
from sandbox.store import shown

DEFAULT_PREFIX = next(s.default for s in APP_SETTINGS if s.name == "REDIS_KEY_PREFIX")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class RefusedRedis(ScaleError):
    """A Redis the run must not fill, or none to run; one line."""


@dataclass(frozen=True)
class ScaleTarget:
    url: str  # where the configurations grow
    reference_url: str | None  # where the reference store lives; None: no reference store
    label: str  # what the reports say of it
    foreign_keys: int  # keys it held before the run (allowed with --allow-foreign-keys)


def run_prefix() -> str:
    """A key prefix of this run's own, as long as the app's default (`auth-sandbox:`): a
    key's bytes are what they are in a deployment that keeps the default."""
    width = max(len(DEFAULT_PREFIX) - len("scale-:"), 4)
    return f"scale-{secrets.token_hex(width)[:width]}:"


def info(client: redis.Redis, section: str) -> dict[str, Any]:
    # redis-py types every reply as possibly awaitable; a synchronous client's is not.
    return cast(dict[str, Any], client.info(section))


def dbsize(client: redis.Redis) -> int:
    return cast(int, client.dbsize())


@contextmanager
def scale_redis(redis_url: str | None, allow_foreign_keys: bool) -> Iterator[ScaleTarget]:
    """The Redis to fill, checked; a private one is stopped afterwards, by its PID."""
    if redis_url:
        yield _given(redis_url, allow_foreign_keys)
        return
    if not RedisServer.available():
        raise RefusedRedis(
            "redis-server is not on the PATH: install it (scale runs a private one by default), "
            "or name a Redis with --redis-url"
        )
    with RedisServer() as server:
        reference = server.url.rsplit("/", 1)[0] + "/1"
        yield ScaleTarget(server.url, reference, "private redis-server on 127.0.0.1", 0)


def _given(url: str, allow_foreign_keys: bool) -> ScaleTarget:
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        held = dbsize(client)
    except redis.RedisError as error:
        raise RefusedRedis(f"cannot reach the Redis at {shown(url)}: {error}") from None
    finally:
        client.close()
    if held and not allow_foreign_keys:
        raise RefusedRedis(
            f"refusing to fill the Redis at {shown(url)}: it holds {held} key(s) outside this "
            "run's prefix; pass --allow-foreign-keys to fill it anyway (scale deletes only its "
            "own keys), or leave out --redis-url for a private redis-server"
        )
    return ScaleTarget(url, None, f"Redis at {shown(url)}", held)


def is_local(url: str) -> bool:
    """Whether the Redis at `url` runs on this machine (a loopback host, a unix socket)."""
    parts = urlsplit(url)
    return parts.scheme == "unix" or parts.hostname in LOOPBACK
