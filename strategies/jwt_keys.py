"""The jwt strategy's keys: the algorithms, PEM keys made and checked, `kid`, the JWKS.

HS256 signs and verifies with one shared secret, so whoever verifies can mint. The
asymmetric algorithms sign with a private key and verify with its public half, which
is published as a JWK Set (RFC 7517) for other services to verify with; every token
names its key by `kid`, the key's RFC 7638 thumbprint. `cryptography` makes and loads
the keys; PyJWT turns a public key into its JWK.
"""

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from jwt.algorithms import ECAlgorithm, HMACAlgorithm, OKPAlgorithm, RSAAlgorithm
from jwt.exceptions import InvalidKeyError

from strategies.settings import SettingError

HS256 = "HS256"
MIN_RSA_BITS = 2048  # NIST SP 800-131A; RFC 7518 §3.3 asks at least as many


def hmac_secret(value: Any) -> str:
    """JWT_SECRET_KEY's parser: a secret PyJWT signs and verifies HS256 with. It refuses a
    PEM, SSH or DER key, a certificate or a JSON Web Key: public material, which anyone who
    holds it could sign with (algorithm confusion)."""
    secret = str(value)
    try:
        HMACAlgorithm(HMACAlgorithm.SHA256).prepare_key(secret)
    except InvalidKeyError:
        raise ValueError(
            "is a key, a certificate or a JSON Web Key, not a secret: PyJWT will not sign "
            "HS256 with it"
        ) from None
    return secret


@dataclass(frozen=True)
class KeyType:
    """What an asymmetric algorithm signs with: its key classes, how to make one, its JWK."""

    describes: str
    private: type
    public: type
    to_jwk: Any  # PyJWT's Algorithm.to_jwk for this key type

    def make(self) -> PrivateKeyTypes:
        if self.private is rsa.RSAPrivateKey:
            return rsa.generate_private_key(public_exponent=65537, key_size=MIN_RSA_BITS)
        if self.private is ec.EllipticCurvePrivateKey:
            return ec.generate_private_key(ec.SECP256R1())
        return ed25519.Ed25519PrivateKey.generate()


KEY_TYPES = {
    "RS256": KeyType("an RSA key", rsa.RSAPrivateKey, rsa.RSAPublicKey, RSAAlgorithm.to_jwk),
    "ES256": KeyType(
        "an EC key on P-256",
        ec.EllipticCurvePrivateKey,
        ec.EllipticCurvePublicKey,
        ECAlgorithm.to_jwk,
    ),
    "EdDSA": KeyType(
        "an Ed25519 key", ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey, OKPAlgorithm.to_jwk
    ),
}
# RFC 7638 §3.2: the members of a public key that its thumbprint hashes, by key type.
THUMBPRINT_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
    "RSA": ("e", "kty", "n"),
}
ALGORITHMS = (HS256, *KEY_TYPES)


def algorithm(value: Any) -> str:
    """JWT_ALGORITHM's parser: one of ALGORITHMS, spelled as RFC 7518 and RFC 8037 spell it."""
    if value not in ALGORITHMS:
        raise ValueError(f"must be one of {', '.join(ALGORITHMS)}, not {value!r}")
    return str(value)


def private_pem(key: PrivateKeyTypes) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: PublicKeyTypes) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def new_private_pem(algorithm: str) -> str:
    return private_pem(KEY_TYPES[algorithm].make())


def _read(setting: str, path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise SettingError(f"{setting}: {path} cannot be read: {error.strerror}") from None


def _checked(setting: str, where: str, key: Any, algorithm: str, public: bool) -> Any:
    wanted = KEY_TYPES[algorithm]
    if not isinstance(key, wanted.public if public else wanted.private):
        kind = "public" if public else "private"
        raise SettingError(
            f"{setting}: {where} is not {wanted.describes} ({kind}), which JWT_ALGORITHM="
            f"{algorithm} needs"
        )
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
        raise SettingError(
            f"{setting}: {where} is an RSA key of {key.key_size} bits; at least {MIN_RSA_BITS} "
            "are needed"
        )
    return key


def load_private_key(setting: str, pem: bytes, where: str, algorithm: str) -> Any:
    """The private key in `pem`, of `algorithm`'s type, or a SettingError naming `setting`."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        try:
            serialization.load_pem_public_key(pem)
        except (ValueError, UnsupportedAlgorithm):
            raise SettingError(
                f"{setting}: {where} is not an unencrypted PEM private key"
            ) from None
        raise SettingError(
            f"{setting}: {where} is a public key; the private key that signs is needed "
            "(its public half goes in JWT_VERIFY_KEY_FILES, or nowhere)"
        ) from None
    return _checked(setting, where, key, algorithm, public=False)


def load_private_key_file(setting: str, path: str, algorithm: str) -> Any:
    return load_private_key(setting, _read(setting, path), path, algorithm)


def load_public_key_file(setting: str, path: str, algorithm: str) -> Any:
    pem = _read(setting, path)
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, UnsupportedAlgorithm):
        raise SettingError(f"{setting}: {path} is not a PEM public key") from None
    return _checked(setting, path, key, algorithm, public=True)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def thumbprint(jwk: dict[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a public JWK: its required members, in
    lexicographic order, as JSON without whitespace, hashed. KeyError: a member is missing."""
    required = {name: jwk[name] for name in THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode()
    return b64url(hashlib.sha256(canonical).digest())


def public_jwk(key: PublicKeyTypes, algorithm: str) -> dict[str, str]:
    """The key's RFC 7517 JWK, public members only, named by its RFC 7638 thumbprint."""
    members = KEY_TYPES[algorithm].to_jwk(key, as_dict=True)
    required = {name: members[name] for name in THUMBPRINT_MEMBERS[members["kty"]]}
    return {**required, "kid": thumbprint(required), "alg": algorithm, "use": "sig"}
