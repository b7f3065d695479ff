"""`/logout`, `/strategy`, `/healthz`, `/public`, and JSON bodies for every error."""

import pytest
from flask_jwt_extended import jwt_required

from benchmarks.harness.processes import free_port
from sandbox import extensions
from sandbox.config import DEMO_USERNAME
from tests.conftest import auth_header, login, production_values


def test_logout_revokes_the_token_if_the_strategy_can(client):
    header = auth_header(login(client))
    revocable = client.get("/strategy").get_json()["revocable"]
    response = client.post("/logout", headers=header)
    after = client.get("/protected", headers=header)
    if revocable:
        assert response.status_code == 204
        assert after.status_code == 401
        assert 'error="invalid_token"' in after.headers["WWW-Authenticate"]
    else:
        assert response.status_code == 501
        assert "revok" in response.get_json()["msg"].lower()
        assert after.status_code == 200


def test_logout_is_authenticated_like_protected(client):
    response = client.post("/logout")
    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


def test_logging_out_one_token_leaves_the_others_working(client):
    first, second = auth_header(login(client)), auth_header(login(client))
    if client.post("/logout", headers=first).status_code == 204:
        assert client.get("/protected", headers=second).status_code == 200


def test_strategy_describes_the_active_strategy(client, strategy_name):
    body = client.get("/strategy").get_json()
    expected = extensions.strategy(client.application)
    assert body == {
        "name": strategy_name,
        "scheme": expected.scheme,
        "stateful": expected.stateful,
        "revocable": expected.revocable,
        "refresh_tokens": expected.refresh_tokens,
        "cookie_capable": expected.cookie_capable,
        "token_location": "header",
        "token_binding": "none",
        "description": expected.description,
    }
    assert body["scheme"] in ("Basic", "Bearer")


def test_healthz_reports_the_store_only_for_strategies_that_keep_one(client, strategy_name):
    response = client.get("/healthz")
    stateful = client.get("/strategy").get_json()["stateful"]
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "strategy": strategy_name,
        "store": "ok" if stateful else "none",
    }


def test_healthz_is_503_while_the_store_is_down(make_app):
    client = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0").test_client()
    response = client.get("/healthz")
    if client.get("/strategy").get_json()["stateful"]:
        assert response.status_code == 503
        assert response.get_json()["store"] == "down"
        assert response.get_json()["msg"]
    else:
        assert response.status_code == 200


def test_public_does_the_same_work_without_authentication(client):
    response = client.get("/public")
    assert response.status_code == 200
    assert response.get_json()["username"] == DEMO_USERNAME


def test_production_seeds_no_user(make_app, strategy_name):
    client = make_app(
        SANDBOX_ENV="production",
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        **production_values(strategy_name),
    ).test_client()
    assert client.get("/public").status_code == 404
    response = client.post("/token", json={"username": DEMO_USERNAME, "password": "12341234"})
    assert response.status_code in (401, 503)


def test_unknown_routes_and_methods_answer_json(client):
    not_found = client.get("/nowhere")
    assert not_found.status_code == 404
    assert not_found.get_json()["msg"]
    wrong_method = client.delete("/protected")
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["msg"]
    assert "GET" in wrong_method.headers["Allow"]


def test_an_unexpected_error_is_a_json_500_without_a_traceback(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.get_json() == {"msg": "Internal server error"}


@pytest.mark.parametrize("strategy_name", ["jwt"])
def test_a_route_guarded_by_flask_jwt_extended_itself_keeps_the_contract(make_app):
    app = make_app()

    @app.get("/extension")
    @jwt_required()
    def extension():
        return {"ok": True}

    client = app.test_client()
    missing = client.get("/extension")
    garbage = client.get("/extension", headers={"Authorization": "Bearer a.b.c"})
    assert missing.status_code == garbage.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="auth-sandbox"'
    assert garbage.headers["WWW-Authenticate"].endswith('error="invalid_token"')
    assert garbage.get_json()["msg"]
    assert client.get("/extension", headers=auth_header(login(client))).status_code == 200
