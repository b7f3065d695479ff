"""Measure one strategy through the app's real request path (Flask test client, in-process).

Every figure comes from running the strategy: nothing here asks which strategy it
measures, so a strategy added through the entry point is measured the same way.
"""

import base64
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from redis.exceptions import ResponseError
from sqlalchemy import event

from sandbox import create_app
from sandbox.compare import anatomy
from sandbox.compare.timing import time_calls
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from sandbox.processes import free_port
from sandbox.users import db

STORE_SAMPLE_TOKENS = 200
TAMPER_LIMIT = 48
EXPIRY_WATCH_S = 2.5  # with TOKEN_TTL=1; a JWT's times have one-second resolution
# A client other than the one that logged in: another loopback address and agent.
ANOTHER_CLIENT = {"REMOTE_ADDR": "127.0.0.2", "HTTP_USER_AGENT": "someone-else/1.0"}


class Subject:
    """One strategy's app and test client, with a token from a real login."""

    def __init__(self, config: dict[str, Any]):
        self.config = config
        self.app = self.make_app()
        self.client = self.app.test_client()
        self.strategy = self.app.extensions["auth_sandbox.strategy"]
        self.issued = self.login()
        self.header = self.authorization(self.issued["token"])

    def make_app(self, **overrides: Any) -> Flask:
        """An app of the same instance (same key, same users), with some settings changed."""
        return create_app({**self.config, **overrides})

    def login(self, client=None) -> dict:
        response = (client or self.client).post(
            "/token", json={"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
        )
        if response.status_code != 200:
            raise RuntimeError(f"login failed: {response.status_code} {response.get_json()}")
        return response.get_json()

    def authorization(self, token: str) -> dict[str, str]:
        return {"Authorization": f"{self.strategy.scheme} {token}"}

    def status(self, headers: dict[str, str], client=None) -> int:
        return (client or self.client).get("/protected", headers=headers).status_code


def measure(
    config: dict[str, Any], budget_s: float, progress: Callable[[str], None]
) -> dict[str, Any]:
    subject = Subject(config)
    strategy = subject.strategy
    sections: list[tuple[str, Callable[[], Any]]] = [
        ("token", lambda: token_facts(subject)),
        ("store", lambda: store_use(subject)),
        ("round_trips", lambda: round_trips(subject)),
        ("cost", lambda: costs(subject, budget_s)),
        ("store_down", lambda: store_down(subject)),
        ("logout", lambda: logout(subject)),
        ("expiry", lambda: expiry(subject)),
        ("leak", lambda: leak(subject)),
        ("tamper", lambda: tamper(subject, budget_s)),
        ("unauthenticated", lambda: unauthenticated(subject)),
        ("replay_from_another_client", lambda: subject.client.get(
            "/protected", headers=subject.header, environ_base=ANOTHER_CLIENT).status_code),
        ("alg_none_status", lambda: subject.status(
            subject.authorization(alg_none_token(subject)))),
    ]  # fmt: skip
    result: dict[str, Any] = {
        "strategy": {
            "name": strategy.name,
            "scheme": strategy.scheme,
            "stateful": strategy.stateful,
            "revocable": strategy.revocable,
            "description": strategy.description,
        }
    }
    for section, run in sections:
        progress(f"{strategy.name}: {section.replace('_', ' ')}")
        result[section] = run()
    return result


def token_facts(subject: Subject) -> dict[str, Any]:
    token = subject.issued["token"]
    second, third = subject.login()["token"], subject.login()["token"]
    parts = anatomy.decode_jwt(token)
    structure: dict[str, Any] = {"parts": token.count(".") + 1}
    if parts is not None:
        structure |= {"header": sorted(parts[0]), "payload": sorted(parts[1])}
    return {
        "example": anatomy.shorten(token),
        "bytes": len(token.encode()),
        "header_bytes": len(subject.header["Authorization"].encode()),
        "kind": anatomy.kind(token),
        "alphabet": anatomy.alphabet(token),
        "new_each_login": len({token, second, third}) == 3,
        "structure": structure,
    }


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
        user = subject.app.extensions["auth_sandbox.users"].find(DEMO_USERNAME)
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


def costs(subject: Subject, budget_s: float) -> dict[str, Any]:
    """Median and p95 of /public (the baseline), /protected, and the authenticate step alone."""
    app, client, header = subject.app, subject.client, subject.header

    def authenticate_once() -> None:
        # A fresh request context each time, as in a real request (no cached user).
        with app.test_request_context("/protected", headers=header):
            subject.strategy.authenticate()

    public = time_calls(lambda: client.get("/public"), budget_s)
    request = time_calls(lambda: client.get("/protected", headers=header), budget_s)
    authenticate = time_calls(authenticate_once, budget_s)
    return {
        "public": public.as_dict(),
        "request": request.as_dict(),
        "authenticate": authenticate.as_dict(),
        "request_ratio": round(request.ratio_to(public), 2),
        "authenticate_ratio": round(authenticate.ratio_to(public), 2),
    }


def store_down(subject: Subject) -> dict[str, Any]:
    """The same instance with its token store on a port where nothing listens."""
    client = subject.make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0").test_client()
    protected = subject.status(subject.header, client)
    login = client.post("/token", json={"username": DEMO_USERNAME, "password": DEMO_PASSWORD})
    return {
        "protected_status": protected,
        "login_status": login.status_code,
        "keeps_working": protected == 200 and login.status_code == 200,
    }


def logout(subject: Subject) -> dict[str, Any]:
    """Log out a fresh token, then use it on the very next request."""
    header = subject.authorization(subject.login()["token"])
    response = subject.client.post("/logout", headers=header)
    after = subject.status(header)
    return {
        "status": response.status_code,
        "revoked": after == 401,  # refused from the very next request on
        "status_after": after,
        "message": (response.get_json() or {}).get("msg"),
    }


def expiry(subject: Subject) -> dict[str, Any]:
    """When a token stops working: watched on an app with TOKEN_TTL=1."""
    short = subject.make_app(TOKEN_TTL=1).test_client()
    issued = subject.login(short)
    header = subject.authorization(issued["token"])
    started = time.monotonic()
    refused_after = None
    while (waited := time.monotonic() - started) < EXPIRY_WATCH_S:
        if subject.status(header, short) == 401:
            refused_after = round(waited, 2)
            break
        time.sleep(0.1)
    return {
        "expires_in": subject.issued["expires_in"],
        "with_ttl_1s_refused_after_s": refused_after,
        "watched_s": EXPIRY_WATCH_S,
    }


def leak(subject: Subject) -> dict[str, Any]:
    found = anatomy.leak(subject.issued["token"])
    return {"reveals": found.reveals, "decoded": found.decoded}


def tamper(subject: Subject, budget_s: float) -> dict[str, Any]:
    """Change one character at a time across the token; does the server notice?"""
    deadline = time.perf_counter() + 2 * budget_s
    tried = []
    for change in anatomy.changes(subject.issued["token"], TAMPER_LIMIT):
        if tried and time.perf_counter() > deadline:
            break  # a slow strategy (a password hash per request) gets a sample
        tried.append((change, subject.status(subject.authorization(change.token))))
    accepted = [change for change, status in tried if status == 200]
    return {
        "tried": len(tried),
        "refused": sum(status == 401 for _, status in tried),
        "accepted": len(accepted),
        "accepted_same_meaning": sum(change.same_meaning for change in accepted),
        "accepted_changes": [
            {
                "position": c.position,
                "part": c.part,
                "old": c.old,
                "new": c.new,
                "same_meaning": c.same_meaning,
            }
            for c in accepted[:5]
        ],
        "accepted_by_part": {
            str(part): sum(c.part == part for c in accepted) for part in {c.part for c in accepted}
        },
    }


def unauthenticated(subject: Subject) -> dict[str, Any]:
    missing = subject.client.get("/protected")
    invalid = subject.client.get("/protected", headers=subject.authorization("not-a-valid-token"))
    return {
        "missing_status": missing.status_code,
        "missing_challenge": missing.headers.get("WWW-Authenticate"),
        "invalid_status": invalid.status_code,
        "invalid_challenge": invalid.headers.get("WWW-Authenticate"),
    }


def alg_none_token(subject: Subject) -> str:
    """An unsigned JWT (`alg: none`) naming the logged-in user."""

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {"sub": str(subject.issued["user_id"]), "type": "access",
              "exp": int(time.time()) + 600}  # fmt: skip
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."
