"""The token store: a real Redis at REDIS_URL, or an in-process fakeredis."""

import fakeredis
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

# A Redis that hangs must cost a request well under a second, not a worker:
# two tries (the second on a fresh connection, which also heals a pooled
# connection that a restarted Redis dropped) of at most 0.4 s each.
SOCKET_TIMEOUT = 0.4
RETRIES = 1


def make_token_store(redis_url: str | None) -> Redis:
    if redis_url is None:
        return fakeredis.FakeRedis(server=fakeredis.FakeServer())
    return Redis.from_url(
        redis_url,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=SOCKET_TIMEOUT,
        retry=Retry(NoBackoff(), RETRIES),
    )
