"""Every error response, in one place: a JSON body `{"msg": ...}`, never HTML or a traceback."""

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from strategies.base import Strategy
from strategies.errors import AuthError


def register_error_handlers(app: Flask, strategy: Strategy) -> None:
    @app.errorhandler(AuthError)
    def auth_error(error: AuthError) -> Response:
        response = jsonify(msg=error.message)
        response.status_code = error.status
        if error.status == 401:
            challenge = strategy.challenge(error)
            if request.headers.get("X-Requested-With") == "XMLHttpRequest":
                # A script's request (the demo page sends this header): a 401 with a Basic
                # challenge would open the browser's own login dialog, so the scheme is
                # renamed for it alone. Every other client gets the standard challenge.
                challenge = "x" + challenge
            response.headers["WWW-Authenticate"] = challenge
        if error.retry_after is not None:
            response.headers["Retry-After"] = str(error.retry_after)
        return response

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
