"""The two halves of each connection the delaying proxy carries (benchmarks/harness/
delay_proxy.py): a socket's side, and a direction that holds each chunk until its release."""

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks.harness.delay_proxy import DelayProxy

HIGH_WATER = 4 * 1024 * 1024  # bytes held in one direction before its source is paused
LOW_WATER = HIGH_WATER // 4  # ... and resumed
FD_LIMIT = 1024  # select(2)'s FD_SETSIZE
EOF, CLOSE = object(), object()  # what a direction carries besides bytes


class Side(asyncio.Protocol):
    """One socket of a proxied connection: the client's, or the upstream's."""

    def __init__(self, proxy: "DelayProxy"):
        self.proxy = proxy
        self.transport: asyncio.Transport | None = None
        self.peer: Side | None = None
        self.outgoing: Direction | None = None  # what this side reads, toward its peer
        self.closed = False
        self.write_paused = False
        self.eof_in = self.eof_out = False  # it sent us its EOF; we sent it one

    def close_when_both_ended(self) -> None:
        """A socket half-closed both ways carries nothing more: closed."""
        if self.eof_in and self.eof_out and self.transport is not None:
            self.transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is None or sock.fileno() >= FD_LIMIT:
            self.proxy.refused += 1
            transport.abort()
            return
        self.proxy._sides.add(self)
        if self.peer is None:  # accepted: open the upstream side, and hold reads till then
            self.proxy.accepted += 1
            transport.pause_reading()
            upstream = Side(self.proxy)
            upstream.peer, self.peer = self, upstream
            self.outgoing, upstream.outgoing = (
                Direction(self, upstream),
                Direction(upstream, self),
            )
            task = asyncio.ensure_future(self._connect(upstream))
            self.proxy._connecting.add(task)
            task.add_done_callback(self.proxy._connecting.discard)

    async def _connect(self, upstream: "Side") -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.create_connection(
                lambda: upstream, self.proxy.upstream_host, self.proxy.upstream_port
            )
        except OSError:
            self.proxy.failed += 1
            if self.transport is not None:
                self.transport.abort()
            return
        if self.closed or self.transport is None or self.transport.is_closing():
            if upstream.transport is not None:  # the client left while it connected
                upstream.transport.close()
        elif upstream.closed or upstream.transport is None or upstream.transport.is_closing():
            self.transport.abort()
        else:
            self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        if self.outgoing is not None:
            self.outgoing.push(data, len(data))

    def eof_received(self) -> bool:
        self.eof_in = True
        if self.outgoing is not None:
            self.outgoing.push(EOF, 0)
        self.close_when_both_ended()
        return True  # keep the other half open: it may still answer

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.proxy._sides.discard(self)
        if self.outgoing is not None:
            self.outgoing.push(CLOSE, 0)  # behind what it still holds
        if self.peer is not None and self.peer.outgoing is not None:
            self.peer.outgoing.drop()  # nothing can reach this side any more

    def pause_writing(self) -> None:
        self.write_paused = True
        if self.peer is not None and self.peer.outgoing is not None:
            self.peer.outgoing.update_reading()

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.peer is not None and self.peer.outgoing is not None:
            self.peer.outgoing.update_reading()


class Direction:
    """What `source` read, held until each chunk's release, then written to `target`."""

    def __init__(self, source: Side, target: Side):
        self.source, self.target = source, target
        self.proxy = source.proxy
        self.held: deque[tuple[float, Any]] = deque()
        self.bytes_held = 0
        self.timer: asyncio.TimerHandle | None = None
        self.last_release = 0.0
        self.reading = True

    def push(self, item: Any, size: int) -> None:
        loop = asyncio.get_running_loop()
        # Its own arrival + RTT/2; never before the chunk ahead of it (an RTT made smaller
        # meanwhile must not reorder the stream).
        release = max(loop.time() + self.proxy.rtt_ms / 2000, self.last_release)
        self.last_release = release
        self.held.append((release, item))
        self.bytes_held += size
        self.update_reading()
        if self.timer is None:
            self.timer = loop.call_at(release, self.flush)

    def flush(self) -> None:
        self.timer = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        target = self.target.transport
        while self.held and self.held[0][0] <= now:
            _release, item = self.held.popleft()
            if item is CLOSE:
                if target is not None:
                    target.close()  # after what it has buffered
                self.drop()
                return
            if target is None or target.is_closing():
                self.bytes_held -= 0 if item is EOF else len(item)
                continue
            if item is EOF:
                if target.can_write_eof():
                    target.write_eof()
                    self.target.eof_out = True
                    self.target.close_when_both_ended()
                else:
                    target.close()
            else:
                self.bytes_held -= len(item)
                self.proxy.forwarded += len(item)
                target.write(item)
        self.update_reading()
        if self.held:
            self.timer = loop.call_at(self.held[0][0], self.flush)

    def drop(self) -> None:
        """Nothing more goes this way: what is held is forgotten, its timer cancelled."""
        self.held.clear()
        self.bytes_held = 0
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def update_reading(self) -> None:
        """Pause the source while too much is held or its destination is full; resume after."""
        source = self.source.transport
        if source is None or source.is_closing():
            return
        full = self.bytes_held > HIGH_WATER or self.target.write_paused
        drained = self.bytes_held <= LOW_WATER and not self.target.write_paused
        if self.reading and full:
            self.reading = False
            source.pause_reading()
        elif not self.reading and drained:
            self.reading = True
            source.resume_reading()
