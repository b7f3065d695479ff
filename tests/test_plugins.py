"""Strategies from other packages: the PASETO plug-in in examples/, a broken one, none at all.

The PASETO plug-in is installed beside the sandbox (the README's test command); the
contract tests, the adversarial catalogue and compare already run on it as on any
strategy. These tests check what is particular to plug-ins.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.anatomy import OPAQUE, read
from sandbox import create_app
from sandbox.cli import main
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME, ConfigError
from strategies import registry
from tests.conftest import CHEAP_HASH, DEFAULTS, login, need_service

PLUGIN = "paseto"
PLUGIN_DISTRIBUTION = "auth-sandbox-paseto"


@pytest.fixture
def plugin() -> type:
    if PLUGIN not in registry.names():
        need_service(f"the {PLUGIN} plug-in is not installed (examples/{PLUGIN}-strategy)")
    return registry.load(PLUGIN)


def make(tmp_path: Path, **settings):
    return create_app(
        {
            **DEFAULTS,
            "AUTH_STRATEGY": PLUGIN,
            "INSTANCE_PATH": str(tmp_path),
            "PASSWORD_HASH_METHOD": CHEAP_HASH,
            **settings,
        }
    )


def test_the_plugin_brings_its_own_setting_with_its_rules(plugin, tmp_path):
    (key_setting,) = plugin.settings
    assert key_setting.name == "PASETO_SECRET_KEY"
    assert key_setting.secret and key_setting.required_in_production

    with pytest.raises(ConfigError, match="PASETO_SECRET_KEY is required in production") as e:
        make(tmp_path, SANDBOX_ENV="production")
    assert "python -m auth_sandbox_paseto" in str(e.value)
    not_a_key = "k4.secret.this-is-not-a-key-but-long-enough-to-pass-the-length-check"
    with pytest.raises(ConfigError, match="PASETO_SECRET_KEY must be a v4 secret key") as e:
        make(tmp_path, PASETO_SECRET_KEY=not_a_key)
    assert not_a_key not in str(e.value)  # a secret is never printed

    key = key_setting.make()
    client = make(tmp_path, SANDBOX_ENV="production", PASETO_SECRET_KEY=key).test_client()
    assert client.get("/strategy").get_json()["name"] == PLUGIN


def test_a_weak_plugin_secret_stops_the_start_whichever_strategy_is_active(plugin, tmp_path):
    with pytest.raises(ConfigError, match="PASETO_SECRET_KEY is a well-known value"):
        make(tmp_path, AUTH_STRATEGY="jwt", PASETO_SECRET_KEY="changeme")


def test_the_plugin_reads_its_own_token_where_the_generic_reading_cannot(plugin, tmp_path):
    client = make(tmp_path).test_client()
    token = login(client)["token"]
    assert read(token).kind == OPAQUE  # what compare would have said without the hook
    reading = plugin({**DEFAULTS, "TOKEN_TTL": 900}).read_token(token)
    assert reading.kind != OPAQUE
    assert reading.leak.reveals == "claims"
    assert json.loads(reading.leak.decoded)["payload"]["sub"] == "1"


def test_strategies_lists_the_plugin_with_its_settings(plugin):
    listing = CliRunner().invoke(main, ["strategies", "--format", "json"])
    assert listing.exit_code == 0, listing.output
    described = {s["name"]: s for s in json.loads(listing.output)["strategies"]}
    assert set(described) == set(registry.names())
    paseto = described[PLUGIN]
    assert paseto["module"] == "auth_sandbox_paseto"
    assert [s["name"] for s in paseto["settings"]] == ["PASETO_SECRET_KEY"]
    text = CliRunner().invoke(main, ["strategies"]).output
    assert "PASETO_SECRET_KEY (default unset) [required in production, secret]" in text


# Runs in a process of its own, which sees the environment without the plug-in's metadata
# or code, as after `pip uninstall`, without touching the environment the tests share.
WITHOUT_PLUGIN = """
import importlib.metadata as metadata, json, sys
hidden = sys.argv[1]
every = metadata.distributions
metadata.distributions = lambda **kw: (
    d for d in every(**kw) if d.metadata["Name"].replace("_", "-").lower() != hidden)
