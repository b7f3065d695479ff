"""DATABASE_URL: the URL SQLAlchemy is given, its driver, and whether the database answers."""

import os
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError

from strategies.settings import SettingError

WHAT_WORKS = (
    "leave it unset for a SQLite file in the instance folder, or use "
    "postgresql://user@host/database with the postgres extra: pip install -e '.[postgres]'"
)


def database_uri(database_url: str | None, instance_path: str) -> str:
    """The URL SQLAlchemy is given for DATABASE_URL (None: a SQLite file in the instance folder)."""
    if database_url is None:
        return "sqlite:///" + os.path.join(instance_path, "sandbox.sqlite3")
    # Plain postgres:// URLs would ask SQLAlchemy for psycopg2; the extra installs psycopg 3.
    for plain in ("postgres://", "postgresql://"):
        if database_url.startswith(plain):
            return "postgresql+psycopg://" + database_url.removeprefix(plain)
    return database_url


def a_database_url(value: Any) -> str:
    """DATABASE_URL's parser: SQLAlchemy knows the database, and its driver is installed.

    The URL itself is never quoted: it may hold a password.
    """
    database_url = str(value)
    try:
        url = make_url(database_uri(database_url, ""))
        dialect = url.get_dialect()
        dialect.import_dbapi()  # what create_engine would do, at the first request
    except NoSuchModuleError:  # an ArgumentError too: caught first
        raise ValueError(
            f"names a database SQLAlchemy does not know ({url.drivername}://); {WHAT_WORKS}"
        ) from None
    except ArgumentError:
        raise ValueError(f"is not a URL SQLAlchemy can read; {WHAT_WORKS}") from None
    except ImportError as error:
        raise ValueError(
            f"needs the database driver {error.name or dialect.driver!r} ({url.drivername}://), "
            f"which is not installed; install it, or {WHAT_WORKS}"
        ) from None
    if dialect.is_async:
        raise ValueError(
            f"names an asyncio driver ({url.drivername}://), which Flask-SQLAlchemy cannot use; "
            f"{WHAT_WORKS}"
        )
    return database_url


def check_reachable(engine: Engine, database_url: str | None) -> None:
    """Connect once at start, so that a database that cannot be reached stops it in one line.

    The driver's first line says why, without any password the URL holds.
    """
    try:
        with engine.connect():
            pass
    except OperationalError as error:
        reason = str(error.orig or error).splitlines()[0]
        for secret in _passwords(engine.url):
            reason = reason.replace(secret, "***")
        if database_url is None:
            raise SettingError(
                f"the SQLite file in INSTANCE_PATH cannot be opened ({reason}); set INSTANCE_PATH "
                "to a folder this user can write, or DATABASE_URL"
            ) from None
        raise SettingError(
            f"DATABASE_URL: the database cannot be reached ({reason}); check that it runs and "
            f"accepts this user, or {WHAT_WORKS}"
        ) from None


def _passwords(url: URL) -> list[str]:
    """The URL's password, and any given as a `password=` option (libpq reads both)."""
    option = url.query.get("password", ())
    given = [url.password, *([option] if isinstance(option, str) else option)]
    return [password for password in given if password]
