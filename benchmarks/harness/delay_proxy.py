"""A TCP proxy on 127.0.0.1 that adds a round-trip time: a token store, or a service, that
seems `rtt_ms` away.

Each direction of each connection holds every chunk it reads for RTT/2 from the moment it
arrives, then writes it at that release time: a chunk that arrives while an earlier one waits
is released at its own arrival + RTT/2, not after the earlier one's delay, so the proxy adds
latency and caps no throughput (N connections, each waiting for its answers, still make N
round trips per RTT). Order is kept within a direction; an EOF (a half-close) and a close
travel behind the data before them, with the same delay. Opening a connection is not
delayed: only what flows through it is (a pool that keeps its connections, as redis-py's and
requests' do, pays the RTT per round trip and not per connection).

It runs an asyncio event loop in a thread of its own. The loop waits with select(2), whose
timeout is in microseconds: epoll's is in milliseconds, rounded up, and measured here it woke
timers 0.76 ms late at the median where select woke them 0.17 ms late, which would have added
a millisecond to every round trip. select(2) watches descriptors below FD_SETSIZE (1024): a
connection whose socket is numbered above is refused (`refused`), hundreds of concurrent
connections are fine. A side that holds more than HIGH_WATER bytes, or whose destination
cannot take more, stops reading its source until it drains.

`cpu_seconds` is the CPU time (user and system) of that thread alone, every connection's
reading, holding and writing: read from the thread's own CPU clock (pthread_getcpuclockid)
while it runs, and its time.thread_time() at the end once it has stopped.
"""

import asyncio
import math
import selectors
import socket
import threading
import time

from benchmarks.harness.delay_proxy_sides import Side

LOOPBACK = "127.0.0.1"


class DelayProxy:
    """127.0.0.1:`port` → `upstream_host`:`upstream_port`, each chunk held RTT/2 each way.

    `rtt_ms` may be changed while it runs; a chunk takes the value at its arrival.
    `upstream_port` too: a connection opened afterwards goes there.
    """

    def __init__(
        self,
        upstream_port: int,
        rtt_ms: float = 0.0,
        *,
        upstream_host: str = LOOPBACK,
        port: int = 0,
    ):
        self.upstream_host, self.upstream_port = upstream_host, upstream_port
        self.rtt_ms = rtt_ms
        self._requested_port = port
        self.port = 0  # the port it listens on, once started
        self.accepted = self.refused = self.failed = self.forwarded = 0
        self._sides: set[Side] = set()
        self._connecting: set[asyncio.Task] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._cpu_lock = threading.Lock()
        self._cpu_clock: int | None = None  # the running thread's CPU clock
        self._final_cpu = 0.0

    @property
    def rtt_ms(self) -> float:
        return self._rtt_ms

    @rtt_ms.setter
    def rtt_ms(self, value: float) -> None:
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"an RTT is a number of milliseconds, 0 or more, not {value!r}")
        self._rtt_ms = float(value)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def connections(self) -> int:
        """Sockets open now: two for each proxied connection."""
        return len(self._sides)

    @property
    def cpu_seconds(self) -> float:
        """The CPU time of the proxy's thread: so far while it runs, in all once it stopped."""
        with self._cpu_lock:
            if self._cpu_clock is not None:
                return time.clock_gettime(self._cpu_clock)
            return self._final_cpu

    def start(self, timeout: float = 10.0) -> "DelayProxy":
        if self._thread is not None:
            raise RuntimeError("this proxy is already started")
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name="delay-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the delay proxy did not start")
        if self._error is not None:
            self._thread.join()
            self._thread = None
            raise self._error
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop listening, close every connection, end the thread."""
        if self._thread is None or self._loop is None:
            return
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._close(), self._loop)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise RuntimeError("the delay proxy's thread did not end")
        self._thread = None

    def __enter__(self) -> "DelayProxy":
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _accept(self) -> Side:
        return Side(self)

    def _run(self) -> None:
        loop = asyncio.SelectorEventLoop(selectors.SelectSelector())
        self._loop = loop
        asyncio.set_event_loop(loop)
        with self._cpu_lock:
            self._cpu_clock = time.pthread_getcpuclockid(threading.get_ident())
        try:
            try:
                server = loop.run_until_complete(
                    loop.create_server(
                        self._accept, LOOPBACK, self._requested_port, family=socket.AF_INET
                    )
                )
            except OSError as error:
                self._error = error
                return
            self._server = server
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            loop.run_forever()
        finally:
            self._ready.set()
            with self._cpu_lock:
                self._cpu_clock = None
                self._final_cpu = time.thread_time()
            loop.close()
            asyncio.set_event_loop(None)

    async def _close(self) -> None:
        assert self._loop is not None and self._server is not None
        self._server.close()
        await self._server.wait_closed()
        # An aborted transport closes its socket in a callback of the loop: let them run,
        # and abort what a connection accepted meanwhile opened, until nothing is left.
        for _ in range(20):
            if not (self._sides or self._connecting):
                break
            for task in list(self._connecting):
                task.cancel()
            for side in list(self._sides):
                if side.outgoing is not None:
                    side.outgoing.drop()
                if side.transport is not None:
                    side.transport.abort()
            await asyncio.gather(*self._connecting, return_exceptions=True)
            for _ in range(3):
                await asyncio.sleep(0)
        self._loop.stop()
