"""Key material for the catalogue's `keys` group: what anyone has of a target's keys, and
keys of the attacker's own.

A target that signs with a private key publishes the public one (its JWK Set): anyone
has it, in every encoding, and may try it as an HMAC secret (RFC 8725 §2.1). Only such a
target meets these cases (catalogue.PUBLISHED_KEYS). The attacker's keys are of the type
the target signs with, read from its own token's `alg`.
"""

import base64
import json
from collections.abc import Callable
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt import PyJWK

from strategies.jwt_keys import KEY_TYPES, public_jwk
from tests.security.live import ALGORITHMS, Live, b64url

# The order n of P-256's base point (SEC 2 §2.4.2): an ECDSA r or s must lie in [1, n - 1].
P256_ORDER = 0xFFFFFFFF_00000000_FFFFFFFF_FFFFFFFF_BCE6FAAD_A7179E84_F3B9CAC2_FC632551
ES256_HALF = 32  # bytes of r, then of s, in an ES256 signature (RFC 7518 §3.4)


@cache
def key_of_ours(alg: str) -> Any:
    """A private key of ours that `alg` signs with (RS256, ES256, EdDSA)."""
    return KEY_TYPES[alg].make()


def attacker_key(live: Live) -> Any:
    """A key of the attacker's, of the type the target signs with."""
    return key_of_ours(live.header["alg"])


def attacker_jwk(live: Live) -> dict:
    """The attacker's key as a JWK, public members only, named by its own thumbprint."""
    alg = live.header["alg"]
    return public_jwk(key_of_ours(alg).public_key(), alg)


def published_jwk(live: Live) -> dict:
    """The public key that the target's tokens name by `kid`, as its JWK Set publishes it."""
    assert live.jwks is not None, "the target publishes no keys"
    keys = live.jwks["keys"]
    return next((jwk for jwk in keys if jwk["kid"] == live.header.get("kid")), keys[0])


def published_key(live: Live) -> Any:
    return PyJWK(published_jwk(live)).key


def pem(live: Live) -> bytes:
    return published_key(live).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def der(live: Live) -> bytes:
    return published_key(live).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def bare(live: Live) -> bytes:
    """The key without SubjectPublicKeyInfo: PKCS#1 PEM for RSA, the X9.62 point for EC, the
    32 bytes of Ed25519."""
    key = published_key(live)
    if isinstance(key, rsa.RSAPublicKey):
        return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def jwks_as_served(live: Live) -> bytes:
    assert live.jwks_document is not None, "the target publishes no keys"
    return live.jwks_document


# The published public key as an HMAC secret, in each encoding a verifier might hold it.
PUBLIC_KEY_AS_SECRET: dict[str, Callable[[Live], bytes]] = {
    "as PEM (SubjectPublicKeyInfo)": pem,
    "as PEM without its final newline": lambda live: pem(live).rstrip(b"\n"),
    "bare (PKCS#1 PEM for RSA, the EC point, Ed25519's 32 bytes)": bare,
    "as DER (SubjectPublicKeyInfo)": der,
    "as its JWK's JSON text": lambda live: json.dumps(published_jwk(live)).encode(),
    "as the JWK Set, byte for byte as served": jwks_as_served,
}


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def ecdsa_halves(live: Live, token: str) -> tuple[int, int]:
    """(r, s) of the token's signature where the target signs with ES256; else of an ES256
    signature of ours over the same bytes, which the target meets as garbage."""
    text, _, signature = token.rpartition(".")
    raw = (
        unb64url(signature)
        if live.header["alg"] == "ES256"
        else ALGORITHMS["ES256"].sign(text.encode(), key_of_ours("ES256"))
    )
    return int.from_bytes(raw[:ES256_HALF]), int.from_bytes(raw[ES256_HALF:])


def es256_signature(r: int, s: int) -> str:
    return b64url(r.to_bytes(ES256_HALF) + s.to_bytes(ES256_HALF))
