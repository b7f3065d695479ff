"""POST /introspect (RFC 7662): who may ask, what an active token says of itself, and that every
other token is `{"active": false}`, from the same check `GET /protected` makes."""

import base64
import time
from pathlib import Path

import jsonschema_rs
import pytest
import schemathesis
from flask import Flask

from benchmarks.harness.dpop_client import ProofKey
from benchmarks.harness.processes import free_port
from sandbox import create_app
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME, ConfigError
from sandbox.users import UserStore
from strategies import registry
from tests.conftest import CHEAP_HASH, DEFAULTS, login

SECRET = "a-client-secret-of-the-resource-server-0123456789"
CLIENTS = f"resource-server:{SECRET}"
REFRESH = {"JWT_DENYLIST": True, "REFRESH_TOKEN_TTL": 3600}
# Each configuration whose tokens can be introspected, as compare labels it.
ISSUING = {
    "bearer": ("bearer", {}),
    "jwt": ("jwt", {}),
    "jwt + denylist": ("jwt", {"JWT_DENYLIST": True}),
    "jwt + refresh + denylist": ("jwt", REFRESH),
    "jwt + ES256": ("jwt", {"JWT_ALGORITHM": "ES256"}),
    **({"paseto": ("paseto", {})} if "paseto" in registry.names() else {}),
}
INACTIVE = {"active": False}


def app_of(tmp_path: Path, name: str, **settings) -> Flask:
    app = create_app(
        {
            **DEFAULTS,
            "AUTH_STRATEGY": name,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "PASSWORD_HASH_METHOD": CHEAP_HASH,
            "INTROSPECTION_CLIENTS": CLIENTS,
            **settings,
        }
    )
    app.testing = True
    return app


@pytest.fixture(params=list(ISSUING))
def app(request, tmp_path) -> Flask:
    name, settings = ISSUING[request.param]
    return app_of(tmp_path, name, **settings)


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


CLIENT = basic("resource-server", SECRET)


def introspected(client, token: str, headers: dict[str, str] | None = None):
    sent = CLIENT if headers is None else headers
    response = client.post("/introspect", data={"token": token}, headers=sent)
    assert response.headers["Cache-Control"] == "no-store"
    return response


def verdict(client, token: str) -> dict:
    response = introspected(client, token)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_active_token_says_whose_it_is_when_it_expires_and_how_it_is_sent(app):
    client = app.test_client()
    issued = login(client)
    now = int(time.time())
    answer = verdict(client, issued["token"])
    assert answer == {
        "active": True,
        "sub": str(issued["user_id"]),
        "exp": answer["exp"],
        "iat": answer["iat"],
        "token_type": "Bearer",
    }
    assert answer["exp"] - issued["expires_in"] - 2 <= answer["iat"] <= now + 1
    assert now + issued["expires_in"] - 2 <= answer["exp"] <= now + issued["expires_in"] + 1


def tampered(token: str) -> str:
    middle = len(token) // 2
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]


def test_every_token_protected_refuses_is_inactive_and_nothing_more(app, tmp_path):
    client = app.test_client()
    issued = login(client)
    other = app_of(tmp_path / "other", "jwt")  # another configuration, another key
    refused = {
        "unknown": "an-unknown-token",
        "empty": "",
        "tampered": tampered(issued["token"]),
        "another configuration's": login(other.test_client())["token"],
        "a refresh token": issued.get("refresh_token"),
    }
    for case, token in refused.items():
        if token is None:
            continue
        auth = {"Authorization": f"Bearer {token}"}
        assert client.get("/protected", headers=auth).status_code == 401, case
        assert verdict(client, token) == INACTIVE, case


@pytest.mark.parametrize("event", ["logout", "users passwd", "users delete"])
def test_a_token_revoked_at_the_sandbox_is_inactive_from_the_next_answer(app, event):
    client = app.test_client()
    token = login(client)["token"]
    header = {"Authorization": f"Bearer {token}"}
    if event == "logout":
        if client.post("/logout", headers=header).status_code != 204:
            # It cannot revoke its access token: both still take it, as they must agree.
            assert client.get("/protected", headers=header).status_code == 200
            assert verdict(client, token)["active"]
            return
    else:
        with app.app_context():
            users = UserStore(CHEAP_HASH, production=False)
            changed = (
                users.set_password(DEMO_USERNAME, "another-password-of-the-demo-user")
                if event == "users passwd"
                else users.delete(DEMO_USERNAME)
            )
            assert changed
    assert client.get("/protected", headers=header).status_code == 401
    assert verdict(client, token) == INACTIVE


