"""JSON Web Tokens (RFC 7519), made and checked by flask-jwt-extended.

The token carries the user id and its expiry, signed with HMAC-SHA256 — signed,
not encrypted: anyone can read the payload. Nothing is kept per token, so a
token stays valid until it expires. (The module is not named `jwt` so that it
cannot shadow PyJWT.)
"""

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

from strategies.base import IssuedToken, Strategy, User, UserDirectory
from strategies.errors import (
    AuthError,
    ExpiredToken,
    InvalidCredentials,
    MissingCredentials,
    NotRevocable,
    RevokedToken,
)
from strategies.headers import request_credentials
from strategies.settings import HOW_TO_MAKE_A_SECRET, Setting, random_secret

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
        "the server checks with its key alone; valid until it expires."
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
    )

    def __init__(self, config: Mapping[str, Any]):
        super().__init__(config)
        self.ttl: int = config["TOKEN_TTL"]

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
        token = request_credentials(self.scheme)
        try:
            claims = pyjwt.decode(
                token,
                self._key,
                algorithms=self._algorithms,
                leeway=self._leeway,
                # Without `require`, PyJWT checks `exp` only when present: a token
                # without one would never expire.
                options={"require": ["exp", "sub", "type"]},
            )
        except ExpiredSignatureError:
            raise ExpiredToken() from None
        except ImmatureSignatureError:
            raise InvalidCredentials("Token is not valid yet") from None
        except InvalidTokenError as error:
            raise InvalidCredentials(f"Invalid token: {error}") from None
        if claims["type"] != "access":
            raise InvalidCredentials("Invalid token: not an access token")
        return self.token_user(claims["sub"], claims.get("gen", 0))

    def revoke(self) -> None:
        raise NotRevocable(
            "A JWT stays valid until it expires (TOKEN_TTL): the server keeps nothing it "
            "could delete. Revoking one needs a denylist of token ids (jti) in a store, "
            "which is server state again."
        )