sys.modules["auth_sandbox_paseto"] = None  # and its code cannot be imported either

from click.testing import CliRunner
from sandbox import create_app
from sandbox.cli import main
from sandbox.config import ConfigError
from strategies import registry

app = create_app({"AUTH_STRATEGY": "jwt", "INSTANCE_PATH": sys.argv[2], "REDIS_URL": None,
                  "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
client = app.test_client()
token = client.post("/token", json={"username": sys.argv[3], "password": sys.argv[4]}).json
protected = client.get("/protected", headers={"Authorization": "Bearer " + token["token"]})
try:
    create_app({"AUTH_STRATEGY": "paseto", "INSTANCE_PATH": sys.argv[2]})
    refusal = None
except ConfigError as error:
    refusal = str(error)
listing = CliRunner().invoke(main, ["strategies", "--format", "json"])
print(json.dumps({"names": registry.names(), "protected": protected.status_code,
                  "refusal": refusal, "listing_exit": listing.exit_code}))
"""


@pytest.mark.subprocess
def test_uninstalling_the_plugin_leaves_the_app_working(plugin, tmp_path):
    script = [sys.executable, "-c", WITHOUT_PLUGIN]
    result = subprocess.run(
        [*script, PLUGIN_DISTRIBUTION, str(tmp_path), DEMO_USERNAME, DEMO_PASSWORD],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert PLUGIN not in seen["names"] and {"basic", "bearer", "jwt"} <= set(seen["names"])
    assert seen["protected"] == 200
    assert seen["refusal"].startswith(f"Unknown AUTH_STRATEGY '{PLUGIN}'")
    assert seen["listing_exit"] == 0


BROKEN = "import a_module_that_is_not_installed  # noqa\n"


@pytest.fixture
def broken_plugin(tmp_path, monkeypatch) -> str:
    """An installed entry point whose module fails to import."""
    (tmp_path / "broken_plugin.py").write_text(BROKEN)
    dist_info = tmp_path / "broken_plugin-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(
        "[auth_sandbox.strategies]\nbroken = broken_plugin:BrokenStrategy\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return "broken"


def test_a_plugin_that_fails_to_import_is_named_and_the_others_keep_working(
    broken_plugin, tmp_path
):
    with pytest.raises(ConfigError) as raised:
        create_app({"AUTH_STRATEGY": broken_plugin, "INSTANCE_PATH": str(tmp_path)})
    message = str(raised.value)
    assert "\n" not in message
    assert f"strategy '{broken_plugin}'" in message
    assert "ModuleNotFoundError" in message and "a_module_that_is_not_installed" in message

    app = create_app(
        {
            **DEFAULTS,
            "AUTH_STRATEGY": "jwt",
            "INSTANCE_PATH": str(tmp_path),
            "PASSWORD_HASH_METHOD": CHEAP_HASH,
        }
    )
    assert app.test_client().get("/strategy").status_code == 200

    listing = CliRunner().invoke(main, ["strategies"])
    assert listing.exit_code == 0
    assert "jwt  (scheme Bearer" in listing.output
    assert f"warning: strategy '{broken_plugin}'" in listing.output


def test_compare_and_bench_measure_the_others_and_name_a_broken_plugin(broken_plugin):
    from benchmarks.commands import select_strategies

    assert broken_plugin not in select_strategies(None)
    assert {"basic", "bearer", "jwt"} <= set(select_strategies(None))
    for command in ("compare", "bench"):
        asked = CliRunner().invoke(main, [command, "--strategies", broken_plugin])
        assert asked.exit_code == 2, asked.output
        assert f"strategy '{broken_plugin}'" in asked.output
        assert "Traceback" not in asked.output
