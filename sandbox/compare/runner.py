"""Run the comparison: every selected strategy, one token store, one temporary instance."""

import os
import platform
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import redis

from sandbox.compare.claims import evaluate
from sandbox.compare.measure import measure
from sandbox.config import load_settings
from sandbox.redis_server import RedisServer


@dataclass(frozen=True)
class TokenStore:
    url: str | None  # None: the embedded fakeredis
    label: str


@contextmanager
def token_store(prefix: str) -> Iterator[TokenStore]:
    """REDIS_URL if set; else a private redis-server if one can be started; else fakeredis."""
    url = load_settings()["REDIS_URL"]
    if url:
        try:
            yield TokenStore(url, "Redis at REDIS_URL")
        finally:
            client = redis.Redis.from_url(url)
            keys = list(client.scan_iter(match=prefix + "*"))
            if keys:
                client.delete(*keys)
    elif RedisServer.available():
        with RedisServer() as server:
            yield TokenStore(server.url, "private redis-server on 127.0.0.1")
    else:
        yield TokenStore(None, "fakeredis (in-process; store bytes are estimates)")


def run_comparison(
    names: list[str], budget_s: float, progress: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    settings = load_settings()
    prefix = f"auth-sandbox-compare:{uuid.uuid4().hex[:8]}:"
    with (
        tempfile.TemporaryDirectory(prefix="auth-sandbox-compare-") as workdir,
        token_store(prefix) as store,
    ):
        results = {}
        for name in names:
            config = {
                **settings,
                "SANDBOX_ENV": "development",  # a throwaway instance with the demo user
                "AUTH_STRATEGY": name,
                "INSTANCE_PATH": os.path.join(workdir, name),
                "DATABASE_URL": None,
                "JWT_SECRET_KEY": None,
                "REDIS_URL": store.url,
                "REDIS_KEY_PREFIX": prefix,
            }
            results[name] = measure(config, budget_s, progress)
    progress("weighing the lesson's claims")
    return {
        "environment": {
            "python": platform.python_version(),
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
            "token_store": store.label,
            "user_table": "SQLite (temporary file)",
            "password_hash": settings["PASSWORD_HASH_METHOD"],
            "token_ttl": settings["TOKEN_TTL"],
            "budget_s_per_timing": budget_s,
        },
        "strategies": results,
        "claims": evaluate(results),
    }
