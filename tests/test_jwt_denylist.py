"""JWT_DENYLIST: a jwt login that logout revokes, at the price of Redis state and a round trip.

The strategy's facts follow the setting (stateful, revocable), and everything that reads
facts asks the configured strategy, so the contract tests' rules for revocable, stateful
strategies hold here too.
"""

import time

import pytest
import redis

from benchmarks.harness.processes import free_port
from sandbox.config import ConfigError
from tests.conftest import auth_header, configured, login, strategies_declaring

WITH_DENYLIST = strategies_declaring("JWT_DENYLIST")


@pytest.fixture(params=WITH_DENYLIST)
def strategy_name(request: pytest.FixtureRequest) -> str:
    return request.param


def test_the_facts_follow_the_setting(strategy_name):
    plain = configured(strategy_name)
    assert not plain.stateful and not plain.revocable
    denylist = configured(strategy_name, JWT_DENYLIST="true")
    assert denylist.stateful and denylist.revocable


def test_a_bad_boolean_stops_the_start(make_app):
    with pytest.raises(ConfigError, match=r"^JWT_DENYLIST must be one of true, 1, yes, false"):
        make_app(JWT_DENYLIST="maybe")


def test_production_needs_redis_for_the_denylist(make_app):
    with pytest.raises(ConfigError, match="REDIS_URL is required in production by the"):
        make_app(SANDBOX_ENV="production", JWT_SECRET_KEY="k" * 48, JWT_DENYLIST=True)


@pytest.mark.redis
def test_logout_revokes_the_login_and_nothing_is_stored_until_then(
    make_app, redis_url, redis_prefix
):
    client = make_app(JWT_DENYLIST=True, REDIS_URL=redis_url, REDIS_KEY_PREFIX=redis_prefix)
    client = client.test_client()
    assert client.get("/strategy").get_json()["revocable"] is True
    store = redis.Redis.from_url(redis_url)
    first, second = auth_header(login(client)), auth_header(login(client))
    assert client.get("/protected", headers=first).status_code == 200
    assert list(store.scan_iter(match=redis_prefix + "*")) == []  # a live login costs nothing

    assert client.post("/logout", headers=first).status_code == 204
    refused = client.get("/protected", headers=first)
    assert refused.status_code == 401
    assert refused.get_json()["msg"] == "Token has been revoked"
    assert client.get("/protected", headers=second).status_code == 200  # only that login

    (key,) = store.scan_iter(match=redis_prefix + "*")
    assert 0 < store.ttl(key) <= 900  # kept no longer than the token would have lived


@pytest.mark.waits
@pytest.mark.redis
def test_the_denylist_forgets_a_login_once_its_token_has_expired(make_app, redis_url, redis_prefix):
    app = make_app(
        JWT_DENYLIST=True, TOKEN_TTL=1, REDIS_URL=redis_url, REDIS_KEY_PREFIX=redis_prefix
    )
    client = app.test_client()
    header = auth_header(login(client))
    assert client.post("/logout", headers=header).status_code == 204
    store = redis.Redis.from_url(redis_url)
    assert list(store.scan_iter(match=redis_prefix + "*"))
    time.sleep(2.2)
    assert list(store.scan_iter(match=redis_prefix + "*")) == []
    assert client.get("/protected", headers=header).get_json()["msg"] == "Token has expired"


def test_with_redis_down_a_denylist_fails_closed(make_app):
    app = make_app(JWT_DENYLIST=True, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    client = app.test_client()
    header = auth_header(login(client))  # issuing a JWT needs no store
    for response in (client.get("/protected", headers=header), client.get("/healthz")):
        assert response.status_code == 503
        assert response.headers["Retry-After"]
    assert client.post("/logout", headers=header).status_code == 503
