"""JWT_VERIFIED_CACHE: a verified access token skips the signature and claim checks on its next
request, until it expires; a logout, a password change or a deleted user still refuse it at once."""

import time

import jwt as pyjwt
import pytest

from sandbox import extensions
from sandbox.config import DEMO_USERNAME
from strategies.jwt_verified import VerifiedTokens
from tests.conftest import auth_header, login, strategies_declaring

jwts = pytest.mark.parametrize("strategy_name", strategies_declaring("JWT_VERIFIED_CACHE"))


@pytest.fixture
def decodes(monkeypatch) -> list[str]:
    """Every token the jwt strategy hands to PyJWT to verify."""
    seen: list[str] = []
    real = pyjwt.PyJWT.decode

    def counted(decoder: pyjwt.PyJWT, token: str, *args, **kwargs):
        seen.append(token)
        return real(decoder, token, *args, **kwargs)

    monkeypatch.setattr(pyjwt.PyJWT, "decode", counted)
    return seen


@jwts
def test_off_by_default_every_request_checks_the_signature(make_app, decodes):
    client = make_app().test_client()
    header = auth_header(login(client))
    for _ in range(3):
        assert client.get("/protected", headers=header).status_code == 200
    assert len(decodes) == 3


@jwts
def test_a_verified_token_is_checked_once(make_app, decodes):
    client = make_app(JWT_VERIFIED_CACHE=100).test_client()
    header = auth_header(login(client))
    for _ in range(3):
        assert client.get("/protected", headers=header).get_json()["username"] == DEMO_USERNAME
    assert len(decodes) == 1


@jwts
def test_a_changed_token_is_another_key_and_is_refused(make_app, decodes):
    client = make_app(JWT_VERIFIED_CACHE=100).test_client()
    token = login(client)["token"]
    assert client.get("/protected", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for _ in range(2):
        response = client.get("/protected", headers={"Authorization": f"Bearer {forged}"})
        assert response.status_code == 401
    assert decodes == [token, forged, forged]  # a refusal is never remembered


@jwts
def test_a_logout_is_refused_at_the_next_request_though_its_token_is_remembered(make_app):
    client = make_app(JWT_VERIFIED_CACHE=100, JWT_DENYLIST=True).test_client()
    header = auth_header(login(client))
    assert client.get("/protected", headers=header).status_code == 200
    assert client.post("/logout", headers=header).status_code == 204
    assert client.get("/protected", headers=header).status_code == 401


@jwts
def test_a_password_change_or_a_deleted_user_is_refused_at_once(make_app):
    app = make_app(JWT_VERIFIED_CACHE=100)
    client = app.test_client()
    header = auth_header(login(client))
    assert client.get("/protected", headers=header).status_code == 200
    with app.app_context():
        extensions.users(app).set_password(DEMO_USERNAME, "a new password")
    assert client.get("/protected", headers=header).status_code == 401
    header = auth_header(login(client, password="a new password"))
    assert client.get("/protected", headers=header).status_code == 200
    with app.app_context():
        extensions.users(app).delete(DEMO_USERNAME)
    assert client.get("/protected", headers=header).status_code == 401


@jwts
def test_refresh_tokens_are_not_remembered(make_app, decodes):
    client = make_app(JWT_VERIFIED_CACHE=100, TOKEN_TTL=300, REFRESH_TOKEN_TTL=600).test_client()
    refresh_token = login(client)["refresh_token"]
    assert client.post("/token/refresh", json={"refresh_token": refresh_token}).status_code == 200
    # Spent: checked again in full, and refused as reuse.
    assert client.post("/token/refresh", json={"refresh_token": refresh_token}).status_code == 401
    assert decodes.count(refresh_token) == 2


def test_a_remembered_token_is_forgotten_when_it_expires_leeway_included():
    past = time.time() - 1
    access = {"exp": past, "type": "access"}
    assert VerifiedTokens(10, leeway=0).remember("t", access) is access
    strict, lenient = VerifiedTokens(10, leeway=0), VerifiedTokens(10, leeway=60)
    strict.remember("t", access)
    lenient.remember("t", access)
    assert strict.get("t") is None
    assert lenient.get("t") is access


def test_it_holds_at_most_its_size():
    tokens = VerifiedTokens(3, leeway=0)
    later = time.time() + 60
    for n in range(5):
        tokens.remember(f"t{n}", {"exp": later, "type": "access"})
    assert [tokens.get(f"t{n}") is not None for n in range(5)] == [False, False, True, True, True]
