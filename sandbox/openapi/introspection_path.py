"""The document's `/introspect` (RFC 7662): its answers where INTROSPECTION_CLIENTS is set and
the strategy issues tokens, else its 404."""

from sandbox.openapi.parts import Schema, answer, closed, error, operation, ref
from sandbox.transports.base import REALM, Transport
from strategies.base import Strategy
from strategies.capabilities import Introspects

NOT_HERE = "No introspection: INTROSPECTION_CLIENTS is unset, or the strategy issues no tokens"
# The security scheme of its clients, whatever the strategy's.
SCHEME = {
    "introspection_client": {
        "type": "http",
        "scheme": "basic",
        "description": "A client_id and client_secret of INTROSPECTION_CLIENTS",
    }
}


def offered(active: Strategy, configured: bool) -> bool:
    """Whether POST /introspect answers: INTROSPECTION_CLIENTS set, for a strategy that
    issues tokens."""
    return configured and isinstance(active, Introspects)


def introspection_path(active: Strategy, transport: Transport, configured: bool) -> Schema:
    if not offered(active, configured):
        return {"/introspect": operation("post", "Token introspection", {"404": error(NOT_HERE)})}
    no_store = {"Cache-Control": ref("headers", "Cache-Control")}
    active_token = closed(
        {
            "active": {"const": True},
            "sub": {"type": "string"},
            "exp": {"type": "integer"},
            "token_type": {"const": transport.scheme},
            "iat": {"type": "integer"},
            "cnf": closed({"jkt": {"type": "string"}}),
        }
    )
    active_token["required"] = ["active", "sub", "exp", "token_type"]
    verdict = {"oneOf": [closed({"active": {"const": False}}), active_token]}
    challenge = {
        "required": True,
        "schema": {"type": "string", "pattern": f'^x?Basic realm="{REALM}"'},
    }
    refused = error("Not the Basic credentials of a client of INTROSPECTION_CLIENTS")
    form = {
        "type": "object",
        "properties": {"token": {"type": "string"}, "token_type_hint": {"type": "string"}},
        "required": ["token"],
    }
    responses = {
        "200": answer(
            "Active (what /protected would accept now, described), or {active: false} alone",
            verdict,
        )
        | {"headers": no_store},
        "400": error("No token in the form"),
        "401": refused | {"headers": {"WWW-Authenticate": challenge}},
        "429": ref("responses", "TooManyFailedLogins"),
        **({"503": ref("responses", "StoreUnavailable")} if active.stateful else {}),
    }
    return {
        "/introspect": operation(
            "post",
            "Whether a token is active, for a client of INTROSPECTION_CLIENTS (RFC 7662)",
            responses,
            requestBody={
                "required": True,
                "content": {"application/x-www-form-urlencoded": {"schema": form}},
            },
            security=[{"introspection_client": []}],
        )
    }
