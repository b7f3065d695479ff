"""Every error response, in one place: a JSON body `{"msg": ...}`, never HTML or a traceback.

The table below gives each error type its answer; a type not listed answers as its
nearest listed base class. Beside it, werkzeug's HTTP errors keep their own status
(400 bad body, 404, 405 with `Allow`, 413 over the size limit, 415 not JSON), and
anything else is a 500 that is logged. flask-jwt-extended's error loaders (a route
guarded by `@jwt_required()`) answer through the same table: the jwt strategy maps
each loader to one of these types.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.wrappers import Response  # flask's subclasses it; HTTPException gives this one

from sandbox.transports import Transport
from sandbox.transports.base import challenge
from strategies.errors import (
    AuthError,
    BadDPoPGrant,
    BadIntrospectionClient,
    BadLogin,
    BoundTokenWithoutProof,
    CSRFFailed,
    ExpiredToken,
    InvalidCredentials,
    InvalidDPoPProof,
    MissingCredentials,
    NoRefreshTokens,
    NotRevocable,
    RefreshTokenReused,
    RevokedToken,
    StoreDown,
    StoreUnavailable,
    TooManyFailedLogins,
)

STORE_RETRY_AFTER = 5  # seconds: the Redis client gives up within a second


@dataclass(frozen=True)
class Answer:
    status: int
    challenge: bool = False  # a WWW-Authenticate challenge of the active transport
    retry_after: int | None = None  # seconds, as Retry-After; an error may carry its own


ANSWERS: dict[type[AuthError], Answer] = {
    AuthError: Answer(401, challenge=True),  # a plug-in's own refusal
    MissingCredentials: Answer(401, challenge=True),
    InvalidCredentials: Answer(401, challenge=True),
    ExpiredToken: Answer(401, challenge=True),
    RevokedToken: Answer(401, challenge=True),
    RefreshTokenReused: Answer(401, challenge=True),
    BadLogin: Answer(401, challenge=True),
    BadIntrospectionClient: Answer(401, challenge=True),  # Basic's challenge, whatever the strategy
    TooManyFailedLogins: Answer(429),  # Retry-After: until the spent window ends
    CSRFFailed: Answer(403),
    InvalidDPoPProof: Answer(401, challenge=True),
    BoundTokenWithoutProof: Answer(401, challenge=True),
    BadDPoPGrant: Answer(400),  # a login or refresh without a valid proof: nothing issued
    NotRevocable: Answer(501),
    NoRefreshTokens: Answer(501),
    StoreUnavailable: Answer(503, retry_after=STORE_RETRY_AFTER),
    StoreDown: Answer(503, retry_after=STORE_RETRY_AFTER),
}


def answer_for(error: AuthError) -> Answer:
    return next(ANSWERS[kind] for kind in type(error).__mro__ if kind in ANSWERS)


def register_error_handlers(app: Flask, transport: Transport) -> None:
    def challenged(error: AuthError) -> str:
        return challenge(error.scheme, error) if error.scheme else transport.challenge(error)

    register_auth_error_handler(app, lambda error: for_scripts(challenged(error)))
    register_http_error_handlers(app)


def for_scripts(challenge: str) -> str:
    """`challenge` as the current request gets it."""
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        # A script's request (the demo page sends this header): a 401 with a Basic
        # challenge would open the browser's own login dialog, so the scheme is
        # renamed for it alone. Every other client gets the standard challenge.
        return "x" + challenge
    return challenge


def register_auth_error_handler(app: Flask, challenge: Callable[[AuthError], str]) -> None:
    """Every AuthError as the table answers it; `challenge` gives a 401's WWW-Authenticate.

    Shared with the resource server, which challenges as the sandbox's Bearer strategies do.
    """

    @app.errorhandler(AuthError)
    def auth_error(error: AuthError) -> Response:
        answer = answer_for(error)
        response = jsonify(msg=error.message, **error.fields)
        response.status_code = answer.status
        if answer.challenge:
            response.headers["WWW-Authenticate"] = challenge(error)
        retry_after = getattr(error, "retry_after", answer.retry_after)
        if retry_after is not None:
            response.headers["Retry-After"] = str(retry_after)
        return response


def register_http_error_handlers(app: Flask) -> None:
    """werkzeug's HTTP errors, and anything unexpected, as JSON `{"msg"}` (the latter logged).

    Shared with the resource server, which answers errors as the sandbox does.
    """

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        response = error.get_response()  # keeps the error's own headers, e.g. Allow on a 405
        response.data = jsonify(msg=error.description).get_data()
        response.content_type = "application/json"
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> Response:
        app.logger.exception("unhandled error", exc_info=error)
        return http_error(InternalServerError("Internal server error"))
