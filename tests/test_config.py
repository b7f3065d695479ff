"""Configuration from the environment and `.env`, and the rules that stop the start."""

import pytest

from benchmarks.harness.processes import free_port
from sandbox import create_app, users
from sandbox.config import ConfigError, load_settings
from sandbox.store import shown
from strategies.settings import Setting, SettingError, development_secret, one_of, random_secret
from tests.conftest import CHEAP_HASH, DEFAULTS

SECRET_FILE = "jwt-secret-key"  # the development key's file is named for its setting


@pytest.fixture
def clean_environment(monkeypatch, tmp_path):
    """No setting from the real environment, and a working directory without `.env`."""
    for name in DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("PASSWORD_HASH_METHOD", CHEAP_HASH)


def test_the_defaults(clean_environment):
    app = create_app()
    assert app.config["SANDBOX_ENV"] == "development"
    assert app.config["AUTH_STRATEGY"] == "jwt"
    assert app.config["TOKEN_TTL"] == 900
    assert not app.debug


def test_dotenv_is_read_and_real_environment_variables_win(
    clean_environment, monkeypatch, tmp_path
):
    (tmp_path / ".env").write_text("AUTH_STRATEGY=basic\nTOKEN_TTL=60\n")
    assert load_settings()["AUTH_STRATEGY"] == "basic"
    assert load_settings()["TOKEN_TTL"] == 60
    monkeypatch.setenv("AUTH_STRATEGY", "bearer")
    assert load_settings()["AUTH_STRATEGY"] == "bearer"


def test_an_unknown_strategy_stops_the_start_listing_the_known_ones(clean_environment):
    with pytest.raises(ConfigError) as raised:
        create_app({"AUTH_STRATEGY": "kerberos"})
    message = raised.value.message
    assert "kerberos" in message
    for known in ("basic", "bearer", "jwt"):
        assert known in message


@pytest.mark.parametrize(
    ("setting", "value"),
    [("SANDBOX_ENV", "staging"), ("TOKEN_TTL", "soon"), ("TOKEN_TTL", "0")],
)
def test_bad_values_stop_the_start(clean_environment, setting, value):
    with pytest.raises(ConfigError, match=setting):
        create_app({setting: value})


@pytest.mark.parametrize("environment", ["development", "production"])
@pytest.mark.parametrize("strategy", ["basic", "bearer", "jwt"])
@pytest.mark.parametrize(
    "secret", ["super-secret", "secret", "changeme", "Secret ", "short-key-31-bytes-long-xxxxxxx"]
)
def test_a_short_or_well_known_jwt_key_stops_the_start_everywhere(
    clean_environment, environment, strategy, secret
):
    with pytest.raises(ConfigError, match=r"secrets\.token_urlsafe"):
        create_app(
            {"SANDBOX_ENV": environment, "AUTH_STRATEGY": strategy, "JWT_SECRET_KEY": secret}
        )


def test_production_needs_a_jwt_key_where_the_strategy_signs_with_it(clean_environment):
    with pytest.raises(ConfigError, match="JWT_SECRET_KEY is required in production"):
        create_app({"SANDBOX_ENV": "production", "AUTH_STRATEGY": "jwt"})
    create_app({"SANDBOX_ENV": "production", "AUTH_STRATEGY": "basic"})


def test_production_needs_redis_for_a_strategy_that_stores_tokens(clean_environment):
    key = "k" * 48
    with pytest.raises(ConfigError, match="REDIS_URL is required in production"):
        create_app({"SANDBOX_ENV": "production", "AUTH_STRATEGY": "bearer", "JWT_SECRET_KEY": key})
    create_app({"SANDBOX_ENV": "production", "AUTH_STRATEGY": "jwt", "JWT_SECRET_KEY": key})
    create_app(
        {
            "SANDBOX_ENV": "production",
            "AUTH_STRATEGY": "bearer",
            "JWT_SECRET_KEY": key,
            "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
        }
    )


def test_development_makes_one_key_in_the_instance_folder_and_keeps_it(clean_environment, tmp_path):
    first = create_app().config["JWT_SECRET_KEY"]
    second = create_app().config["JWT_SECRET_KEY"]
    assert first == second
    assert len(first.encode()) >= 32
    key_file = tmp_path / "instance" / SECRET_FILE
    assert key_file.read_text().strip() == first
    assert key_file.stat().st_mode & 0o077 == 0
    assert list(key_file.parent.glob(f"{SECRET_FILE}.*")) == []  # no draft left behind


def test_a_key_made_by_another_worker_in_the_meantime_wins(tmp_path, monkeypatch):
    # Simulate the race: the file appears between our existence check and our link.
    real_link = __import__("os").link

    def link_after_another_worker(source, destination):
        (tmp_path / SECRET_FILE).write_text("the other worker's key")
        real_link(source, destination)

    monkeypatch.setattr("strategies.settings.os.link", link_after_another_worker)
    assert development_secret(str(tmp_path), SECRET_FILE, random_secret) == "the other worker's key"
    assert [p.name for p in tmp_path.iterdir()] == [SECRET_FILE]


