"""flask-jwt-extended, answering through the app's error table.

The strategy verifies every request itself (one PyJWT pass); flask-jwt-extended makes the
tokens, and serves a route an extender guards with `@jwt_required()`. Its default answer to
a bad token there is a 422, which the contract forbids: each of its error loaders answers
as one of the app's typed errors instead.
"""

from collections.abc import Callable
from datetime import timedelta

from flask import Flask, current_app
from flask.typing import ResponseReturnValue
from flask_jwt_extended import JWTManager

from strategies.errors import (
    AuthError,
    ExpiredToken,
    InvalidCredentials,
    MissingCredentials,
    RevokedToken,
)

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


def flask_jwt_extended(
    app: Flask, algorithm: str, issuer: str, audience: str, ttl: int
) -> JWTManager:
    """flask-jwt-extended on `app`, making the strategy's tokens; its loaders answer as the app.

    The strategy's own request path never lets the library's errors escape; a route an
    extender guards with @jwt_required() does, through the loaders.
    """
    # flask-jwt-extended reads its configuration from app.config, and only there.
    app.config.update(
        JWT_ALGORITHM=algorithm,
        JWT_DECODE_ALGORITHMS=[algorithm],  # pinned: a token's `alg` never chooses
        JWT_ENCODE_ISSUER=issuer,
        JWT_DECODE_ISSUER=issuer,
        JWT_ENCODE_AUDIENCE=audience,
        JWT_DECODE_AUDIENCE=audience,
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=ttl),
        JWT_TOKEN_LOCATION=["headers"],
        # Tokens travel in headers only, never in cookies: a csrf claim would only add bytes.
        JWT_COOKIE_CSRF_PROTECT=False,
    )
    manager = JWTManager(app)
    for loader, error_type in LOADER_ERRORS.items():
        getattr(manager, loader)(_answer_as(error_type))
    return manager
