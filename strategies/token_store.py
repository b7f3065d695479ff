"""The token store as strategies see it: its client type, what an outage of it is, and
its health.

One Redis, or redis-py's client of a Redis Cluster (REDIS_CLUSTER=true). A strategy that
is stateful is handed one; an outage becomes the StoreUnavailable that the app answers
with a 503, never a 500.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from functools import partial

from redis import Redis
from redis.cluster import RedisCluster
from redis.exceptions import ClusterError, RedisClusterException, SlotNotCoveredError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from strategies.errors import StoreUnavailable

Store = Redis | RedisCluster
# What redis-py raises when the store is down, hangs or is still loading; on a cluster also
# when the node that holds a key's slot refuses it (CLUSTERDOWN, MASTERDOWN: ClusterError) or
# no node holds the slot (SlotNotCoveredError).
STORE_DOWN = (RedisConnectionError, RedisTimeoutError, ClusterError, SlotNotCoveredError)


def store_down(error: BaseException) -> bool:
    """Whether `error` says the store cannot be reached, not that the app misused its client.

    redis-py's cluster client raises a bare RedisClusterException both when no node of the
    cluster answers (raised from the connection error) and for a misuse, such as keys of two
    slots in one call: only the first is an outage (a 503); the second is a bug.
    """
    if isinstance(error, STORE_DOWN):
        return True
    return isinstance(error, RedisClusterException) and isinstance(error.__cause__, STORE_DOWN)


@contextmanager
def store_errors() -> Iterator[None]:
    """A store that is down, as the StoreUnavailable the app answers with a 503."""
    try:
        yield
    except (*STORE_DOWN, RedisClusterException) as error:
        if not store_down(error):
            raise
        raise StoreUnavailable() from error


class StoreHealth(Enum):
    """What `/healthz` reports of the token store."""

    OK = "ok"  # it answers (on a cluster: every master)
    DEGRADED = "degraded"  # a cluster some of whose masters do not answer: their keys get 503
    DOWN = "down"  # nothing answers
    NONE = "none"  # the configuration keeps no store


def health(store: Store | None) -> StoreHealth:
    """Whether the token store answers: on a cluster, each master is asked in turn."""
    if store is None:
        return StoreHealth.NONE
    if not isinstance(store, RedisCluster):
        return StoreHealth.OK if _answers(store.ping) else StoreHealth.DOWN
    primaries = store.get_primaries()
    answered = sum(_answers(partial(store.ping, target_nodes=node)) for node in primaries)
    if answered == len(primaries) > 0:
        return StoreHealth.OK
    return StoreHealth.DEGRADED if answered else StoreHealth.DOWN


def _answers(ping: Callable[[], object]) -> bool:
    try:
        return bool(ping())
    except (*STORE_DOWN, RedisClusterException) as error:
        if not store_down(error):
            raise
        return False
