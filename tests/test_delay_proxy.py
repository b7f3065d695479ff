"""The delay proxy (benchmarks/harness/delay_proxy.py): it adds the RTT it is given to each
request/response, caps no throughput (chunks are held side by side, not one after another),
passes bytes unchanged, and leaves no listener, socket or thread behind when it stops."""

import hashlib
import os
import socket
import socketserver
import statistics
import threading
import time
from collections.abc import Iterator

import pytest

from benchmarks.harness.delay_proxy import DelayProxy
from benchmarks.harness.redis_server import RedisServer

PING, PONG = b"PING\r\n", b"+PONG\r\n"


def connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def ping(sock: socket.socket) -> float:
    """One PING answered, in ms."""
    started = time.perf_counter()
    sock.sendall(PING)
    answer = b""
    while not answer.endswith(b"\r\n"):
        answer += sock.recv(64)
    assert answer == PONG
    return (time.perf_counter() - started) * 1000


def median_ping(port: int, times: int = 50) -> float:
    with connect(port) as sock:
        ping(sock)  # the connection made, on both sides of the proxy
        return statistics.median(ping(sock) for _ in range(times))


class Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


@pytest.fixture
def echo_port() -> Iterator[int]:
    """A loopback echo server of the test's own, in a thread."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.mark.redis
@pytest.mark.waits
def test_a_5_ms_rtt_adds_5_ms_to_a_request_and_its_answer(private_redis: RedisServer):
    with DelayProxy(private_redis.port, rtt_ms=5) as proxy:
        direct = median_ping(private_redis.port)
        delayed = median_ping(proxy.port)
        proxy.rtt_ms = 0
        hop = median_ping(proxy.port)
    assert delayed - direct == pytest.approx(5, abs=1), (direct, delayed)
    assert hop - direct < 1, "at RTT 0 the proxy's own hop costs well under a millisecond"
    assert proxy.cpu_seconds > 0


@pytest.mark.redis
@pytest.mark.waits
def test_many_connections_are_not_capped_by_the_proxy(private_redis: RedisServer):
    """N connections each waiting for its PONG make about N round trips per RTT: the proxy
    holds their chunks side by side, it does not delay one after another."""
    clients, rtt_s, duration_s = 50, 0.02, 1.5
    counts = [0] * clients
    with DelayProxy(private_redis.port, rtt_ms=rtt_s * 1000) as proxy:
        sockets = [connect(proxy.port) for _ in range(clients)]
        for sock in sockets:
            ping(sock)
        until = time.perf_counter() + duration_s

        def run(number: int) -> None:
            while time.perf_counter() < until:
                ping(sockets[number])
                counts[number] += 1

        threads = [threading.Thread(target=run, args=(n,)) for n in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        rate = sum(counts) / (time.perf_counter() - started)
        for sock in sockets:
            sock.close()
    ideal = clients / rtt_s  # 2500 a second
    assert rate > ideal / 3, f"{rate:.0f} PINGs a second; {ideal:.0f} with no cap at all"
    assert rate > 10 / rtt_s, "far above one connection's 1/RTT"
    assert min(counts) > duration_s / rtt_s / 4, counts  # every connection got its turns


def test_bytes_pass_unchanged_both_ways(echo_port: int):
    payload = os.urandom(8 * 1024 * 1024)  # above the proxy's HIGH_WATER: it pauses, resumes
    with DelayProxy(echo_port, rtt_ms=2) as proxy, connect(proxy.port) as sock:
        received = bytearray()

        def read() -> None:
            while len(received) < len(payload):
                chunk = sock.recv(1 << 20)
                if not chunk:
                    break
                received.extend(chunk)

        reader = threading.Thread(target=read)
        reader.start()
        sock.sendall(payload)
        reader.join(30)
        sock.shutdown(socket.SHUT_WR)  # a half-close travels too: the echo server ends
        assert sock.recv(1) == b""
    assert hashlib.sha256(received).digest() == hashlib.sha256(payload).digest()
    assert proxy.forwarded == 2 * len(payload)


def test_stop_leaves_no_listener_socket_or_thread(echo_port: int):
    proxy = DelayProxy(echo_port, rtt_ms=1).start()
    port = proxy.port
    open_connection = connect(port)  # still open when the proxy stops
    open_connection.sendall(b"hello")
    assert open_connection.recv(5) == b"hello"
    proxy.stop()
    assert proxy.connections == 0
    assert not [thread for thread in threading.enumerate() if thread.name == "delay-proxy"]
    assert open_connection.recv(5) == b"", "its connections are closed"
    open_connection.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    cpu = proxy.cpu_seconds
    assert cpu > 0
    assert proxy.cpu_seconds == cpu, "stopped: its CPU time no longer moves"


def test_an_rtt_is_a_number_of_milliseconds():
    proxy = DelayProxy(1)
    for wrong in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="RTT"):
            proxy.rtt_ms = wrong


def test_a_connection_its_client_closes_is_closed_on_both_sides(echo_port: int):
    with DelayProxy(echo_port, rtt_ms=1) as proxy:
        with connect(proxy.port) as sock:
            sock.sendall(b"hello")
            assert sock.recv(5) == b"hello"
            assert proxy.connections == 2  # the client's socket and the upstream's
        deadline = time.monotonic() + 2
        while proxy.connections and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proxy.connections == 0
        assert proxy.accepted == 1
