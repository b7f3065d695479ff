"""JSON Web Tokens (RFC 7519), made and checked by flask-jwt-extended.

The token carries the user id and its expiry, signed with HMAC-SHA256 — signed,
not encrypted: anyone can read the payload. Nothing is kept per token, so a
token stays valid until it expires. (The module is not named `jwt` so that it
cannot shadow PyJWT.)
"""

import math
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import jwt as pyjwt
from flask import Flask, current_app
from flask.typing import ResponseReturnValue
from flask_jwt_extended import JWTManager, create_access_token
from flask_jwt_extended.config import config as jwt_settings
from jwt import ExpiredSignatureError, ImmatureSignatureError, InvalidTokenError
from redis import Redis

from strategies.base import IssuedToken, Strategy, User, UserDirectory, store_errors
from strategies.errors import (
    AuthError,
    ExpiredToken,
    InvalidCredentials,
    MissingCredentials,
    NotRevocable,
    RevokedToken,
)
from strategies.headers import request_credentials
from strategies.settings import HOW_TO_MAKE_A_SECRET, Setting, boolean, random_secret

# Each of flask-jwt-extended's error loaders answers as one of the app's typed errors,
# and so through the app's error table (sandbox/errors.py).
LOADER_ERRORS: dict[str, type[AuthError]] = {
    "unauthorized_loader": MissingCredentials,
    "expired_token_loader": ExpiredToken,
    "revoked_token_loader": RevokedToken,
    "invalid_token_loader": InvalidCredentials,
    "needs_fresh_token_loader": InvalidCredentials,
    "user_lookup_error_loader": InvalidCredentials,
    "token_verification_failed_loader": InvalidCredentials,
}


def _answer_as(error_type: type[AuthError]) -> Callable[..., ResponseReturnValue]:
    """A flask-jwt-extended error loader that answers like the app's own AuthError handler."""

    def loader(*_details: object) -> ResponseReturnValue:
        return current_app.handle_user_exception(error_type())

    return loader


class JWTStrategy(Strategy):
    name = "jwt"
    scheme = "Bearer"
    stateful = False
    revocable = False
    description = (
        "JSON Web Token (RFC 7519): a signed, readable claim set (user id, expiry) that "
        "the server checks with its key alone; valid until it expires, unless a denylist "
        "in Redis (JWT_DENYLIST) holds its login."
    )
    settings = (
        Setting(
            "JWT_SECRET_KEY",
            None,
            "the HS256 signing key; unset in development: a random key made once in the "
            "instance folder",
            required_in_production=True,
            secret=True,
            make=random_secret,
            how=HOW_TO_MAKE_A_SECRET,
        ),
        Setting(
            "JWT_DENYLIST",
            False,
            "true: logout revokes a login, whose id Redis keeps until its token would have "
            "expired anyway (one Redis round trip a request)",
            boolean,
        ),
    )
    variants = {"denylist": {"JWT_DENYLIST": True}}  # noqa: RUF012 - read-only

    def __init__(self, config: Mapping[str, Any]):
        super().__init__(config)
        self.ttl: int = config["TOKEN_TTL"]
        # A denylist is server state (of revoked logins only) that buys logout.
        self.stateful = self.revocable = config["JWT_DENYLIST"]
        self.revoked_prefix = config["REDIS_KEY_PREFIX"] + "jwt-revoked:"
        # Until refresh tokens exist, a login is one token, named by its `jti`.
        self.required_claims = ["exp", "sub", "type", *(["jti"] if self.revocable else [])]

    def init_app(self, app: Flask, users: UserDirectory, store: Redis | None) -> None:
        super().init_app(app, users, store)
        key = self.config["JWT_SECRET_KEY"]
        # flask-jwt-extended reads its configuration from app.config, and only there.
        app.config.update(
            JWT_SECRET_KEY=key,
            JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=self.ttl),
            JWT_TOKEN_LOCATION=["headers"],
            # Tokens travel in headers only, never in cookies: a csrf claim would only add bytes.
            JWT_COOKIE_CSRF_PROTECT=False,
        )
        manager = JWTManager(app)
        with app.app_context():
            # flask-jwt-extended's decode_token parses every token three times (twice
            # unverified, for its key loader); verifying once with PyJWT under the
            # same key and algorithms is a third of the work on every request.
            self._key = jwt_settings.decode_key
            self._algorithms = jwt_settings.decode_algorithms
            self._leeway = jwt_settings.leeway
        # The request path below never lets the library's errors escape, but a route
        # an extender guards with @jwt_required() goes through these loaders: its
        # default answer to a bad token is a 422, which the contract forbids.
        for loader, error_type in LOADER_ERRORS.items():
            getattr(manager, loader)(_answer_as(error_type))

    def issue(self, user: User, password: str) -> IssuedToken:
        token = create_access_token(
            identity=str(user.id), additional_claims={"gen": user.token_generation}
        )
        return IssuedToken(token, expires_in=self.ttl)

    def authenticate(self) -> User:
        # Read the header ourselves: flask-jwt-extended matches the scheme
        # case-sensitively, and RFC 7235 says it is case-insensitive.
        claims = self._claims(request_credentials(self.scheme))
        user = self.token_user(claims["sub"], claims.get("gen", 0))
        if self.revocable:
            assert self.store is not None  # stateful: create_app gave it the token store
            with store_errors():
                if self.store.exists(self.revoked_prefix + claims["jti"]):
                    raise RevokedToken()
        return user

    def _claims(self, token: str) -> dict[str, Any]:
        """The verified claims of an access token, or the AuthError that refuses it."""
        try:
            claims = pyjwt.decode(
                token,
                self._key,
                algorithms=self._algorithms,
                leeway=self._leeway,
                # Without `require`, PyJWT checks `exp` only when present: a token
                # without one would never expire.
                options={"require": self.required_claims},
            )
        except ExpiredSignatureError:
            raise ExpiredToken() from None
        except ImmatureSignatureError:
            raise InvalidCredentials("Token is not valid yet") from None
        except InvalidTokenError as error:
            raise InvalidCredentials(f"Invalid token: {error}") from None
        if claims["type"] != "access":
            raise InvalidCredentials("Invalid token: not an access token")
        return claims

    def revoke(self) -> None:
        if not self.revocable:
            raise NotRevocable(
                "A JWT stays valid until it expires (TOKEN_TTL): the server keeps nothing it "
                "could delete. JWT_DENYLIST=true keeps revoked logins in Redis, which is "
                "server state again."
            )
        claims = self._claims(request_credentials(self.scheme))
        # Kept as long as the token would have lived, and not a second longer.
        seconds_left = max(1, math.ceil(claims["exp"] + self._leeway - time.time()))
        assert self.store is not None
        with store_errors():
            self.store.set(self.revoked_prefix + claims["jti"], 1, ex=seconds_left)
