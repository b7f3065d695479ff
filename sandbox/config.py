"""Configuration: the app's own settings, the active strategy's, read and validated once.

Each value comes from the mapping given to `create_app`, then real environment
variables, then `.env` in the working directory, then the setting's default. The
app declares only the settings every strategy shares (below and in
`sandbox.login_limits`); a strategy declares its own (`Strategy.settings`), which
are read the same way.
"""

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from dotenv import dotenv_values
from gunicorn.errors import AppImportError

from sandbox.database import a_database_url
from sandbox.introspection import SETTINGS as INTROSPECTION_SETTINGS
from sandbox.login_limits import SETTINGS as LOGIN_LIMIT_SETTINGS
from sandbox.store import a_redis_url
from sandbox.store_cache import SETTINGS as STORE_CACHE_SETTINGS
from sandbox.transports import SETTINGS as TRANSPORT_SETTINGS
from sandbox.transports import check_transport
from sandbox.users import HASH_METHODS, password_hash_method
from strategies import registry
from strategies.base import Strategy
from strategies.settings import (
    Setting,
    SettingError,
    boolean,
    one_of,
    whole_number,
)

ENVIRONMENTS = ("development", "production")
APP_SETTINGS: tuple[Setting, ...] = (
    Setting("SANDBOX_ENV", "development", "development or production", one_of(*ENVIRONMENTS)),
    Setting("AUTH_STRATEGY", "jwt", "the strategy (auth-sandbox strategies lists them)"),
    Setting(
        "REDIS_URL",
        None,
        "the token store and the shared failed-login counts; unset: an "
        "in-process fakeredis (one process only)",
        a_redis_url,
    ),
    Setting(
        "REDIS_CLUSTER",
        False,
        "true: REDIS_URL names one node of a Redis Cluster, and every key the app keeps "
        "lives in that cluster",
        boolean,
    ),
    Setting("REDIS_KEY_PREFIX", "auth-sandbox:", "prefix of every key the sandbox writes in Redis"),
    *STORE_CACHE_SETTINGS,
    Setting(
        "DATABASE_URL",
        None,
        "the user table; unset: a SQLite file in the instance folder",
        a_database_url,
    ),
    Setting("TOKEN_TTL", 900, "seconds a token lives", whole_number(1, "second(s)")),
    Setting(
        "PASSWORD_HASH_METHOD",
        "scrypt",
        f"werkzeug's password hash for new passwords: {HASH_METHODS}",
        password_hash_method,
    ),
    *LOGIN_LIMIT_SETTINGS,
    *INTROSPECTION_SETTINGS,
    *TRANSPORT_SETTINGS,
    Setting(
        "TRUSTED_PROXIES",
        0,
        "proxies whose X-Forwarded-For entry names the client",
        whole_number(0, "proxies"),
    ),
    Setting(
        "INSTANCE_PATH",
        None,
        "where development keys and the SQLite file live; unset: Flask's instance folder",
    ),
)
# The password hash of a throwaway instance's users where nothing times their hashing
# (compare's probe users, scale's, a test's): a thousandth of scrypt's cost.
THROWAWAY_HASH = "pbkdf2:sha256:1000"
DEMO_USERNAME = "alesanchezr"
DEMO_PASSWORD = "12341234"  # the lesson's demo user, seeded in development only


class ConfigError(click.ClickException, AppImportError):
    """A setting that stops the start, as one line.

    click prints it without a traceback (`flask run`, `auth-sandbox`); gunicorn
    reads an AppImportError as "App failed to load" and stops its master.
    """


@contextmanager
def config_errors() -> Iterator[None]:
    """A SettingError raised inside, as the ConfigError every entry point prints as one line."""
    try:
        yield
    except SettingError as error:
        raise ConfigError(str(error)) from None


@dataclass(frozen=True)
class Configuration:
    settings: dict[str, Any]  # the app's and the active strategy's, parsed
    strategy: Strategy  # configured, not yet bound to an app


