"""`POST /introspect` (RFC 7662): whether a token is active, for another service that verifies
tokens at a distance, and what it says of itself.

Its answer comes from the check `GET /protected` makes (`Introspects.introspect`, which the
strategy's `authenticate` shares), so the two cannot disagree: a token is active exactly when
`/protected` would accept it at that moment; every other token is `{"active": false}` and
nothing more. A token bound to a key is described with its `cnf`: its proof is for whoever
asked to check (RFC 9449 §6.2). Only clients of INTROSPECTION_CLIENTS may ask, with HTTP
Basic; their secrets are compared in constant time, and failures count toward the failed-login
limits as a login's do (a spent limit refuses the right secret too, in the worker that refused).
Unset, the route answers 404.

Authlib's RFC 7662 endpoint (`IntrospectionEndpoint`) belongs to its authorization server,
which owns the token model, the client model and the request wrapper; here each strategy owns
its tokens behind one interface and the app its client list, so the route is this page.
"""

import hmac
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, after_this_request, current_app, jsonify, request
from werkzeug.exceptions import BadRequest, NotFound

from sandbox.extensions import login_limits, strategy, transport
from strategies.basic import decode_basic
from strategies.capabilities import Introspects
from strategies.errors import AuthError, BadIntrospectionClient, StoreUnavailable
from strategies.settings import Setting, check_secret

bp = Blueprint("introspection", __name__)


def introspection_clients(value: Any) -> dict[str, str]:
    """INTROSPECTION_CLIENTS's parser: `client_id:client_secret` pairs, comma-separated (or a
    mapping of them, as parsed before), each secret as strong as any of the sandbox's."""
    pairs = (
        [f"{client_id}:{secret}" for client_id, secret in value.items()]
        if isinstance(value, Mapping)
        else str(value).split(",")
    )
    clients: dict[str, str] = {}
    for number, pair in enumerate(pairs, 1):
        client_id, colon, secret = pair.strip().partition(":")
        if not colon or not client_id or not secret:
            raise ValueError(f"pair {number} is not client_id:client_secret")
        check_secret(f"INTROSPECTION_CLIENTS (the secret of {client_id!r})", secret)
        clients[client_id] = secret
    return clients


SETTINGS = (
    Setting(
        "INTROSPECTION_CLIENTS",
        None,
        "comma-separated client_id:client_secret pairs allowed to call POST /introspect "
        "(RFC 7662) with HTTP Basic; unset: the route answers 404",
        introspection_clients,
        secret=True,
    ),
)
# Compared against when the client id is unknown, so that the answer takes as long.
UNKNOWN_CLIENT_SECRET = secrets.token_urlsafe(48)


def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"  # RFC 7662 §2.2: an answer is of now
    return response


def authenticated_client(clients: Mapping[str, str]) -> str:
    """The client id of the request's Basic credentials, if they are one of `clients`'."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() != "basic" or not credentials.strip():
        raise BadIntrospectionClient()
    try:
        client_id, secret = decode_basic(credentials.strip())
    except AuthError:
        raise BadIntrospectionClient() from None
    limits, address = login_limits(), request.remote_addr or "unknown"
    limited = f"introspection client {client_id}"
    expected = clients.get(client_id)
    matches = hmac.compare_digest(secret.encode(), (expected or UNKNOWN_CLIENT_SECRET).encode())
    if expected is not None and matches:
        # The right secret tests no guess, and no hash stands to protect: only a refusal this
        # worker has answered stands, with no round trip (as for Basic's remembered
        # credentials, sandbox.login_limits): a resource server pays no Redis round trip here.
        limits.check_remembered(limited, address)
        return client_id
    limits.check(limited, address)
    limits.failed(limited, address)
    raise BadIntrospectionClient()


@bp.post("/introspect")
def introspect() -> Response:
    after_this_request(no_store)
    clients, active = current_app.config["INTROSPECTION_CLIENTS"], strategy()
    if not clients or not isinstance(active, Introspects):
        raise NotFound(
            "No token introspection here: set INTROSPECTION_CLIENTS, with a strategy that "
            "issues tokens"
        )
    authenticated_client(clients)
    token = request.form.get("token")
    if token is None:  # token_type_hint may be sent too: each strategy knows its own kinds
        raise BadRequest("Missing token: send token=… as application/x-www-form-urlencoded")
    try:
        facts = active.introspect(token)
    except StoreUnavailable:
        raise  # the store that decides is down: 503, not a verdict
    except AuthError:
        return jsonify(active=False)
    return jsonify(
        active=True,
        sub=str(facts.user.id),
        exp=facts.expires_at,
        token_type=transport().scheme,
        **({"iat": facts.issued_at} if facts.issued_at is not None else {}),
        **({"cnf": {"jkt": facts.jkt}} if facts.jkt is not None else {}),
    )
