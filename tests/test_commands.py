"""The commands (`auth-sandbox` and `flask --app sandbox`), as a user types them."""

import subprocess
import sys
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from sandbox import create_app, extensions
from sandbox.cli import main
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from sandbox.processes import free_port, stop, wait_for_http
from tests.conftest import CHEAP_HASH, DEFAULTS, auth_header

BIN = Path(sys.executable).parent


@pytest.fixture
def environment(monkeypatch, tmp_path) -> dict[str, str]:
    for name in DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    settings = {"INSTANCE_PATH": str(tmp_path / "instance"), "PASSWORD_HASH_METHOD": CHEAP_HASH}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return settings


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def can_log_in(username: str, password: str) -> bool:
    client = create_app().test_client()
    response = client.post("/token", json={"username": username, "password": password})
    return response.status_code == 200


def test_users_add_list_passwd_delete(environment):
    added = run("users", "add", "bob", "--password-stdin", input="first password\n")
    assert added.exit_code == 0, added.output
    assert "bob" in run("users", "list").output
    assert can_log_in("bob", "first password")

    assert run("users", "passwd", "bob", "--password-stdin", input="second\n").exit_code == 0
    assert not can_log_in("bob", "first password")
    assert can_log_in("bob", "second")

    assert run("users", "delete", "bob").exit_code == 0
    assert "bob" not in run("users", "list").output
    assert not can_log_in("bob", "second")


def test_users_add_asks_for_the_password_twice(environment):
    result = run("users", "add", "carol", input="s3cret\ns3cret\n")
    assert result.exit_code == 0, result.output
    assert can_log_in("carol", "s3cret")


@pytest.mark.parametrize(
    ("args", "input", "complaint"),
    [
        (("users", "add", "alesanchezr", "--password-stdin"), "x\n", "already exists"),
        (("users", "add", "dave", "--password-stdin"), "\n", "must not be empty"),
        (("users", "passwd", "nobody", "--password-stdin"), "x\n", "no user 'nobody'"),
        (("users", "delete", "nobody"), None, "no user 'nobody'"),
    ],
)
def test_user_commands_fail_clearly(environment, args, input, complaint):
    result = run(*args, input=input)
    assert result.exit_code == 1
    assert complaint in result.output
    assert "Traceback" not in result.output


def test_users_commands_work_under_flask_too(environment):
    app = create_app()
    result = app.test_cli_runner().invoke(args=["users", "list"])
    assert result.exit_code == 0
    assert "alesanchezr" in result.output


def test_a_bad_setting_is_one_line_of_error_not_a_traceback(environment):
    result = subprocess.run(
        [BIN / "auth-sandbox", "users", "list"],
        env={**environment, "AUTH_STRATEGY": "kerberos", "PATH": str(BIN)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "Error: Unknown AUTH_STRATEGY 'kerberos'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["auth-sandbox", "serve", "--strategy", "bearer", "--port", "{port}"],
        ["flask", "--app", "sandbox", "run", "--port", "{port}"],
    ],
)
def test_the_serving_commands_serve_the_app(environment, command):
    port = free_port()
    argv = [str(BIN / command[0])] + [arg.format(port=port) for arg in command[1:]]
    server = subprocess.Popen(
        argv,
        env={**environment, "AUTH_STRATEGY": "bearer", "PATH": str(BIN)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", server)
        assert (
            requests.get(f"http://127.0.0.1:{port}/strategy", timeout=5).json()["name"] == "bearer"
        )
    finally:
        stop(server)


def test_deleting_a_user_revokes_the_tokens_a_strategy_keeps(make_app):
    app = make_app()
    client = app.test_client()
    credentials = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
    headers = [auth_header(client.post("/token", json=credentials).get_json()) for _ in range(2)]
    result = app.test_cli_runner().invoke(args=["users", "delete", DEMO_USERNAME])
    assert result.exit_code == 0, result.output
    stateful = extensions.strategy(app).stateful
    assert f"revoked {2 if stateful else 0} stored token(s)" in result.output
    for header in headers:
        response = client.get("/protected", headers=header)
        assert response.status_code == 401
        if stateful:
            assert response.get_json()["msg"] == "Token has been revoked"


@pytest.mark.parametrize(
    ("setting", "value", "complaint"),
    [
        ("TOKEN_TTL", "soon", "TOKEN_TTL must be a whole number of second(s), not 'soon'"),
        ("AUTH_STRATEGY", "kerberos", "Unknown AUTH_STRATEGY 'kerberos'"),
        ("BASIC_AUTH_CACHE_TTL", "-1", "BASIC_AUTH_CACHE_TTL must be at least 0"),
    ],
)
def test_a_bad_setting_stops_every_entry_point_with_one_line(
    environment, setting, value, complaint
):
    env = {**environment, "AUTH_STRATEGY": "basic", setting: value, "PATH": str(BIN)}
    port = str(free_port())
    # One worker: when two fail to load at the same instant, gunicorn's master may raise its
    # own HaltServer a second time while halting, a traceback of gunicorn's (a known race);
    # test_several_gunicorn_workers_stop_too covers that case.
    gunicorn = [BIN / "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}"]
    commands = {
        "auth-sandbox": ([BIN / "auth-sandbox", "users", "list"], 1),
        "flask": ([BIN / "flask", "--app", "sandbox", "run", "--port", port], 1),
        # gunicorn's "App failed to load": the master stops, no worker is started again
        "gunicorn": ([*gunicorn, "sandbox:create_app()"], 4),
    }
    for name, (argv, status) in commands.items():
        result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == status, (name, result.stderr)
        assert complaint in result.stderr, name
        assert "Traceback" not in result.stderr, name


def test_several_gunicorn_workers_stop_too_with_the_line_in_the_log(environment):
    env = {**environment, "TOKEN_TTL": "soon", "PATH": str(BIN)}
    argv = [BIN / "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{free_port()}"]
    result = subprocess.run(
        [*argv, "sandbox:create_app()"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0  # it stopped: no loop of workers started again
    assert "TOKEN_TTL must be a whole number of second(s), not 'soon'" in result.stderr
    assert "App failed to load" in result.stderr
