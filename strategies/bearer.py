"""Opaque Bearer tokens (RFC 6750) kept in Redis.

The token is random (256 bits from `secrets`) and means nothing by itself; Redis
maps it to a user id until `TOKEN_TTL` runs out. Redis holds only a digest of each
token, so a copy of its data hands out no usable token (a digest without salt is
enough: the token is random, not a guessable password). Verifying a request is one
GET.

One key per token and nothing else: a token costs its store about 145 bytes at a
million tokens. The value packs the user id and the token generation into one
integer, which Redis keeps inside the key's object header: the text "id:gen" would
cost 16 bytes more a token. Revoking all of a user's tokens needs no index of them in Redis: the
value names the user and the token generation it was issued in, and the user table,
which every request reads anyway, holds the current generation (`users passwd`) or
no longer holds the user (`users delete`). A per-user set of keys would double the
bytes per token, and Redis cannot expire its members one by one.

A token bound to a key (TOKEN_BINDING=dpop) keeps the key's thumbprint in its value, after
the packed integer: 44 bytes more a token.
"""

import base64
import hashlib
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any, cast

from flask import Flask

from strategies.base import IssuedToken, Revocation, Strategy
from strategies.capabilities import TokenFacts
from strategies.errors import InvalidCredentials, RevokedToken
from strategies.key_binding import check_binding
from strategies.token_store import Store, store_errors
from strategies.users import User, UserDirectory, token_user

TOKEN_BYTES = 32
DIGEST_BYTES = 16  # of SHA-256: a preimage of 128 bits is out of reach, and keys stay short
# What a revoked token's key holds until its TTL ends, so that it is refused as revoked.
REVOKED = b"revoked"
USER_ID_BITS = 32  # a user id in the value's low bits, the token generation above them


def packed_user(user: User) -> int:
    """The user id and token generation a token's value names, as one integer (a signed
    64-bit one, as Redis keeps it)."""
    if not 0 <= user.id < 1 << USER_ID_BITS or not 0 <= user.token_generation < 1 << 31:
        # Unreachable through the user table, whose ids count from 1; never a wrong user.
        raise OverflowError(f"user id {user.id} does not fit a bearer token's value")
    return user.token_generation << USER_ID_BITS | user.id


def token_value(user: User, jkt: str | None) -> int | str:
    """What a token's key holds: the packed user, and the thumbprint of a bound token's key."""
    return packed_user(user) if jkt is None else f"{packed_user(user)} {jkt}"


def unpacked_user(value: bytes) -> tuple[int, int, str | None] | None:
    """(user id, token generation, bound key) from a token's value; None if it holds none."""
    packed_text, _, jkt = value.partition(b" ")
    try:
        packed = int(packed_text)
    except ValueError:
        return None
    return packed & (1 << USER_ID_BITS) - 1, packed >> USER_ID_BITS, jkt.decode() or None


def token_digest(token: str) -> str:
    digest = hashlib.sha256(token.encode()).digest()[:DIGEST_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class BearerStrategy(Strategy):
    name = "bearer"
    scheme = "Bearer"
    stateful = True
    revocable = True
    cookie_capable = True
    description = (
        "Opaque Bearer token (RFC 6750): random bytes that mean nothing by themselves; "
        "Redis maps a digest of each token to its user until the TTL ends."
    )
    store: Store  # never None: a stateful strategy is given its store (checked in init_app)
    # Measured side by side (benchmarks.measurable.HasVariants): the token lookup answered
    # from each worker's cache, which Redis keeps exact; tokens bound to the client's key
    # (RFC 9449), so that a stolen one is useless without it.
    variants = {  # noqa: RUF012 - read-only
        "tracking": {"STORE_CACHE": "tracking"},
        "DPoP": {"TOKEN_BINDING": "dpop"},
    }

    def __init__(self, config: Mapping[str, Any]):
        super().__init__(config)
        self.ttl: int = config["TOKEN_TTL"]
        self.key_prefix: str = config["REDIS_KEY_PREFIX"] + "token:"

    def init_app(self, app: Flask, users: UserDirectory, store: Store | None) -> None:
        if store is None:
            raise TypeError(f"the {self.name!r} strategy is stateful: init_app needs a token store")
        super().init_app(app, users, store)

    def key(self, token: str) -> str:
        return self.key_prefix + token_digest(token)

    def store_keys(self) -> Mapping[str, str]:
        return {self.key_prefix: "tokens"}

    def issue(self, user: User, password: str) -> IssuedToken:
        return self.issue_many([(user, password)])[0]

    def issue_bound(self, user: User, password: str, jkt: str) -> IssuedToken:
        return self.issue_many([(user, password)], jkt)[0]

    def issue_many(
        self, logins: Sequence[tuple[User, str]], jkt: str | None = None
    ) -> list[IssuedToken]:
        issued = [IssuedToken(secrets.token_urlsafe(TOKEN_BYTES), self.ttl) for _ in logins]
        with store_errors():
            # One round trip for all: no transaction, since each token is one key of its own.
            pipeline = self.store.pipeline(transaction=False)
            for (user, _password), token in zip(logins, issued, strict=True):
                # The value names the user and the generation the token was issued in.
                pipeline.set(self.key(token.token), token_value(user, jkt), ex=self.ttl)
            pipeline.execute()
        return issued

    def authenticate(self, token: str) -> User:
        return self._authenticated(token, None)

    def authenticate_bound(self, token: str, jkt: str) -> User:
        return self._authenticated(token, jkt)

    def refresh_bound(self, refresh_token: str, jkt: str) -> tuple[User, IssuedToken]:
        return self.refresh(refresh_token)  # it issues no refresh tokens: refused as such

    def _authenticated(self, token: str, jkt: str | None) -> User:
        with store_errors():
            # redis-py types every reply as possibly awaitable; a synchronous client's is not.
            value = cast(bytes | None, self.store.get(self.key(token)))
        user, bound = self._holder(value)
        check_binding(bound, jkt)
        return user

    def _holder(self, value: bytes | None) -> tuple[User, str | None]:
        """The user a token's value names, and the key it is bound to; the AuthError of a
        token that is unknown, expired or revoked."""
        if value == REVOKED:
            raise RevokedToken()
        named = None if value is None else unpacked_user(value)
        if named is None:
            raise InvalidCredentials("Unknown or expired token")
        user_id, generation, bound = named
        return token_user(self.users, user_id, generation), bound

    def introspect(self, token: str) -> TokenFacts:
        key = self.key(token)
        with store_errors():
            # Its value and what is left of its life, in one round trip.
            pipeline = self.store.pipeline(transaction=False)
            pipeline.get(key)
            pipeline.ttl(key)
            value, seconds_left = pipeline.execute()
        user, bound = self._holder(value)
        expires_at = int(time.time()) + max(seconds_left, 0)
        # Every token is issued for TOKEN_TTL seconds: its age follows from what is left.
        return TokenFacts(user, expires_at, expires_at - self.ttl, bound)

    def revoke(self, token: str) -> Revocation:
        self.revoke_many([token])
        return Revocation(revoked=("access_token",))

    def revoke_many(self, tokens: Sequence[str]) -> None:
        with store_errors():
            pipeline = self.store.pipeline(transaction=False)
            for token in tokens:
                pipeline.set(self.key(token), REVOKED, xx=True, keepttl=True)
            pipeline.execute()
