"""Reading credentials out of the `Authorization` header, strictly.

Pure functions, so they are tested without an app. The libraries we wrap are
lenient here: flask-httpauth's Basic parser ignores the scheme and skips
characters that are not base64, and werkzeug's raises a ValueError (a 500) on
non-ASCII bytes. The contract refuses all of these with a 401.
"""

import binascii
import re
from base64 import b64decode

from flask import request

from strategies.errors import InvalidCredentials, MissingCredentials

# RFC 7235 §2.1: the credentials of a token68 scheme (Basic, Bearer) are one token68.
TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# RFC 7617 §2: neither user-id nor password contains a control character (a NUL
# would also reach the user table, which PostgreSQL refuses with an error).
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


def credentials(header: str | None, scheme: str) -> str:
    """The token68 that `header` carries under `scheme` (matched case-insensitively)."""
    if header is None or not header.strip():
        raise MissingCredentials()
    sent_scheme, _, token = header.strip().partition(" ")
    if sent_scheme.lower() != scheme.lower():
        raise InvalidCredentials(f"Expected 'Authorization: {scheme} <credentials>'")
    token = token.strip()
    if not TOKEN68.fullmatch(token):
        raise InvalidCredentials(f"Malformed {scheme} credentials")
    return token


def request_credentials(scheme: str) -> str:
    """`credentials` of the current request's `Authorization` header."""
    return credentials(request.headers.get("Authorization"), scheme)


def decode_basic(token: str) -> tuple[str, str]:
    """(username, password) from RFC 7617 credentials: strict base64 of UTF-8 `user:pass`."""
    try:
        username, colon, password = b64decode(token, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidCredentials("Malformed Basic credentials") from None
    if not colon:
        raise InvalidCredentials("Malformed Basic credentials: no ':' between user and password")
    if CONTROL_CHARACTER.search(username + password):
        raise InvalidCredentials("Basic credentials must not contain control characters")
    return username, password