def test_an_empty_value_is_unset_whichever_its_source(clean_environment, monkeypatch):
    monkeypatch.setenv("JWT_SECRET_KEY", "")
    from_environment = create_app().config["JWT_SECRET_KEY"]
    assert create_app({"JWT_SECRET_KEY": ""}).config["JWT_SECRET_KEY"] == from_environment


def test_a_secret_is_never_printed_even_by_a_parser_that_quotes_values():
    secret = "a-long-secret-value-that-must-never-be-printed"
    setting = Setting("SOME_KEY", None, "a key", one_of("x" * 40), secret=True)
    with pytest.raises(SettingError, match=r"^SOME_KEY must be one of") as raised:
        setting.read(secret)
    assert secret not in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "redis://user:password@127.0.0.1:6379/1",
        "rediss://127.0.0.1:6380/0",
        "unix:///run/redis/redis.sock?db=2",  # `limits` spells it redis+unix://
        "redis://127.0.0.1:6379/0?socket_keepalive=true",
    ],
)
def test_redis_url_takes_what_redis_py_takes(clean_environment, url):
    app = create_app({"AUTH_STRATEGY": "bearer", "REDIS_URL": url})  # nothing connects at start
    assert app.config["REDIS_URL"] == url


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("localhost:6379", "must specify one of the following schemes"),
        ("http://127.0.0.1:6379", "must specify one of the following schemes"),
        (
            "redis://127.0.0.1:6379/0?sokcet_timeout=1",
            "unexpected keyword argument 'sokcet_timeout'",
        ),
        ("redis://:hunter2@127.0.0.1:port/0", "Port could not be cast to integer value"),
    ],
)
def test_redis_url_refuses_what_redis_py_refuses_without_printing_a_password(
    clean_environment, url, complaint
):
    with pytest.raises(ConfigError, match=r"^REDIS_URL is not a Redis URL \(") as raised:
        create_app({"REDIS_URL": url})
    assert complaint in raised.value.message
    assert raised.value.message.endswith("; for example redis://127.0.0.1:6379/0")
    assert "hunter2" not in raised.value.message


def test_a_redis_url_is_shown_without_its_password():
    assert shown("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert (
        shown("rediss://app:hunter2@redis.example:6380/1")
        == "rediss://app:***@redis.example:6380/1"
    )
    assert shown("redis://:hunter2@h/0") == "redis://:***@h/0"
    assert (
        shown("unix:///tmp/r.sock?db=1&password=hunter2") == "unix:///tmp/r.sock?db=1&password=***"
    )


@pytest.mark.parametrize("method", ["scrypt", "scrypt:16384:8:1", "pbkdf2:sha256", CHEAP_HASH])
def test_password_hash_method_takes_what_werkzeug_hashes_with(clean_environment, method):
    assert load_settings({"PASSWORD_HASH_METHOD": method})["PASSWORD_HASH_METHOD"] == method


@pytest.mark.parametrize(
    ("method", "werkzeug_says"),
    [
        ("bogus", "Invalid hash method 'bogus'."),
        ("pbkdf2:sha257", "unsupported"),
        ("scrypt:3:8:1", "n must be a power of 2."),
        ("pbkdf2:sha256:0", "iteration value must be greater than 0."),
    ],
)
def test_password_hash_method_refuses_what_werkzeug_refuses(
    clean_environment, method, werkzeug_says
):
    with pytest.raises(ConfigError) as raised:
        create_app({"PASSWORD_HASH_METHOD": method})
    assert raised.value.message.startswith(
        "PASSWORD_HASH_METHOD is not a method werkzeug can hash with ("
    )
    assert werkzeug_says in raised.value.message
    assert raised.value.message.endswith("; use scrypt (the default) or pbkdf2:sha256[:iterations]")


def test_checking_the_hash_method_costs_no_extra_hash_at_start(clean_environment, monkeypatch):
    """The check makes the dummy hash unknown users are checked against; the store reuses it."""
    create_app()  # the demo user is seeded: the next start hashes no password of its own
    methods: list[str] = []
    real = users.generate_password_hash

    def counted(password: str, method: str) -> str:
        methods.append(method)
        return real(password, method=method)

    monkeypatch.setattr(users, "generate_password_hash", counted)
    users.dummy_hash.cache_clear()  # as in a process that starts
    create_app()
    assert methods == [CHEAP_HASH]


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        (
            "postgresql+psycopg_async://h/db",
            "names an asyncio driver (postgresql+psycopg_async://)",
        ),
        ("not a url", "is not a URL SQLAlchemy can read"),
    ],
)
def test_database_url_names_a_driver_the_app_can_use(clean_environment, url, complaint):
    with pytest.raises(ConfigError, match=r"^DATABASE_URL ") as raised:
        create_app({"DATABASE_URL": url})
    assert complaint in raised.value.message
    assert raised.value.message.endswith("pip install -e '.[postgres]'")


def test_a_database_that_cannot_be_reached_is_named_without_its_passwords(clean_environment):
    url = f"postgresql://postgres:hunter2@127.0.0.1:{free_port()}/test?password=hunter3"
    with pytest.raises(
        ConfigError, match=r"^DATABASE_URL: the database cannot be reached \("
    ) as raised:
        create_app({"DATABASE_URL": url})
    assert "hunter2" not in raised.value.message
    assert "hunter3" not in raised.value.message
