"""A DPoP client (RFC 9449): a key of its own, and a fresh proof signed by it for each request.

What every measurement and test that talks to a TOKEN_BINDING=dpop configuration uses, and
the README's example, made with PyJWT and `cryptography` as a client would.
"""

import time
import uuid
from typing import Any

import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from jwt.algorithms import ECAlgorithm, OKPAlgorithm

from sandbox.dpop import PROOF_TYPE, token_hash
from strategies.jwt_keys import thumbprint

PROOF_HEADER = "DPoP"


class ProofKey:
    """A client's key pair, which signs its proofs: ES256 (P-256) or EdDSA (Ed25519)."""

    def __init__(self, algorithm: str = "ES256"):
        self.algorithm = algorithm
        if algorithm == "ES256":
            self.private_key: Any = ec.generate_private_key(ec.SECP256R1())
            self.jwk = ECAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        elif algorithm == "EdDSA":
            self.private_key = ed25519.Ed25519PrivateKey.generate()
            self.jwk = OKPAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        else:
            raise ValueError(f"no proof key for {algorithm!r}: ES256 or EdDSA")

    @property
    def jkt(self) -> str:
        """The RFC 7638 thumbprint a token bound to this key names."""
        return thumbprint(self.jwk)

    def proof(
        self,
        method: str,
        url: str,
        token: str | None = None,
        *,
        claims: dict[str, Any] | None = None,
        header: dict[str, Any] | None = None,
    ) -> str:
        """A proof for one request of `method` to `url`, beside `token` where one is sent;
        `claims` and `header` change or add members (an attack's)."""
        payload: dict[str, Any] = {
            "jti": uuid.uuid4().hex,
            "htm": method,
            "htu": url,
            "iat": int(time.time()),
        }
        if token is not None:
            payload["ath"] = token_hash(token)
        return pyjwt.encode(
            {**payload, **(claims or {})},
            self.private_key,
            algorithm=self.algorithm,
            headers={"typ": PROOF_TYPE, "jwk": self.jwk, **(header or {})},
        )

    def headers(self, method: str, url: str, token: str | None = None) -> dict[str, str]:
        """The headers of a request with a proof, and `Authorization: DPoP <token>` if given."""
        sent = {PROOF_HEADER: self.proof(method, url, token)}
        if token is not None:
            sent["Authorization"] = f"DPoP {token}"
        return sent
