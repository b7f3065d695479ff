"""The token store: a real Redis at REDIS_URL, or an in-process fakeredis."""

import fakeredis
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry


def client_options() -> dict:
    """redis-py options for every client the app makes (the token store, the login limits).

    A Redis that hangs must cost a request well under a second, not a worker: two
    tries (the second on a fresh connection, which also heals a pooled connection
    that a restarted Redis dropped) of at most 0.4 s each.
    """
    return {"socket_timeout": 0.4, "socket_connect_timeout": 0.4, "retry": Retry(NoBackoff(), 1)}


def make_token_store(redis_url: str | None) -> Redis:
    if redis_url is None:
        return fakeredis.FakeRedis(server=fakeredis.FakeServer())
    return Redis.from_url(redis_url, **client_options())
