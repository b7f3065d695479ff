"""Strategies are found by name through the entry-point group `auth_sandbox.strategies`."""

import pytest

from sandbox import create_app
from strategies import registry
from strategies.base import Strategy
from tests.conftest import CHEAP_HASH

PLUGIN = """
from strategies.json_web_token import JWTStrategy


class ShortLivedJWT(JWTStrategy):
    name = "short-jwt"
    description = "A JWT strategy from another package."
"""


def test_the_built_in_strategies_are_registered():
    assert {"basic", "bearer", "jwt"} <= set(registry.names())
    for name in registry.names():
        strategy = registry.load(name)
        assert issubclass(strategy, Strategy)
        assert strategy.name == name


def test_an_unknown_name_lists_the_names_that_exist():
    with pytest.raises(registry.UnknownStrategy, match="basic, bearer, jwt"):
        registry.load("kerberos")


def test_a_strategy_from_another_installed_package_plugs_in(tmp_path, monkeypatch):
    (tmp_path / "short_jwt_plugin.py").write_text(PLUGIN)
    dist_info = tmp_path / "short_jwt_plugin-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: short-jwt-plugin\nVersion: 1.0\n"
    )
    (dist_info / "entry_points.txt").write_text(
        "[auth_sandbox.strategies]\nshort-jwt = short_jwt_plugin:ShortLivedJWT\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))

    assert "short-jwt" in registry.names()
    app = create_app(
        {
            "AUTH_STRATEGY": "short-jwt",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "PASSWORD_HASH_METHOD": CHEAP_HASH,
            "REDIS_URL": None,
        }
    )
    client = app.test_client()
    assert client.get("/strategy").get_json()["name"] == "short-jwt"
    issued = client.post("/token", json={"username": "alesanchezr", "password": "12341234"}).json
    header = {"Authorization": f"Bearer {issued['token']}"}
    assert client.get("/protected", headers=header).status_code == 200
