"""Strategies are found by name through the entry-point group `auth_sandbox.strategies`."""

import pytest
from click.testing import CliRunner

from sandbox import create_app
from sandbox.cli import main
from sandbox.config import ConfigError
from strategies import registry
from strategies.base import Strategy
from tests.conftest import CHEAP_HASH

PLUGIN = """
from strategies.json_web_token import JWTStrategy
from strategies.settings import Setting, SettingError, whole_number


class ShortLivedJWT(JWTStrategy):
    name = "short-jwt"
    description = "A JWT strategy from another package."
    settings = (
        *JWTStrategy.settings,
        Setting("SHORT_JWT_MAX_TTL", 300, "the longest TOKEN_TTL it accepts",
                whole_number(1, "second(s)")),
    )

    def __init__(self, config):
        super().__init__(config)
        if config["TOKEN_TTL"] > config["SHORT_JWT_MAX_TTL"]:  # a rule across two settings
            raise SettingError(
                f"TOKEN_TTL ({config['TOKEN_TTL']} s) is longer than SHORT_JWT_MAX_TTL "
                f"({config['SHORT_JWT_MAX_TTL']} s)"
            )
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


@pytest.fixture
def short_jwt(tmp_path, monkeypatch) -> str:
    """A strategy with a setting of its own, installed from a temporary dist-info."""
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
    for name in ("TOKEN_TTL", "SHORT_JWT_MAX_TTL", "JWT_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTH_STRATEGY", "short-jwt")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("PASSWORD_HASH_METHOD", CHEAP_HASH)
    monkeypatch.setenv("REDIS_URL", "")
    return "short-jwt"


def test_a_strategy_from_another_installed_package_plugs_in(short_jwt, monkeypatch):
    assert short_jwt in registry.names()
    monkeypatch.setenv("TOKEN_TTL", "60")
    client = create_app().test_client()
    assert client.get("/strategy").get_json()["name"] == "short-jwt"
    issued = client.post("/token", json={"username": "alesanchezr", "password": "12341234"}).json
    header = {"Authorization": f"Bearer {issued['token']}"}
    assert client.get("/protected", headers=header).status_code == 200


def test_a_plugins_setting_is_read_parsed_and_checked_with_the_others(short_jwt, monkeypatch):
    with pytest.raises(ConfigError, match=r"^TOKEN_TTL \(900 s\) is longer than SHORT_JWT_MAX_TTL"):
        create_app()  # the default TOKEN_TTL breaks the plug-in's rule across two settings
    unusable = CliRunner().invoke(main, ["strategies"])  # the others are still listed
    assert unusable.exit_code == 0 and "jwt  (scheme Bearer" in unusable.output
    assert "warning: strategy 'short-jwt' is not configured by the current settings" in (
        unusable.output
    )
    monkeypatch.setenv("SHORT_JWT_MAX_TTL", "soon")
    with pytest.raises(ConfigError, match="SHORT_JWT_MAX_TTL must be a whole number"):
        create_app()
    monkeypatch.setenv("SHORT_JWT_MAX_TTL", "3600")
    assert create_app().config["SHORT_JWT_MAX_TTL"] == 3600

    listing = CliRunner().invoke(main, ["strategies"])
    assert "SHORT_JWT_MAX_TTL (default 300): the longest TOKEN_TTL it accepts" in listing.output
    users = CliRunner().invoke(main, ["users", "list"])  # a command sees the setting too
    assert users.exit_code == 0 and "alesanchezr" in users.output
