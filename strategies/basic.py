"""HTTP Basic (RFC 7617): the token is the password, base64-encoded.

Nothing is kept per token; every request carries the password and pays for one
password-hash check. `POST /token` returns the encoded credentials only so that
every strategy shares one client flow.
"""

from base64 import b64encode
from collections.abc import Mapping
from typing import Any, NoReturn

from strategies.base import REALM, IssuedToken, User
from strategies.credential_cache import CredentialCache
from strategies.errors import AuthError, NotRevocable
from strategies.headers import decode_basic, request_credentials
from strategies.httpauth import HTTPAuthStrategy, StrictBasicAuth
from strategies.settings import Setting, whole_number


class BasicStrategy(HTTPAuthStrategy):
    name = "basic"
    scheme = "Basic"
    stateful = False
    revocable = False
    description = (
        "HTTP Basic (RFC 7617): base64 of username:password on every request; "
        "the password hash is checked each time."
    )
    refusal = "Bad username or password"
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

    def make_http_auth(self) -> StrictBasicAuth:
        auth = StrictBasicAuth(realm=REALM)
        auth.verify_password(self._verify)
        return auth

    def _verify(self, username: str, password: str) -> User | None:
        """flask-httpauth's verify_password callback: the user, or None."""
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

    def remembered_user(self) -> User | None:
        if self.cache is None:
            return None
        try:
            username, password = decode_basic(request_credentials(self.scheme))
        except AuthError:
            return None
        return self._cached(username, password)

    def password_username(self) -> str | None:
        try:
            return decode_basic(request_credentials(self.scheme))[0]
        except AuthError:
            return None

    def issue(self, user: User, password: str) -> IssuedToken:
        credentials = f"{user.username}:{password}".encode()
        return IssuedToken(b64encode(credentials).decode("ascii"), expires_in=None)

    def revoke(self) -> NoReturn:
        raise NotRevocable(
            "Basic credentials are the password itself: there is no token to revoke. "
            "Change the password (auth-sandbox users passwd NAME) to stop them working."
        )

    def challenge(self, error: AuthError) -> str:
        return f'Basic realm="{REALM}", charset="UTF-8"'
