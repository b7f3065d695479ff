"""The users as a strategy sees them: what it may ask of the user table."""

from typing import Protocol

from strategies.errors import InvalidCredentials, RevokedToken


class User(Protocol):
    id: int
    username: str
    password_hash: str
    token_generation: int  # a token issued in an older generation is refused (password change)


class UserDirectory(Protocol):
    """What a strategy may ask of the user store."""

    def get(self, user_id: int) -> User | None: ...

    def verify(self, username: str, password: str) -> User | None: ...


def token_user(users: UserDirectory, user_id: object, generation: object = 0) -> User:
    """The user a token names by id, if the token is of the user's current generation.

    InvalidCredentials if no such user; RevokedToken if the password changed since the
    token was issued (a token from before generations were kept counts as generation 0).
    """
    text = str(user_id)
    user = users.get(int(text)) if text.isascii() and text.isdigit() else None
    if user is None:
        raise InvalidCredentials("The token's user no longer exists")
    if str(generation) != str(user.token_generation):
        raise RevokedToken("Token revoked: the user's password has changed since")
    return user
