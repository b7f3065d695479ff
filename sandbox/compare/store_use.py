"""What a strategy costs its token store: bytes and keys per login (live, logged out),
round trips per request and per refresh."""

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
    """Keys and bytes the token store gains per login, live and then logged out.

    Over many logins issued by the strategy, then each logged out through POST /logout
    (the real request path). Bytes are counted over every key under the app's prefix,
    before and after, so that keys that grow (a set of a user's tokens) count as well
    as keys that appear. `revoked` is None where logout revokes nothing (it answers 501).
    """
    store = subject.strategy.store
    pattern = subject.config["REDIS_KEY_PREFIX"] + "*"
    real = store is not None and _used_memory(store) is not None  # fakeredis: no MEMORY/INFO
    size = _memory_usage if real else _key_and_value_bytes

    def state() -> tuple[set[bytes], int, int | None]:
        if store is None:
            return set(), 0, None
        keys = set(store.scan_iter(match=pattern))
        return keys, size(store, keys), _used_memory(store)

    def gained(before: tuple, after: tuple) -> dict[str, Any]:
        return {
            "keys_per_token": round(len(after[0] - before[0]) / per_token, 3),
            "bytes_per_token": round((after[1] - before[1]) / per_token),
        }

    per_token = STORE_SAMPLE_TOKENS
    with subject.app.app_context():
        user = extensions.users(subject.app).find(DEMO_USERNAME)
        if user is None:
            raise RuntimeError(f"the demo user {DEMO_USERNAME!r} does not exist")
        before = state()
        tokens = [subject.strategy.issue(user, DEMO_PASSWORD).token for _ in range(per_token)]
        live = state()

    def logout(token: str) -> int:
        return subject.client.post("/logout", headers=subject.authorization(token)).status_code

    logout_status = logout(tokens[0])
    if logout_status < 300 and {logout(token) for token in tokens[1:]} - {logout_status}:
        raise RuntimeError("a logout answered unlike the others")
    revoked = state()
    if store is None:
        method = "no token store"
    elif real:
        method = f"Redis MEMORY USAGE and used_memory, over {per_token} tokens"
    else:
        method = "estimate: key and value bytes (fakeredis has no MEMORY USAGE)"
    result: dict[str, Any] = gained(before, live)
    if live[2] is not None and before[2] is not None:
        # The server's own count: noisy (allocator, rehashing), so for live tokens only.
        result["used_memory_per_token"] = round((live[2] - before[2]) / per_token)
    result["method"] = method
    result["logout_status"] = logout_status
    result["revoked"] = gained(before, revoked) if logout_status < 300 else None
    if store is not None and revoked[0] - before[0]:
        store.delete(*(revoked[0] - before[0]))
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


@contextmanager
def _counted_queries(subject: Subject) -> Iterator[list[str]]:
    queries: list[str] = []
    with subject.app.app_context():
        engine = db.engine

    def count_query(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        queries.append(statement)

    event.listen(engine, "before_cursor_execute", count_query)
    try:
        yield queries
    finally:
        event.remove(engine, "before_cursor_execute", count_query)


def round_trips(subject: Subject) -> dict[str, int]:
    """Store commands and user-table queries of one authenticated request, counted."""
    with _counted_queries(subject) as queries, _counted_store_commands(subject) as commands:
        status = subject.status(subject.header)
    if status != 200:
        raise RuntimeError(f"an authenticated request failed with {status}")
    return {"store": len(commands), "user_table": len(queries)}


def refresh_round_trips(subject: Subject, refresh_token: str) -> dict[str, Any]:
    """Store commands (a script's EVALSHA counts as one) and user-table queries of one
    POST /token/refresh, counted."""
    with _counted_queries(subject) as queries, _counted_store_commands(subject) as commands:
        response = subject.client.post("/token/refresh", json={"refresh_token": refresh_token})
    if response.status_code != 200:
        raise RuntimeError(f"a refresh failed with {response.status_code}")
    return {
        "store": len(commands),
        "commands": [str(command) for command in commands],
        "user_table": len(queries),
    }
