"""What a token is, and what it gives away, read from the token alone: no key, no server.

Pure functions: what anyone who finds a token (in a log, in localStorage) can do with it.
This is the generic reading, which knows Basic credentials, JWTs and digests; a
strategy whose token is of another kind describes it through `read_token`
(`benchmarks.measurable.ReadsTokens`).
"""

import binascii
import json
import string
from base64 import b64decode
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt as pyjwt

# The kinds of token the comparison tells apart.
ENCODED_CREDENTIALS = "encoded credentials"
SIGNED_JSON = "signed JSON (JWT)"
HEX_DIGEST = "hex digest"
OPAQUE = "opaque random string"

STANDARD_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"
URLSAFE_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
DIGEST_LENGTHS = {32, 40, 56, 64, 96, 128}  # MD5, SHA-1, SHA-224, SHA-256, SHA-384, SHA-512


def shorten(token: str, head: int = 12, tail: int = 6) -> str:
    return token if len(token) <= head + tail + 1 else f"{token[:head]}…{token[-tail:]}"


def alphabet(token: str) -> str:
    characters = set(token)
    if characters <= set(string.hexdigits):
        return "hex"
    if characters <= set(URLSAFE_ALPHABET + "."):
        return "base64url" + (" with dots" if "." in characters else "")
    if characters <= set(STANDARD_ALPHABET + "="):
        return "base64"
    return "other"


def decode_credentials(token: str) -> tuple[str, str] | None:
    """(username, password) if the token is base64 of `username:password` (RFC 7617)."""
    try:
        text = b64decode(token, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    username, colon, password = text.partition(":")
    return (username, password) if colon and text.isprintable() else None


def decode_jwt(token: str) -> tuple[dict, dict] | None:
    """(header, payload) of a JWT, read without the key, as anyone can."""
    if token.count(".") != 2:
        return None
    try:
        header = pyjwt.get_unverified_header(token)
        payload = pyjwt.decode(token, options={"verify_signature": False})
    except pyjwt.PyJWTError:
        return None
    return header, payload


def kind(token: str) -> str:
    if decode_jwt(token) is not None:
        return SIGNED_JSON
    if decode_credentials(token) is not None:
        return ENCODED_CREDENTIALS
    if alphabet(token) == "hex" and len(token) in DIGEST_LENGTHS:
        return HEX_DIGEST
    return OPAQUE


@dataclass(frozen=True)
class Leak:
    reveals: str  # "password", "claims" or "nothing"
    decoded: str | None  # what a reader gets back, if anything


def leak(token: str) -> Leak:
    """What a leaked token reveals to someone without the server's key."""
    credentials = decode_credentials(token)
    if credentials is not None:
        return Leak("password", ":".join(credentials))
    parts = decode_jwt(token)
    if parts is not None:
        header, payload = parts
        return Leak("claims", json.dumps({"header": header, "payload": payload}, sort_keys=True))
    return Leak("nothing", None)


@dataclass(frozen=True)
class Reading:
    kind: str
    leak: Leak
    # {"parts": dot-separated parts, "header"?: field names, "payload"?: field names}
    structure: dict[str, Any] = field(default_factory=dict)


def read(token: str) -> Reading:
    parts = decode_jwt(token)
    structure: dict[str, Any] = {"parts": token.count(".") + 1}
    if parts is not None:
        structure |= {"header": sorted(parts[0]), "payload": sorted(parts[1])}
    return Reading(kind(token), leak(token), structure)


@dataclass(frozen=True)
class Change:
    position: int
    part: int  # which dot-separated part of the token the position is in (0 for undotted tokens)
    old: str
    new: str
    token: str
    same_meaning: bool  # decodes to the same credentials or claims as the original


def changes(token: str, limit: int, reader: Callable[[str], Reading] = read) -> list[Change]:
    """One-character changes across the token, at most `limit`: the last three first (a slow
    strategy may only get through a few), then others spread evenly from the start.

    Each flips the lowest bit of the character's base64 value: in the last
    character before padding that bit is unused, so the change decodes to the
    same bytes — which shows whether anything but a MAC or a lookup notices.
    `reader` tells what a token means (the strategy's own reading, in compare).
    """
    letters = URLSAFE_ALPHABET if set(token) & set("-_") else STANDARD_ALPHABET
    positions = [i for i, c in enumerate(token) if c in letters]
    last, rest = positions[-3:][::-1], positions[:-3]
    room = max(limit - len(last), 0)
    if len(rest) > room:
        rest = sorted({rest[int(i * len(rest) / room)] for i in range(room)})
    original = reader(token).leak.decoded
    result = []
    for position in last + rest:
        new = letters[letters.index(token[position]) ^ 1]
        changed = token[:position] + new + token[position + 1 :]
        same = original is not None and reader(changed).leak.decoded == original
        result.append(
            Change(position, token[:position].count("."), token[position], new, changed, same)
        )
    return result
