"""The HTTP routes. They know the strategy only through its interface."""

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import BadRequest, NotFound

from sandbox.config import DEMO_USERNAME
from sandbox.extensions import login_limits, strategy, users
from sandbox.openapi import document
from sandbox.users import MAX_FIELD_LENGTH
from strategies.base import User
from strategies.errors import BadLogin, InvalidCredentials, StoreDown

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
    login_limits().check(username, client_address())
    try:
        return active.authenticate()
    except InvalidCredentials:
        login_limits().failed(username, client_address())
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
    active = strategy()
    issued = active.issue(user, password)
    response = jsonify(
        token=issued.token,
        token_type=active.scheme,
        user_id=user.id,
        expires_in=issued.expires_in,
        strategy=active.name,
    )
    response.headers["Cache-Control"] = "no-store"
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
    strategy().revoke()
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
        description=active.description,
    )


@bp.get("/healthz")
def healthz() -> Response:
    active = strategy()
    reachable = active.store_reachable()
    if reachable is False:
        raise StoreDown(active.name)
    return jsonify(status="ok", strategy=active.name, store="ok" if reachable else "none")


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The HTTP contract as OpenAPI 3.1, generated for the app and its strategy."""
    return jsonify(document(current_app))


def read_login() -> tuple[str, str]:
    """(username, password) from the JSON body, or a 400 that says what is wrong."""
    try:
        body = request.get_json()  # 415 for another Content-Type, 400 for malformed JSON
    except BadRequest:
        raise BadRequest("The body is not valid JSON") from None
    except RecursionError:
        raise BadRequest("The JSON body is nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequest('The body must be a JSON object: {"username": "...", "password": "..."}')
    return login_field(body, "username"), login_field(body, "password")


def login_field(body: dict, name: str) -> str:
    if name not in body:
        raise BadRequest(f"{name!r} is missing")
    value = body[name]
    if not isinstance(value, str):
        raise BadRequest(f"{name!r} must be a string")
    if not value:
        raise BadRequest(f"{name!r} must not be empty")
    if len(value) > MAX_FIELD_LENGTH:
        raise BadRequest(f"{name!r} must be at most {MAX_FIELD_LENGTH} characters")
    if "\x00" in value:
        raise BadRequest(f"{name!r} must not contain NUL characters")
    try:
        value.encode()
    except UnicodeEncodeError:  # a lone surrogate escape, "\ud800": not text, no UTF-8 for it
        raise BadRequest(f"{name!r} must be Unicode text, without lone surrogates") from None
    return value
