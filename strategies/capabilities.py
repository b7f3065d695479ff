"""What some strategies can do beyond the core interface: small protocols, each detected
with `isinstance`, so the app asks what a strategy can do, never which one it is.

| protocol | who implements it | who asks |
|---|---|---|
| `PasswordCredentials` | basic | the routes: such a request is a login attempt (limits) |
| `PublishedKeys` | jwt | `/.well-known/jwks.json`, the comparison's verifier |
| `NamedLogins` | jwt | the cookie transport: a CSRF token bound to the login |
| `StoreKeys` | bearer, jwt | `/openapi.json` (where the keys live), the measurements |
| `KeyBinding` | bearer, jwt | the DPoP transport (`TOKEN_BINDING=dpop`) |
| `Introspects` | bearer, jwt | `POST /introspect` (RFC 7662) |
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from strategies.base import IssuedToken
from strategies.users import User


@runtime_checkable
class PasswordCredentials(Protocol):
    """A strategy whose token is the user's password itself: every request with it is a
    login attempt, whose failures count toward the failed-login limits."""

    def password_username(self, token: str) -> str | None:
        """The username the credentials name; None if they name none (malformed)."""

    def remembered_user(self, token: str) -> User | None:
        """The user, if these credentials were verified before and still hold, found without
        hashing the password: such a request tests no guess, so it is not an attempt."""


@runtime_checkable
class PublishedKeys(Protocol):
    def jwks(self) -> dict[str, Any] | None:
        """The public keys that verify its tokens, as a JWK Set (RFC 7517); None when the
        configuration signs with a shared secret, which is never published."""


@runtime_checkable
class NamedLogins(Protocol):
    def login_id(self, token: str) -> str:
        """An id of the login that `token` (access or refresh) belongs to, stable across its
        refreshes."""


@runtime_checkable
class StoreKeys(Protocol):
    def store_keys(self) -> Mapping[str, str]:
        """What it keeps in the token store: each key prefix, and what its keys hold."""


@runtime_checkable
class KeyBinding(Protocol):
    """A strategy whose tokens can be bound to a key that the client holds, named by its
    RFC 7638 thumbprint `jkt` (`strategies.key_binding`). Its `authenticate` and `refresh`
    refuse a bound token: a bound token is used only with the proof of its key."""

    def issue_bound(self, user: User, password: str, jkt: str) -> IssuedToken:
        """`issue`, each token bound to the key `jkt`."""

    def authenticate_bound(self, token: str, jkt: str) -> User:
        """`authenticate`, for a request that proves the key `jkt`; InvalidDPoPProof if the
        token is bound to another key."""

    def refresh_bound(self, refresh_token: str, jkt: str) -> tuple[User, IssuedToken]:
        """`refresh`, for a request that proves the key `jkt`; a refresh token bound to
        another key is refused and revokes its login, as a reuse does."""


@dataclass(frozen=True)
class TokenFacts:
    """What an accepted access token says of itself: an active token's members (RFC 7662)."""

    user: User
    expires_at: int  # Unix time
    issued_at: int | None = None  # where known
    jkt: str | None = None  # the thumbprint of the key it is bound to, if it is


@runtime_checkable
class Introspects(Protocol):
    def introspect(self, token: str) -> TokenFacts:
        """The facts of an access token that `authenticate` accepts now, found by the same
        check; raises the AuthError `authenticate` would. A token bound to a key is described
        without its proof, which whoever asked checks (RFC 9449 §6.2)."""


def login_id(strategy: object, token: str) -> str:
    """The login `token` belongs to; where a login is one token, the token's digest."""
    if isinstance(strategy, NamedLogins):
        return strategy.login_id(token)
    return hashlib.sha256(token.encode()).hexdigest()


def store_keys(strategy: object) -> Mapping[str, str]:
    """The strategy's key families in the token store; none where it keeps none."""
    return strategy.store_keys() if isinstance(strategy, StoreKeys) else {}


def jwks(strategy: object) -> dict[str, Any] | None:
    """The JWK Set that verifies its tokens, or None where it publishes none."""
    return strategy.jwks() if isinstance(strategy, PublishedKeys) else None
