"""The HTTP routes. They know the strategy only through its interface."""

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import BadRequest, NotFound

from sandbox.config import DEMO_USERNAME
from sandbox.extensions import cookies, login_limits, strategy, users
from sandbox.openapi import document
from sandbox.users import MAX_FIELD_LENGTH
from strategies.base import MAX_REFRESH_TOKEN_LENGTH, IssuedToken, StoreHealth, User
from strategies.errors import BadLogin, InvalidCredentials, NoRefreshTokens, StoreDown

bp = Blueprint("sandbox", __name__)


def user_record(user: User) -> Response:
    return jsonify(id=user.id, username=user.username)


def client_address() -> str:
    # With TRUSTED_PROXIES, ProxyFix has already put the forwarded client here.
    return request.remote_addr or "unknown"


def authenticated_user() -> User:
    """The request's user; where its credentials are a password, a limited login attempt."""
    active = strategy()
    username = active.password_username()
    if username is None:
        return active.authenticate()
    limits, client = login_limits(), client_address()
    remembered = active.remembered_user()
    if remembered is not None:
        limits.check_remembered(username, client)
        return remembered
    limits.check(username, client)
    try:
        return active.authenticate()
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
    return issued_tokens(strategy().issue(user, password), user.id)


@bp.post("/token/refresh")
def refresh_token() -> Response:
    active, transport = strategy(), cookies()
    if not active.refresh_tokens:  # whatever the body: there is nothing it could refresh
        raise NoRefreshTokens()
    if transport is None:
        body = read_json_object('{"refresh_token": "..."}')
        token = body_field(body, "refresh_token", MAX_REFRESH_TOKEN_LENGTH)
    else:  # from its cookie, and only with the login's CSRF token
        token = transport.refresh_token()
        transport.check_csrf(token)
    user, issued = active.refresh(token)
    return issued_tokens(issued, user.id)


def issued_tokens(issued: IssuedToken, user_id: int) -> Response:
    """The body of POST /token and /token/refresh; never cached (RFC 6749 §5.1)."""
    active, transport = strategy(), cookies()
    refresh = (
        {"refresh_token": issued.refresh_token, "refresh_expires_in": issued.refresh_expires_in}
        if active.refresh_tokens
        else {}
    )
    body = {
        "token": issued.token,
        "token_type": active.scheme,
        "user_id": user_id,
        "expires_in": issued.expires_in,
        "strategy": active.name,
        **refresh,
    }
    if transport is not None:  # the tokens travel in cookies, never in the body
        body |= transport.body(issued)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    if transport is not None:
        transport.set_cookies(response, issued)
    return response


@bp.get("/protected")
def protected() -> Response:
    return user_record(authenticated_user())


@bp.get("/public")
def public() -> Response:
    user = users().find(DEMO_USERNAME)
    if user is None:
        raise NotFound(
            f"The demo user {DEMO_USERNAME!r} does not exist (it is seeded in development)"
        )
    return user_record(user)


@bp.post("/logout")
def logout() -> Response:
    authenticated_user()
    transport = cookies()
    if transport is not None:
        transport.check_csrf(transport.access_token())
        # The browser forgets the login whatever the server can revoke of it.
        transport.forget_after_this_request()
    revocation = strategy().revoke()
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
        scheme=active.scheme,
        stateful=active.stateful,
        revocable=active.revocable,
        refresh_tokens=active.refresh_tokens,
        cookie_capable=active.cookie_capable,
        token_location="header" if cookies() is None else "cookie",
        description=active.description,
    )


@bp.get("/healthz")
def healthz() -> Response:
    active = strategy()
    health = active.store_health()
    if health is StoreHealth.DOWN:
        raise StoreDown(active.name)
    # Degraded: some masters of a cluster answer; requests whose keys live on the others
    # answer 503, the rest are served.
    return jsonify(status="ok", strategy=active.name, store=health.value)


@bp.get("/.well-known/jwks.json")
def jwks() -> Response:
    """The public keys that verify the tokens, for other services (RFC 7517)."""
    keys = strategy().jwks()
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


def read_login() -> tuple[str, str]:
    """(username, password) from the JSON body, or a 400 that says what is wrong."""
    body = read_json_object('{"username": "...", "password": "..."}')
    return body_field(body, "username"), body_field(body, "password")


def read_json_object(example: str) -> dict:
    """The request's JSON object; 415 for another Content-Type, 400 for anything else."""
    try:
        body = request.get_json()  # 415 for another Content-Type, 400 for malformed JSON
    except BadRequest:
        raise BadRequest("The body is not valid JSON") from None
    except RecursionError:
        raise BadRequest("The JSON body is nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequest(f"The body must be a JSON object: {example}")
    return body


def body_field(body: dict, name: str, max_length: int = MAX_FIELD_LENGTH) -> str:
    if name not in body:
        raise BadRequest(f"{name!r} is missing")
    value = body[name]
    if not isinstance(value, str):
        raise BadRequest(f"{name!r} must be a string")
    if not value:
        raise BadRequest(f"{name!r} must not be empty")
    if len(value) > max_length:
        raise BadRequest(f"{name!r} must be at most {max_length} characters")
    if "\x00" in value:
        raise BadRequest(f"{name!r} must not contain NUL characters")
    try:
        value.encode()
    except UnicodeEncodeError:  # a lone surrogate escape, "\ud800": not text, no UTF-8 for it
        raise BadRequest(f"{name!r} must be Unicode text, without lone surrogates") from None
    return value
