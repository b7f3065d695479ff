"""What a strategy costs its token store: bytes and keys per token, round trips per request."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from redis.exceptions import ResponseError
from sqlalchemy import event

from sandbox import extensions
from sandbox.compare.subject import Subject
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from sandbox.users import db

STORE_SAMPLE_TOKENS = 200


def store_use(subject: Subject) -> dict[str, Any]:
    """Keys and bytes the token store gains per token, over many tokens issued by the strategy.

    Bytes are counted over every key under the app's prefix, before and after, so that
    keys that grow (a set of a user's tokens) count as well as keys that appear.
    """
    store = subject.strategy.store
    if store is None:
        return {"keys_per_token": 0, "bytes_per_token": 0, "method": "no token store"}
    pattern = subject.config["REDIS_KEY_PREFIX"] + "*"
    real = _used_memory(store) is not None  # fakeredis knows neither MEMORY nor INFO
    size = _memory_usage if real else _key_and_value_bytes
    with subject.app.app_context():
        user = extensions.users(subject.app).find(DEMO_USERNAME)
        before = set(store.scan_iter(match=pattern))
        bytes_before, memory_before = size(store, before), _used_memory(store)
        for _ in range(STORE_SAMPLE_TOKENS):
            subject.strategy.issue(user, DEMO_PASSWORD)
        after = set(store.scan_iter(match=pattern))
        bytes_after, memory_after = size(store, after), _used_memory(store)
    per_token = STORE_SAMPLE_TOKENS
    result: dict[str, Any] = {
        "keys_per_token": round(len(after - before) / per_token, 3),
        "bytes_per_token": round((bytes_after - bytes_before) / per_token),
    }
    if real:
        result["used_memory_per_token"] = round((memory_after - memory_before) / per_token)
        result["method"] = f"Redis MEMORY USAGE and used_memory, over {per_token} tokens"
    else:
        result["method"] = "estimate: key and value bytes (fakeredis has no MEMORY USAGE)"
    if after - before:
        store.delete(*(after - before))
    return result


def _memory_usage(store, keys: set[bytes]) -> int:
    return sum(store.memory_usage(key) or 0 for key in keys)


def _key_and_value_bytes(store, keys: set[bytes]) -> int:
    total = 0
    for key in keys:
        if store.type(key) == b"set":
            total += len(key) + sum(len(member) for member in store.smembers(key))
        else:
            total += len(key) + len(store.get(key) or b"")
    return total


def _used_memory(store) -> int | None:
    try:
        return int(store.info("memory")["used_memory"])
    except ResponseError:
        return None


@contextmanager
def _counted_store_commands(subject: Subject) -> Iterator[list]:
    commands: list = []
    store = subject.strategy.store
    if store is None:
        yield commands
        return
    send = store.execute_command

    def counted(*args, **options):
        commands.append(args[0])
        return send(*args, **options)

    store.execute_command = counted
    try:
        yield commands
    finally:
        del store.execute_command  # back to the class's own method


def round_trips(subject: Subject) -> dict[str, int]:
    """Store commands and user-table queries of one authenticated request, counted."""
    queries: list[str] = []
    with subject.app.app_context():
        engine = db.engine

    def count_query(_conn, _cursor, statement, *_args) -> None:
        queries.append(statement)

    event.listen(engine, "before_cursor_execute", count_query)
    try:
        with _counted_store_commands(subject) as commands:
            status = subject.status(subject.header)
    finally:
        event.remove(engine, "before_cursor_execute", count_query)
    if status != 200:
        raise RuntimeError(f"an authenticated request failed with {status}")
    return {"store": len(commands), "user_table": len(queries)}
