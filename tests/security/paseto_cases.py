"""PASETO v4.public tokens for the catalogue.

The changes are made to the target's own token, and sent only where that is a v4.public
PASETO, so that what is refused is a change to a real token. One PASETO signed with a key
of ours goes to every target: to the others it is garbage, refused like any garbage.
"""

import base64
import json
import time
from collections.abc import Callable

import pyseto
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.security.live import PASETO_HEADER, Live

PASETO = "PASETO v4 (paseto-standard): v4.Verify, PAE of header, payload and footer"
HEADER = PASETO_HEADER
SIGNATURE_BYTES = 64


def signed_by_us(live: Live) -> str:
    """A well-formed v4.public token for the logged-in user, under an Ed25519 key of ours."""
    private = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    key = pyseto.Key.new(version=4, purpose="public", key=private)
    expiry = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 600))
    claims = {"sub": str(live.issued["user_id"]), "exp": expiry}
    return pyseto.encode(key, json.dumps(claims)).decode()


def token_of(live: Live) -> str:
    """The target's own token, a v4.public PASETO (catalogue.A_PASETO)."""
    token = live.issued["token"]
    assert token.startswith(HEADER), "the target's token is no v4.public PASETO"
    return token


def unpadded(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed_part(token: str) -> bytes:
    body = token.removeprefix(HEADER).split(".")[0]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def with_claims_changed(token: str) -> str:
    """Another user's id in the claims, under the original signature."""
    raw = signed_part(token)
    claims = json.loads(raw[:-SIGNATURE_BYTES])
    claims["sub"] = str(int(claims["sub"]) + 1)
    return HEADER + unpadded(json.dumps(claims).encode() + raw[-SIGNATURE_BYTES:])


# Each change is applied to token_of(live); every result must be refused.
CHANGES: dict[str, Callable[[str], str]] = {
    "claims changed under the old signature": with_claims_changed,
    "signature stripped": lambda t: HEADER + unpadded(signed_part(t)[:-SIGNATURE_BYTES]),
    "signature one byte short": lambda t: HEADER + unpadded(signed_part(t)[:-1]),
    "version changed to v2.public": lambda t: t.replace("v4.", "v2.", 1),
    "version changed to v3.public": lambda t: t.replace("v4.", "v3.", 1),
    "purpose changed to v4.local": lambda t: t.replace(".public.", ".local.", 1),
    "a footer added (footers are signed)": lambda t: f"{t}.{unpadded(b'{}')}",
}
