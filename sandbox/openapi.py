"""The app's HTTP contract as an OpenAPI 3.1 document, served at `GET /openapi.json`.

Generated rather than written by hand, so that it cannot drift from what it describes: the
configured strategy's facts decide the security scheme (`scheme`), whether `/logout` answers
204, 200 (part of the login) or 501 (`revocable`, `refresh_tokens`), whether `/token/refresh`
issues tokens or answers 501 (`refresh_tokens`), whether the token store's 503 exists
(`stateful`) and whether a password on every request can earn a 429; the values `/strategy`
and `/healthz` report (`degraded` on a Redis Cluster), the token store and its key layout
(`info.x-token-store`), the limits and the version come from the code and the app. What
each route answers is written once, below, as the README's Routes and Errors tables give it;
tests/test_openapi.py checks that its paths are exactly the app's routes, and holds a live
server of every strategy to it with schemathesis.
"""

import re
from importlib.metadata import version
from typing import Any

from flask import Flask

from sandbox import extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from sandbox.errors import STORE_RETRY_AFTER
from sandbox.request_body import MAX_REFRESH_TOKEN_LENGTH
from sandbox.transports.base import REALM
from sandbox.users import MAX_FIELD_LENGTH
from strategies.base import Strategy
from strategies.capabilities import PasswordCredentials, jwks, store_keys

Schema = dict[str, Any]
PRIVATE = ("d", "p", "q", "dp", "dq", "qi", "k")  # JWK members that hold a secret


def document(app: Flask) -> Schema:
    """The OpenAPI 3.1 document of `app`, as its configured strategy answers."""
    active = extensions.strategy(app)
    cookie = extensions.transport(app).location == "cookie"  # TOKEN_LOCATION=cookie
    login = {"schema": ref("schemas", "Login")}
    if app.config["SANDBOX_ENV"] != "production":  # where the demo user is seeded
        login["example"] = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
    cluster = bool(app.config.get("REDIS_CLUSTER"))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "auth-sandbox",
            "version": version("auth-sandbox"),
            "description": f"auth-sandbox running the {active.name!r} strategy: "
            f"{active.description}",
            "x-token-store": token_store(app, active, cluster),
        },
        "paths": paths(active, login, cookie, cluster),
        "components": components(active, app.config["MAX_CONTENT_LENGTH"], cookie, cluster),
    }


