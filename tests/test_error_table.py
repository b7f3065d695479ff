"""The error table as a whole: every error answers, through a request, as the contract says.

The expected answers are written out here, not read from the table, so that a wrong
row fails: status, `{"msg"}` body, challenge and Retry-After.
"""

import inspect
import time

import jwt as pyjwt
import pytest
from flask import Flask
from flask_jwt_extended import current_user, jwt_required

from sandbox import extensions
from sandbox.errors import ANSWERS
from sandbox.transports.base import challenge as challenge_under
from strategies import errors, registry
from strategies.errors import AuthError, StoreDown, TooManyFailedLogins
from strategies.json_web_token import JWTStrategy
from tests.conftest import auth_header, hs256_key, login

CHALLENGE, NO_CHALLENGE = True, False
# error type: (status, a WWW-Authenticate challenge?, Retry-After)
EXPECTED: dict[type[AuthError], tuple[int, bool, str | None]] = {
    errors.AuthError: (401, CHALLENGE, None),
    errors.MissingCredentials: (401, CHALLENGE, None),
    errors.InvalidCredentials: (401, CHALLENGE, None),
    errors.ExpiredToken: (401, CHALLENGE, None),
    errors.RevokedToken: (401, CHALLENGE, None),
    errors.BadLogin: (401, CHALLENGE, None),
    errors.BadIntrospectionClient: (401, CHALLENGE, None),
    errors.TooManyFailedLogins: (429, NO_CHALLENGE, "42"),  # its own seconds
    errors.CSRFFailed: (403, NO_CHALLENGE, None),
    errors.InvalidDPoPProof: (401, CHALLENGE, None),
    errors.BoundTokenWithoutProof: (401, CHALLENGE, None),
    errors.BadDPoPGrant: (400, NO_CHALLENGE, None),
    errors.RefreshTokenReused: (401, CHALLENGE, None),
    errors.NotRevocable: (501, NO_CHALLENGE, None),
    errors.NoRefreshTokens: (501, NO_CHALLENGE, None),
    errors.StoreUnavailable: (503, NO_CHALLENGE, "5"),
    errors.StoreDown: (503, NO_CHALLENGE, "5"),
}
EXAMPLES: dict[type[AuthError], AuthError] = {
    TooManyFailedLogins: TooManyFailedLogins(retry_after=42),
    StoreDown: StoreDown("some-strategy"),
}


def raising(app: Flask, error: Exception) -> Flask:
    @app.get("/raise")
    def raise_it():
        raise error

    return app


def test_the_table_lists_every_error_type_and_only_those():
    declared = {
        kind
        for _, kind in inspect.getmembers(errors, inspect.isclass)
        if issubclass(kind, AuthError)
    }
    assert declared == set(ANSWERS) == set(EXPECTED)


@pytest.mark.parametrize("kind", list(EXPECTED), ids=lambda kind: kind.__name__)
def test_each_error_answers_as_the_contract_says(make_app, kind):
    error = EXAMPLES.get(kind) or kind()
    status, challenge, retry_after = EXPECTED[kind]
    app = raising(make_app(), error)
    response = app.test_client().get("/raise")

    assert response.status_code == status
    assert response.get_json() == {"msg": error.message, **error.fields}
    if challenge:
        # The transport's challenge, unless the error names its own scheme (introspection's).
        expected = (
            challenge_under(error.scheme, error)
            if error.scheme
            else extensions.transport(app).challenge(error)
        )
        assert response.headers["WWW-Authenticate"] == expected
    else:
        assert "WWW-Authenticate" not in response.headers
    assert response.headers.get("Retry-After") == retry_after


def test_healthz_down_says_which_strategy_and_store(make_app):
    response = raising(make_app(), StoreDown("bearer")).test_client().get("/raise")
    assert response.get_json() == {
        "msg": "The token store cannot be reached",
        "status": "unavailable",
        "strategy": "bearer",
        "store": "down",
    }


def test_an_error_type_of_a_plug_in_answers_as_its_nearest_listed_base(make_app):
    class Refused(errors.RevokedToken):
        default_message = "refused by a plug-in"

    response = raising(make_app(), Refused()).test_client().get("/raise")
    assert response.status_code == 401
    assert response.get_json() == {"msg": "refused by a plug-in"}
    assert "WWW-Authenticate" in response.headers


def test_werkzeug_errors_keep_their_status_with_a_json_body(client):
    cases = {
        400: client.post("/token", data="{", content_type="application/json"),
        404: client.get("/nowhere"),
        405: client.delete("/protected"),
        413: client.post("/token", data="x" * 20_000, content_type="application/json"),
        415: client.post("/token", data="username=a", content_type="text/plain"),
    }
    for status, response in cases.items():
        assert response.status_code == status
        assert response.content_type == "application/json"
        assert set(response.get_json()) == {"msg"}
    assert "GET" in cases[405].headers["Allow"]


def test_anything_else_is_a_500_that_tells_nothing(app):
    response = raising(app, RuntimeError("a secret detail")).test_client().get("/raise")
    assert response.status_code == 500
    assert response.get_json() == {"msg": "Internal server error"}


# The strategies made with flask-jwt-extended: the JWT strategy and any plug-in built on it.
WITH_JWT_EXTENDED = [
    name for name in registry.names() if issubclass(registry.load(name), JWTStrategy)
]


@pytest.mark.parametrize("strategy_name", WITH_JWT_EXTENDED)
def test_flask_jwt_extended_answers_through_the_table(make_app):
    app = make_app()
    manager = app.extensions["flask-jwt-extended"]
    client = app.test_client()

    @app.get("/guarded")
    @jwt_required()
    def guarded():
        return {"ok": True}

    @app.get("/fresh")
    @jwt_required(fresh=True)
    def fresh():
        return {"ok": True}

    @app.get("/who")
    @jwt_required()
    def who():
        return {"id": current_user.id}

    token = auth_header(login(client))
    now = int(time.time())
    expired_claims = {"sub": "1", "type": "access", "iat": now - 20, "exp": now - 10}
    expired_claims |= {"iss": "auth-sandbox", "aud": "auth-sandbox-api"}
    expired = pyjwt.encode(expired_claims, hs256_key(app), algorithm="HS256")

    def status_and_message(path: str, headers: dict[str, str]) -> tuple[int, str]:
        response = client.get(path, headers=headers)
        assert "WWW-Authenticate" in response.headers
        return response.status_code, response.get_json()["msg"]

    assert status_and_message("/guarded", {}) == (401, "Missing Authorization header")
    expired_header = {"Authorization": f"Bearer {expired}"}
    assert status_and_message("/guarded", expired_header) == (401, "Token has expired")
    garbage = {"Authorization": "Bearer a.b.c"}
    assert status_and_message("/guarded", garbage) == (401, "Invalid credentials")
    assert status_and_message("/fresh", token) == (401, "Invalid credentials")
    manager.user_lookup_loader(lambda _header, _payload: None)
    assert status_and_message("/who", token) == (401, "Invalid credentials")
    manager.token_verification_loader(lambda _header, _payload: False)
    assert status_and_message("/guarded", token) == (401, "Invalid credentials")
    manager.token_in_blocklist_loader(lambda _header, _payload: True)
    assert status_and_message("/guarded", token) == (401, "Token has been revoked")
