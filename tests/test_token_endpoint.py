"""`POST /token`, for every strategy."""

import pytest

from benchmarks.harness.processes import free_port
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from tests.conftest import login


def test_good_credentials_give_a_token(client, strategy_name):
    response = client.post("/token", json={"username": DEMO_USERNAME, "password": DEMO_PASSWORD})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert set(body) == {"token", "token_type", "user_id", "expires_in", "strategy"}
    assert isinstance(body["token"], str) and body["token"]
    assert body["token_type"] == client.get("/strategy").get_json()["scheme"]
    assert isinstance(body["user_id"], int)
    assert body["expires_in"] is None or isinstance(body["expires_in"], int)
    assert body["strategy"] == strategy_name


def test_tokens_that_expire_say_so_and_use_token_ttl(make_app):
    client = make_app(TOKEN_TTL=123).test_client()
    expires_in = login(client)["expires_in"]
    assert expires_in in (None, 123)


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ('{"username": "alesanchezr", "password": ', "JSON"),
        ('["alesanchezr", "12341234"]', "object"),
        ('"alesanchezr"', "object"),
        ("null", "object"),
        ('{"password": "12341234"}', "'username' is missing"),
        ('{"username": "alesanchezr"}', "'password' is missing"),
        ('{"username": 1, "password": "12341234"}', "'username' must be a string"),
        ('{"username": "alesanchezr", "password": 12341234}', "'password' must be a string"),
        ('{"username": {"$ne": ""}, "password": "x"}', "'username' must be a string"),
        ('{"username": "", "password": "12341234"}', "'username' must not be empty"),
        ('{"username": "alesanchezr", "password": ""}', "'password' must not be empty"),
        ('{"username": "' + "a" * 257 + '", "password": "x"}', "at most 256"),
        ('{"username": "alesanchezr", "password": "' + "p" * 257 + '"}', "at most 256"),
        ('{"username": "ale\\u0000", "password": "x"}', "NUL"),
        ('{"username": "ale\\ud800", "password": "x"}', "surrogate"),
        ('{"username": "alesanchezr", "password": "\\udfff"}', "surrogate"),
        ("[" * 5000 + "]" * 5000, "nested"),
    ],
)
def test_bad_bodies_get_400_saying_what_is_wrong(client, body, complaint):
    response = client.post("/token", data=body, content_type="application/json")
    assert response.status_code == 400
    assert complaint in response.get_json()["msg"]


def test_a_body_of_another_content_type_gets_415(client):
    response = client.post("/token", data={"username": DEMO_USERNAME, "password": DEMO_PASSWORD})
    assert response.status_code == 415
    assert response.get_json()["msg"]


def test_a_body_over_the_size_limit_gets_413(client):
    padding = "x" * (16 * 1024)
    body = f'{{"username": "{DEMO_USERNAME}", "password": "{DEMO_PASSWORD}", "pad": "{padding}"}}'
    response = client.post("/token", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["msg"]


def test_unknown_user_and_wrong_password_get_the_same_401(client):
    unknown = client.post("/token", json={"username": "nobody", "password": DEMO_PASSWORD})
    wrong = client.post("/token", json={"username": DEMO_USERNAME, "password": "wrong"})
    for response in (unknown, wrong):
        assert response.status_code == 401
        assert response.get_json() == {"msg": "Bad username or password"}
        assert "WWW-Authenticate" in response.headers
    assert unknown.headers["WWW-Authenticate"] == wrong.headers["WWW-Authenticate"]


def test_login_needs_the_token_store_only_if_the_strategy_keeps_one(make_app):
    client = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0").test_client()
    stateful = client.get("/strategy").get_json()["stateful"]
    response = client.post("/token", json={"username": DEMO_USERNAME, "password": DEMO_PASSWORD})
    if stateful:
        assert response.status_code == 503
        assert response.headers["Retry-After"].isdigit()
        assert response.get_json()["msg"]
    else:
        assert response.status_code == 200
