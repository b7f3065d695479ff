"""HTTP Basic (RFC 7617): the token is the password, base64-encoded.

Nothing is kept per token; every request carries the password and pays for one
password-hash check. `POST /token` returns the encoded credentials only so that
every strategy shares one client flow.
"""

import binascii
import re
from base64 import b64decode, b64encode
from collections.abc import Mapping
from typing import Any, NoReturn

from strategies.base import IssuedToken, Strategy
from strategies.credential_cache import CredentialCache
from strategies.errors import AuthError, InvalidCredentials, NotRevocable
from strategies.settings import Setting, whole_number
from strategies.users import User

REFUSAL = "Bad username or password"
# RFC 7617 §2: neither user-id nor password contains a control character (a NUL
# would also reach the user table, which PostgreSQL refuses with an error).
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


def decode_basic(token: str) -> tuple[str, str]:
    """(username, password) from RFC 7617 credentials: strict base64 of UTF-8 `user:pass`."""
    try:
        username, colon, password = b64decode(token, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidCredentials("Malformed Basic credentials") from None
    if not colon:
        raise InvalidCredentials("Malformed Basic credentials: no ':' between user and password")
    if CONTROL_CHARACTER.search(username + password):
        raise InvalidCredentials("Basic credentials must not contain control characters")
    return username, password


class BasicStrategy(Strategy):
    name = "basic"
    scheme = "Basic"
    stateful = False
    revocable = False
    description = (
        "HTTP Basic (RFC 7617): base64 of username:password on every request; "
        "the password hash is checked each time."
    )
    settings = (
        Setting(
            "BASIC_AUTH_CACHE_TTL",
            0,
            "seconds a verified credential is cached in the worker, so that repeated requests "
            "skip the password hash; 0: off",
            whole_number(0, "second(s)"),
        ),
    )
    variants = {"cache": {"BASIC_AUTH_CACHE_TTL": 300}}  # noqa: RUF012 - read-only

    def __init__(self, config: Mapping[str, Any]):
        super().__init__(config)
        ttl = config["BASIC_AUTH_CACHE_TTL"]
        self.cache = CredentialCache(ttl) if ttl > 0 else None

    def authenticate(self, token: str) -> User:
        user = self._verify(*decode_basic(token))
        if user is None:
            raise InvalidCredentials(REFUSAL)
        return user

    def _verify(self, username: str, password: str) -> User | None:
        """The user these credentials are the password of, or None."""
        if self.cache is None:
            return self.users.verify(username, password)
        user = self._cached(username, password)
        if user is not None:
            return user
        user = self.users.verify(username, password)
        if user is not None:
            self.cache.remember(username, password, user.id, user.password_hash)
        return user

    def _cached(self, username: str, password: str) -> User | None:
        """The user of a cached credential that still matches its password hash."""
        assert self.cache is not None
        entry = self.cache.lookup(username, password)
        if entry is None:
            return None
        user = self.users.get(entry[0])
        if user is not None and self.cache.still_valid(entry, user.password_hash):
            return user
        self.cache.forget(username, password)
        return None

    # Its token is the password: `strategies.capabilities.PasswordCredentials`.
    def remembered_user(self, token: str) -> User | None:
        if self.cache is None:
            return None
        try:
            username, password = decode_basic(token)
        except AuthError:
            return None
        return self._cached(username, password)

    def password_username(self, token: str) -> str | None:
        try:
            return decode_basic(token)[0]
        except AuthError:
            return None

    def issue(self, user: User, password: str) -> IssuedToken:
        credentials = f"{user.username}:{password}".encode()
        return IssuedToken(b64encode(credentials).decode("ascii"), expires_in=None)

    def revoke(self, token: str) -> NoReturn:
        raise NotRevocable(
            "Basic credentials are the password itself: there is no token to revoke. "
            "Change the password (auth-sandbox users passwd NAME) to stop them working."
        )
