"""TOKEN_LOCATION=cookie: the token in an HttpOnly cookie, a double-submit CSRF token beside it.

The HTTP-level rules, for every strategy whose token can travel in a cookie; what a browser
makes of them (SameSite, scripts, other sites) is in tests/browser.
"""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from benchmarks.harness.processes import free_port
from sandbox import extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME, ConfigError
from tests.conftest import (
    CHEAP_HASH,
    DEFAULTS,
    production_values,
    strategies_declaring,
    strategies_where,
)
from tests.servers import BIN, in_a_process

LOGIN = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
COOKIE = {"TOKEN_LOCATION": "cookie"}
REFRESH = {"TOKEN_TTL": 300, "REFRESH_TOKEN_TTL": 3600}


@pytest.fixture(params=strategies_where(cookie_capable=True))
def strategy_name(request: pytest.FixtureRequest) -> str:
    return request.param


def cookies_set(response) -> dict[str, str]:
    """Each Set-Cookie header by cookie name: its attributes as sent."""
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def log_in(client):
    response = client.post("/token", json=LOGIN)
    assert response.status_code == 200, response.get_json()
    return response


def test_the_body_carries_no_token_but_the_csrf_token(make_app):
    client = make_app(**COOKIE).test_client()
    body = log_in(client).get_json()
    assert body["token"] is None
    assert body["token_type"] == "cookie"
    assert body["csrf_token"]
    facts = client.get("/strategy").get_json()
    assert facts["token_location"] == "cookie"
    assert facts["cookie_capable"] is True


def test_the_cookies_attributes(make_app):
    sent = cookies_set(log_in(make_app(**COOKIE).test_client()))
    assert set(sent) == {"access_token", "csrf_token"}
    access, csrf = sent["access_token"], sent["csrf_token"]
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/;"):
        assert attribute in access + ";"
    assert "HttpOnly" not in csrf  # the page's scripts read it after a reload
    assert "SameSite=Strict" in csrf
    assert "Secure" not in access  # development over http: a Secure cookie would not come back


def test_production_cookies_are_secure(make_app, strategy_name, redis_url, redis_prefix):
    app = make_app(
        SANDBOX_ENV="production",
        REDIS_URL=redis_url,
        REDIS_KEY_PREFIX=redis_prefix,
        CSRF_SECRET_KEY="c" * 48,
        **production_values(strategy_name),
        **COOKIE,
    )
    with app.app_context():  # production seeds no demo user
        extensions.users(app).add(DEMO_USERNAME, "a password of length")
    response = app.test_client().post("/token", json={**LOGIN, "password": "a password of length"})
    assert all("Secure" in header for header in cookies_set(response).values())


def test_production_needs_the_csrf_key(make_app, strategy_name):
    with pytest.raises(ConfigError, match=r"^CSRF_SECRET_KEY is required in production"):
        make_app(SANDBOX_ENV="production", **production_values(strategy_name), **COOKIE)


def test_the_cookie_alone_authenticates(make_app):
    app = make_app(**COOKIE)
    client = app.test_client()
    log_in(client)
    assert client.get("/protected").status_code == 200
    # An Authorization header is not read in cookie mode: a client without the cookie gets 401.
    stranger = app.test_client()
    issued_elsewhere = make_app().test_client().post("/token", json=LOGIN).get_json()
    header = {"Authorization": f"Bearer {issued_elsewhere['token']}"}
    refused = stranger.get("/protected", headers=header)
    assert refused.status_code == 401
    assert "msg" in refused.get_json()


