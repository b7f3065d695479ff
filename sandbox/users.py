"""The user table and what the app and the strategies ask of it."""

import unicodedata
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Select, String, bindparam, inspect, select, text
from sqlalchemy.exc import DatabaseError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

# What POST /token accepts in a username or a password; a user added with more could not log in.
MAX_FIELD_LENGTH = 256
# NIST SP 800-63B-4 asks at least 15 characters of a password used alone (8 of one used with
# a second factor); development keeps the lesson's demo user, whose password has 8.
MIN_PASSWORD_LENGTH = {"production": 15, "development": 8}
HASH_METHODS = "scrypt (the default) or pbkdf2:sha256[:iterations]"
# What a database made before tokens carried a generation gets.
ADD_GENERATION_COLUMN = "ALTER TABLE users ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0"


class Base(DeclarativeBase):
    """SQLAlchemy's typed declarative base, from which Flask-SQLAlchemy makes `db.Model`."""


db = SQLAlchemy(model_class=Base)

# A type checker cannot take a base class from an attribute (`db.Model`): it is shown `Base`,
# from which db.Model is made (the same declarative base, with Flask-SQLAlchemy's mixins).
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


class UserRow(Model):
    __tablename__ = "users"
    # Never reuse a deleted user's id: a token still naming it must not open a new account.
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(MAX_FIELD_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(512))
    # Tokens carry the generation they were issued in; a password change starts a new one,
    # so every older token is refused from the next request, in every worker and with any
    # store: /protected reads this row anyway, so the check costs no round trip.
    token_generation: Mapped[int] = mapped_column(default=0, server_default="0")


@dataclass(slots=True)
class TokenUser:
    """A user as a request reads it: what a strategy checks and the route answers with."""

    id: int
    username: str
    password_hash: str
    token_generation: int


TOKEN_USER = select(UserRow.id, UserRow.username, UserRow.password_hash, UserRow.token_generation)
BY_ID = TOKEN_USER.where(UserRow.id == bindparam("id"))
BY_NAME = TOKEN_USER.where(UserRow.username == bindparam("username"))


def _read(statement: Select, **parameters: object) -> TokenUser | None:
    with db.engine.connect() as connection:
        row = connection.execute(statement, parameters).one_or_none()
    return None if row is None else TokenUser(*row)


class UserError(Exception):
    """A user command that cannot be done as asked."""


class UserExists(UserError):
    pass


class UnknownUser(UserError):
    pass


class BadUsername(UserError):
    pass


class BadPassword(UserError):
    pass


def check_username(username: str) -> None:
    """A name that POST /token accepts and that HTTP Basic can carry."""
    _check_text("username", username, BadUsername)
    for position, character in enumerate(username, 1):
        if unicodedata.category(character) == "Cc":
            raise BadUsername(
                f"the username must not contain control characters "
                f"(U+{ord(character):04X} at position {position})"
            )
    if ":" in username:
        raise BadUsername(
            "the username must not contain ':': HTTP Basic sends 'username:password' and "
            "splits it at the first colon (RFC 7617), so that user could never log in with Basic"
        )


def check_password(password: str, *, production: bool) -> None:
    """A password that POST /token accepts and long enough for the environment.

    Never quoted in a message, nor its characters.
    """
    _check_text("password", password, BadPassword)
    if any(unicodedata.category(character) == "Cc" for character in password):
        raise BadPassword("the password must not contain control characters")
    minimum = MIN_PASSWORD_LENGTH["production" if production else "development"]
    if len(password) < minimum:
        if production:
            why = "in production (NIST SP 800-63B-4's minimum for a password used alone)"
        else:
            why = f"({MIN_PASSWORD_LENGTH['production']} in production)"
        raise BadPassword(f"the password must be at least {minimum} characters {why}")


