"""The user table and what the app and the strategies ask of it."""

from contextlib import suppress
from typing import TYPE_CHECKING

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, select
from sqlalchemy.exc import DatabaseError, IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash


class Base(DeclarativeBase):
    """SQLAlchemy's typed declarative base, from which Flask-SQLAlchemy makes `db.Model`."""


db = SQLAlchemy(model_class=Base)

# A type checker cannot take a base class from an attribute (`db.Model`): it is shown `Base`,
# from which db.Model is made (the same declarative base, with Flask-SQLAlchemy's mixins).
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


class User(Model):
    __tablename__ = "users"
    # Never reuse a deleted user's id: a token still naming it must not open a new account.
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(256), unique=True)
    password_hash: Mapped[str] = mapped_column(String(512))


class UserError(Exception):
    """A user command that cannot be done as asked."""


class UserExists(UserError):
    pass


class UnknownUser(UserError):
    pass


class UserStore:
    """Users and their password hashes (werkzeug), on Flask-SQLAlchemy's session."""

    def __init__(self, hash_method: str):
        self.hash_method = hash_method
        # Checked for unknown users so that "no such user" costs as much as "wrong password"
        # (made now, not at the first unknown user, whose answer would otherwise be slower).
        self.dummy_hash = generate_password_hash("not anyone's password", method=hash_method)

    def get(self, user_id: int) -> User | None:
        return db.session.get(User, user_id)

    def find(self, username: str) -> User | None:
        return db.session.scalars(select(User).filter_by(username=username)).one_or_none()

    def verify(self, username: str, password: str) -> User | None:
        user = self.find(username)
        password_hash = user.password_hash if user else self.dummy_hash
        if check_password_hash(password_hash, password) and user:
            return user
        return None

    def add(self, username: str, password: str) -> User:
        user = User(username=username, password_hash=self._hash(password))
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            raise UserExists(f"user {username!r} already exists") from None
        return user

    def set_password(self, username: str, password: str) -> None:
        self._existing(username).password_hash = self._hash(password)
        db.session.commit()

    def delete(self, username: str) -> int:
        """Delete the user; its id."""
        user = self._existing(username)
        db.session.delete(user)
        db.session.commit()
        return user.id

    def all(self) -> list[User]:
        return list(db.session.scalars(select(User).order_by(User.id)))

    def create_tables(self) -> None:
        try:
            db.create_all()
        except DatabaseError:
            # Another worker created them between our check and our CREATE.
            db.session.rollback()
            db.create_all()

    def ensure(self, username: str, password: str) -> None:
        """Add the user unless it exists; safe when several workers start at once."""
        if self.find(username) is None:
            with suppress(UserExists):
                self.add(username, password)

    def _existing(self, username: str) -> User:
        user = self.find(username)
        if user is None:
            raise UnknownUser(f"no user {username!r}")
        return user

    def _hash(self, password: str) -> str:
        return generate_password_hash(password, method=self.hash_method)
