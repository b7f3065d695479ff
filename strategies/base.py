"""The one interface every strategy implements.

A strategy is a named, self-contained way to turn a login into a token and a
request's `Authorization` header back into a user. The app only ever talks to
this interface; every difference between strategies is one of its facts or
operations. Its life has two steps, as a Flask extension's does: configured from
its settings (facts are known from then on, before any app exists), then bound to
one app by `init_app`.
"""

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from functools import partial
from typing import Any, ClassVar, Protocol

from flask import Flask
from redis import Redis
from redis.cluster import RedisCluster
from redis.exceptions import ClusterError, RedisClusterException, SlotNotCoveredError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from benchmarks import anatomy
from strategies.errors import (
    AuthError,
    InvalidCredentials,
    NoRefreshTokens,
    RevokedToken,
    StoreUnavailable,
)
from strategies.settings import Setting

REALM = "auth-sandbox"
# The longest refresh token POST /token/refresh reads: a signed one is several hundred
# characters, and a strategy's own must fit.
MAX_REFRESH_TOKEN_LENGTH = 4096
# The token store: one Redis, or redis-py's client of a Redis Cluster (REDIS_CLUSTER=true).
Store = Redis | RedisCluster
# What redis-py raises when the store is down, hangs or is still loading; on a cluster also
# when the node that holds a key's slot refuses it (CLUSTERDOWN, MASTERDOWN: ClusterError) or
# no node holds the slot (SlotNotCoveredError).
STORE_DOWN = (RedisConnectionError, RedisTimeoutError, ClusterError, SlotNotCoveredError)


def store_down(error: BaseException) -> bool:
    """Whether `error` says the store cannot be reached, not that the app misused its client.

    redis-py's cluster client raises a bare RedisClusterException both when no node of the
    cluster answers (raised from the connection error) and for a misuse, such as keys of two
    slots in one call: only the first is an outage (a 503); the second is a bug.
    """
    if isinstance(error, STORE_DOWN):
        return True
    return isinstance(error, RedisClusterException) and isinstance(error.__cause__, STORE_DOWN)


def challenge(scheme: str, error: AuthError) -> str:
    """A 401's `WWW-Authenticate` under `scheme`: `error=` only when a token was sent."""
    value = f'{scheme} realm="{REALM}"'
    return value + ', error="invalid_token"' if error.token_sent else value


@contextmanager
def store_errors() -> Iterator[None]:
    """A store that is down, as the StoreUnavailable the app answers with a 503."""
    try:
        yield
    except (*STORE_DOWN, RedisClusterException) as error:
        if not store_down(error):
            raise
        raise StoreUnavailable() from error


class StoreHealth(Enum):
    """What `/healthz` reports of the token store."""

    OK = "ok"  # it answers (on a cluster: every master)
    DEGRADED = "degraded"  # a cluster some of whose masters do not answer: their keys get 503
    DOWN = "down"  # nothing answers
    NONE = "none"  # the strategy keeps no store


class User(Protocol):
    id: int
    username: str
    password_hash: str
    token_generation: int  # a token issued in an older generation is refused (password change)


class UserDirectory(Protocol):
    """What a strategy may ask of the user store."""

    def get(self, user_id: int) -> User | None: ...

    def verify(self, username: str, password: str) -> User | None: ...


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int | None  # seconds; None when the token never expires by itself
    # Where the strategy issues refresh tokens: the one that gets the login's next pair.
    refresh_token: str | None = None
    refresh_expires_in: int | None = None


@dataclass(frozen=True)
class Revocation:
    """What a logout revoked of its login.

    `access_token_valid_for` is None when every token of the login is refused from
    the next request; otherwise the seconds the access token keeps working (it could
    not be revoked, e.g. a JWT without a denylist).
    """

    revoked: tuple[str, ...]
    access_token_valid_for: int | None = None