def token_store(app: Flask, active: Strategy, cluster: bool) -> Schema:
    """Where the app keeps its keys (REDIS_URL, REDIS_CLUSTER), and their families, each
    named after REDIS_KEY_PREFIX: what each holds, and how a Redis Cluster places it."""
    prefix = app.config["REDIS_KEY_PREFIX"]
    families = {
        **store_keys(active),
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


def ref(kind: str, name: str) -> Schema:
    return {"$ref": f"#/components/{kind}/{name}"}


def answer(description: str, schema: Schema | None = None, *headers: str) -> Schema:
    """A response: a JSON body of `schema` (none without) and these headers of the components."""
    response: Schema = {"description": description}
    if schema is not None:
        response["content"] = {"application/json": {"schema": schema}}
    if headers:
        response["headers"] = {name: ref("headers", name) for name in headers}
    return response


def error(description: str, *headers: str) -> Schema:
    return answer(description, ref("schemas", "Error"), *headers)


def operation(method: str, summary: str, responses: Schema, **more: Any) -> Schema:
    """A path's one operation; any other method gets 405 (with `Allow`)."""
    responses["405"] = ref("responses", "MethodNotAllowed")
    return {method: {"summary": summary, **more, "responses": responses}}


def closed(properties: Schema) -> Schema:
    """An object of exactly these properties."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def takes_password(active: Strategy) -> bool:
    """Whether requests carry a password (Basic), whose failures count toward the 429 limits."""
    return isinstance(active, PasswordCredentials)


def security_scheme(active: Strategy, cookie: bool) -> str:
    return "cookie" if cookie else active.scheme.lower()


def paths(active: Strategy, login: Schema, cookie: bool, cluster: bool) -> Schema:
    secured: list[Schema] = [{security_scheme(active, cookie): []}]
    # With the token in a cookie, what changes state needs the login's X-CSRF-Token too.
    csrf = {"403": error("Missing or wrong X-CSRF-Token header")} if cookie else {}
    refused = {"401": ref("responses", "Unauthorized")}
    if takes_password(active):
        refused["429"] = ref("responses", "TooManyFailedLogins")
    store_down = {"503": ref("responses", "StoreUnavailable")} if active.stateful else {}
    if active.revocable:
        logged_out = {"204": answer("Revoked: from now on every token of the login gets 401")}
    elif active.refresh_tokens:
        logged_out = {
            "200": answer(
                "Part of the login revoked: its refresh tokens; the access token works until "
                "it expires",
                ref("schemas", "PartialLogout"),
            )
        }
    else:
        logged_out = {
            "501": error("The strategy cannot revoke: the message says why, and what would")
        }
    health_down = answer(
        "The token store is down" + (": no master of the cluster answers" if cluster else ""),
        ref("schemas", "HealthDown"),
        "Retry-After",
    )
    serving = (
        "Serving; with a Redis Cluster (REDIS_CLUSTER), store 'degraded' while some of its "
        "masters do not answer: a request that needs a key of theirs answers 503"
        if cluster and active.stateful
        else "Serving"
    )
    user = ref("schemas", "User")
    token = answer("The token to send", ref("schemas", "Token"), "Cache-Control")
    if active.refresh_tokens:
        refreshed = {
            "200": token,
            "400": error("Not JSON, not an object, the field missing, not a string, empty, long"),
            "401": error(
                "Unknown, expired, tampered, revoked or already used (which revokes the login), "
                "or an access token"
            ),
            "413": error("A body over the size limit"),
            "415": error("Another content type than application/json"),
            **csrf,
            **store_down,
        }
    else:
        refreshed = {"501": error("This configuration issues no refresh tokens")}
    page = {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}}
    return {
        "/": operation("get", "The demo page: the lesson's front end", {"200": page}),
        "/token": operation(
            "post",
            "Log in: a token for a username and a password",
            {
                "200": token,
                "400": error("Not JSON, not an object, a field missing, not a string, empty, long"),
                "401": ref("responses", "BadLogin"),
                "413": error("A body over the size limit"),
                "415": error("Another content type than application/json"),
                "429": ref("responses", "TooManyFailedLogins"),
                **store_down,
            },
            requestBody={"required": True, "content": {"application/json": login}},
        ),
        "/token/refresh": operation(
            "post",
            "Rotate: the login's next token pair for its current refresh token, which is spent",
            refreshed,
            # With cookies, the refresh token comes from its own cookie, and no body is read.
            requestBody={
                "required": not cookie,
                "content": {"application/json": {"schema": ref("schemas", "Refresh")}},
            },
        ),
        "/protected": operation(
            "get",
            "The authenticated user's record",
            {"200": answer("The user", user), **refused, **store_down},
            security=secured,
        ),
        "/public": operation(
            "get",
            "The demo user's record, without authentication: the benchmarks' baseline",
            {"200": answer("The demo user", user), "404": error("No demo user (production)")},
        ),
        "/logout": operation(
            "post",
            "Revoke the login of the token sent, as far as the strategy can",
            {**logged_out, **refused, **csrf, **store_down},
            security=secured,
        ),
        "/strategy": operation(
            "get", "The active strategy", {"200": answer("Its facts", facts(active))}
        ),
        "/healthz": operation(
            "get",
            "Whether the app and the strategy's token store can serve",
            {"200": answer(serving, health(active, cluster))}
            | ({"503": health_down} if active.stateful else {}),
        ),
        "/.well-known/jwks.json": operation(
            "get",
            "The public keys that verify the tokens (RFC 7517), for other services",
            {
                "200": answer("The JWK Set", ref("schemas", "JWKS"))
                | {"headers": {"Cache-Control": {"required": True, "schema": {"type": "string"}}}},
                "404": error("No keys to publish: HS256 (a shared secret) or not a JWT"),
            }
            if jwks(active) is not None
            else {"404": error("No keys to publish: HS256 (a shared secret) or not a JWT")},
        ),
        "/openapi.json": operation(
            "get", "This document", {"200": answer("OpenAPI 3.1", {"type": "object"})}
        ),
    }


def facts(active: Strategy) -> Schema:
    names = ("name", "scheme", "stateful", "revocable", "refresh_tokens", "cookie_capable")
    facts = {name: {"const": getattr(active, name)} for name in names}
    return closed(
        facts
        | {
            "token_location": {"enum": ["header", "cookie"]},
            "description": {"const": active.description},
        }
    )


def health(active: Strategy, cluster: bool) -> Schema:
    if not active.stateful:
        store: Schema = {"const": "none"}
    elif cluster:  # some masters down: degraded, still serving the keys of the others
        store = {"enum": ["ok", "degraded"]}
    else:
        store = {"const": "ok"}
    return closed({"status": {"const": "ok"}, "strategy": {"const": active.name}, "store": store})


def components(active: Strategy, max_body_bytes: int, cookie: bool, cluster: bool) -> Schema:
    field = {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_FIELD_LENGTH,
        "pattern": "^[^\\x00]*$",
        "description": "Unicode text without NUL characters or lone surrogates",
    }
    scheme = active.scheme.lower()
    token_fields = {
        "token": {"type": "string", "minLength": 1},
        "token_type": {"const": active.scheme},
    }
    refresh_fields = (
        {
            "refresh_token": {"type": "string", "minLength": 1},
            "refresh_expires_in": {"type": "integer", "minimum": 0},
        }
        if active.refresh_tokens
        else {}
    )
    schemes = {
        scheme: {"type": "http", "scheme": scheme, "description": "The token of POST /token"}
    }
    if cookie:  # the tokens travel in HttpOnly cookies; the body has the CSRF token instead
        token_fields = {
            "token": {"const": None},
            "token_type": {"const": "cookie"},
            "csrf_token": {"type": "string", "minLength": 1},
        }
        refresh_fields = refresh_fields and refresh_fields | {"refresh_token": {"const": None}}
        schemes = {
            "cookie": {
                "type": "apiKey",
                "in": "cookie",
                "name": "access_token",
                "description": "The HttpOnly cookie POST /token sets",
            }
        }
    return {
        "securitySchemes": schemes,
        "schemas": {
            "Error": {
                "description": "Every error: JSON, never HTML or a traceback",
                "type": "object",
                "properties": {"msg": {"type": "string"}},
                "required": ["msg"],
            },
            "Login": {
                "description": f"At most {max_body_bytes} bytes of JSON",
                "type": "object",
                "properties": {"username": field, "password": field},
                "required": ["username", "password"],
            },
            "Token": closed(
                {
                    **token_fields,
                    "user_id": {"type": "integer"},
                    "expires_in": {"type": ["integer", "null"], "minimum": 1},
                    "strategy": {"const": active.name},
                    **refresh_fields,
                }
            ),
            "Refresh": {
                "description": f"At most {max_body_bytes} bytes of JSON",
                "type": "object",
                "properties": {
                    "refresh_token": {**field, "maxLength": MAX_REFRESH_TOKEN_LENGTH},
                },
                "required": ["refresh_token"],
            },
            "PartialLogout": closed(
                {
                    "msg": {"type": "string"},
                    "revoked": {"type": "array", "items": {"type": "string"}},
                    "access_token_valid_for": {"type": "integer", "minimum": 0},
                }
            ),
            "JWKS": closed(
                {
                    "keys": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "properties": {
                                "kty": {"enum": ["RSA", "EC", "OKP"]},
                                "kid": {"type": "string", "minLength": 43, "maxLength": 43},
                                "alg": {"enum": ["RS256", "ES256", "EdDSA"]},
                                "use": {"const": "sig"},
                            },
                            "required": ["kty", "kid", "alg", "use"],
                            # public parameters only: never d, p, q, dp, dq, qi
                            "not": {"anyOf": [{"required": [name]} for name in PRIVATE]},
                        },
                    }
                }
            ),
            "User": closed({"id": {"type": "integer"}, "username": {"type": "string"}}),
            "HealthDown": closed(
                {
                    "status": {"const": "unavailable"},
                    "strategy": {"const": active.name},
                    "store": {"const": "down"},
                    "msg": {"type": "string"},
                }
            ),
        },
        "headers": {
            "WWW-Authenticate": {
                "description": "The challenge; its scheme has an 'x' before it for a request with "
                "'X-Requested-With: XMLHttpRequest', so that no browser opens its login dialog",
                "required": True,
                "schema": {
                    "type": "string",
                    "pattern": f'^x?{re.escape(active.scheme)} realm="{REALM}"',
                },
            },
            "Retry-After": {"required": True, "schema": {"type": "integer", "minimum": 1}},
            "Cache-Control": {"required": True, "schema": {"const": "no-store"}},
            "Allow": {"required": True, "schema": {"type": "string"}},
        },
        "responses": {
            "Unauthorized": error(
                "Not valid credentials: missing, malformed, wrong, expired, revoked, tampered",
                "WWW-Authenticate",
            ),
            "BadLogin": error(
                "'Bad username or password': an unknown user and a wrong password alike",
                "WWW-Authenticate",
            ),
            "TooManyFailedLogins": error(
                "Too many failed logins, per user or client", "Retry-After"
            ),
            "StoreUnavailable": error(
                "The token store is down"
                + (" (of the cluster: the master that holds this request's key)" if cluster else "")
                + f": retry in {STORE_RETRY_AFTER} s",
                "Retry-After",
            ),
            "MethodNotAllowed": error("Another method than the path's", "Allow"),
        },
    }