def _check_text(field: str, value: str, error: type[UserError]) -> None:
    if not value:
        raise error(f"the {field} must not be empty")
    if len(value) > MAX_FIELD_LENGTH:
        raise error(
            f"the {field} must be at most {MAX_FIELD_LENGTH} characters (POST /token refuses "
            f"longer), not {len(value)}"
        )
    try:
        value.encode()
    except UnicodeEncodeError:  # bytes that were not UTF-8 in argv or stdin (surrogateescape)
        raise error(
            f"the {field} must be Unicode text: it holds bytes that are not UTF-8"
        ) from None


@lru_cache(maxsize=8)
def dummy_hash(method: str) -> str:
    """A hash of no one's password, checked for unknown users.

    So that "no such user" costs as much as "wrong password". Made once per method and
    process: by the check of PASSWORD_HASH_METHOD at start, then reused by every store.
    """
    return generate_password_hash("not anyone's password", method=method)


def password_hash_method(value: Any) -> str:
    """PASSWORD_HASH_METHOD's parser: werkzeug itself says whether it can hash with it."""
    method = str(value)
    try:
        dummy_hash(method)
    except (ValueError, OverflowError) as error:
        raise ValueError(
            f"is not a method werkzeug can hash with ({error}); use {HASH_METHODS}"
        ) from None
    return method


class UserStore:
    """Users and their password hashes (werkzeug), on Flask-SQLAlchemy's session."""

    def __init__(self, hash_method: str, *, production: bool):
        self.hash_method = hash_method
        self.production = production  # the password policy's
        # Made now, not at the first unknown user, whose answer would otherwise be slower.
        self.dummy_hash = dummy_hash(hash_method)

    def get(self, user_id: int) -> "TokenUser | None":
        """The user a token names. Read on a connection of its own, not through the ORM
        session: every authenticated request makes this one query, and the session's work
        around it (an identity map, a unit of work, its teardown) cost it three times over."""
        return _read(BY_ID, id=user_id)

    def named(self, username: str) -> "TokenUser | None":
        """A user read by name the way `get` reads one by id: what /public, the baseline of
        every request's cost, does in place of authenticating."""
        return _read(BY_NAME, username=username)

    def find(self, username: str) -> UserRow | None:
        return db.session.scalars(select(UserRow).filter_by(username=username)).one_or_none()

    def verify(self, username: str, password: str) -> UserRow | None:
        user = self.find(username)
        password_hash = user.password_hash if user else self.dummy_hash
        if check_password_hash(password_hash, password) and user:
            return user
        return None

    def add(self, username: str, password: str) -> UserRow:
        check_username(username)
        user = UserRow(username=username, password_hash=self._hash(password))
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            raise UserExists(f"user {username!r} already exists") from None
        return user

    def set_password(self, username: str, password: str) -> int:
        """Change the password and start a new token generation; the new generation."""
        user = self._existing(username)
        user.password_hash = self._hash(password)
        user.token_generation += 1
        db.session.commit()
        return user.token_generation

    def delete(self, username: str) -> int:
        """Delete the user; its id."""
        user = self._existing(username)
        db.session.delete(user)
        db.session.commit()
        return user.id

    def all(self) -> list[UserRow]:
        return list(db.session.scalars(select(UserRow).order_by(UserRow.id)))

    def create_tables(self) -> None:
        """The user table, made or brought up to date; safe when several workers start at once."""
        try:
            db.create_all()
        except DatabaseError:
            # Another worker created them between our check and our CREATE.
            db.session.rollback()
            db.create_all()
        if "token_generation" not in {c["name"] for c in inspect(db.engine).get_columns("users")}:
            # A database made before tokens carried a generation: every token so far is of 0.
            try:
                with db.engine.begin() as connection:
                    connection.execute(text(ADD_GENERATION_COLUMN))
            except DatabaseError:  # another worker added it first
                pass

    def ensure(self, username: str, password: str) -> None:
        """Add the user unless it exists; safe when several workers start at once."""
        if self.find(username) is None:
            with suppress(UserExists):
                self.add(username, password)

    def _existing(self, username: str) -> UserRow:
        user = self.find(username)
        if user is None:
            raise UnknownUser(f"no user {username!r}")
        return user

    def _hash(self, password: str) -> str:
        check_password(password, production=self.production)
        return generate_password_hash(password, method=self.hash_method)
