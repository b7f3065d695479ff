"""`bench --store-rtt MS`: the bench's Redis a round trip away, through the delaying proxy
(benchmarks/harness/delay_proxy.py) on loopback, so that the load figures can be read at a
realistic distance too. A stand-in for a network, not for a remote Redis: to measure a real
one, point REDIS_URL at it and leave --store-rtt at 0."""

from contextlib import ExitStack
from urllib.parse import urlsplit

from benchmarks.harness.delay_proxy import LOOPBACK, DelayProxy
from benchmarks.harness.redis_server import MeasurementRedis
from benchmarks.load.servers import BenchError


def at_a_distance(
    stack: ExitStack, store: MeasurementRedis, rtt_ms: float
) -> tuple[MeasurementRedis, DelayProxy | None]:
    """`store` as the servers reach it: through a proxy that adds `rtt_ms` (kept open by
    `stack`), and that proxy; as it is where `rtt_ms` is 0."""
    if not rtt_ms:
        return store, None
    if store.url is None:
        raise BenchError(
            "--store-rtt needs a real Redis to put a distance before: set REDIS_URL, or install "
            "redis-server"
        )
    parts = urlsplit(store.url)
    if "cluster" in store.label.lower():
        raise BenchError(
            "--store-rtt cannot stand before a Redis Cluster: its nodes send clients to their "
            "own addresses, past the proxy"
        )
    proxy = stack.enter_context(
        DelayProxy(parts.port or 6379, rtt_ms, upstream_host=parts.hostname or LOOPBACK)
    )
    # The same URL (scheme, credentials, database), its host and port the proxy's.
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@" if credentials else ""
    proxied = parts._replace(netloc=f"{netloc}{LOOPBACK}:{proxy.port}").geturl()
    label = f"{store.label}, {rtt_ms:g} ms away through a delaying proxy on loopback"
    return MeasurementRedis(proxied, label), proxy
