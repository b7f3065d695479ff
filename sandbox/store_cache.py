"""STORE_CACHE=tracking: the token store's per-request reads answered from a cache in each
worker, which Redis keeps exact by server-assisted invalidation (CLIENT TRACKING).

Why RESP2 with REDIRECT rather than RESP3 push messages: the reads go over one dedicated
connection whose replies are only replies, and the invalidations arrive on a second
connection of their own, which a worker drains without a round trip (a non-blocking read
of its socket) before every answer it gives from the cache. redis-py's own client-side
cache needs RESP3 and Redis 7.4; this works from Redis 6.0, Debian 12's 7.0 included.

What keeps it exact, hazard by hazard:
- A read racing its own invalidation: the key is marked in flight before the read, and the
  answer is not kept if an invalidation of it (or a flush) arrived meanwhile.
- Invalidations already waiting on the socket: drained before every cached answer, so a
  revocation answered by another worker is seen by the next request here.
- The revoking worker's answer overtaking the invalidations Redis writes to the others: a
  write is followed by one more round trip (PING) before its answer returns, by which time
  Redis has written them (see TrackedStore).
- A lost connection (killed, Redis restarted, or the one that turned tracking on dropped,
  which silences the invalidations without a word: redis/redis#11767): both sockets are
  checked before every cached answer; on any sign of trouble the cache is emptied and
  bypassed, and tracking is set up again at most once a second. It fails toward asking
  Redis, never toward an old answer.
- Memory: at most MAX_ENTRIES entries, each kept no longer than MAX_AGE_S nor its key's TTL.
"""

import os
import select
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from cachetools import TLRUCache
from redis import Redis, RedisError
from redis.client import Pipeline
from redis.connection import Connection

from strategies.settings import Setting, one_of

SETTINGS = (
    Setting(
        "STORE_CACHE",
        "off",
        "tracking: each worker answers the token store's per-request reads (bearer's token "
        "lookup, the denylist check) from a local cache that Redis keeps exact "
        "(CLIENT TRACKING, Redis 6 or newer); off: every request asks Redis",
        one_of("off", "tracking"),
    ),
)
MAX_ENTRIES = 100_000
MAX_AGE_S = 60.0  # also bounds a miss, whose key has no TTL to go by
RETRY_S = 1.0  # between two attempts to set tracking up again
INVALIDATE = b"__redis__:invalidate"
COMMANDS = ("GET", "EXISTS")  # the reads it answers, each of one key
# Commands that change nothing: a pipeline of only these causes no invalidation to wait for.
READS = frozenset({"GET", "EXISTS", "TTL", "PTTL", "MGET"})


class Broken(Exception):
    """A tracking connection that can no longer be trusted to report invalidations."""


