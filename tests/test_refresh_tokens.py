"""Logins, refresh tokens and revocation: REFRESH_TOKEN_TTL and JWT_DENYLIST, as users see them.

A login is one POST /token and every pair rotated from its refresh token. Rotation spends
the refresh token sent; a spent one sent again revokes the login; logout revokes the login
as far as the configuration can; a password change or a deleted user refuses every token.
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests
from click.testing import CliRunner

from sandbox.cli import main
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME, ConfigError
from strategies import registry
from tests.conftest import (
    CHEAP_HASH,
    DEFAULTS,
    auth_header,
    configured,
    login,
    strategies_declaring,
)
from tests.two_workers import from_both_workers, two_workers

WITH_REFRESH = strategies_declaring("REFRESH_TOKEN_TTL")
REFRESH = {"TOKEN_TTL": 300, "REFRESH_TOKEN_TTL": 3600}
DENYLIST = {**REFRESH, "JWT_DENYLIST": True}
LOGIN = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}


@pytest.fixture(params=WITH_REFRESH)
def strategy_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(params=["embedded", "redis"])
def store(request: pytest.FixtureRequest) -> dict:
    """The settings of the token store: the embedded fakeredis, or the real Redis."""
    if request.param == "embedded":
        return {}
    url = request.getfixturevalue("redis_url")
    return {"REDIS_URL": url, "REDIS_KEY_PREFIX": request.getfixturevalue("redis_prefix")}


def refresh(client, token: str):
    return client.post("/token/refresh", json={"refresh_token": token})


def test_the_facts_follow_the_settings(strategy_name):
    assert configured(strategy_name).refresh_tokens is False
    with_refresh = configured(strategy_name, **REFRESH)
    assert with_refresh.refresh_tokens and with_refresh.stateful
    assert not with_refresh.revocable  # the access token lives until it expires
    assert configured(strategy_name, **DENYLIST).revocable


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"REFRESH_TOKEN_TTL": "-1"}, r"^REFRESH_TOKEN_TTL must be at least 0 second"),
        ({"REFRESH_TOKEN_TTL": "soon"}, r"^REFRESH_TOKEN_TTL must be a whole number"),
        (
            {"TOKEN_TTL": "900", "REFRESH_TOKEN_TTL": "600"},
            r"^REFRESH_TOKEN_TTL \(600 s\) must not be shorter than TOKEN_TTL \(900 s\): an "
            r"access token would outlive the login that renews it$",
        ),
    ],
)
def test_bad_refresh_settings_stop_the_start_with_one_line(make_app, settings, message):
    with pytest.raises(ConfigError, match=message) as stopped:
        make_app(**settings)
    assert "\n" not in str(stopped.value)


def test_production_needs_redis_for_refresh_tokens(make_app):
    with pytest.raises(ConfigError, match="REDIS_URL is required in production by the"):
        make_app(SANDBOX_ENV="production", JWT_SECRET_KEY="k" * 48, **REFRESH)


def test_the_login_body_carries_the_refresh_token(make_app, store):
    client = make_app(**REFRESH, **store).test_client()
    assert client.get("/strategy").get_json()["refresh_tokens"] is True
    issued = login(client)
    assert issued["expires_in"] == 300
    assert 3598 <= issued["refresh_expires_in"] <= 3600
    assert len(issued["refresh_token"]) > 256  # signed: hence the field's 4096 characters


def test_a_refresh_rotates_the_pair_and_spends_the_token_sent(make_app, store):
    client = make_app(**REFRESH, **store).test_client()
    issued = login(client)
    renewed = refresh(client, issued["refresh_token"])
    assert renewed.status_code == 200
    assert renewed.headers["Cache-Control"] == "no-store"
    body = renewed.get_json()
    assert set(body) == set(issued)
    assert body["refresh_token"] != issued["refresh_token"]
    assert client.get("/protected", headers=auth_header(body)).status_code == 200
    assert refresh(client, body["refresh_token"]).status_code == 200  # the new one is current


@pytest.mark.parametrize("settings", [REFRESH, DENYLIST], ids=["refresh", "refresh + denylist"])
def test_reuse_of_a_spent_refresh_token_revokes_the_login(make_app, store, settings):
    client = make_app(**settings, **store).test_client()
    first = login(client)
    other_login = login(client)
    second = refresh(client, first["refresh_token"]).get_json()

    reused = refresh(client, first["refresh_token"])
    assert reused.status_code == 401
    assert "already used" in reused.get_json()["msg"]
    assert reused.headers["WWW-Authenticate"].startswith("Bearer ")
    # The thief's copy and the rightful holder's are one login: both are refused from now.
    assert refresh(client, second["refresh_token"]).status_code == 401
    access = client.get("/protected", headers=auth_header(second)).status_code
    # Without a denylist the access token is checked with the key alone, until it expires.
    assert access == (401 if settings.get("JWT_DENYLIST") else 200)
    assert refresh(client, other_login["refresh_token"]).status_code == 200  # only that login


def test_an_access_token_is_never_a_refresh_token_nor_the_reverse(make_app):
    client = make_app(**REFRESH).test_client()
    issued = login(client)
    as_refresh = refresh(client, issued["token"])
    assert as_refresh.status_code == 401
    assert as_refresh.get_json() == {"msg": "Invalid token: it is not a refresh token"}
    as_access = client.get(
        "/protected", headers={"Authorization": f"Bearer {issued['refresh_token']}"}
    )
    assert as_access.status_code == 401
    assert as_access.get_json() == {"msg": "Invalid token: it is not an access token"}


@pytest.mark.waits
def test_the_refresh_lifetime_is_absolute_from_the_login(make_app):
    client = make_app(TOKEN_TTL=1, REFRESH_TOKEN_TTL=3).test_client()
    issued = login(client)
    time.sleep(1.2)
    rotated = refresh(client, issued["refresh_token"]).get_json()
    assert rotated["refresh_expires_in"] <= 2  # what was left, not a fresh REFRESH_TOKEN_TTL
    time.sleep(2.5)
    expired = refresh(client, rotated["refresh_token"])
    assert expired.status_code == 401
    assert expired.get_json()["msg"] == "Token has expired"


def test_logout_without_a_denylist_revokes_the_refresh_token_only(make_app, store):
    client = make_app(**REFRESH, **store).test_client()
    issued = login(client)
    logout = client.post("/logout", headers=auth_header(issued))
    assert logout.status_code == 200
    body = logout.get_json()
    assert body["revoked"] == ["refresh_token"]
    assert 299 <= body["access_token_valid_for"] <= 300
    assert "until it expires" in body["msg"]
    assert client.get("/protected", headers=auth_header(issued)).status_code == 200
    after = refresh(client, issued["refresh_token"])
    assert after.status_code == 401
    assert after.get_json()["msg"] == "Token has been revoked"


def test_logout_with_a_denylist_revokes_the_whole_login(make_app, store):
    client = make_app(**DENYLIST, **store).test_client()
    issued = login(client)
    rotated = refresh(client, issued["refresh_token"]).get_json()
    # Logging out with the older access token still ends the login, rotated pair included.
    assert client.post("/logout", headers=auth_header(issued)).status_code == 204
    for access in (issued, rotated):
        assert client.get("/protected", headers=auth_header(access)).status_code == 401
    assert refresh(client, rotated["refresh_token"]).status_code == 401


@pytest.mark.parametrize("strategy_name", registry.names())
def test_without_refresh_tokens_the_route_answers_501(client):
    answer = refresh(client, "anything")
    assert answer.status_code == 501
    assert "refresh tokens" in answer.get_json()["msg"]
    assert "refresh_token" not in login(client)


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ("[]", 400, "The body must be a JSON object"),
        ("{", 400, "The body is not valid JSON"),
        ("{}", 400, "'refresh_token' is missing"),
        ('{"refresh_token": 7}', 400, "'refresh_token' must be a string"),
        ('{"refresh_token": ""}', 400, "'refresh_token' must not be empty"),
        ('{"refresh_token": "' + "x" * 4097 + '"}', 400, "at most 4096 characters"),
        ('{"refresh_token": "' + "x" * 17000 + '"}', 413, ""),
    ],
)
def test_bad_refresh_bodies_get_a_json_error(make_app, body, status, message):
    client = make_app(**REFRESH).test_client()
    answer = client.post("/token/refresh", data=body, content_type="application/json")
    assert answer.status_code == status
    assert message in answer.get_json()["msg"]


def test_a_refresh_body_that_is_not_json_gets_415(make_app):
    client = make_app(**REFRESH).test_client()
    answer = client.post("/token/refresh", data="refresh_token=x")
    assert answer.status_code == 415
    assert "msg" in answer.get_json()


def test_a_token_of_4096_characters_is_read_and_refused_as_a_token(make_app):
    client = make_app(**REFRESH).test_client()
    assert refresh(client, "x" * 4096).status_code == 401


def test_while_redis_is_down_refresh_fails_closed_and_access_tokens_keep_serving(
    make_app, private_redis
):
    client = make_app(**REFRESH, REDIS_URL=private_redis.url).test_client()
    issued = login(client)
    private_redis.stop()
    down = refresh(client, issued["refresh_token"])
    assert down.status_code == 503
    assert int(down.headers["Retry-After"]) > 0
    # No denylist: an access token is checked with the key alone.
    assert client.get("/protected", headers=auth_header(issued)).status_code == 200
    private_redis.start()
    # This Redis keeps nothing on disk: back, it has forgotten the login, which fails closed.
    assert refresh(client, issued["refresh_token"]).status_code == 401
    assert refresh(client, login(client)["refresh_token"]).status_code == 200


def test_a_password_change_refuses_the_logins_refresh_tokens(make_app, store):
    app = make_app(**REFRESH, **store)
    client = app.test_client()
    issued = login(client)
    with app.app_context():
        from sandbox import extensions

        extensions.users().set_password(DEMO_USERNAME, "a new password of some length")
    for answer in (
        refresh(client, issued["refresh_token"]),
        client.get("/protected", headers=auth_header(issued)),
    ):
        assert answer.status_code == 401
        assert "password has changed" in answer.get_json()["msg"]


# Through gunicorn with two workers and the real Redis: what a deployment runs.


@pytest.fixture
def deployment(strategy_name, tmp_path, redis_url, redis_prefix) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if name not in DEFAULTS}
    return {
        **environment,
        "AUTH_STRATEGY": strategy_name,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "PASSWORD_HASH_METHOD": CHEAP_HASH,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": redis_prefix,
        "TOKEN_TTL": "300",
        "REFRESH_TOKEN_TTL": "3600",
        "JWT_DENYLIST": "true",
    }


@pytest.mark.redis
@pytest.mark.subprocess  # gunicorn, two workers
def test_concurrent_refreshes_of_one_token_yield_exactly_one_200(deployment, tmp_path):
    with two_workers(deployment, tmp_path) as base:
        issued = requests.post(f"{base}/token", json=LOGIN, timeout=5).json()

        def send(_: int) -> requests.Response:
            body = {"refresh_token": issued["refresh_token"]}
            return requests.post(f"{base}/token/refresh", json=body, timeout=5)

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(send, range(8)))
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [200] + [401] * 7
        # The losers count as reuse (the documented, strict choice): the winner's pair is
        # revoked too, in every worker.
        (winner,) = (answer.json() for answer in answers if answer.status_code == 200)
        header = {"Authorization": f"Bearer {winner['token']}"}
        answers = from_both_workers(
            lambda: requests.get(f"{base}/protected", headers=header, timeout=5)
        )
        assert {answer.status_code for answer in answers} == {401}


@pytest.mark.redis
@pytest.mark.subprocess  # gunicorn, two workers
def test_logout_and_password_change_reach_every_worker(deployment, tmp_path, redis_url):
    with two_workers(deployment, tmp_path) as base:
        logged_out = requests.post(f"{base}/token", json=LOGIN, timeout=5).json()
        kept = requests.post(f"{base}/token", json=LOGIN, timeout=5).json()

        def statuses(issued: dict) -> set[int]:
            header = {"Authorization": f"Bearer {issued['token']}"}
            answers = from_both_workers(
                lambda: requests.get(f"{base}/protected", headers=header, timeout=5)
            )
            return {answer.status_code for answer in answers}

        header = {"Authorization": f"Bearer {logged_out['token']}"}
        assert requests.post(f"{base}/logout", headers=header, timeout=5).status_code == 204
        assert statuses(logged_out) == {401}
        assert statuses(kept) == {200}

        changed = CliRunner().invoke(
            main,
            ["users", "passwd", DEMO_USERNAME, "--password-stdin"],
            input="another password, long enough\n",
            env={name: deployment[name] for name in ("INSTANCE_PATH", "REDIS_URL")},
        )
        assert changed.exit_code == 0, changed.output
        assert "refresh tokens alike, is refused in every worker" in changed.output
        assert statuses(kept) == {401}
        body = {"refresh_token": kept["refresh_token"]}
        assert requests.post(f"{base}/token/refresh", json=body, timeout=5).status_code == 401


@pytest.mark.redis
def test_a_login_stores_one_small_record_and_a_revoked_one_a_denylist_entry(
    make_app, redis_url, redis_prefix
):
    client = make_app(**DENYLIST, REDIS_URL=redis_url, REDIS_KEY_PREFIX=redis_prefix)
    client = client.test_client()
    store = redis.Redis.from_url(redis_url)
    issued = login(client)
    (record,) = store.scan_iter(match=redis_prefix + "*")
    assert 3598 <= store.ttl(record) <= 3600  # the login's refresh lifetime, not longer
    assert client.post("/logout", headers=auth_header(issued)).status_code == 204
    keys = sorted(store.scan_iter(match=redis_prefix + "*"))
    assert len(keys) == 2
    denylisted = next(key for key in keys if key != record)
    assert 0 < store.ttl(denylisted) <= 300  # as long as an access token of the login lives
