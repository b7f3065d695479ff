"""What a strategy costs its Redis: the token store's bytes and keys per login (live,
logged out); every client's round trips per request, login, refresh and logout, by purpose."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from redis.cluster import RedisCluster
from redis.exceptions import ResponseError
from sqlalchemy import event
from werkzeug.test import TestResponse

from benchmarks.compare.subject import PROBE_PASSWORD, PROBE_USERNAME, Subject
from benchmarks.harness.round_trips import counting
from sandbox import extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from sandbox.users import db
from strategies import capabilities
from strategies.base import Store

STORE_SAMPLE_TOKENS = 50  # MEMORY USAGE counts each key exactly: more only costs time
LIMITS = "failed-login limits"  # what the limits' keys hold, as the reports name it


def store_use(subject: Subject) -> dict[str, Any]:
    """Keys and bytes the token store gains per login, live and then logged out.

    Over many logins issued by the strategy, then each logged out through POST /logout
    (the real request path). Bytes are counted over every key under the app's prefix,
    before and after, so that keys that grow (a set a strategy adds to) count as well
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
        tokens = [subject.issue(user, DEMO_PASSWORD).token for _ in range(per_token)]
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
        method = "estimate: key and serialized value bytes (fakeredis has no MEMORY USAGE)"
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


def _memory_usage(store: Store, keys: set[bytes]) -> int:
    return sum(cast(int | None, store.memory_usage(key)) or 0 for key in keys)


def _key_and_value_bytes(store: Store, keys: set[bytes]) -> int:
    """Each key's name and serialized value (DUMP, whatever its type): an estimate."""
    return sum(len(key) + len(cast(bytes | None, store.dump(key)) or b"") for key in keys)


def _used_memory(store: Store) -> int | None:
    """The server's used_memory; on a cluster, the sum over its masters."""
    try:
        if isinstance(store, RedisCluster):
            # One master's answer comes alone; several come keyed by node.
            answer = cast(dict[str, Any], store.info("memory", target_nodes=RedisCluster.PRIMARIES))
            answers = [answer] if "used_memory" in answer else list(answer.values())
            return sum(int(node["used_memory"]) for node in answers)
        return int(cast(dict[str, Any], store.info("memory"))["used_memory"])
    except ResponseError:
        return None


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


def purposes(subject: Subject) -> dict[str, str]:
    """Each key prefix the instance writes in Redis, and what its keys hold: the strategy's
    own (`Strategy.store_keys`), its transport's (DPoP's replay cache) and the failed-login
    limits' (every strategy's logins)."""
    limits = extensions.login_limits(subject.app)
    return {
        **capabilities.store_keys(subject.strategy),
        **subject.transport.store_keys(),
        limits.key_prefix: LIMITS,
    }


def _counted(subject: Subject, send: Callable[[], TestResponse], what: str) -> dict[str, Any]:
    """The Redis round trips of `send` (every client's, by purpose) and its user-table queries.

    Counted in the steady state: the caller has made the same call once already, so no
    connection is opened and no script loaded during the count (a running server paid for
    them long ago; counted, they would be "other").
    """
    with _counted_queries(subject) as queries, counting(purposes(subject)) as trips:
        response = send()
    if response.status_code >= 300:
        raise RuntimeError(f"{what} failed with {response.status_code}")
    return trips.summary() | {"user_table": len(queries)}


def round_trips(subject: Subject) -> dict[str, Any]:
    """Redis round trips (total, by purpose, the commands of each) and user-table queries
    of one authenticated request, one login, one refresh and one logout, each counted the
    second time it is made (and of a token's very first request); refresh and logout are
    None where the strategy offers none."""
    client = subject.client

    def request() -> TestResponse:
        return client.get("/protected", headers=subject.header)

    def login() -> TestResponse:
        return client.post("/token", json={"username": PROBE_USERNAME, "password": PROBE_PASSWORD})

    request()  # and, with a credential cache, the credentials are remembered from now on
    per_request = _counted(subject, request, "an authenticated request")
    # A token's first request: what a cache of the store's answers (STORE_CACHE) misses.
    fresh = subject.authorization(subject.login()["token"])
    first_request = _counted(
        subject, lambda: client.get("/protected", headers=fresh), "a token's first request"
    )
    login()
    return {
        "request": per_request,
        "first_request": first_request,
        "login": _counted(subject, login, "a login"),
        "refresh": _refresh_round_trips(subject),
        "logout": _logout_round_trips(subject),
    }


def _refresh_round_trips(subject: Subject) -> dict[str, Any] | None:
    token = subject.login().get("refresh_token")
    if token is None:
        return None

    def refresh(token: str) -> TestResponse:
        return subject.client.post("/token/refresh", json={"refresh_token": token})

    first = refresh(token)
    if first.status_code != 200:
        raise RuntimeError(f"a refresh failed with {first.status_code}")
    following = first.get_json()["refresh_token"]
    return _counted(subject, lambda: refresh(following), "a refresh")


def _logout_round_trips(subject: Subject) -> dict[str, Any] | None:
    def logout(header: dict[str, str]) -> TestResponse:
        return subject.client.post("/logout", headers=header)

    def fresh() -> dict[str, str]:
        return subject.authorization(subject.login()["token"])

    if logout(fresh()).status_code >= 300:  # no logout (501): nothing to count
        return None
    header = fresh()  # its login is not counted: a logout of a fresh token, alone
    return _counted(subject, lambda: logout(header), "a logout")
