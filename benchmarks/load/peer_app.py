"""The peer of a target whose strategy verifies with flask-jwt-extended: the lesson's route.

The sandbox's app, as `create_app` builds it, plus one route guarded the way the
lesson writes it: `@jwt_required()`, then `get_jwt_identity()` and the user from
the user store, answered with the same JSON as /protected. flask-jwt-extended's
`decode_token` path verifies the token (it parses it three times); the strategy's
own /protected verifies it in one PyJWT pass. The bench runs both in one run.

    gunicorn 'benchmarks.load.peer_app:create_app()'
"""

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response
from flask_jwt_extended import get_jwt_identity, jwt_required

from sandbox import create_app as create_sandbox_app
from sandbox.extensions import users
from sandbox.routes import user_record
from strategies.errors import InvalidCredentials

PATH = "/protected-by-jwt-required"
APP = "benchmarks.load.peer_app:create_app()"  # for gunicorn
EXTENSION = "flask-jwt-extended"  # the key JWTManager installs itself under


def exposes_jwt_extended(app: Flask) -> bool:
    """The configured strategy verifies with flask-jwt-extended (its JWTManager is installed)."""
    return EXTENSION in app.extensions


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = create_sandbox_app(config)
    if not exposes_jwt_extended(app):
        raise RuntimeError(f"the configured strategy does not install {EXTENSION}: no peer route")

    @app.get(PATH)
    @jwt_required()
    def protected_by_jwt_required() -> Response:
        user = users().get(int(get_jwt_identity()))
        if user is None:
            raise InvalidCredentials("The token's user no longer exists")
        return user_record(user)

    return app
