"""The one interface every strategy implements.

A strategy is a named, self-contained way to turn a login into a token and a token back
into a user. It is handed its token: where the token travels (a header, a cookie) is the
app's transport, so a strategy never reads the request. Every difference between
strategies is one of its facts or operations; optional abilities are the small protocols
of `strategies.capabilities`. Its life has two steps, as a Flask extension's does:
configured from its settings (facts are known from then on, before any app exists), then
bound to one app by `init_app`.
"""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from flask import Flask

from strategies.errors import NoRefreshTokens
from strategies.settings import Setting, with_made_values
from strategies.token_store import Store
from strategies.users import User, UserDirectory


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
        self.config = with_made_values(self.settings, self.config, app.instance_path)

    @abstractmethod
    def issue(self, user: User, password: str) -> IssuedToken:
        """A token for `user`, whose `password` the app has just verified."""

    @abstractmethod
    def authenticate(self, token: str) -> User:
        """The user whose credentials `token` is; raises an AuthError."""

    @abstractmethod
    def revoke(self, token: str) -> Revocation:
        """Revoke the login of `token`, an access token the app has just authenticated.

        NotRevocable if nothing of it can be revoked.
        """

    def refresh(self, refresh_token: str) -> tuple[User, IssuedToken]:
        """The login's user and next pair, for its current refresh token, which is spent.

        NoRefreshTokens where the strategy issues none.
        """
        raise NoRefreshTokens()
