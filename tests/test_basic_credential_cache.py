"""BASIC_AUTH_CACHE_TTL: verified Basic credentials skip the password hash until they change."""

import base64
import time

import pytest

import sandbox.users
from sandbox import extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from tests.conftest import strategies_where

pytestmark = pytest.mark.parametrize("strategy_name", strategies_where(scheme="Basic"))


def basic(username: str, password: str) -> dict[str, str]:
    return {
        "Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
    }


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:
    """Every password-hash check the user store makes."""
    checks: list[str] = []
    real = sandbox.users.check_password_hash

    def counted(password_hash: str, password: str) -> bool:
        checks.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(sandbox.users, "check_password_hash", counted)
    return checks


def test_off_by_default_every_request_pays_the_hash(make_app, hash_checks):
    client = make_app().test_client()
    for _ in range(3):
        assert (
            client.get("/protected", headers=basic(DEMO_USERNAME, DEMO_PASSWORD)).status_code == 200
        )
    assert len(hash_checks) == 3


def test_a_cached_credential_skips_the_hash(make_app, hash_checks):
    client = make_app(BASIC_AUTH_CACHE_TTL=60).test_client()
    for _ in range(3):
        response = client.get("/protected", headers=basic(DEMO_USERNAME, DEMO_PASSWORD))
        assert response.get_json()["username"] == DEMO_USERNAME
    assert len(hash_checks) == 1


def test_a_wrong_password_is_never_cached(make_app, hash_checks):
    client = make_app(BASIC_AUTH_CACHE_TTL=60).test_client()
    for _ in range(3):
        assert client.get("/protected", headers=basic(DEMO_USERNAME, "wrong")).status_code == 401
    assert len(hash_checks) == 3


def test_a_password_change_drops_the_cached_credential_at_once(make_app):
    app = make_app(BASIC_AUTH_CACHE_TTL=60)
    client = app.test_client()
    assert client.get("/protected", headers=basic(DEMO_USERNAME, DEMO_PASSWORD)).status_code == 200
    with app.app_context():
        extensions.users(app).set_password(DEMO_USERNAME, "a new password")
    assert client.get("/protected", headers=basic(DEMO_USERNAME, DEMO_PASSWORD)).status_code == 401
    assert (
        client.get("/protected", headers=basic(DEMO_USERNAME, "a new password")).status_code == 200
    )


def test_a_deleted_user_is_refused_even_if_cached(make_app):
    app = make_app(BASIC_AUTH_CACHE_TTL=60)
    client = app.test_client()
    assert client.get("/protected", headers=basic(DEMO_USERNAME, DEMO_PASSWORD)).status_code == 200
    with app.app_context():
        extensions.users(app).delete(DEMO_USERNAME)
    assert client.get("/protected", headers=basic(DEMO_USERNAME, DEMO_PASSWORD)).status_code == 401


def test_the_cache_holds_no_password(make_app):
    app = make_app(BASIC_AUTH_CACHE_TTL=60)
    app.test_client().get("/protected", headers=basic(DEMO_USERNAME, DEMO_PASSWORD))
    entries = extensions.strategy(app).cache._entries
    assert len(entries) == 1
    dump = repr(dict(entries)).encode()
    for secret in (DEMO_PASSWORD.encode(), base64.b64encode(DEMO_PASSWORD.encode())):
        assert secret not in dump


@pytest.mark.waits
def test_a_cached_credential_expires_with_its_ttl(make_app, hash_checks):
    client = make_app(BASIC_AUTH_CACHE_TTL=1).test_client()
    client.get("/protected", headers=basic(DEMO_USERNAME, DEMO_PASSWORD))
    time.sleep(1.2)
    client.get("/protected", headers=basic(DEMO_USERNAME, DEMO_PASSWORD))
    assert len(hash_checks) == 2
