"""The commands (`auth-sandbox` and `flask --app sandbox`), as a user types them."""

import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from benchmarks.harness.processes import free_port
from sandbox import create_app, extensions
from sandbox.cli import main
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from sandbox.users import BadPassword, BadUsername
from tests.conftest import CHEAP_HASH, DEFAULTS, auth_header, strategies_where
from tests.servers import BIN, in_a_process


@pytest.fixture
def environment(monkeypatch, tmp_path) -> dict[str, str]:
    for name in DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    settings = {"INSTANCE_PATH": str(tmp_path / "instance"), "PASSWORD_HASH_METHOD": CHEAP_HASH}
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return settings


@contextmanager
def served(env: dict[str, str]) -> Iterator[str]:
    """`auth-sandbox serve` in a process of its own, on a free loopback port: its base URL."""
    port = free_port()
    with in_a_process([BIN / "auth-sandbox", "serve", "--port", port], port, env) as server:
        yield server.url


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

    changed = run("users", "passwd", "bob", "--password-stdin", input="second password\n")
    assert changed.exit_code == 0, changed.output
    assert not can_log_in("bob", "first password")
    assert can_log_in("bob", "second password")

    assert run("users", "delete", "bob").exit_code == 0
    assert "bob" not in run("users", "list").output
    assert not can_log_in("bob", "second password")


def test_users_add_asks_for_the_password_twice(environment):
    result = run("users", "add", "carol", input="s3cret phrase\ns3cret phrase\n")
    assert result.exit_code == 0, result.output
    assert can_log_in("carol", "s3cret phrase")


@pytest.mark.parametrize(
    ("args", "input", "complaint"),
    [
        (("users", "add", "alesanchezr", "--password-stdin"), "long enough\n", "already exists"),
        (("users", "add", "dave", "--password-stdin"), "\n", "must not be empty"),
        (("users", "passwd", "nobody", "--password-stdin"), "long enough\n", "no user 'nobody'"),
        (("users", "delete", "nobody"), None, "no user 'nobody'"),
    ],
)
def test_user_commands_fail_clearly(environment, args, input, complaint):
    result = run(*args, input=input)
    assert result.exit_code == 1
    assert complaint in result.output
    assert "Traceback" not in result.output


# What `users add` and `users passwd` refuse: what POST /token would refuse, and a password
# policy fit for production. Each refusal is one line and exit status 1, and changes nothing.
GOOD_PASSWORD = "a good long passphrase"


