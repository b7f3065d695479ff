"""A private redis-server on a free loopback port, started and stopped by its PID.

For measurements that need a real Redis without touching one the user runs.
"""

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis

from sandbox.processes import flags, free_port, stop


class RedisServer:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self._workdir = tempfile.TemporaryDirectory(prefix="auth-sandbox-redis-")

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self, timeout: float = 10.0) -> None:
        executable = shutil.which("redis-server") or "redis-server"
        options = {
            "--bind": "127.0.0.1",
            "--port": self.port,
            "--save": "",
            "--appendonly": "no",
            "--dir": self._workdir.name,
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


@dataclass(frozen=True)
class MeasurementRedis:
    url: str | None  # None: no real Redis; each app gets an in-process fakeredis
    label: str


@contextmanager
def measurement_redis(redis_url: str | None, prefix: str) -> Iterator[MeasurementRedis]:
    """The Redis a measurement runs against, never one it must not disturb.

    `redis_url` (the user's REDIS_URL) if set, its keys under `prefix` deleted
    afterwards; else a private redis-server on a free loopback port, stopped
    afterwards; else none.
    """
    if redis_url:
        try:
            yield MeasurementRedis(redis_url, "Redis at REDIS_URL")
        finally:
            client = redis.Redis.from_url(redis_url)
            keys = list(client.scan_iter(match=prefix + "*"))
            if keys:
                client.delete(*keys)
            client.close()
    elif RedisServer.available():
        with RedisServer() as server:
            yield MeasurementRedis(server.url, "private redis-server on 127.0.0.1")
    else:
        yield MeasurementRedis(None, "fakeredis (in-process)")