def test_a_tampered_cookie_gets_401(make_app):
    client = make_app(**COOKIE).test_client()
    log_in(client)
    token = client.get_cookie("access_token").value
    client.set_cookie("access_token", token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    answer = client.get("/protected")
    assert answer.status_code == 401
    assert "msg" in answer.get_json()


@pytest.mark.parametrize("header", [None, "", "wrong", "x" * 43])
def test_logout_without_the_login_s_csrf_token_gets_403_and_logs_nothing_out(make_app, header):
    client = make_app(**COOKIE).test_client()
    log_in(client)
    headers = {} if header is None else {"X-CSRF-Token": header}
    refused = client.post("/logout", headers=headers)
    assert refused.status_code == 403
    assert "X-CSRF-Token" in refused.get_json()["msg"]
    assert "Set-Cookie" not in refused.headers  # the session survives a forged request
    assert client.get("/protected").status_code == 200


def test_a_csrf_token_of_another_login_is_refused(make_app):
    app = make_app(**COOKIE)
    mine, theirs = app.test_client(), app.test_client()
    log_in(mine)
    other = log_in(theirs).get_json()["csrf_token"]
    assert mine.post("/logout", headers={"X-CSRF-Token": other}).status_code == 403


def test_authentication_comes_first(make_app):
    client = make_app(**COOKIE).test_client()
    assert client.post("/logout", headers={"X-CSRF-Token": "anything"}).status_code == 401


def test_a_csrf_header_on_a_get_is_ignored(make_app):
    client = make_app(**COOKIE).test_client()
    log_in(client)
    assert client.get("/protected", headers={"X-CSRF-Token": "wrong"}).status_code == 200


def test_logout_expires_the_cookies_whatever_it_could_revoke(make_app):
    client = make_app(**COOKIE).test_client()
    csrf = log_in(client).get_json()["csrf_token"]
    logout = client.post("/logout", headers={"X-CSRF-Token": csrf})
    assert logout.status_code in (204, 200, 501)  # the strategy's facts say which
    expired = cookies_set(logout)
    assert set(expired) == {"access_token", "refresh_token", "csrf_token"}
    assert all("Max-Age=0" in header for header in expired.values())
    assert client.get("/protected").status_code == 401  # the browser forgot the token


@pytest.mark.parametrize("strategy_name", strategies_where(cookie_capable=False))
def test_a_strategy_whose_credentials_cannot_travel_in_a_cookie_refuses_it(make_app):
    with pytest.raises(ConfigError, match=r"^TOKEN_LOCATION=cookie: the '\w+' strategy") as stop:
        make_app(**COOKIE)
    assert "\n" not in str(stop.value)


def test_an_unknown_location_stops_the_start(make_app):
    with pytest.raises(ConfigError, match=r"^TOKEN_LOCATION must be one of header, cookie"):
        make_app(TOKEN_LOCATION="query")


# Refresh tokens in cookie mode: the refresh cookie, scoped to /token/refresh.


@pytest.mark.parametrize("strategy_name", strategies_declaring("REFRESH_TOKEN_TTL"))
def test_refresh_reads_its_cookie_and_needs_the_csrf_token(make_app):
    client = make_app(**COOKIE, **REFRESH).test_client()
    first = log_in(client)
    assert "Path=/token/refresh" in cookies_set(first)["refresh_token"]
    csrf = first.get_json()["csrf_token"]
    assert client.post("/token/refresh").status_code == 403
    renewed = client.post("/token/refresh", headers={"X-CSRF-Token": csrf})
    assert renewed.status_code == 200
    body = renewed.get_json()
    assert body["token"] is None and body["refresh_token"] is None
    assert body["csrf_token"] == csrf  # the login's: a rotation keeps it
    assert client.get("/protected").status_code == 200
    stranger = make_app(**COOKIE, **REFRESH).test_client()
    assert stranger.post("/token/refresh", headers={"X-CSRF-Token": csrf}).status_code == 401


def tutorial_curl_example() -> tuple[str, list[str]]:
    """The tutorial's cookie-mode curl lines (a shell script) and the answers it shows."""
    tutorial = (Path(__file__).parent.parent / "docs" / "tutorial.md").read_text()
    section = tutorial.split("## Where the token travels: `TOKEN_LOCATION=cookie`", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    shown = [line[2:] for line in block.splitlines() if re.fullmatch(r"# (\{.*\}|\d{3})", line)]
    return block, shown


@pytest.mark.subprocess
def test_the_tutorial_curl_example_logs_in_calls_and_logs_out_with_the_csrf_header(tmp_path):
    script, shown = tutorial_curl_example()
    port = free_port()
    env = {  # the embedded store: one process serves
        **{name: value for name, value in os.environ.items() if name not in DEFAULTS},
        "AUTH_STRATEGY": "bearer",
        "TOKEN_LOCATION": "cookie",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "PASSWORD_HASH_METHOD": CHEAP_HASH,
    }
    with in_a_process([BIN / "auth-sandbox", "serve", "--port", port], port, env):
        ran = subprocess.run(
            ["bash", "-e", "-c", script.replace("127.0.0.1:5000", f"127.0.0.1:{port}")],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert ran.returncode == 0, ran.stderr
    login, user, status = ran.stdout.replace("}{", "}\n{").splitlines()
    # The shape the tutorial shows: the same fields, the token in the jar only.
    assert json.loads(login).keys() == json.loads(shown[0].replace("…", "")).keys()
    assert json.loads(login)["token"] is None and json.loads(login)["token_type"] == "cookie"
    assert json.loads(user) == json.loads(shown[1])
    assert status == shown[2] == "204"