def configure(overrides: Mapping[str, Any] | None = None) -> Configuration:
    raw = _sources(overrides)
    with config_errors():
        settings = _read(APP_SETTINGS, raw)
        try:
            strategy_class = registry.load(settings["AUTH_STRATEGY"])
        except (registry.UnknownStrategy, registry.BrokenStrategy) as error:
            raise SettingError(str(error)) from None
        settings |= _read(strategy_class.settings, raw)
        _check_production(settings, (*APP_SETTINGS, *strategy_class.settings))
        _check_other_secrets(strategy_class, raw)
        strategy = strategy_class(settings)
        check_transport(strategy, settings)
        if settings["REDIS_CLUSTER"] and {"{", "}"} & set(settings["REDIS_KEY_PREFIX"]):
            raise SettingError(
                "REDIS_KEY_PREFIX must hold no brace with REDIS_CLUSTER=true: Redis Cluster "
                "hashes the first {...} of a key, so a brace in the prefix would choose the slot "
                "of every key, or split a login's two keys across slots"
            )
        production = settings["SANDBOX_ENV"] == "production"
        if production and strategy.stateful and settings["REDIS_URL"] is None:
            raise SettingError(
                f"REDIS_URL is required in production by the {strategy.name!r} strategy, "
                "which keeps its tokens in Redis"
            )
    return Configuration(settings, strategy)


def load_settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return configure(overrides).settings


def load_app_settings() -> dict[str, Any]:
    """The app's own settings alone, as the user set them: what a measurement starts from."""
    with config_errors():
        return _read(APP_SETTINGS, _sources(None))


Raw = Callable[[str], Any]  # a setting's value as given, before parsing; None: unset


def _sources(overrides: Mapping[str, Any] | None) -> Raw:
    given = dict(overrides or {})
    sources = {**dotenv_values(Path.cwd() / ".env"), **os.environ}

    def raw(name: str) -> Any:
        value = given[name] if name in given else sources.get(name)
        return None if value == "" else value  # empty is unset, whatever the source

    return raw


def _read(declared: Iterable[Setting], raw: Raw) -> dict[str, Any]:
    values = {}
    for setting in declared:
        value = setting.read(raw(setting.name))
        values[setting.name] = setting.default if value is None else value
    return values


def _check_production(settings: Mapping[str, Any], declared: Iterable[Setting]) -> None:
    if settings["SANDBOX_ENV"] != "production":
        return
    for setting in declared:
        if setting.required(settings) and settings[setting.name] is None:
            how = f"; {setting.how}" if setting.how else ""
            raise SettingError(f"{setting.name} is required in production{how}")


def _check_other_secrets(active: type[Strategy], raw: Raw) -> None:
    """A weak secret left in the environment is a mistake waiting for the next switch."""
    strategies, _broken = registry.load_all()  # a broken plug-in matters only when chosen
    for strategy_class in strategies.values():
        if strategy_class is not active:
            for setting in strategy_class.settings:
                if setting.secret:
                    setting.read(raw(setting.name))


def throwaway_settings(
    strategy: str, instance_path: str, redis_url: str | None, key_prefix: str, **overrides: Any
) -> dict[str, Any]:
    """The settings of a throwaway instance that a measurement (compare, bench) starts.

    The user's settings, except: development (so the lesson's demo user is there),
    its own instance folder and SQLite file, the measurement's Redis under a prefix
    of its own, and the strategy's secrets made for it in that folder.
    """
    secrets = {s.name: None for s in registry.load(strategy).settings if s.secret}
    return load_settings(
        {
            "AUTH_STRATEGY": strategy,
            "SANDBOX_ENV": "development",
            "INSTANCE_PATH": instance_path,
            "DATABASE_URL": None,
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": key_prefix,
            **secrets,
            **overrides,
        }
    )
