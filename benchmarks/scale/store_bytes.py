"""What a Redis holds for a configuration: its memory, a sample of its keys' sizes, its keys."""

import statistics
import time
from dataclasses import dataclass

from redis import Redis

from benchmarks.scale.target import dbsize, info

SAMPLE_KEYS = 1000
SETTLE_INTERVAL_S = 0.1  # serverCron's, at the default hz 10
SETTLE_TIMEOUT_S = 5.0
SCAN_COUNT = 1000


@dataclass(frozen=True)
class Snapshot:
    """The server's memory and the database's key count at one moment."""

    used_memory: int
    client_buffers: int  # clients' query and output buffers: a batch's, not the tokens'
    keys: int

    @classmethod
    def of(cls, client: Redis) -> "Snapshot":
        memory = info(client, "memory")
        return cls(int(memory["used_memory"]), int(memory["mem_clients_normal"]), dbsize(client))

    def gained_since(self, before: "Snapshot") -> int:
        """Bytes gained, less what the clients' buffers gained: what the keys take."""
        return (self.used_memory - before.used_memory) - (
            self.client_buffers - before.client_buffers
        )


def settled(client: Redis) -> Snapshot:
    """A snapshot once the server's memory stops moving: after a fill or a delete, Redis
    finishes growing or shrinking its hash tables in serverCron, within a few ticks (the
    old table of a growing one is freed only then; a deleted million keys leaves tables of
    a million buckets behind for a tick or two)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    last = Snapshot.of(client)
    while time.monotonic() < deadline:
        time.sleep(SETTLE_INTERVAL_S)
        now = Snapshot.of(client)
        if now.gained_since(last) == 0 and now.keys == last.keys:
            return now
        last = now
    return last


def sample_keys(client: Redis, prefix: str, size: int = SAMPLE_KEYS) -> list[bytes]:
    """Up to `size` of the keys under `prefix`, in SCAN's order: the hash's, so at random."""
    found: list[bytes] = []
    for key in client.scan_iter(match=prefix + "*", count=SCAN_COUNT):
        found.append(key)
        if len(found) == size:
            break
    return found


def mean_memory_usage(client: Redis, keys: list[bytes]) -> float | None:
    """MEMORY USAGE averaged over `keys`: key, value and dict entry, as Redis counts them
    (not the expiry's entry nor the hash tables' buckets, which used_memory includes)."""
    if not keys:
        return None
    pipeline = client.pipeline(transaction=False)
    for key in keys:
        pipeline.memory_usage(key, samples=0)
    sizes = [size for size in pipeline.execute() if size is not None]
    return statistics.fmean(sizes) if sizes else None


def keys_left(client: Redis, prefix: str) -> int:
    return sum(1 for _ in client.scan_iter(match=prefix + "*", count=SCAN_COUNT))
