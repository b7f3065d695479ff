"""The token store: a real Redis at REDIS_URL, or an in-process fakeredis."""

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import fakeredis
from redis import ConnectionPool, Redis, RedisError
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry

REDIS_URL_EXAMPLE = "redis://127.0.0.1:6379/0"


def a_redis_url(value: Any) -> str:
    """REDIS_URL's parser: a URL redis-py accepts, checked by redis-py itself.

    `from_url` parses the scheme, port and query options; making a connection
    object (which does not connect) refuses an option redis-py does not know,
    which would otherwise fail at the first request instead of at the start.
    """
    url = str(value)
    try:
        ConnectionPool.from_url(url).make_connection()
    except (ValueError, TypeError, RedisError) as error:
        reason = str(error)
        for secret in _may_be_secret(url):
            reason = reason.replace(secret, "***")
        raise ValueError(
            f"is not a Redis URL ({reason}); for example {REDIS_URL_EXAMPLE}"
        ) from None
    return url


def shown(url: str) -> str:
    """The URL without its password (in the user part or in a `password=` option), to print."""
    # Replaced in place: rebuilding the URL would drop the empty host of unix:///path.
    parts = urlsplit(url)
    if parts.password is not None:
        user_info, _, host = parts.netloc.rpartition("@")
        url = url.replace(f"//{parts.netloc}", f"//{user_info.partition(':')[0]}:***@{host}", 1)
    options = parse_qsl(parts.query, keep_blank_values=True)
    if any(name == "password" for name, _ in options):
        hidden = [(name, "***" if name == "password" else v) for name, v in options]
        url = url.replace(f"?{parts.query}", f"?{urlencode(hidden, safe='*')}", 1)
    return url


def _may_be_secret(url: str) -> list[str]:
    """The password, and a port that is no number: a password missing its "@host" reads so.

    urllib quotes a bad port in its error ("redis://default:s3cret/0").
    """
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return []
    user_info, _, host = netloc.rpartition("@")
    port = host.rpartition(":")[2] if ":" in host else ""
    password = user_info.partition(":")[2]
    return [text for text in (password, port) if text and not text.isdigit()]


def client_options() -> dict:
    """redis-py options for every client the app makes (the token store, the login limits).

    A Redis that hangs must cost a request well under a second, not a worker: each
    call waits at most 0.4 s. A dropped connection (a restarted Redis leaves one in
    the pool) is retried once on a fresh one; a timeout is not, since a hung Redis
    stays hung.
    """
    retry = Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,))
    return {"socket_timeout": 0.4, "socket_connect_timeout": 0.4, "retry": retry}


def make_token_store(redis_url: str | None) -> Redis:
    if redis_url is None:
        return fakeredis.FakeRedis(server=fakeredis.FakeServer())
    return Redis.from_url(redis_url, **client_options())
