"""Configuration: defaults in one block, read from the environment and `.env`, validated once.

Precedence: the mapping given to `create_app`, then real environment variables,
then `.env` in the working directory, then the defaults below.
"""

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from dotenv import dotenv_values
from limits import parse as parse_limit

DEFAULTS: dict[str, Any] = {
    "SANDBOX_ENV": "development",
    "AUTH_STRATEGY": "jwt",
    "REDIS_URL": None,  # None: an in-process fakeredis
    "REDIS_KEY_PREFIX": "auth-sandbox:",
    "DATABASE_URL": None,  # None: a SQLite file in the instance folder
    "JWT_SECRET_KEY": None,  # None in development: a random key kept in the instance folder
    "TOKEN_TTL": 900,
    "PASSWORD_HASH_METHOD": "scrypt",  # werkzeug's default
    "BASIC_AUTH_CACHE_TTL": 0,  # seconds a verified Basic credential is cached; 0: off
    "LOGIN_LIMIT_PER_USER": "10 per 15 minutes",  # failed logins, before 429
    "LOGIN_LIMIT_PER_CLIENT": "50 per 15 minutes",
    "TRUSTED_PROXIES": 0,  # proxies whose X-Forwarded-For entry names the client
    "INSTANCE_PATH": None,  # None: Flask's default instance folder
}
ENVIRONMENTS = ("development", "production")
MIN_SECRET_BYTES = 32
WELL_KNOWN_SECRETS = {
    "super-secret", "secret", "changeme", "change-me", "changeit", "password", "jwt-secret",
    "your-secret-key", "secret-key", "mysecret", "my-secret", "supersecret", "dev", "test",
}  # fmt: skip
HOW_TO_MAKE_A_SECRET = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
DEMO_USERNAME = "alesanchezr"
DEMO_PASSWORD = "12341234"  # the lesson's demo user, seeded in development only
SECRET_FILE = "jwt-secret.key"


class ConfigError(click.ClickException):
    """A setting that stops the start; click prints it without a traceback."""


def load_settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    sources = {**dotenv_values(Path.cwd() / ".env"), **os.environ}
    settings = dict(DEFAULTS)
    settings.update({k: v for k, v in sources.items() if k in DEFAULTS and v not in (None, "")})
    settings.update(overrides or {})

    if settings["SANDBOX_ENV"] not in ENVIRONMENTS:
        raise ConfigError(
            f"SANDBOX_ENV must be one of {', '.join(ENVIRONMENTS)}, not {settings['SANDBOX_ENV']!r}"
        )
    settings["TOKEN_TTL"] = whole_number(settings, "TOKEN_TTL", 1, "second(s)")
    settings["BASIC_AUTH_CACHE_TTL"] = whole_number(
        settings, "BASIC_AUTH_CACHE_TTL", 0, "second(s)"
    )
    settings["TRUSTED_PROXIES"] = whole_number(settings, "TRUSTED_PROXIES", 0, "proxies")
    for name in ("LOGIN_LIMIT_PER_USER", "LOGIN_LIMIT_PER_CLIENT"):
        try:
            parse_limit(settings[name])
        except ValueError:
            raise ConfigError(
                f"{name} must read like '10 per 15 minutes', not {settings[name]!r}"
            ) from None
    if settings["JWT_SECRET_KEY"] is not None:
        check_secret(settings["JWT_SECRET_KEY"])
    return settings


def whole_number(settings: dict[str, Any], name: str, minimum: int, unit: str) -> int:
    try:
        value = int(settings[name])
    except ValueError:
        raise ConfigError(
            f"{name} must be a whole number of {unit}, not {settings[name]!r}"
        ) from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum} {unit}")
    return value


def check_secret(secret: str) -> None:
    if secret.strip().lower() in WELL_KNOWN_SECRETS:
        raise ConfigError(f"JWT_SECRET_KEY is a well-known value; {HOW_TO_MAKE_A_SECRET}")
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ConfigError(
            f"JWT_SECRET_KEY is shorter than {MIN_SECRET_BYTES} bytes (RFC 7518 §3.2 asks at "
            f"least as many bits as the HS256 hash); {HOW_TO_MAKE_A_SECRET}"
        )


def development_secret(instance_path: str) -> str:
    """The key kept in the instance folder, made once: every worker that starts reads the same."""
    path = Path(instance_path) / SECRET_FILE
    if not path.exists():
        draft = path.with_name(f"{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)  # atomic, and fails if another worker made it first
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
