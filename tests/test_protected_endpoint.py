"""`GET /protected`, for every strategy.

Attacks that only make sense against one kind of token (an `alg: none` JWT, a
JWT that is not valid yet) are sent to every strategy: to the others they are
garbage, and garbage must be refused too.
"""

import base64
import json
import time

import jwt as pyjwt
import pytest

from benchmarks.harness.processes import free_port
from sandbox import extensions
from sandbox.config import DEMO_USERNAME
from sandbox.users import UserStore
from tests.conftest import auth_header, hs256_key, login

REALM = 'realm="auth-sandbox"'


def assert_refused(response, token_sent: bool = True) -> None:
    assert response.status_code == 401, response.get_json()
    assert response.get_json()["msg"]
    challenge = response.headers["WWW-Authenticate"]
    assert REALM in challenge
    if challenge.startswith("Bearer"):
        assert ('error="invalid_token"' in challenge) == token_sent
    else:
        assert challenge == 'Basic realm="auth-sandbox", charset="UTF-8"'


def b64url(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_valid_credentials_give_the_user_record(client):
    issued = login(client)
    response = client.get("/protected", headers=auth_header(issued))
    assert response.status_code == 200
    assert response.get_json() == {"id": issued["user_id"], "username": DEMO_USERNAME}


def test_the_scheme_is_matched_case_insensitively(client):
    issued = login(client)
    for scheme in (issued["token_type"].lower(), issued["token_type"].upper()):
        response = client.get(
            "/protected", headers={"Authorization": f"{scheme} {issued['token']}"}
        )
        assert response.status_code == 200


def test_a_missing_header_gets_401_with_a_challenge_without_error(client):
    assert_refused(client.get("/protected"), token_sent=False)
    assert_refused(client.get("/protected", headers={"Authorization": ""}), token_sent=False)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Basic",
        "Digest username=alesanchezr",
        "Token abcdef",
        "Bearer not base64 at all!",
        "Basic !!!!",
        "Basic YWxlc2FuY2hlenI",  # bad padding
        "Basic YWxlc2FuY2hlenIxMjM0MTIzNA==",  # no colon
        "Basic OjEyMzQxMjM0",  # empty user
        "Basic YWxlc2FuY2hlenI6",  # empty password
        "Bearer a.b.c",
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.",
    ],
)
def test_malformed_credentials_get_401(client, header):
    assert_refused(client.get("/protected", headers={"Authorization": header}), token_sent=True)


def test_non_ascii_bytes_get_401(client):
    issued = login(client)
    for token in (issued["token"][:-1] + "\xe9", "YWxl\xe9c2FuY2hlenI6MTIzNDEyMzQ="):
        header = f"{issued['token_type']} {token}"
        assert_refused(client.get("/protected", headers={"Authorization": header}))


def test_the_right_credentials_under_another_scheme_are_refused(client):
    issued = login(client)
    for scheme in ("Basic", "Bearer", "Token", "JWT"):
        if scheme.lower() != issued["token_type"].lower():
            header = {"Authorization": f"{scheme} {issued['token']}"}
            assert_refused(client.get("/protected", headers=header))


def test_two_credentials_in_one_header_are_refused(client):
    issued = login(client)
    header = f"{issued['token_type']} {issued['token']}, {issued['token_type']} {issued['token']}"
    assert_refused(client.get("/protected", headers={"Authorization": header}))


def test_a_wrong_password_is_refused(client):
    wrong = base64.b64encode(f"{DEMO_USERNAME}:wrong".encode()).decode()
    assert_refused(client.get("/protected", headers={"Authorization": f"Basic {wrong}"}))
    unknown = base64.b64encode(b"nobody:12341234").decode()
    assert_refused(client.get("/protected", headers={"Authorization": f"Basic {unknown}"}))


def test_an_unknown_token_is_refused(client):
    issued = login(client)
    header = {"Authorization": f"{issued['token_type']} bm9ib2R5OjEyMzQxMjM0"}
    assert_refused(client.get("/protected", headers=header))


def test_a_tampered_token_is_refused(client):
    issued = login(client)
    token = issued["token"]
    middle = len(token) // 2
    replacement = "A" if token[middle] != "A" else "B"
    tampered = token[:middle] + replacement + token[middle + 1 :]
    header = {"Authorization": f"{issued['token_type']} {tampered}"}
    assert_refused(client.get("/protected", headers=header))


def test_a_token_with_alg_none_is_refused(client):
    user_id = login(client)["user_id"]
    claims = {"sub": str(user_id), "type": "access", "exp": int(time.time()) + 600}
    unsigned = f"{b64url({'alg': 'none', 'typ': 'JWT'})}.{b64url(claims)}."
    assert_refused(client.get("/protected", headers={"Authorization": f"Bearer {unsigned}"}))


def signed_with_the_apps_key(app, **claims) -> str:
    now = int(time.time())
    payload = {"sub": "1", "type": "access", "iat": now, "nbf": now, "exp": now + 600, **claims}
    payload = {key: value for key, value in payload.items() if value is not None}
    return pyjwt.encode(payload, hs256_key(app), algorithm="HS256")


@pytest.mark.parametrize(
    "claims",
    [
        {"nbf": int(time.time()) + 3600},  # not yet valid
        {"exp": int(time.time()) - 10},  # expired
        {"exp": None},  # never expires
        {"type": "refresh"},  # not an access token
        {"sub": "999999"},  # no such user
        {"sub": "1 or 1=1"},
    ],
)
def test_a_signed_token_with_bad_claims_is_refused(app, client, claims):
    token = signed_with_the_apps_key(app, **claims)
    assert_refused(client.get("/protected", headers={"Authorization": f"Bearer {token}"}))


@pytest.mark.waits
def test_an_expired_token_is_refused_unless_the_strategy_issues_tokens_that_never_expire(make_app):
    client = make_app(TOKEN_TTL=1).test_client()
    issued = login(client)
    time.sleep(2.1)  # JWT times have one-second resolution
    response = client.get("/protected", headers=auth_header(issued))
    if issued["expires_in"] is None:
        assert response.status_code == 200
    else:
        assert_refused(response)


def test_a_token_for_a_deleted_user_is_refused(app, client):
    header = auth_header(login(client))
    users: UserStore = extensions.users(app)
    with app.app_context():
        users.delete(DEMO_USERNAME)
    assert_refused(client.get("/protected", headers=header))
    with app.app_context():
        users.add(DEMO_USERNAME, "a new password")  # a new account that happens to share the name
    assert_refused(client.get("/protected", headers=header))


def test_the_store_being_down_gives_503_to_strategies_that_keep_one(make_app):
    header = auth_header(login(make_app().test_client()))
    # The same instance (key, users) with its token store on a port where nothing listens.
    client = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0").test_client()
    response = client.get("/protected", headers=header)
    if client.get("/strategy").get_json()["stateful"]:
        assert response.status_code == 503
        assert response.headers["Retry-After"].isdigit()
        assert response.get_json()["msg"]
    else:
        assert response.status_code == 200


def test_an_authenticated_request_costs_one_store_round_trip_or_none(app, client, monkeypatch):
    header = auth_header(login(client))
    store = extensions.strategy(app).store
    commands: list[tuple] = []
    if store is not None:
        send = store.execute_command

        def counted(*args, **options):
            commands.append(args)
            return send(*args, **options)

        monkeypatch.setattr(store, "execute_command", counted)
    assert client.get("/protected", headers=header).status_code == 200
    assert len(commands) == (1 if client.get("/strategy").get_json()["stateful"] else 0)
