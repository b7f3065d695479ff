"""The interface every transport implements, and the 401's challenge they share."""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from flask import Response

from strategies.base import IssuedToken, Strategy
from strategies.errors import AuthError
from strategies.settings import Setting
from strategies.token_store import Store
from strategies.users import User

REALM = "auth-sandbox"


def challenge(scheme: str, error: AuthError) -> str:
    """A 401's `WWW-Authenticate` under `scheme`.

    Basic's one parameter besides the realm is its charset (RFC 7617 §2.1); a token
    scheme says `error="invalid_token"` only when a token was sent (RFC 6750 §3).
    """
    value = f'{scheme} realm="{REALM}"'
    if scheme.lower() == "basic":
        return value + ', charset="UTF-8"'
    return value + ', error="invalid_token"' if error.token_sent else value


class Transport(ABC):
    location: ClassVar[str]  # its TOKEN_LOCATION value
    binding: ClassVar[str] = "none"  # its TOKEN_BINDING value
    settings: ClassVar[tuple[Setting, ...]] = ()  # its own, read by the app's one loader

    def __init__(
        self,
        strategy: Strategy,
        config: Mapping[str, Any],
        instance_path: str,
        store: Store | None = None,
    ):
        self.strategy = strategy

    @property
    def scheme(self) -> str:
        """What the client sends before the token, and the `token_type` a login answers."""
        return self.strategy.scheme

    @abstractmethod
    def token(self) -> str:
        """The access token the current request carries; MissingCredentials or
        InvalidCredentials when it carries none or a malformed one."""

    @abstractmethod
    def refresh_token(self) -> str:
        """The refresh token the current request (POST /token/refresh) carries."""

    @abstractmethod
    def issued(self, body: dict[str, Any], issued: IssuedToken) -> Response:
        """The answer to a login or refresh whose JSON body is `body`, with the tokens put
        where this transport carries them."""

    def store_keys(self) -> Mapping[str, str]:
        """What it keeps in the token store beside the strategy: each key prefix, and what its
        keys hold. Nothing, by default."""
        return {}

    def issue(self, user: User, password: str) -> IssuedToken:
        """What a login issues to `user`, whose password the app has verified."""
        return self.strategy.issue(user, password)

    def authenticate(self, token: str) -> User:
        """The user of the request, whose token the transport took from it."""
        return self.strategy.authenticate(token)

    def refresh(self, refresh_token: str) -> tuple[User, IssuedToken]:
        """The user and next pair of a refresh, whose refresh token the transport took."""
        return self.strategy.refresh(refresh_token)

    def prove_state_change(self, token: str) -> None:  # noqa: B027 - a hook, empty by default
        """What a request that changes state, authenticated by `token`, must also prove;
        raises an AuthError if it does not. Nothing more, by default."""

    def forget(self, response: Response) -> Response:
        """The answer to a logout, whatever its status: where the client keeps the token
        for us, it forgets it."""
        return response

    def challenge(self, error: AuthError) -> str:
        """The `WWW-Authenticate` value of a 401."""
        return challenge(self.scheme, error)