class Strategy(ABC):
    name: ClassVar[str]
    scheme: ClassVar[str]  # what the client sends before the token: "Basic" or "Bearer"
    description: ClassVar[str]
    settings: ClassVar[tuple[Setting, ...]] = ()  # its own; the app's are shared by all
    # Named setting overrides worth measuring side by side; the bench runs each as a variant.
    variants: ClassVar[Mapping[str, Mapping[str, Any]]] = {}

    # Facts of the configured strategy; __init__ may derive them from the settings.
    stateful: bool = False  # keeps state per token in the token store
    revocable: bool = False  # POST /logout makes the access token unusable
    refresh_tokens: bool = False  # POST /token also issues a refresh token
    # Its token can travel in an HttpOnly cookie (TOKEN_LOCATION=cookie): not a password.
    cookie_capable: ClassVar[bool] = False

    app: Flask
    users: UserDirectory
    store: Store | None

    def __init__(self, config: Mapping[str, Any]):
        """Configure from parsed settings (the app's and its own).

        Raise SettingError for a combination the strategy refuses.
        """
        self.config = config

    def init_app(self, app: Flask, users: UserDirectory, store: Store | None) -> None:
        """Bind to one app. `store` is the token store, given only to stateful strategies.

        A setting left unset that can make its own value (`Setting.make`, development only:
        production requires it) gets the one made in the app's instance folder.
        """
        self.app, self.users, self.store = app, users, store
        made = {
            s.name: s.development_value(app.instance_path)
            for s in self.settings
            if s.make and self.config[s.name] is None
        }
        self.config = {**self.config, **made}

    @abstractmethod
    def issue(self, user: User, password: str) -> IssuedToken:
        """A token for `user`, whose `password` the app has just verified."""

    @abstractmethod
    def authenticate(self) -> User:
        """The user whose credentials the current request carries; raises an AuthError."""

    @abstractmethod
    def revoke(self) -> Revocation:
        """Revoke the login of the current request's (authenticated) token.

        NotRevocable if nothing of it can be revoked.
        """

    def issue_many(self, logins: Sequence[tuple[User, str]]) -> list[IssuedToken]:
        """A token for each (user, password) login, in as few store round trips as it can.

        What fills a store at scale; the default issues them one by one.
        """
        return [self.issue(user, password) for user, password in logins]

    def revoke_many(self, tokens: Sequence[str]) -> None:
        """Revoke the login of each access token, as `revoke` would in its own request.

        The default sends each through `revoke`; a strategy with a store batches them.
        """
        for token in tokens:
            headers = {"Authorization": f"{self.scheme} {token}"}
            with self.app.test_request_context(headers=headers):
                self.revoke()

    def store_keys(self) -> Mapping[str, str]:
        """What it keeps in the token store: each key prefix, and what its keys hold."""
        return {}

    def refresh(self, refresh_token: str) -> tuple[User, IssuedToken]:
        """The login's user and next pair, for its current refresh token, which is spent.

        NoRefreshTokens where the strategy issues none.
        """
        raise NoRefreshTokens()

    def token_user(self, user_id: object, generation: object = 0) -> User:
        """The user a token names by id, if the token is of the user's current generation.

        InvalidCredentials if no such user; RevokedToken if the password changed since the
        token was issued (a token from before generations were kept counts as generation 0).
        """
        text = str(user_id)
        user = self.users.get(int(text)) if text.isascii() and text.isdigit() else None
        if user is None:
            raise InvalidCredentials("The token's user no longer exists")
        if str(generation) != str(user.token_generation):
            raise RevokedToken("Token revoked: the user's password has changed since")
        return user

    def password_username(self) -> str | None:
        """The username, if the request's credentials are that user's password.

        Such a request is a login attempt, and its failures count toward the
        failed-login limits. None for tokens.
        """
        return None

    def remembered_user(self) -> User | None:
        """The user, if the request's password credentials were verified before and still
        hold, found without hashing the password: such a request tests no guess, so it
        need not count toward the failed-login limits. None by default.
        """
        return None

    def challenge(self, error: AuthError) -> str:
        """The `WWW-Authenticate` value sent with a 401 (RFC 6750 §3 for Bearer schemes)."""
        return challenge(self.scheme, error)

    def read_token(self, token: str) -> anatomy.Reading:
        """What anyone who finds one of its tokens reads from it without a key.

        The default is the generic reading (Basic credentials, JWT, digest, opaque);
        a strategy whose token is of another kind says what it is.
        """
        return anatomy.read(token)

    def login_id(self, token: str) -> str:
        """An id of the login that `token` (access or refresh) belongs to, stable across its
        refreshes: what a CSRF token is bound to. The default, for a login that is one
        token: the token's digest."""
        return hashlib.sha256(token.encode()).hexdigest()

    def jwks(self) -> dict[str, Any] | None:
        """The public keys that verify its tokens, as a JWK Set (RFC 7517); None: none."""
        return None

    def store_health(self) -> StoreHealth:
        """Whether the token store answers: on a cluster, each master is asked in turn."""
        if self.store is None:
            return StoreHealth.NONE
        if not isinstance(self.store, RedisCluster):
            return StoreHealth.OK if _answers(self.store.ping) else StoreHealth.DOWN
        primaries = self.store.get_primaries()
        answered = sum(_answers(partial(self.store.ping, target_nodes=node)) for node in primaries)
        if answered == len(primaries) > 0:
            return StoreHealth.OK
        return StoreHealth.DEGRADED if answered else StoreHealth.DOWN


def _answers(ping: Callable[[], object]) -> bool:
    try:
        return bool(ping())
    except (*STORE_DOWN, RedisClusterException) as error:
        if not store_down(error):
            raise
        return False
