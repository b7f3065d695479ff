"""DPoP proofs (RFC 9449): what a request proves about the key its token is bound to.

A proof is a JWT the client signs for one request with the private key it holds: its header
carries the public key (`jwk`), its claims the request's method (`htm`) and URL (`htu`),
when it was made (`iat`), a unique id (`jti`), and, beside a token, that token's hash
(`ath`). PyJWT verifies the signature with the key the header carries (`PyJWK`), the
algorithm pinned to an asymmetric one the key's type fits; the checks around it are the
RFC's §4.3. What binds a token to the key is the key's RFC 7638 thumbprint (`jkt`).

Each proof is accepted once: its `jti` is recorded, atomically, for as long as its `iat`
could still be accepted, in Redis where the configuration has a token store (so that every
worker refuses the replay) and in the process otherwise.
"""

import hashlib
import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

import jwt as pyjwt
from cachetools import TTLCache

from strategies.errors import InvalidDPoPProof
from strategies.jwt_keys import b64url, thumbprint
from strategies.token_store import Store, store_errors

PROOF_TYPE = "dpop+jwt"
# Each algorithm a proof may be signed with, and the key type (and curve) it needs: never
# `none` nor an HMAC, whose key the server would have to share with the client.
ALGORITHMS: Mapping[str, tuple[str, str | None]] = {
    "ES256": ("EC", "P-256"),
    "EdDSA": ("OKP", "Ed25519"),
    "RS256": ("RSA", None),
    "PS256": ("RSA", None),
}
# Members that only a private (or symmetric) key has (RFC 7518 §6): a proof that sends one
# has leaked its key, and a server must not accept it.
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
MAX_PROOF_BYTES = 8 * 1024
MAX_JTI_CHARS = 256
DEFAULT_PORTS = {"http": 80, "https": 443}


def token_hash(token: str) -> str:
    """The `ath` of a proof sent beside `token`: base64url of SHA-256 of its ASCII."""
    return b64url(hashlib.sha256(token.encode()).digest())


