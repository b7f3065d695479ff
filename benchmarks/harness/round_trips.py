"""Every Redis round trip the process makes, counted where redis-py writes to a socket, and
named by the keys it touches.

One send is one round trip: a command, a pipeline (MULTI … EXEC or not) or a script call
each leave in one write and wait for their replies together. A script redis-py has not
loaded yet costs three (EVALSHA refused with NOSCRIPT, SCRIPT LOAD, EVALSHA again); a new
connection's handshake (CLIENT SETINFO …) and a health check's PING are round trips too.

Why a class-level patch of `AbstractConnection.send_packed_command`, for the duration of a
count only: it is the one method every send of every synchronous connection class goes
through (Connection, SSLConnection, UnixDomainSocketConnection, the connections a
RedisCluster keeps per node, fakeredis's FakeRedisConnection; the client-side cache's proxy
forwards to one of them), whichever client made the connection: the token store, the client
`limits` makes of its own for the failed-login limits, any other. A client's
`execute_command` sees neither a pipeline's commands nor another library's client. redis-py
7's official hook, its OpenTelemetry metrics (`redis.observability`), records a duration per
command or pipeline but not the keys, so it cannot tell what a round trip was for; it sees
neither a connection's handshake nor fakeredis, and needs the OpenTelemetry SDK besides.
"""

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from redis.connection import AbstractConnection

OTHER = "other"  # a round trip that touches no key of a known prefix: PING, SCRIPT LOAD…
# Commands whose second word says what they do ("SCRIPT LOAD", "CLIENT SETINFO").
CONTAINERS = {
    *(b"ACL", b"CLIENT", b"CLUSTER", b"COMMAND", b"CONFIG"),
    *(b"FUNCTION", b"MEMORY", b"OBJECT", b"SCRIPT"),
}


@dataclass(frozen=True)
class RoundTrip:
    commands: tuple[str, ...]  # sent together: ("GET",), ("MULTI", "SET", "EXEC")…
    purpose: str  # what the keys it touches hold; "a + b" if it touches both; OTHER if none


@dataclass
class RoundTrips:
    """The round trips of one count, each named by `purposes`: key prefix → what it holds."""

    purposes: Mapping[str, str]
    trips: list[RoundTrip] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Longest first: a prefix that begins with another names its keys.
        self._prefixes = sorted(
            ((prefix.encode(), purpose) for prefix, purpose in self.purposes.items()),
            key=lambda item: -len(item[0]),
        )

    def record(self, packed: Any) -> None:
        """One send, as redis-py packed it (bytes, or a list of bytes and memoryviews)."""
        try:
            commands = parse(packed)
        except (ValueError, IndexError):  # not RESP arrays: redis-py never sends such
            self.trips.append(RoundTrip(("?",), OTHER))
            return
        self.trips.append(RoundTrip(tuple(map(name, commands)), self.purpose(commands)))

    def purpose(self, commands: Iterable[list[bytes]]) -> str:
        """What the keys of `commands` hold, in the order they come; OTHER if none is known."""
        found = dict.fromkeys(
            purpose
            for command in commands
            for argument in command[1:]
            if (purpose := self._purpose_of(argument)) != OTHER
        )
        return " + ".join(found) or OTHER

    def _purpose_of(self, argument: bytes) -> str:
        return next((p for prefix, p in self._prefixes if argument.startswith(prefix)), OTHER)

    def summary(self) -> dict[str, Any]:
        """{"redis": how many, "by_purpose": {purpose: how many}, "trips": [{"purpose",
        "commands"}, one a round trip, in order]}."""
        return {
            "redis": len(self.trips),
            "by_purpose": dict(Counter(trip.purpose for trip in self.trips)),
            "trips": [
                {"purpose": trip.purpose, "commands": describe(trip.commands)}
                for trip in self.trips
            ],
        }


def parse(packed: Any) -> list[list[bytes]]:
    """The commands of one send: RESP arrays of bulk strings, one after the other."""
    if isinstance(packed, str):
        packed = packed.encode()
    data = packed if isinstance(packed, bytes) else b"".join(packed)
    commands, at = [], 0
    while at < len(data):
        if data[at : at + 1] != b"*":
            raise ValueError("not a RESP array")
        end = data.index(b"\r\n", at)
        count, at = int(data[at + 1 : end]), end + 2
        command = []
        for _ in range(count):
            end = data.index(b"\r\n", at)
            length, at = int(data[at + 1 : end]), end + 2
            command.append(data[at : at + length])
            at += length + 2
        commands.append(command)
    return commands


def name(command: list[bytes]) -> str:
    words = command[:2] if command[0].upper() in CONTAINERS and len(command) > 1 else command[:1]
    return " ".join(word.decode(errors="replace").upper() for word in words)


def describe(commands: tuple[str, ...]) -> str:
    """A round trip's commands in a few words: "GET"; "MULTI, SET, EXEC", with a run of one
    command counted ("SET" twice in a row: "SET" and the multiplication sign, then 2)."""
    runs: list[tuple[str, int]] = []
    for command in commands:
        if runs and runs[-1][0] == command:
            runs[-1] = (command, runs[-1][1] + 1)
        else:
            runs.append((command, 1))
    return ", ".join(command if times == 1 else f"{command} ×{times}" for command, times in runs)


_active: list[RoundTrips] = []
_lock = threading.Lock()
# The class's own method, kept from the start: a thread may still be in the patched one
# when the last count ends and puts this back.
_SEND: Callable[..., None] = AbstractConnection.send_packed_command


def _counting_send(connection: AbstractConnection, command: Any, check_health: bool = True) -> None:
    _SEND(connection, command, check_health)
    # Recorded once sent: a send that failed reached no server (a retry is a send of its own).
    for trips in tuple(_active):
        trips.record(command)


@contextmanager
def counting(purposes: Mapping[str, str]) -> Iterator[RoundTrips]:
    """Every round trip of every redis-py connection in the process while inside, in every
    thread; counts may overlap (each sees them all). The class's own method is back when
    the last count ends, even on an error."""
    trips = RoundTrips(purposes)
    with _lock:
        if not _active:
            AbstractConnection.send_packed_command = _counting_send  # type: ignore[method-assign]
        _active.append(trips)
    try:
        yield trips
    finally:
        with _lock:
            _active.remove(trips)
            if not _active:
                AbstractConnection.send_packed_command = _SEND  # type: ignore[method-assign]