def test_a_refresh_token_reuse_makes_the_login_inactive(tmp_path):
    app = app_of(tmp_path, "jwt", **REFRESH)
    client = app.test_client()
    issued = login(client)
    body = {"refresh_token": issued["refresh_token"]}
    assert client.post("/token/refresh", json=body).status_code == 200
    assert client.post("/token/refresh", json=body).status_code == 401  # the reuse
    assert verdict(client, issued["token"]) == INACTIVE


@pytest.mark.waits
def test_an_expired_token_is_inactive(tmp_path):
    apps = [
        app_of(tmp_path / label, name, TOKEN_TTL=1, **s) for label, (name, s) in ISSUING.items()
    ]
    tokens = [login(app.test_client())["token"] for app in apps]
    time.sleep(2.1)
    for app, token in zip(apps, tokens, strict=True):
        assert verdict(app.test_client(), token) == INACTIVE


def test_a_bound_token_is_described_with_its_key(tmp_path):
    app = app_of(tmp_path, "jwt", TOKEN_BINDING="dpop")
    client, key = app.test_client(), ProofKey()
    issued = client.post(
        "/token",
        json={"username": DEMO_USERNAME, "password": DEMO_PASSWORD},
        headers=key.headers("POST", "http://localhost/token"),
    ).get_json()
    answer = verdict(client, issued["token"])
    assert answer["active"] and answer["token_type"] == "DPoP"
    assert answer["cnf"] == {"jkt": key.jkt}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("resource-server", SECRET + "x"),
        basic("someone-else", SECRET),
        {"Authorization": "Bearer " + SECRET},
        {"Authorization": "Basic not-base64!"},
    ],
    ids=["none", "wrong secret", "unknown client", "not Basic", "malformed"],
)
def test_only_a_client_of_introspection_clients_may_ask(app, headers):
    client = app.test_client()
    response = introspected(client, login(client)["token"], headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Basic realm="auth-sandbox"')
    assert "active" not in response.get_json() and response.get_json()["msg"]


def test_a_client_s_failures_count_toward_a_limit_like_logins(tmp_path):
    app = app_of(tmp_path, "jwt", LOGIN_LIMIT_PER_USER="3 per minute")
    client = app.test_client()
    wrong = basic("resource-server", "a-guess-at-the-secret-of-the-resource-server-000")
    statuses = [introspected(client, "t", wrong).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    refused = introspected(client, "t")  # the right secret too, until the window ends
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


def test_a_missing_token_is_a_400(app):
    response = app.test_client().post("/introspect", data={}, headers=CLIENT)
    assert response.status_code == 400 and set(response.get_json()) == {"msg"}
    assert response.headers["Cache-Control"] == "no-store"


def test_without_clients_or_for_basic_the_route_is_not_there(tmp_path):
    unset = app_of(tmp_path / "unset", "jwt", INTROSPECTION_CLIENTS=None)
    basic_app = app_of(tmp_path / "basic", "basic")
    for app in (unset, basic_app):
        response = app.test_client().post("/introspect", data={"token": "t"}, headers=CLIENT)
        assert response.status_code == 404 and response.get_json()["msg"]


def test_while_the_store_that_decides_is_down_the_answer_is_503(tmp_path):
    app = app_of(tmp_path, "bearer", REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    response = introspected(app.test_client(), "a-token")
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    "value", ["no-colon", "id:", f":{SECRET}", "id:tiny-secret-x", f"a:{SECRET},b:tiny-secret-x"]
)
def test_a_bad_introspection_clients_value_stops_the_start_naming_the_setting(tmp_path, value):
    with pytest.raises(ConfigError) as refused:
        app_of(tmp_path, "jwt", INTROSPECTION_CLIENTS=value)
    message = str(refused.value)
    assert message.startswith("INTROSPECTION_CLIENTS") and "\n" not in message
    assert SECRET not in message and "tiny-secret-x" not in message  # a secret is never shown


def test_the_route_is_in_the_document_and_its_answers_conform(app):
    client = app.test_client()
    document = client.get("/openapi.json").get_json()
    schemathesis.openapi.from_dict(document).validate()
    operation = document["paths"]["/introspect"]["post"]
    assert operation["security"] == [{"introspection_client": []}]
    assert document["components"]["securitySchemes"]["introspection_client"]["scheme"] == "basic"
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    conforms = jsonschema_rs.validator_for(schema).is_valid
    token = login(client)["token"]
    assert conforms(verdict(client, token)) and conforms(verdict(client, "unknown"))
    assert not conforms({"active": False, "sub": "1"})  # an inactive token says nothing more


def test_the_parsed_clients_configure_an_app_again_as_they_are(tmp_path):
    # A measurement makes apps of one instance from the settings the first one parsed.
    first = app_of(tmp_path, "bearer")
    again = create_app(
        {**first.config, "INTROSPECTION_CLIENTS": first.config["INTROSPECTION_CLIENTS"]}
    )
    client = again.test_client()
    assert verdict(client, login(client)["token"])["active"]
