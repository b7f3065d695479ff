"""The document's paths: what each route answers under the configured strategy."""

from sandbox.openapi.parts import Schema, answer, closed, error, operation, ref
from sandbox.transports.base import Transport
from strategies.base import Strategy
from strategies.capabilities import PasswordCredentials, jwks


def takes_password(active: Strategy) -> bool:
    """Whether requests carry a password (Basic), whose failures count toward the 429 limits."""
    return isinstance(active, PasswordCredentials)


def security_scheme(transport: Transport) -> str:
    return "cookie" if transport.location == "cookie" else transport.scheme.lower()


def paths(active: Strategy, transport: Transport, login: Schema, cluster: bool) -> Schema:
    cookie = transport.location == "cookie"
    secured: list[Schema] = [{security_scheme(transport): []}]
    # With DPoP, every request that uses or gets a token carries a proof, and a login or
    # refresh without a valid one is a 400.
    dpop = transport.binding == "dpop"
    proof = (
        {
            "parameters": [
                {
                    "name": "DPoP",
                    "in": "header",
                    "required": True,
                    "description": "A DPoP proof (RFC 9449) for this request, signed by the key",
                    "schema": {"type": "string"},
                }
            ]
        }
        if dpop
        else {}
    )
    no_proof = ", or no valid DPoP proof (error: invalid_dpop_proof)" if dpop else ""
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
            "400": error(
                "Not JSON, not an object, the field missing, not a string, empty, long" + no_proof
            ),
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
                "400": error(
                    "Not JSON, not an object, a field missing, not a string, empty, long" + no_proof
                ),
                "401": ref("responses", "BadLogin"),
                "413": error("A body over the size limit"),
                "415": error("Another content type than application/json"),
                "429": ref("responses", "TooManyFailedLogins"),
                **store_down,
            },
            requestBody={"required": True, "content": {"application/json": login}},
            **proof,
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
            **(proof if active.refresh_tokens else {}),
        ),
        "/protected": operation(
            "get",
            "The authenticated user's record",
            {"200": answer("The user", user), **refused, **store_down},
            security=secured,
            **proof,
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
            **proof,
        ),
        "/strategy": operation(
            "get", "The active strategy", {"200": answer("Its facts", facts(active, transport))}
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


def facts(active: Strategy, transport: Transport) -> Schema:
    names = ("name", "stateful", "revocable", "refresh_tokens", "cookie_capable")
    facts = {name: {"const": getattr(active, name)} for name in names}
    return closed(
        facts
        | {
            "scheme": {"const": transport.scheme},
            "token_location": {"enum": ["header", "cookie"]},
            "token_binding": {"const": transport.binding},
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
