"""What a strategy costs its token store: bytes and keys per token, round trips per request."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from redis import Redis
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
        if user is None:
            raise RuntimeError(f"the demo user {DEMO_USERNAME!r} does not exist")
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
        assert memory_before is not None and memory_after is not None  # `real`: INFO answers
        result["used_memory_per_token"] = round((memory_after - memory_before) / per_token)
        result["method"] = f"Redis MEMORY USAGE and used_memory, over {per_token} tokens"
    else:
        result["method"] = "estimate: key and value bytes (fakeredis has no MEMORY USAGE)"
    if after - before:
        store.delete(*(after - before))
    return result


# redis-py types every reply of a client as possibly awaitable (it shares the command
# methods with the asyncio client); the casts say what the synchronous client returns.


def _memory_usage(store: Redis, keys: set[bytes]) -> int:
    return sum(cast(int | None, store.memory_usage(key)) or 0 for key in keys)


def _key_and_value_bytes(store: Redis, keys: set[bytes]) -> int:
    total = 0
    for key in keys:
        if store.type(key) == b"set":
            members = cast(set[bytes], store.smembers(key))
            total += len(key) + sum(len(member) for member in members)
        else:
            total += len(key) + len(cast(bytes | None, store.get(key)) or b"")
    return total


def _used_memory(store: Redis) -> int | None:
    try:
        return int(cast(dict[str, Any], store.info("memory"))["used_memory"])
    except ResponseError:
        return None


@contextmanager
def _counted_store_commands(subject: Subject) -> Iterator[list[Any]]:
    commands: list[Any] = []
    store = subject.strategy.store
    if store is None:
        yield commands
        return
    send = store.execute_command

    def counted(*args: Any, **options: Any) -> Any:
        commands.append(args[0])
        return send(*args, **options)

    # Wrapped on this one client, for the duration of the count.
    store.execute_command = counted  # type: ignore[method-assign]
    try:
        yield commands
    finally:
        del store.execute_command  # back to the class's own method


def round_trips(subject: Subject) -> dict[str, int]:
    """Store commands and user-table queries of one authenticated request, counted."""
    queries: list[str] = []
    with subject.app.app_context():
        engine = db.engine

    def count_query(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
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
