"""The token store: a real Redis at REDIS_URL, or an in-process fakeredis."""

import fakeredis
from redis import Redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry


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
