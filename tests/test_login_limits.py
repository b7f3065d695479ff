"""The 429 of the failed-login limits: failures are limited per username and per client."""

import base64

import pytest

import sandbox.users
from benchmarks.harness.processes import free_port
from sandbox import extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from tests.conftest import strategies_where

LIMITS = {"LOGIN_LIMIT_PER_USER": "3 per minute", "LOGIN_LIMIT_PER_CLIENT": "5 per minute"}
ANOTHER_CLIENT = {"REMOTE_ADDR": "127.0.0.9"}


def login(client, username=DEMO_USERNAME, password="wrong", environ=None):
    return client.post(
        "/token", json={"username": username, "password": password}, environ_base=environ or {}
    )


def basic(username: str, password: str) -> dict[str, str]:
    return {
        "Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
    }


def assert_limited(response) -> None:
    assert response.status_code == 429
    assert response.get_json()["msg"]
    assert int(response.headers["Retry-After"]) >= 1


def test_failed_logins_for_one_username_are_limited_even_with_the_right_password(make_app):
    client = make_app(**LIMITS).test_client()
    for _ in range(3):
        assert login(client).status_code == 401
    assert_limited(login(client))
    assert_limited(login(client, password=DEMO_PASSWORD))  # checked before any password
    assert login(client, username="someone-else").status_code == 401


def test_failed_logins_from_one_client_are_limited_across_usernames(make_app):
    client = make_app(**LIMITS).test_client()
    for number in range(5):
        assert login(client, username=f"user-{number}").status_code == 401
    assert_limited(login(client, username="user-5"))
    assert login(client, username="user-6", environ=ANOTHER_CLIENT).status_code == 401


def test_successful_logins_do_not_count(make_app):
    client = make_app(**LIMITS).test_client()
    for _ in range(6):
        assert login(client, password=DEMO_PASSWORD).status_code == 200


@pytest.mark.parametrize("strategy_name", strategies_where(scheme="Basic"))
def test_basic_credentials_on_a_protected_route_count_as_logins(make_app):
    client = make_app(**LIMITS).test_client()
    for _ in range(3):
        assert client.get("/protected", headers=basic(DEMO_USERNAME, "wrong")).status_code == 401
    assert_limited(client.get("/protected", headers=basic(DEMO_USERNAME, DEMO_PASSWORD)))
    assert_limited(client.post("/logout", headers=basic(DEMO_USERNAME, DEMO_PASSWORD)))
    assert login(client, password=DEMO_PASSWORD).status_code == 429  # one count for both doors


@pytest.mark.parametrize("strategy_name", strategies_where(scheme="Basic"))
def test_remembered_basic_credentials_make_no_limit_check(make_app, monkeypatch):
    """A credential the cache verified before reaches no hash: nothing to limit, no round trip."""
    app = make_app(BASIC_AUTH_CACHE_TTL=60, **LIMITS)
    client = app.test_client()
    checked: list[str] = []
    limits = extensions.login_limits(app)
    real_call = limits._call

    def counted(method, *args):
        checked.append(method)
        return real_call(method, *args)

    monkeypatch.setattr(limits, "_call", counted)
    header = basic(DEMO_USERNAME, DEMO_PASSWORD)
    assert client.get("/protected", headers=header).status_code == 200
    assert checked == ["test", "test"]  # the first request reaches the hash: both counts
    for _ in range(3):
        assert client.get("/protected", headers=header).status_code == 200
    assert checked == ["test", "test"]


@pytest.mark.parametrize("strategy_name", strategies_where(scheme="Basic"))
def test_a_spent_limit_refuses_remembered_credentials_once_the_worker_has_refused(
    make_app, monkeypatch
):
    """A remembered credential is the right password: past a spent limit it must not answer
    200, or a guesser would learn which guess was right."""
    client = make_app(BASIC_AUTH_CACHE_TTL=60, **LIMITS).test_client()
    right, wrong = basic(DEMO_USERNAME, DEMO_PASSWORD), basic(DEMO_USERNAME, "wrong")
    assert client.get("/protected", headers=right).status_code == 200  # now remembered
    for _ in range(3):
        assert client.get("/protected", headers=wrong).status_code == 401
    hashes: list[str] = []
    monkeypatch.setattr(sandbox.users, "check_password_hash", lambda h, p: hashes.append(h))
    assert_limited(client.get("/protected", headers=wrong))
    assert_limited(client.get("/protected", headers=right))
    assert_limited(client.get("/protected", headers=right, environ_base=ANOTHER_CLIENT))
    assert hashes == []  # past the limit no guess reaches the hash


@pytest.mark.parametrize("strategy_name", strategies_where(scheme="Bearer"))
def test_bad_tokens_are_not_login_attempts(make_app):
    client = make_app(**LIMITS).test_client()
    for _ in range(8):
        assert client.get("/protected", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert login(client, password=DEMO_PASSWORD).status_code == 200


def test_forwarded_addresses_count_only_from_trusted_proxies(make_app):
    untrusted = make_app(**LIMITS).test_client()
    for number in range(5):
        spoofed = {"HTTP_X_FORWARDED_FOR": f"10.0.0.{number}"}
        assert login(untrusted, username=f"user-{number}", environ=spoofed).status_code == 401
    assert_limited(
        login(untrusted, username="user-5", environ={"HTTP_X_FORWARDED_FOR": "10.9.9.9"})
    )

    behind_a_proxy = make_app(**LIMITS, TRUSTED_PROXIES=1).test_client()
    for number in range(6):
        forwarded = {"HTTP_X_FORWARDED_FOR": f"10.0.0.{number}"}
        assert (
            login(behind_a_proxy, username=f"user-{number}", environ=forwarded).status_code == 401
        )


@pytest.mark.redis
def test_every_worker_shares_the_counts_through_redis(make_app, redis_url, redis_prefix):
    settings = {**LIMITS, "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": redis_prefix}
    first, second = make_app(**settings).test_client(), make_app(**settings).test_client()
    for client in (first, second, first):
        assert login(client).status_code == 401
    assert_limited(login(second))


def test_with_redis_unreachable_the_counts_fall_back_to_the_process(make_app):
    client = make_app(**LIMITS, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0").test_client()
    stateful = client.get("/strategy").get_json()["stateful"]
    for _ in range(3):
        assert login(client).status_code == 401
    assert_limited(login(client))
    if not stateful:  # a strategy that needs no store keeps serving
        assert login(client, username="someone-else").status_code == 401