def refused(result, complaint: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.output.startswith("Error: the "), result.output
    assert complaint in result.output
    assert len(result.output.splitlines()) == 1, result.output


def add(name: str, password: str = GOOD_PASSWORD):
    return run("users", "add", name, "--password-stdin", input=password + "\n")


def passwd(name: str, password: str):
    return run("users", "passwd", name, "--password-stdin", input=password + "\n")


def test_a_username_must_not_be_empty(environment):
    refused(add(""), "the username must not be empty")


def test_a_username_is_at_most_256_characters_as_at_the_token_endpoint(environment):
    refused(add("n" * 257), "the username must be at most 256 characters")
    assert add("n" * 256).exit_code == 0
    assert can_log_in("n" * 256, GOOD_PASSWORD)


@pytest.mark.parametrize("control", ["\x00", "\t", "\n", "\x1b", "\x7f", "\x85"])
def test_a_username_has_no_control_characters(environment, control):
    code = f"U+{ord(control):04X}"
    refused(
        add(f"bob{control}smith"), f"must not contain control characters ({code} at position 4)"
    )
    assert "bob" not in run("users", "list").output


def test_a_username_has_no_colon_since_http_basic_could_never_carry_it(environment):
    # RFC 7617: the user-id ends at the first colon of "user-id:password".
    refused(add("a b:c"), "the username must not contain ':'")
    assert add("a b c").exit_code == 0


def test_a_username_is_unicode_text(environment):
    # What a name that is not UTF-8 becomes in argv (surrogateescape).
    refused(add("bob\udcff"), "the username must be Unicode text")


def test_a_password_is_at_least_8_characters_in_development(environment):
    refused(add("dave", "7 chars"), "the password must be at least 8 characters (15 in production)")
    assert add("dave", "8 chars!").exit_code == 0
    refused(passwd("dave", "short"), "the password must be at least 8 characters")
    assert can_log_in("dave", "8 chars!")
    # The lesson's demo user, whose password has 8 characters, is still seeded.
    assert can_log_in(DEMO_USERNAME, DEMO_PASSWORD)


def test_a_password_is_at_least_15_characters_in_production(environment, monkeypatch):
    monkeypatch.setenv("SANDBOX_ENV", "production")
    monkeypatch.setenv("AUTH_STRATEGY", "basic")  # needs no key in production
    refused(
        add("erin", "14 characters!"),
        "the password must be at least 15 characters in production "
        "(NIST SP 800-63B-4's minimum for a password used alone)",
    )
    assert add("erin", "15 characters!!").exit_code == 0
    refused(passwd("erin", "12341234"), "the password must be at least 15 characters")
    assert can_log_in("erin", "15 characters!!")


def test_a_password_has_no_control_characters(environment):
    refused(
        add("frank", "a long pass\x1bphrase"), "the password must not contain control characters"
    )
    refused(passwd(DEMO_USERNAME, "a long\x00passphrase"), "must not contain control characters")
    assert can_log_in(DEMO_USERNAME, DEMO_PASSWORD)


def test_a_password_is_at_most_256_characters_as_at_the_token_endpoint(environment):
    refused(add("grace", "p" * 257), "the password must be at most 256 characters")
    assert add("grace", "p" * 256).exit_code == 0
    assert can_log_in("grace", "p" * 256)


def test_the_user_store_applies_the_rules_whoever_calls_it(environment):
    app = create_app()
    with app.app_context(), pytest.raises(BadUsername, match="must not contain ':'"):
        extensions.users(app).add("a:b", GOOD_PASSWORD)
    with app.app_context(), pytest.raises(BadPassword, match="at least 8 characters"):
        extensions.users(app).set_password(DEMO_USERNAME, "short")


def test_users_commands_work_under_flask_too(environment):
    app = create_app()
    result = app.test_cli_runner().invoke(args=["users", "list"])
    assert result.exit_code == 0
    assert "alesanchezr" in result.output


@pytest.mark.subprocess
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


@pytest.mark.subprocess
@pytest.mark.parametrize(
    "command",
    [
        ["auth-sandbox", "serve", "--strategy", "bearer", "--port", "{port}"],
        ["flask", "--app", "sandbox", "run", "--port", "{port}"],
    ],
)
def test_the_serving_commands_serve_the_app(environment, command):
    port = free_port()
    argv = [BIN / command[0]] + [arg.format(port=port) for arg in command[1:]]
    env = {**environment, "AUTH_STRATEGY": "bearer", "PATH": str(BIN)}
    with in_a_process(argv, port, env) as server:
        assert requests.get(f"{server.url}/strategy", timeout=5).json()["name"] == "bearer"


REFUSED_AFTER_DELETE = (
    f"from the next request every token issued to {DEMO_USERNAME!r} is refused, in every "
    "worker: it names a user that no longer exists (a user id is never reused)"
)


@pytest.mark.redis
def test_deleting_a_user_refuses_every_token_it_was_issued(make_app, redis_url, redis_prefix):
    app = make_app(REDIS_URL=redis_url, REDIS_KEY_PREFIX=redis_prefix)
    client = app.test_client()
    credentials = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
    headers = [auth_header(client.post("/token", json=credentials).get_json()) for _ in range(2)]
    result = app.test_cli_runner().invoke(args=["users", "delete", DEMO_USERNAME])
    assert result.exit_code == 0, result.output
    assert REFUSED_AFTER_DELETE in result.output
    for header in headers:
        response = client.get("/protected", headers=header)
        assert response.status_code == 401
        assert response.get_json()["msg"] in (
            "The token's user no longer exists",
            "Bad username or password",  # basic: the credentials are the user's own
        )


@pytest.mark.subprocess
@pytest.mark.parametrize("strategy_name", strategies_where(stateful=True))
def test_deleting_a_user_reaches_a_server_whose_tokens_live_in_its_process(
    environment, strategy_name
):
    """REDIS_URL unset: the server's tokens live in its process, the command runs in another;
    the user table they share is where the deletion takes effect."""
    env = {**environment, "AUTH_STRATEGY": strategy_name, "PATH": str(BIN)}
    with served(env) as base:
        credentials = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
        header = auth_header(requests.post(f"{base}/token", json=credentials, timeout=5).json())
        deleted = subprocess.run(
            [BIN / "auth-sandbox", "users", "delete", DEMO_USERNAME],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert deleted.returncode == 0, deleted.stderr
        assert REFUSED_AFTER_DELETE in deleted.stdout
        response = requests.get(f"{base}/protected", headers=header, timeout=5)
        assert response.status_code == 401
        assert response.json()["msg"] == "The token's user no longer exists"


@pytest.mark.parametrize("strategy_name", strategies_where(stateful=True))
def test_deleting_a_user_needs_no_redis(make_app):
    app = make_app(REDIS_URL=f"redis://:hunter2@127.0.0.1:{free_port()}/0")
    result = app.test_cli_runner().invoke(args=["users", "delete", DEMO_USERNAME])
    assert result.exit_code == 0, result.output
    assert REFUSED_AFTER_DELETE in result.output
    assert "hunter2" not in result.output


# What a user reads for the database settings: what would work instead.
DATABASE_WORKS = (
    "leave it unset for a SQLite file in the instance folder, or use "
    "postgresql://user@host/database with the postgres extra: pip install -e '.[postgres]'"
)
PASSWORD = "hunter2"  # in a URL below: never printed
BAD_SETTINGS = [
    ("TOKEN_TTL", "soon", "TOKEN_TTL must be a whole number of second(s), not 'soon'"),
    ("AUTH_STRATEGY", "kerberos", "Unknown AUTH_STRATEGY 'kerberos'"),
    ("BASIC_AUTH_CACHE_TTL", "-1", "BASIC_AUTH_CACHE_TTL must be at least 0"),
    (
        "REDIS_URL",
        "localhost:6379",
        "REDIS_URL is not a Redis URL (Redis URL must specify one of the following schemes "
        "(redis://, rediss://, unix://)); for example redis://127.0.0.1:6379/0",
    ),
    (  # "@host" forgotten: urllib reads the password as the port
        "REDIS_URL",
        f"redis://default:{PASSWORD}/0",
        "REDIS_URL is not a Redis URL (Port could not be cast to integer value as '***'); "
        "for example redis://127.0.0.1:6379/0",
    ),
    (
        "PASSWORD_HASH_METHOD",
        "bogus",
        "PASSWORD_HASH_METHOD is not a method werkzeug can hash with (Invalid hash method "
        "'bogus'.); use scrypt (the default) or pbkdf2:sha256[:iterations]",
    ),
    (
        "DATABASE_URL",
        f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/test",
        "DATABASE_URL: the database cannot be reached (connection failed: connection to server "
        'at "127.0.0.1", port 1 failed: Connection refused); check that it runs and accepts '
        f"this user, or {DATABASE_WORKS}",
    ),
    (
        "DATABASE_URL",
        "mysql://u@127.0.0.1/db",
        "DATABASE_URL needs the database driver 'MySQLdb' (mysql://), which is not installed; "
        f"install it, or {DATABASE_WORKS}",
    ),
    (
        "DATABASE_URL",
        "nosuch://x",
        f"DATABASE_URL names a database SQLAlchemy does not know (nosuch://); {DATABASE_WORKS}",
    ),
]


def bad_setting(setting: str, value: str) -> tuple[str, str, str]:
    """The row of BAD_SETTINGS for this value of the setting."""
    (row,) = [row for row in BAD_SETTINGS if row[:2] == (setting, value)]
    return row


def one_line(stderr: str, complaint: str) -> None:
    """How click's commands stop on a bad setting: the complaint as one line, nothing else."""
    assert stderr.startswith(f"Error: {complaint}"), stderr
    assert stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr
    assert PASSWORD not in stderr


@pytest.mark.parametrize(("setting", "value", "complaint"), BAD_SETTINGS)
def test_a_bad_setting_stops_the_start_with_one_line(environment, setting, value, complaint):
    """Every value, in this process: the entry points all load the app through create_app,
    whose ConfigError click prints; each entry point is run once below, as a subprocess."""
    env = {"AUTH_STRATEGY": "basic", setting: value}
    result = CliRunner().invoke(main, ["users", "list"], env=env)
    assert result.exit_code == 1, result.output
    one_line(result.stderr, complaint)


# Each entry point once, as typed, with a value of its own (every value is checked in-process
# above). One gunicorn worker: when two fail to load at the same instant, gunicorn's master may
# raise its own HaltServer a second time while halting, a traceback of gunicorn's (a known
# race); test_several_gunicorn_workers_stop_too covers that case.
ENTRY_POINTS = {
    "auth-sandbox users": bad_setting("TOKEN_TTL", "soon"),
    "auth-sandbox serve": bad_setting("REDIS_URL", f"redis://default:{PASSWORD}/0"),
    "flask": bad_setting("DATABASE_URL", f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/test"),
    "gunicorn": bad_setting("PASSWORD_HASH_METHOD", "bogus"),
}


@pytest.mark.subprocess
@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_a_bad_setting_stops_every_entry_point_with_one_line(environment, entry_point):
    setting, value, complaint = ENTRY_POINTS[entry_point]
    env = {**environment, "AUTH_STRATEGY": "basic", setting: value, "PATH": str(BIN)}
    port = str(free_port())
    gunicorn = [BIN / "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}"]
    argv, status = {
        "auth-sandbox users": ([BIN / "auth-sandbox", "users", "list"], 1),
        "auth-sandbox serve": ([BIN / "auth-sandbox", "serve", "--port", port], 1),
        "flask": ([BIN / "flask", "--app", "sandbox", "run", "--port", port], 1),
        # gunicorn's "App failed to load": the master stops, no worker is started again
        "gunicorn": ([*gunicorn, "sandbox:create_app()"], 4),
    }[entry_point]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == status, result.stderr
    if status == 1:  # click's commands print that line alone; gunicorn logs around it
        one_line(result.stderr, complaint)
    else:
        assert complaint in result.stderr
        assert "Traceback" not in result.stderr
        assert PASSWORD not in result.stderr


@pytest.mark.subprocess
@pytest.mark.parametrize(
    ("setting", "value", "complaint"),
    [case for case in BAD_SETTINGS if case[0] in ("REDIS_URL", "PASSWORD_HASH_METHOD")],
)
@pytest.mark.parametrize(
    "command",
    [["compare", "--strategies", "jwt"], ["bench", "--strategies", "jwt", "--duration", "1"]],
    ids=["compare", "bench"],
)
def test_a_measurement_refuses_a_bad_setting_before_it_starts(
    environment, command, setting, value, complaint
):
    """compare and bench read the user's settings first (load_app_settings), then measure."""
    env = {**environment, setting: value, "PATH": str(BIN)}
    started = time.monotonic()
    result = subprocess.run(
        [BIN / "auth-sandbox", *command], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"Error: {complaint}")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 20  # it measured nothing
    assert not Path("comparison").exists() and not Path("benchmarks").exists()


@pytest.mark.subprocess
def test_several_gunicorn_workers_stop_too_with_the_line_in_the_log(environment):
    env = {**environment, "TOKEN_TTL": "soon", "PATH": str(BIN)}
    argv = [BIN / "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{free_port()}"]
    result = subprocess.run(
        [*argv, "sandbox:create_app()"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0  # it stopped: no loop of workers started again
    assert "TOKEN_TTL must be a whole number of second(s), not 'soon'" in result.stderr
    assert "App failed to load" in result.stderr


@pytest.mark.subprocess
def test_changing_a_password_refuses_every_older_token_in_another_process(
    environment, strategy_name
):
    """The server runs apart from the command, on the embedded store: the user table tells."""
    env = {**environment, "AUTH_STRATEGY": strategy_name, "PATH": str(BIN)}
    with served(env) as base:
        credentials = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
        old = auth_header(requests.post(f"{base}/token", json=credentials, timeout=5).json())
        assert requests.get(f"{base}/protected", headers=old, timeout=5).status_code == 200
        changed = subprocess.run(
            [BIN / "auth-sandbox", "users", "passwd", DEMO_USERNAME, "--password-stdin"],
            env=env,
            input="a new password\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert changed.returncode == 0, changed.stderr
        assert "every token issued to it before, access and refresh tokens alike, is refused" in (
            changed.stdout
        )
        assert requests.get(f"{base}/protected", headers=old, timeout=5).status_code == 401
        credentials["password"] = "a new password"
        new = auth_header(requests.post(f"{base}/token", json=credentials, timeout=5).json())
        assert requests.get(f"{base}/protected", headers=new, timeout=5).status_code == 200


def test_a_database_made_before_token_generations_keeps_working(environment):
    instance = Path(environment["INSTANCE_PATH"])
    instance.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(instance / "sandbox.sqlite3") as old:  # the earlier schema
        old.execute(
            "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "username VARCHAR(256) UNIQUE, password_hash VARCHAR(512))"
        )
    assert (
        run("users", "add", "carol", "--password-stdin", input="an old password\n").exit_code == 0
    )
    assert can_log_in("carol", "an old password")
    changed = run("users", "passwd", "carol", "--password-stdin", input="a new password\n")
    assert changed.exit_code == 0 and "now 1" in changed.output


@pytest.mark.parametrize(
    "command", [["serve"], ["resource-server", "--jwks", "http://127.0.0.1:1/"]]
)
@pytest.mark.parametrize("port", ["0", "65536", "99999"])
def test_a_port_outside_1_to_65535_is_refused(command, port):
    result = CliRunner().invoke(main, [*command, "--port", port])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--port'" in result.output
    assert "1<=x<=65535" in result.output


@pytest.mark.subprocess
def test_a_password_piped_to_users_add_is_read_without_a_warning(environment):
    # Off a terminal nothing echoes the password anyway; getpass's fallback would warn.
    added = subprocess.run(
        [BIN / "auth-sandbox", "users", "add", "piper"],
        input="a piped passphrase\na piped passphrase\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    assert "Warning" not in added.stderr, added.stderr
    assert can_log_in("piper", "a piped passphrase")
