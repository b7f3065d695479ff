"""Private redis-servers on free loopback ports, started and stopped by their PIDs.

For measurements and tests that need a real Redis, or a real Redis Cluster,
without touching one the user runs.
"""

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import cast

import redis
from redis.cluster import RedisCluster
from redis.crc import key_slot

from benchmarks.harness.processes import flags, free_port, stop
from sandbox.store import cluster_enabled, shown


class RedisServer:
    """One redis-server; with `cluster_port`, a cluster node whose bus listens there.

    Its folder (and a node's nodes.conf in it) outlives `stop`, so that `start` brings
    the same node back: a cluster node rejoins with its id and its slots.
    """

    def __init__(
        self, port: int | None = None, cluster_port: int | None = None, appendonly: bool = False
    ):
        self.port = port or free_port()
        self.cluster_port = cluster_port
        self.appendonly = appendonly  # an append-only file in its folder, which `start` reads
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self._workdir = tempfile.TemporaryDirectory(prefix="auth-sandbox-redis-")

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self, timeout: float = 10.0) -> None:
        executable = shutil.which("redis-server") or "redis-server"
        options: dict[str, object] = {
            "--bind": "127.0.0.1",
            "--port": self.port,
            "--save": "",
            "--appendonly": "yes" if self.appendonly else "no",
            "--dir": self._workdir.name,
        }
        if self.cluster_port is not None:
            options |= {
                "--cluster-enabled": "yes",
                # A master down must not refuse the keys of the others.
                "--cluster-require-full-coverage": "no",
                # The default bus port, port + 10000, overflows above 55535.
                "--cluster-port": self.cluster_port,
                "--cluster-config-file": "nodes.conf",
            }
        self.process = subprocess.Popen([executable, *flags(options)], stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.02)
            finally:
                client.close()

    def stop(self) -> None:
        if self.process is not None:
            stop(self.process)
            self.process = None

    def close(self) -> None:
        self.stop()
        self._workdir.cleanup()

    def __enter__(self) -> "RedisServer":
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def free_ports(count: int) -> list[int]:
    """`count` distinct free TCP ports on 127.0.0.1, held together while they are chosen."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for held in sockets:
            held.bind(("127.0.0.1", 0))
        return [held.getsockname()[1] for held in sockets]


class RedisClusterServer:
    """A Redis Cluster of `masters` masters without replicas, each a RedisServer.

    Every node binds 127.0.0.1 on a free port, with a free bus port of its own
    (`--cluster-port`: the default, port + 10000, overflows above 55535), keeps its own
    folder, and runs with `cluster-require-full-coverage no`, so that a master down
    leaves the others serving their slots. `redis-cli --cluster create` assigns the
    slots; `stop_node` and `start_node` take one master away and bring it back with
    its nodes.conf, hence its id and its slots.
    """

    def __init__(self, masters: int = 3):
        ports = free_ports(2 * masters)
        self.nodes = [
            RedisServer(port, cluster_port)
            for port, cluster_port in zip(ports[:masters], ports[masters:], strict=True)
        ]
        self.url = self.nodes[0].url  # one node: a client finds the others
        self._slots: dict[int, list[tuple[int, int]]] = {}  # node port -> its slot ranges

    @staticmethod
    def available() -> bool:
        return RedisServer.available() and shutil.which("redis-cli") is not None

    def start(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        try:
            for node in self.nodes:
                node.start()
            executable = shutil.which("redis-cli") or "redis-cli"
            addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
            create = ["--cluster", "create", *addresses, "--cluster-replicas", "0", "--cluster-yes"]
            subprocess.run(
                [executable, *create],
                check=True,
                capture_output=True,
                timeout=max(1.0, deadline - time.monotonic()),
            )
            view = self.wait_until_ok(deadline - time.monotonic())
        except BaseException:
            self.close()
            raise
        for first, last, port in view:
            self._slots.setdefault(port, []).append((first, last))

    def wait_until_ok(self, timeout: float = 30.0) -> tuple[tuple[int, int, int], ...]:
        """Until every running node says `cluster_state:ok`, knows every node, and all agree
        on who holds which slots; that agreement: (first slot, last slot, holder's port)."""
        deadline = time.monotonic() + timeout
        while True:
            views = {self._view(node) for node in self.nodes if node.process is not None}
            agreed = views.pop() if len(views) == 1 else None
            if agreed:
                return agreed
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Redis Cluster did not settle within {timeout:.0f} s")
            time.sleep(0.05)

    def _view(self, node: RedisServer) -> tuple[tuple[int, int, int], ...] | None:
        client = redis.Redis.from_url(node.url, socket_timeout=1)
        try:
            info = cast(dict, client.cluster("info"))
            if info.get("cluster_state") != "ok":
                return None
            if int(info.get("cluster_known_nodes", 0)) != len(self.nodes):
                return None
            slots = cast(list, client.execute_command("CLUSTER SLOTS"))
            return tuple(sorted((int(s[0]), int(s[1]), int(s[2][1])) for s in slots))
        except redis.RedisError:
            return None
        finally:
            client.close()

    def slots(self, index: int) -> list[tuple[int, int]]:
        """The slot ranges node `index` holds."""
        return self._slots.get(self.nodes[index].port, [])

    def node_of_slot(self, slot: int) -> int:
        """The index of the node that holds `slot`."""
        return next(
            index
            for index in range(len(self.nodes))
            if any(first <= slot <= last for first, last in self.slots(index))
        )

    def node_of(self, key: str | bytes) -> int:
        """The index of the node that holds `key` (its hash tag's slot, as Redis computes it)."""
        return self.node_of_slot(key_slot(key.encode() if isinstance(key, str) else key))

    def stop_masters(self, *indices: int) -> None:
        """Stop these masters (each by its PID); their folders stay, for `start_masters`."""
        for index in indices:
            self.nodes[index].stop()

    def start_masters(self, *indices: int, timeout: float = 30.0) -> None:
        """Start these masters again, and wait until the cluster agrees they serve their slots."""
        for index in indices:
            self.nodes[index].start()
        self.wait_until_ok(timeout)

    def close(self) -> None:
        for node in self.nodes:
            node.close()

    def __enter__(self) -> "RedisClusterServer":
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


DELETE_BATCH = 10_000


@dataclass(frozen=True)
class MeasurementRedis:
    url: str | None  # None: no real Redis; each app gets an in-process fakeredis
    label: str


@contextmanager
def measurement_redis(redis_url: str | None, prefix: str) -> Iterator[MeasurementRedis]:
    """The Redis a measurement runs against, never one it must not disturb.

    `redis_url` (the user's REDIS_URL, a node of a Redis Cluster with REDIS_CLUSTER) if
    set, its keys under `prefix` deleted afterwards, on every master of a cluster; else a
    private redis-server on a free loopback port, stopped afterwards; else none.
    """
    if redis_url:
        cluster = _cluster_node(redis_url)
        label = "Redis Cluster at REDIS_URL" if cluster else "Redis at REDIS_URL"
        try:
            yield MeasurementRedis(redis_url, label)
        finally:
            client = (
                RedisCluster.from_url(redis_url) if cluster else redis.Redis.from_url(redis_url)
            )
            delete_keys(client, prefix)
            client.close()
    elif RedisServer.available():
        with RedisServer() as server:
            yield MeasurementRedis(server.url, "private redis-server on 127.0.0.1")
    else:
        yield MeasurementRedis(None, "fakeredis (in-process)")


def delete_keys(client: redis.Redis | RedisCluster, prefix: str) -> int:
    """Delete every key under `prefix` (UNLINK, in batches); how many it deleted.

    A cluster's SCAN visits every master, and its UNLINK splits the keys by slot.
    """
    deleted = 0
    batch: list[bytes] = []
    for key in client.scan_iter(match=prefix + "*", count=DELETE_BATCH):
        batch.append(key)
        if len(batch) == DELETE_BATCH:
            deleted += cast(int, client.unlink(*batch))
            batch = []
    if batch:
        deleted += cast(int, client.unlink(*batch))
    return deleted


class StoreUnreachable(RuntimeError):
    """The Redis a measurement was told to use (REDIS_URL) cannot be used: one line."""


def _cluster_node(redis_url: str) -> bool:
    """Whether the Redis at `redis_url` is a node of a cluster; StoreUnreachable, before
    anything is measured or started, when it cannot be asked."""
    client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return cluster_enabled(client)
    except redis.RedisError as error:
        raise StoreUnreachable(
            f"REDIS_URL {shown(redis_url)} cannot be used ({error}): start it, or unset "
            "REDIS_URL to measure on a private redis-server"
        ) from None
    finally:
        client.close()
