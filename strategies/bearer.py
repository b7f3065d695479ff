"""Opaque Bearer tokens (RFC 6750) kept in Redis.

The token is random (256 bits from `secrets`) and means nothing by itself; Redis
maps it to a user id until `TOKEN_TTL` runs out. Redis holds only a SHA-256
digest of each token, so a copy of its data hands out no usable token (a digest
without salt is enough: the token is random, not a guessable password).
Verifying a request is one GET.
"""

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any, cast

from flask import Flask
from redis import Redis

from strategies.base import REALM, IssuedToken, Revocation, User, UserDirectory, store_errors
from strategies.errors import RevokedToken
from strategies.headers import request_credentials
from strategies.httpauth import HTTPAuthStrategy, StrictTokenAuth

TOKEN_BYTES = 32
# What a revoked token's key holds until its TTL ends, so that it is refused as revoked.
REVOKED = b"revoked"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class BearerStrategy(HTTPAuthStrategy):
    name = "bearer"
    scheme = "Bearer"
    stateful = True
    revocable = True
    cookie_capable = True
    description = (
        "Opaque Bearer token (RFC 6750): random bytes that mean nothing by themselves; "
        "Redis maps a digest of each token to its user until the TTL ends."
    )
    refusal = "Unknown or expired token"
    store: Redis  # never None: a stateful strategy is given its store (checked in init_app)

    def __init__(self, config: Mapping[str, Any]):
        super().__init__(config)
        self.ttl: int = config["TOKEN_TTL"]
        self.key_prefix: str = config["REDIS_KEY_PREFIX"] + "token:"
        self.user_prefix: str = config["REDIS_KEY_PREFIX"] + "user-tokens:"

    def init_app(self, app: Flask, users: UserDirectory, store: Redis | None) -> None:
        if store is None:
            raise TypeError(f"the {self.name!r} strategy is stateful: init_app needs a token store")
        super().init_app(app, users, store)

    def make_http_auth(self) -> StrictTokenAuth:
        auth = StrictTokenAuth(scheme=self.scheme, realm=REALM)
        auth.verify_token(self._verify)
        return auth

    def key(self, token: str) -> str:
        return self.key_prefix + token_digest(token)

    def user_tokens_key(self, user_id: int) -> str:
        return f"{self.user_prefix}{user_id}"

    def issue(self, user: User, password: str) -> IssuedToken:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        key, user_tokens = self.key(token), self.user_tokens_key(user.id)
        with store_errors():
            # One round trip: the token, and its place in the user's set (for revoke_user),
            # which lives as long as the user's newest token.
            transaction = self.store.pipeline()
            # The value names the user and the generation the token was issued in.
            transaction.set(key, f"{user.id}:{user.token_generation}", ex=self.ttl)
            transaction.sadd(user_tokens, key)
            transaction.expire(user_tokens, self.ttl)
            transaction.execute()
        return IssuedToken(token, expires_in=self.ttl)

    def _verify(self, token: str) -> User | None:
        """flask-httpauth's verify_token callback: the token's user, or None if unknown."""
        with store_errors():
            # redis-py types every reply as possibly awaitable; a synchronous client's is not.
            value = cast(bytes | None, self.store.get(self.key(token)))
        if value is None:
            return None
        if value == REVOKED:
            raise RevokedToken()
        # A value stored before generations were kept is the user id alone: generation 0.
        user_id, _, generation = value.decode().partition(":")
        return self.token_user(user_id, generation or 0)

    def revoke(self) -> Revocation:
        token = request_credentials(self.scheme)
        with store_errors():
            self.store.set(self.key(token), REVOKED, xx=True, keepttl=True)
        return Revocation(revoked=("access_token",))

    def revoke_user(self, user_id: int) -> int:
        user_tokens = self.user_tokens_key(user_id)
        with store_errors():
            keys = cast(set[bytes], self.store.smembers(user_tokens))
            transaction = self.store.pipeline()
            for key in keys:
                transaction.set(key, REVOKED, xx=True, keepttl=True)
            transaction.delete(user_tokens)
            *revoked, _deleted = transaction.execute()
        return sum(1 for done in revoked if done)