class InvalidationCache:
    """Cached answers to reads of single keys, dropped as Redis reports their keys changed."""

    def __init__(self, make_connection: Callable[[], Connection]):
        self._make_connection = make_connection
        self._entries: TLRUCache = TLRUCache(
            MAX_ENTRIES, ttu=lambda _key, entry, _now: entry[1], timer=time.monotonic
        )
        self._in_flight: dict[bytes, bool] = {}  # key -> invalidated while being read
        self._lock = threading.Lock()
        self._reader: Connection | None = None  # tracked: Redis remembers what it read
        self._listener: Connection | None = None  # subscribed to the invalidations
        self._sockets = select.poll()  # both connections' sockets: is either readable?
        self._pid = 0
        self._retry_at = 0.0

    def read(self, key: bytes, command: str, fallback: Callable[[], Any]) -> Any:
        """The answer to `command key` (one of COMMANDS): from the cache where Redis has not
        reported the key changed since; else read on the tracked connection and kept;
        `fallback()` while tracking is not set up."""
        with self._lock:
            try:
                if self._tracking():
                    self._drain()
                    cached = self._entries.get((key, command))
                    return cached[0] if cached is not None else self._fetch(key, command)
            except (Broken, RedisError, OSError):
                self._reset()
        return fallback()

    def _tracking(self) -> bool:
        """Whether tracking is set up in this process, setting it up if it is time to."""
        if self._pid != os.getpid():  # a forked worker: its parent's sockets are not its own
            self._reader = self._listener = None
            self._entries.clear()
            self._pid, self._retry_at = os.getpid(), 0.0
        if self._reader is not None:
            return True
        if time.monotonic() < self._retry_at:
            return False
        self._retry_at = time.monotonic() + RETRY_S
        listener, reader = self._make_connection(), self._make_connection()
        try:
            listener.send_command("CLIENT", "ID")
            listener_id = listener.read_response()
            listener.send_command("SUBSCRIBE", INVALIDATE)
            listener.read_response()
            reader.send_command("CLIENT", "TRACKING", "ON", "REDIRECT", listener_id)
            reader.read_response()
        except (RedisError, OSError):
            listener.disconnect()
            reader.disconnect()
            return False
        self._listener, self._reader = listener, reader
        # redis-py names no socket publicly; a connected Connection keeps it in `_sock`.
        self._sockets = select.poll()
        for connection in (listener, reader):
            assert connection._sock is not None  # connected: it has answered
            self._sockets.register(connection._sock, select.POLLIN)
        return True

    def _drain(self) -> None:
        """Apply every invalidation waiting on the listener's socket; make sure the reader,
        which has no reply pending, has not been closed (it would say so by being readable)."""
        assert self._listener is not None and self._reader is not None
        # Most requests find nothing waiting: one poll() of both sockets says so, where
        # can_read() costs each connection three system calls and an exception. Nothing is
        # left buffered between drains (each ends when can_read() says so), so a quiet
        # socket means no invalidation waits.
        if not self._sockets.poll(0):
            return
        while self._listener.can_read(timeout=0):
            message = self._listener.read_response()
            if not isinstance(message, list) or len(message) != 3 or message[1] != INVALIDATE:
                continue
            keys = message[2]
            if keys is None:  # FLUSHDB, FLUSHALL
                self._entries.clear()
                self._in_flight = dict.fromkeys(self._in_flight, True)
                continue
            for changed in keys:
                for command in COMMANDS:
                    self._entries.pop((changed, command), None)
                if changed in self._in_flight:
                    self._in_flight[changed] = True
        if self._reader.can_read(timeout=0):
            raise Broken("the tracked connection has something to say, or was closed")

    def _fetch(self, key: bytes, command: str) -> Any:
        """Read `key` and its TTL in one round trip on the tracked connection; keep the
        answer unless the key was invalidated while it was being read."""
        assert self._reader is not None
        self._in_flight[key] = False
        try:
            self._reader.send_packed_command(
                self._reader.pack_commands([(command, key), ("PTTL", key)])
            )
            answer, ttl_ms = self._reader.read_response(), self._reader.read_response()
            self._drain()
            if not self._in_flight[key]:
                now = time.monotonic()
                age = MAX_AGE_S if ttl_ms < 0 else min(MAX_AGE_S, ttl_ms / 1000)
                self._entries[key, command] = (answer, now + age)
            return answer
        finally:
            del self._in_flight[key]

    def _reset(self) -> None:
        """Forget everything and close both connections; tracking is set up again later."""
        for connection in (self._reader, self._listener):
            if connection is not None:
                connection.disconnect()
        self._reader = self._listener = None
        self._entries.clear()


class TrackedStore(Redis):
    """A Redis client whose single-key GET and EXISTS go through an InvalidationCache, and
    whose writes (a pipeline, a script) return only after one more round trip."""

    cache: InvalidationCache

    def track(self) -> "TrackedStore":
        pool = self.connection_pool
        self.cache = InvalidationCache(lambda: pool.connection_class(**pool.connection_kwargs))
        return self

    def get(self, name: Any) -> Any:
        def from_redis() -> Any:
            return super(TrackedStore, self).get(name)

        return self.cache.read(_key(name), "GET", from_redis)

    def exists(self, *names: Any) -> Any:
        def from_redis() -> Any:
            return super(TrackedStore, self).exists(*names)

        return (
            self.cache.read(_key(names[0]), "EXISTS", from_redis)
            if len(names) == 1
            else from_redis()
        )

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Pipeline:
        return FlushedPipeline(self, transaction, shard_hint)

    def evalsha(self, sha: str, numkeys: int, *keys_and_args: Any) -> Any:
        result = super().evalsha(sha, numkeys, *keys_and_args)
        self.flush(keys_and_args[:numkeys])
        return result

    def flush(self, keys: Sequence[Any]) -> None:
        """One more round trip after a write (see FlushedPipeline). An EXISTS of the keys
        written, where there are any: as cheap as a PING, and it names what it followed."""
        if keys:
            self.execute_command("EXISTS", *keys)
        else:
            self.ping()


class FlushedPipeline(Pipeline):
    """A pipeline whose execute() returns after one more round trip: Redis can answer a
    write before it has written the invalidations the write causes to the other workers'
    sockets, and a PING answered after it means it has."""

    def __init__(self, client: TrackedStore, transaction: bool, shard_hint: Any):
        super().__init__(client.connection_pool, client.response_callbacks, transaction, shard_hint)
        self._client = client

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        writes = [args for args, _ in self.command_stack if str(args[0]).upper() not in READS]
        result = super().execute(raise_on_error)
        if writes:  # a pipeline of reads (introspection's GET and TTL) has nothing to flush
            self._client.flush([args[1] for args in writes if len(args) > 1])
        return result


def _key(name: Any) -> bytes:
    return name if isinstance(name, bytes) else str(name).encode()
