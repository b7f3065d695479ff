"""The token store against a real Redis over TCP: expiry, what is kept at rest, outages.

Most run on the strategies that keep a token store (`stateful`); the outage test
runs on all, and shows that the others need none.
"""

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import redis

from sandbox.redis_server import free_port
from strategies.bearer import token_digest
from tests.conftest import auth_header, login, strategies_where

pytestmark = pytest.mark.redis


# The strategies that keep a token store; the outage test below runs on all of them.
stateful = pytest.mark.parametrize("strategy_name", strategies_where(stateful=True))


@stateful
def test_a_token_expires_with_its_redis_ttl(make_app, redis_url, redis_prefix):
    client = make_app(REDIS_URL=redis_url, REDIS_KEY_PREFIX=redis_prefix, TOKEN_TTL=1).test_client()
    header = auth_header(login(client))
    assert client.get("/protected", headers=header).status_code == 200
    time.sleep(1.5)
    assert client.get("/protected", headers=header).status_code == 401


@stateful
def test_redis_holds_a_digest_of_the_token_never_the_token(make_app, redis_url, redis_prefix):
    client = make_app(REDIS_URL=redis_url, REDIS_KEY_PREFIX=redis_prefix).test_client()
    issued = login(client)
    store = redis.Redis.from_url(redis_url)
    keys = list(store.scan_iter(match=redis_prefix + "*"))
    assert len(keys) == 1
    key, value = keys[0].decode(), store.get(keys[0]).decode()
    assert issued["token"] not in key and issued["token"] not in value
    assert key.endswith(token_digest(issued["token"]))
    assert value == str(issued["user_id"])
    assert 0 < store.ttl(keys[0]) <= 900
    # Replaying what a copy of Redis holds gets nobody in.
    for leaked in (key, key.removeprefix(redis_prefix + "token:")):
        header = {"Authorization": f"Bearer {leaked}"}
        assert client.get("/protected", headers=header).status_code == 401


@stateful
def test_a_revoked_token_stays_refused_until_its_key_expires(make_app, redis_url, redis_prefix):
    client = make_app(REDIS_URL=redis_url, REDIS_KEY_PREFIX=redis_prefix).test_client()
    header = auth_header(login(client))
    assert client.post("/logout", headers=header).status_code == 204
    response = client.get("/protected", headers=header)
    assert response.status_code == 401
    store = redis.Redis.from_url(redis_url)
    (key,) = store.scan_iter(match=redis_prefix + "*")
    assert 0 < store.ttl(key) <= 900  # the revocation mark does not outlive the token


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers: a hung Redis."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


@pytest.mark.parametrize("outage", ["closed port", "never answers"])
def test_an_unreachable_store_gives_503_never_200(make_app, silent_server, outage):
    port = free_port() if outage == "closed port" else silent_server
    healthy = make_app()
    header = auth_header(login(healthy.test_client()))
    client = make_app(REDIS_URL=f"redis://127.0.0.1:{port}/0").test_client()
    stateful = healthy.extensions["auth_sandbox.strategy"].stateful

    started = time.monotonic()
    response = client.get("/protected", headers=header)
    waited = time.monotonic() - started

    if stateful:
        assert response.status_code == 503
        assert response.headers["Retry-After"].isdigit()
        # Bounded socket timeouts: the worker is back in about a second, not hung.
        assert waited < 5
        assert client.post("/token", json={"username": "alesanchezr", "password": "12341234"}
                           ).status_code == 503  # fmt: skip
        assert client.get("/healthz").status_code == 503
    else:
        assert response.status_code == 200


@stateful
def test_the_app_recovers_without_a_restart_when_redis_comes_back(make_app, private_redis):
    client = make_app(REDIS_URL=private_redis.url).test_client()
    header = auth_header(login(client))
    assert client.get("/protected", headers=header).status_code == 200

    private_redis.stop()
    assert client.get("/protected", headers=header).status_code == 503
    assert client.get("/healthz").get_json()["store"] == "down"

    private_redis.start()  # an empty Redis: the old token is gone, new logins work
    assert client.get("/healthz").get_json()["store"] == "ok"
    assert client.get("/protected", headers=header).status_code == 401
    assert client.get("/protected", headers=auth_header(login(client))).status_code == 200


@stateful
def test_a_paused_redis_gives_503_then_the_same_token_works_again(make_app, private_redis):
    client = make_app(REDIS_URL=private_redis.url).test_client()
    header = auth_header(login(client))
    redis.Redis.from_url(private_redis.url).client_pause(3000)
    assert client.get("/protected", headers=header).status_code == 503
    deadline = time.monotonic() + 10
    while client.get("/protected", headers=header).status_code != 200:
        assert time.monotonic() < deadline, "the token never worked again after the pause"
        time.sleep(0.2)
