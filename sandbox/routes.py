"""The HTTP routes. They know the strategy and the transport only through their interfaces:
the transport takes the token from the request, the strategy says whose it is."""

from flask import Blueprint, Response, after_this_request, current_app, jsonify, request
from werkzeug.exceptions import NotFound

from sandbox.config import DEMO_USERNAME
from sandbox.extensions import login_limits, parts, strategy, transport, users
from sandbox.openapi import document
from sandbox.request_body import read_login
from strategies.base import IssuedToken
from strategies.capabilities import jwks as published_keys
from strategies.errors import BadLogin, InvalidCredentials, NoRefreshTokens, StoreDown
from strategies.token_store import StoreHealth, health
from strategies.users import User

bp = Blueprint("sandbox", __name__)


def user_record(user: User) -> Response:
    return jsonify(id=user.id, username=user.username)


def client_address() -> str:
    # With TRUSTED_PROXIES, ProxyFix has already put the forwarded client here.
    return request.remote_addr or "unknown"


def authenticated() -> tuple[User, str]:
    """The request's user and token; where the token is a password, a limited login attempt."""
    token = transport().token()
    password = parts().password_credentials
    if password is None:
        return transport().authenticate(token), token
    username = password.password_username(token)
    if username is None:
        return transport().authenticate(token), token  # malformed: refused as such
    limits, client = login_limits(), client_address()
    remembered = password.remembered_user(token)
    if remembered is not None:
        limits.check_remembered(username, client)
        return remembered, token
    limits.check(username, client)
    try:
        return transport().authenticate(token), token
    except InvalidCredentials:
        limits.failed(username, client)
        raise


@bp.get("/")
def demo_page() -> Response:
    """The lesson's front end (sandbox/static): log in, call, tamper, log out."""
    response = current_app.send_static_file("index.html")
    # Nothing from another host, no inline script: what an injected script could not do.
    response.headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/token")
def token() -> Response:
    username, password = read_login()
    login_limits().check(username, client_address())
    user = users().verify(username, password)
    if user is None:
        login_limits().failed(username, client_address())
        raise BadLogin()
    return issued_tokens(transport().issue(user, password), user.id)


@bp.post("/token/refresh")
def refresh_token() -> Response:
    active = strategy()
    if not active.refresh_tokens:  # whatever the body: there is nothing it could refresh
        raise NoRefreshTokens()
    token = transport().refresh_token()
    transport().prove_state_change(token)
    user, issued = transport().refresh(token)
    return issued_tokens(issued, user.id)


def issued_tokens(issued: IssuedToken, user_id: int) -> Response:
    """The answer of POST /token and /token/refresh; never cached (RFC 6749 §5.1)."""
    active = strategy()
    refresh = (
        {"refresh_token": issued.refresh_token, "refresh_expires_in": issued.refresh_expires_in}
        if active.refresh_tokens
        else {}
    )
    body = {
        "token": issued.token,
        "token_type": transport().scheme,
        "user_id": user_id,
        "expires_in": issued.expires_in,
        "strategy": active.name,
        **refresh,
    }
    response = transport().issued(body, issued)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/protected")
def protected() -> Response:
    return user_record(authenticated()[0])


@bp.get("/public")
def public() -> Response:
    # The same read of the user that every authenticated request makes: the baseline.
    user = users().named(DEMO_USERNAME)
    if user is None:
        raise NotFound(
            f"The demo user {DEMO_USERNAME!r} does not exist (it is seeded in development)"
        )
    return user_record(user)


@bp.post("/logout")
def logout() -> Response:
    _user, token = authenticated()
    transport().prove_state_change(token)
    # Where the client keeps the token for us, it forgets it whatever the server can revoke.
    after_this_request(transport().forget)
    revocation = strategy().revoke(token)
    if revocation.access_token_valid_for is not None:
        revoked = " and ".join(kind.replace("_", " ") for kind in revocation.revoked)
        return jsonify(
            msg=(
                f"Revoked the login's {revoked}; its access token keeps working until it "
                f"expires, in {revocation.access_token_valid_for} s"
            ),
            revoked=list(revocation.revoked),
            access_token_valid_for=revocation.access_token_valid_for,
        )
    response = Response(status=204)
    del response.headers["Content-Type"]  # no body, so no type (RFC 9110 §8.3)
    return response


@bp.get("/strategy")
def describe_strategy() -> Response:
    active = strategy()
    return jsonify(
        name=active.name,
        scheme=transport().scheme,
        stateful=active.stateful,
        revocable=active.revocable,
        refresh_tokens=active.refresh_tokens,
        cookie_capable=active.cookie_capable,
        token_location=transport().location,
        token_binding=transport().binding,
        description=active.description,
    )


@bp.get("/healthz")
def healthz() -> Response:
    active = strategy()
    status = health(parts().store)
    if status is StoreHealth.DOWN:
        raise StoreDown(active.name)
    # Degraded: some masters of a cluster answer; requests whose keys live on the others
    # answer 503, the rest are served.
    return jsonify(status="ok", strategy=active.name, store=status.value)


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """The public keys that verify the tokens, for other services (RFC 7517)."""
    keys = published_keys(strategy())
    if keys is None:
        raise NotFound(
            "This configuration publishes no keys: its tokens are not signed with a private key "
            "(a shared secret is never published)"
        )
    response = jsonify(keys)
    # Verifiers may keep the keys a while; a rotation publishes the new one beside the old.
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The HTTP contract as OpenAPI 3.1, generated for the app and its strategy."""
    return jsonify(document(current_app))
