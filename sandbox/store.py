"""The token store: a real Redis at REDIS_URL, a Redis Cluster (REDIS_CLUSTER), or an
in-process fakeredis."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit

import fakeredis
from redis import ConnectionPool, Redis, RedisError
from redis.backoff import NoBackoff
from redis.cluster import ClusterPipeline, RedisCluster
from redis.connection import parse_url
from redis.exceptions import AuthenticationError, RedisClusterException
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry
from redis.typing import ScriptTextT

from sandbox.store_cache import TrackedStore
from strategies.settings import SettingError
from strategies.token_store import STORE_DOWN, Store, store_down

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


def cluster_client_options() -> dict:
    """redis-py options for a client of a Redis Cluster (REDIS_CLUSTER=true).

    A call that meets a dead or hung master raises after one retry (the cluster client
    retries at its own level, re-reading the slot map in between, and never on a node's
    connection): two connection attempts refused at once, or two waits of 0.4 s on a
    hung node, so a request that needs that master answers 503 within a second, and a
    connection a restarted node dropped is retried on a fresh one. The client starts
    without every slot covered, as the nodes run: a master down refuses its keys only.
    """
    return {
        "socket_timeout": 0.4,
        "socket_connect_timeout": 0.4,
        "retry": Retry(NoBackoff(), 1),
        "require_full_coverage": False,
    }


class ClusterStore(RedisCluster):
    """redis-py's cluster client, with two changes for the scripts of the app.

    A script whose keys share a hash tag routes to one node like any keyed command, so
    its EVALSHA may join a pipeline, as it does on one Redis (redis-py's cluster
    pipeline refuses it outright). And SCRIPT LOAD survives a master down: redis-py loads
    a script on every master when a node answers NOSCRIPT (a node that restarted has
    lost its scripts), and one master down would fail that load, and with it every script
    call on the masters that are up; here it is loaded on each master that answers.
    """

    def pipeline(self, transaction: Any = None, shard_hint: Any = None) -> ClusterPipeline:
        pipeline = super().pipeline(transaction, shard_hint)
        pipeline.evalsha = partial(pipeline.execute_command, "EVALSHA")
        return pipeline

    def script_load(self, script: ScriptTextT) -> str:
        digest, failure = None, None
        for node in self.get_primaries():
            try:
                digest = self.execute_command("SCRIPT LOAD", script, target_nodes=node)
            except (*STORE_DOWN, RedisClusterException) as error:
                if not store_down(error):
                    raise
                failure = error
        if digest is None:
            raise failure or RedisConnectionError("no master of the cluster answered")
        return cast(str, digest)


def make_token_store(redis_url: str | None, cluster: bool = False, cache: str = "off") -> Store:
    if redis_url is None:
        return fakeredis.FakeRedis(server=fakeredis.FakeServer())
    if cluster:
        with cluster_start_errors(redis_url):
            return ClusterStore.from_url(redis_url, **cluster_client_options())
    if cache == "tracking":
        return cast(TrackedStore, TrackedStore.from_url(redis_url, **client_options())).track()
    return Redis.from_url(redis_url, **client_options())


def persistence_warning(redis_url: str, kept: Mapping[str, str]) -> str | None:
    """One line where the Redis at `redis_url` keeps nothing across a restart (no AOF and no
    RDB save points) while the strategy keeps `kept` there ({prefix: what}); None where it
    persists, or cannot be asked (CONFIG renamed away, down: check_store_mode warns)."""
    probe = Redis.from_url(redis_url, **client_options())
    try:
        config = cast(dict, probe.config_get("appendonly")) | cast(dict, probe.config_get("save"))
    except RedisError:
        return None
    finally:
        probe.close()
    if not kept or config.get("appendonly") != "no" or config.get("save"):
        return None
    return (
        f"REDIS_URL {shown(redis_url)} keeps nothing across a restart (appendonly no, no save "
        f"points): a restart of it loses the {', '.join(dict.fromkeys(kept.values()))} kept "
        "there (see the threat model for what each configuration then lets through)"
    )


def check_store_cache(redis_url: str | None, cluster: bool, cache: str) -> str | None:
    """Stop the start, as a SettingError, where STORE_CACHE=tracking cannot keep its promise;
    the line to warn with where it has nothing to do.

    On a cluster each node would need a tracked connection and a listener of its own, and
    the slots move: refused rather than half done. The embedded store lives in the one
    process, where every read is already local: nothing to cache, and nothing to refuse.
    """
    if cache != "tracking":
        return None
    if cluster:
        raise SettingError(
            "STORE_CACHE=tracking is not available with REDIS_CLUSTER=true: use one Redis, "
            "or STORE_CACHE=off"
        )
    if redis_url is None:
        return (
            "STORE_CACHE=tracking has nothing to cache without REDIS_URL: the embedded store "
            "lives in this process, and every read of it is already local"
        )
    return None


@contextmanager
def cluster_start_errors(redis_url: str) -> Iterator[None]:
    """A cluster client that cannot start (it asks a node for the slot map at once), as the
    SettingError that stops the start with one line."""
    try:
        yield
    except (RedisClusterException, RedisError) as error:
        raise SettingError(
            f"REDIS_CLUSTER=true, but the Redis Cluster at REDIS_URL {shown(redis_url)} "
            f"cannot be used: {error}"
        ) from None


def cluster_enabled(client: Redis) -> bool:
    """Whether the Redis `client` talks to is a node of a cluster (INFO's cluster_enabled)."""
    return cast(dict, client.info("cluster")).get("cluster_enabled") == 1


def check_store_mode(redis_url: str | None, cluster: bool) -> str | None:
    """Stop the start, as a SettingError, where REDIS_CLUSTER does not match REDIS_URL.

    With REDIS_CLUSTER, REDIS_URL must name a node (TCP, database 0) that answers as a
    node of a cluster that holds slots: the client asks it for the others. Without, a
    Redis that answers as a cluster node would refuse the other nodes' keys (MOVED);
    one that does not answer now is left to the request path (503 until it does), and
    the line returned warns of it.
    """
    if redis_url is None:
        if cluster:
            raise SettingError("REDIS_CLUSTER=true needs REDIS_URL: one node of the cluster")
        return None
    options = parse_url(redis_url)
    if cluster and "path" in options:
        raise SettingError(
            f"REDIS_CLUSTER=true: REDIS_URL {shown(redis_url)} is a Unix socket, and a "
            "cluster's nodes are reached over TCP: redis:// or rediss://"
        )
    if cluster and options.get("db", 0) != 0:
        raise SettingError(
            f"REDIS_CLUSTER=true: REDIS_URL {shown(redis_url)} names database "
            f"{options['db']}, and a Redis Cluster has database 0 only"
        )
    probe = Redis.from_url(redis_url, **client_options())
    try:
        enabled = cluster_enabled(probe)
        slots = int(cast(dict, probe.cluster("info"))["cluster_slots_assigned"]) if enabled else 0
    except RedisError as error:
        if not cluster:
            return (
                f"REDIS_URL {shown(redis_url)} cannot be used now ({error}); starting anyway: "
                "what needs it answers 503 until it does, and the failed-login counts are "
                "kept in each process meanwhile"
            )
        if isinstance(error, STORE_DOWN) and not isinstance(error, AuthenticationError):
            raise SettingError(
                f"REDIS_CLUSTER=true, but nothing answers at REDIS_URL {shown(redis_url)} "
                f"({error}): it must name a node of a running Redis Cluster"
            ) from None
        raise SettingError(
            f"REDIS_CLUSTER=true, but the node at REDIS_URL {shown(redis_url)} could not be "
            f"asked whether it is a cluster node ({error})"
        ) from None
    finally:
        probe.close()
    if cluster and not enabled:
        raise SettingError(
            f"REDIS_CLUSTER=true, but REDIS_URL {shown(redis_url)} is a Redis without cluster "
            "support (cluster_enabled:0): name a node of a Redis Cluster, or leave "
            "REDIS_CLUSTER unset"
        )
    if cluster and not slots:
        raise SettingError(
            f"REDIS_CLUSTER=true, but the node at REDIS_URL {shown(redis_url)} belongs to no "
            "cluster that holds slots yet: create the cluster first (redis-cli --cluster create)"
        )
    if enabled and not cluster:
        raise SettingError(
            f"REDIS_URL {shown(redis_url)} is a node of a Redis Cluster (cluster_enabled:1), "
            "which refuses the keys of its other nodes: set REDIS_CLUSTER=true"
        )
    return None
