"""Reading a JSON request body strictly: each way it can be wrong is a 400 that says how."""

from flask import request
from werkzeug.exceptions import BadRequest

from sandbox.users import MAX_FIELD_LENGTH

# The longest refresh token POST /token/refresh reads: a signed one is several hundred
# characters, and a strategy's own must fit.
MAX_REFRESH_TOKEN_LENGTH = 4096


def read_login() -> tuple[str, str]:
    """(username, password) from the JSON body, or a 400 that says what is wrong."""
    body = read_json_object('{"username": "...", "password": "..."}')
    return body_field(body, "username"), body_field(body, "password")


def read_json_object(example: str) -> dict:
    """The request's JSON object; 415 for another Content-Type, 400 for anything else."""
    try:
        body = request.get_json()  # 415 for another Content-Type, 400 for malformed JSON
    except BadRequest:
        raise BadRequest("The body is not valid JSON") from None
    except RecursionError:
        raise BadRequest("The JSON body is nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequest(f"The body must be a JSON object: {example}")
    return body


def body_field(body: dict, name: str, max_length: int = MAX_FIELD_LENGTH) -> str:
    if name not in body:
        raise BadRequest(f"{name!r} is missing")
    value = body[name]
    if not isinstance(value, str):
        raise BadRequest(f"{name!r} must be a string")
    if not value:
        raise BadRequest(f"{name!r} must not be empty")
    if len(value) > max_length:
        raise BadRequest(f"{name!r} must be at most {max_length} characters")
    if "\x00" in value:
        raise BadRequest(f"{name!r} must not contain NUL characters")
    try:
        value.encode()
    except UnicodeEncodeError:  # a lone surrogate escape, "\ud800": not text, no UTF-8 for it
        raise BadRequest(f"{name!r} must be Unicode text, without lone surrogates") from None
    return value
