"""The app's HTTP contract as an OpenAPI 3.1 document, served at `GET /openapi.json`.

Generated rather than written by hand, so that it cannot drift from what it describes: the
configured strategy's facts and transport decide the security scheme (`scheme`, a DPoP
proof where TOKEN_BINDING=dpop), whether `/logout` answers
204, 200 (part of the login) or 501 (`revocable`, `refresh_tokens`), whether `/token/refresh`
issues tokens or answers 501 (`refresh_tokens`), whether the token store's 503 exists
(`stateful`) and whether a password on every request can earn a 429; the values `/strategy`
and `/healthz` report (`degraded` on a Redis Cluster), the token store and its key layout
(`info.x-token-store`), the limits and the version come from the code and the app. What
each route answers is written once, in `paths_object`, and the docs' HTTP reference is
written from it (`python -m reference`); tests/test_openapi.py checks that its paths are
exactly the app's routes, and holds a live server of every strategy to it with schemathesis.

Here: the document, and the token store it describes (`info.x-token-store`); its paths in
`paths_object`, its components (security scheme, schemas, headers, shared responses) in
`components_object`, and the pieces both are written with in `parts`.
"""

from importlib.metadata import version

from flask import Flask

from sandbox import extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from sandbox.openapi.components_object import components
from sandbox.openapi.introspection_path import SCHEME, introspection_path, offered
from sandbox.openapi.parts import Schema, ref
from sandbox.openapi.paths_object import paths, takes_password
from strategies.base import Strategy
from strategies.capabilities import store_keys

__all__ = ["KEY_LAYOUT", "document", "takes_password", "token_store"]


def document(app: Flask) -> Schema:
    """The OpenAPI 3.1 document of `app`, as its configured strategy answers."""
    active, transport = extensions.strategy(app), extensions.transport(app)
    login = {"schema": ref("schemas", "Login")}
    if app.config["SANDBOX_ENV"] != "production":  # where the demo user is seeded
        login["example"] = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
    cluster = bool(app.config.get("REDIS_CLUSTER"))
    introspecting = bool(app.config["INTROSPECTION_CLIENTS"])
    parts = components(active, transport, app.config["MAX_CONTENT_LENGTH"], cluster)
    if offered(active, introspecting):
        parts["securitySchemes"] |= SCHEME
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "auth-sandbox",
            "version": version("auth-sandbox"),
            "description": f"auth-sandbox running the {active.name!r} strategy: "
            f"{active.description}",
            "x-token-store": token_store(app, active, cluster),
        },
        "paths": {
            **paths(active, transport, login, cluster),
            **introspection_path(active, transport, introspecting),
        },
        "components": parts,
    }


def token_store(app: Flask, active: Strategy, cluster: bool) -> Schema:
    """Where the app keeps its keys (REDIS_URL, REDIS_CLUSTER), and their families, each
    named after REDIS_KEY_PREFIX: what each holds, and how a Redis Cluster places it."""
    prefix = app.config["REDIS_KEY_PREFIX"]
    families = {
        **store_keys(active),
        **extensions.transport(app).store_keys(),
        extensions.login_limits(app).key_prefix + ":": "failed-login counts",
    }
    if app.config["REDIS_URL"] is None:
        kind = "in-process"  # fakeredis, and the failed-login counts in the process
    else:
        kind = "redis-cluster" if cluster else "redis"
    return {
        "kind": kind,
        "redis_cluster": cluster,
        "keys": {
            f"<REDIS_KEY_PREFIX>{family.removeprefix(prefix)}…": held
            for family, held in families.items()
        },
        "key_layout": KEY_LAYOUT,
    }


KEY_LAYOUT = (
    "One key per token, login or failed-login count, each command on one key, so that on a "
    "Redis Cluster (REDIS_CLUSTER=true) every key lands on the master of its own slot; the "
    "one operation that changes two keys at once, the jwt strategy's script that rotates or "
    "revokes a login (its record and its denylist entry), names both with the login's id as "
    "a hash tag, {sid}, so both share one slot. While a master is down, a request that needs one "
    "of its keys answers 503 and the others are served; the failed-login counts fall back "
    "to the process."
)