def normalised_url(url: str) -> tuple[str, str, str]:
    """The parts of `url` a proof's `htu` must match: scheme and authority (lowercase, the
    scheme's default port dropped) and path; never the query or fragment (RFC 9449 §4.3)."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = -1  # not a port: matches no request
    authority = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    return scheme, authority, parts.path or "/"


def replay_window(max_age: int) -> int:
    """How long a proof's `jti` is kept: a proof made `max_age` ahead of the server's clock
    is accepted until `max_age` after it, so twice that from its first use."""
    return 2 * max_age


class Replays(Protocol):
    where: str  # "redis" or "process": who refuses a replay

    def first_use(self, jti: str) -> bool:
        """Record `jti` for the replay window; False if it was recorded already (a replay)."""


class StoreReplays:
    """Seen `jti`s in the token store: one SET NX with an expiry, one round trip, atomic, so
    that of N identical proofs sent at once to any workers exactly one is accepted."""

    where = "redis"

    def __init__(self, store: Store, prefix: str, seconds: int):
        self.store, self.prefix, self.seconds = store, prefix + "dpop-jti:", seconds

    def first_use(self, jti: str) -> bool:
        key = self.prefix + b64url(hashlib.sha256(jti.encode()).digest()[:16])
        with store_errors():
            return bool(self.store.set(key, 1, nx=True, ex=self.seconds))


class ProcessReplays:
    """Seen `jti`s in this process, where the configuration has no token store: another
    worker (or a restarted one) would accept the replay."""

    where = "process"
    MAX_ENTRIES = 1_000_000  # ~100 MB at worst; a full cache forgets its oldest first

    def __init__(self, seconds: int) -> None:
        self._seen: TTLCache[str, bool] = TTLCache(maxsize=self.MAX_ENTRIES, ttl=seconds)
        self._lock = threading.Lock()

    def first_use(self, jti: str) -> bool:
        with self._lock:
            if jti in self._seen:
                return False
            self._seen[jti] = True
            return True


class ProofChecker:
    """Checks the proofs of a configuration that binds its tokens to a key."""

    def __init__(self, max_age: int, replays: Replays):
        self.max_age, self.replays = max_age, replays

    def key_of(self, proofs: list[str], method: str, url: str, token: str | None = None) -> str:
        """The thumbprint of the key that signed the one proof in `proofs`, made for a
        request of `method` to `url` (beside `token`, where one is sent); InvalidDPoPProof
        naming the first rule it breaks."""
        if not proofs:
            raise InvalidDPoPProof("Missing DPoP proof: send a DPoP header signed by your key")
        if len(proofs) > 1:
            raise InvalidDPoPProof("More than one DPoP header: send exactly one proof")
        proof = proofs[0]
        if len(proof) > MAX_PROOF_BYTES:
            raise InvalidDPoPProof(f"DPoP proof longer than {MAX_PROOF_BYTES} bytes")
        jwk, claims = self.verified(proof)
        self._check_claims(claims, method, url, token)
        if not self.replays.first_use(claims["jti"]):
            raise InvalidDPoPProof("DPoP proof replayed: its jti was used before")
        return thumbprint(jwk)

    def verified(self, proof: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The public key (`jwk`) and claims of a proof whose header and signature hold."""
        try:
            header = pyjwt.get_unverified_header(proof)
        except pyjwt.PyJWTError as error:
            raise InvalidDPoPProof(f"Malformed DPoP proof: {error}") from None
        if header.get("typ") != PROOF_TYPE:
            raise InvalidDPoPProof(f"DPoP proof's typ must be {PROOF_TYPE!r}")
        alg, jwk = header.get("alg"), header.get("jwk")
        if not isinstance(alg, str) or alg not in ALGORITHMS:
            raise InvalidDPoPProof(f"DPoP proof's alg must be one of: {', '.join(ALGORITHMS)}")
        if not isinstance(jwk, dict):
            raise InvalidDPoPProof("DPoP proof's header carries no jwk (the public key)")
        if PRIVATE_MEMBERS & set(jwk):
            raise InvalidDPoPProof("DPoP proof's jwk holds private key members: never send them")
        kty, curve = ALGORITHMS[alg]
        if jwk.get("kty") != kty or (curve is not None and jwk.get("crv") != curve):
            raise InvalidDPoPProof(f"DPoP proof's jwk is not a {curve or kty} key, as {alg} needs")
        try:
            key = pyjwt.PyJWK(jwk, algorithm=alg)
            claims = pyjwt.decode(
                proof,
                key.key,
                algorithms=[alg],
                options={"require": ["jti", "htm", "htu", "iat"], "verify_iat": False},
            )
        except (pyjwt.PyJWTError, KeyError, ValueError, TypeError) as error:
            raise InvalidDPoPProof(f"Invalid DPoP proof: {error}") from None
        return jwk, claims

    def _check_claims(
        self, claims: dict[str, Any], method: str, url: str, token: str | None
    ) -> None:
        jti, iat = claims["jti"], claims["iat"]
        if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_CHARS:
            raise InvalidDPoPProof(f"DPoP proof's jti must be a string of 1 to {MAX_JTI_CHARS}")
        if claims["htm"] != method:
            raise InvalidDPoPProof(f"DPoP proof's htm is not this request's method, {method}")
        htu = claims["htu"]
        if not isinstance(htu, str) or normalised_url(htu) != normalised_url(url):
            raise InvalidDPoPProof("DPoP proof's htu is not this request's URL")
        if not isinstance(iat, int | float) or isinstance(iat, bool):
            raise InvalidDPoPProof("DPoP proof's iat must be a number of seconds")
        if abs(time.time() - iat) > self.max_age:
            raise InvalidDPoPProof(
                f"DPoP proof's iat is more than {self.max_age} s from the server's clock"
            )
        if token is not None and claims.get("ath") != token_hash(token):
            raise InvalidDPoPProof("DPoP proof's ath is not the hash of the token it is sent with")
