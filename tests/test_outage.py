"""Redis pulled out from under the app: refused, hung, stopped or paused.

A strategy that keeps its tokens in Redis answers 503 with Retry-After, within about
a second, on every route that needs the store — never 200, never 500. The others
keep serving (their failed-login counts fall back to the process). Everything
recovers without a restart.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import redis

from benchmarks.harness.processes import free_port
from benchmarks.harness.redis_server import RedisServer
from sandbox import extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from tests.conftest import auth_header, need_service
from tests.servers import Listener

pytestmark = pytest.mark.redis
PROMPT_S = 3.0  # "about a second", with room for a loaded machine
PAUSE_MS = 6000  # long enough for the requests below: up to ~0.8 s per Redis call
CREDENTIALS = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}


@dataclass
class Outage:
    url: str
    begin: Callable[[], None]  # Redis goes away (a no-op where it was never there)
    end: Callable[[], None] | None  # Redis comes back; None where there is none to bring back


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers: a hung Redis."""
    with Listener(hold=True) as hung:
        yield hung.port


@pytest.fixture(
    params=[
        "refused",
        # Each call that needs the store waits out the client's timeout; a pause is waited out.
        pytest.param("never answers", marks=pytest.mark.waits),
        "stopped",
        pytest.param("paused", marks=pytest.mark.waits),
    ]
)
def outage(request) -> Iterator[Outage]:
    kind = request.param
    if kind == "refused":
        yield Outage(f"redis://127.0.0.1:{free_port()}/0", lambda: None, None)
    elif kind == "never answers":
        port = request.getfixturevalue("silent_port")
        yield Outage(f"redis://127.0.0.1:{port}/0", lambda: None, None)
    else:
        if not RedisServer.available():
            need_service("redis-server is not on the PATH")
        with RedisServer() as server:
            if kind == "stopped":
                yield Outage(server.url, server.stop, server.start)
            else:
                # CLIENT PAUSE blocks every client, its own UNPAUSE included, so the
                # pause is given a length and the end waits it out.
                control = redis.Redis.from_url(server.url)
                paused_until = []

                def pause() -> None:
                    control.client_pause(PAUSE_MS)
                    paused_until.append(time.monotonic() + PAUSE_MS / 1000)

                def wait_out_the_pause() -> None:
                    time.sleep(max(0.0, paused_until[0] - time.monotonic()) + 0.1)

                yield Outage(server.url, pause, wait_out_the_pause)


def timed(call: Callable[[], object]):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_an_outage_is_a_prompt_503_for_a_store_and_nothing_for_the_others(make_app, outage):
    app = make_app(REDIS_URL=outage.url)
    client = app.test_client()
    stateful = extensions.strategy(app).stateful
    # A token from before the outage: from this app where its Redis is up, else from a
    # twin of the same instance (same key, same users) with the embedded store.
    before = client if outage.end else make_app().test_client()
    header = auth_header(before.post("/token", json=CREDENTIALS).get_json())

    outage.begin()
    health = client.get("/healthz")
    assert health.status_code == (503 if stateful else 200)
    for name, call in [
        ("/protected", lambda: client.get("/protected", headers=header)),
        ("/token", lambda: client.post("/token", json=CREDENTIALS)),
        ("/logout", lambda: client.post("/logout", headers=header)),
    ]:
        response, waited = timed(call)
        assert waited < PROMPT_S, (name, waited)
        if stateful:
            assert response.status_code == 503, name
            assert response.headers["Retry-After"].isdigit()
            assert response.get_json()["msg"]
        else:
            assert response.status_code in (200, 501), (name, response.get_json())

    if outage.end is None:
        return
    outage.end()
    assert client.get("/healthz").status_code == 200
    fresh = auth_header(client.post("/token", json=CREDENTIALS).get_json())
    assert client.get("/protected", headers=fresh).status_code == 200


def test_a_start_while_redis_is_down_warns_in_one_line_and_goes_on(make_app, caplog):
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there: refused
    with caplog.at_level("WARNING"):
        app = make_app(REDIS_URL=url)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(f"REDIS_URL {url} cannot be used now (")
    assert "\n" not in warnings[0]
    # It started, and answers as it does whenever its store is down.
    health = app.test_client().get("/healthz")
    assert health.status_code == (503 if extensions.strategy(app).stateful else 200)


def test_a_start_with_redis_up_says_nothing_of_an_outage(make_app, caplog):
    with caplog.at_level("WARNING"):
        make_app(REDIS_URL="redis://127.0.0.1:6379/15")
    # This Redis may keep nothing across a restart, which is said (tests/test_store_cache.py).
    assert not [r for r in caplog.records if "cannot be used" in r.getMessage()]
