"""TOKEN_LOCATION=header: the client sends `Authorization: <scheme> <token>` (RFC 7235).

Read strictly: the libraries we would wrap are lenient here (flask-httpauth's Basic
parser ignores the scheme and skips characters that are not base64; werkzeug's raises a
ValueError, a 500, on non-ASCII bytes), and the contract refuses all of these with a 401.
"""

import re
from typing import Any

from flask import Response, jsonify, request

from sandbox.request_body import MAX_REFRESH_TOKEN_LENGTH, body_field, read_json_object
from sandbox.transports.base import Transport
from strategies.base import IssuedToken
from strategies.errors import InvalidCredentials, MissingCredentials

# RFC 7235 §2.1: the credentials of a token68 scheme (Basic, Bearer) are one token68.
TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


def token68(token: str, scheme: str) -> str:
    """`token` if it is a token68, as credentials of `scheme` must be."""
    if not TOKEN68.fullmatch(token):
        raise InvalidCredentials(f"Malformed {scheme} credentials")
    return token


def credentials(header: str | None, scheme: str) -> str:
    """The token68 that `header` carries under `scheme` (matched case-insensitively)."""
    if header is None or not header.strip():
        raise MissingCredentials()
    sent_scheme, _, token = header.strip().partition(" ")
    if sent_scheme.lower() != scheme.lower():
        raise InvalidCredentials(f"Expected 'Authorization: {scheme} <credentials>'")
    return token68(token.strip(), scheme)


def request_credentials(scheme: str) -> str:
    """`credentials` of the current request's `Authorization` header."""
    return credentials(request.headers.get("Authorization"), scheme)


class HeaderTransport(Transport):
    location = "header"

    def token(self) -> str:
        return request_credentials(self.strategy.scheme)

    def refresh_token(self) -> str:
        body = read_json_object('{"refresh_token": "..."}')
        return body_field(body, "refresh_token", MAX_REFRESH_TOKEN_LENGTH)

    def issued(self, body: dict[str, Any], issued: IssuedToken) -> Response:
        return jsonify(body)
