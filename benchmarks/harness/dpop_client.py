"""A DPoP client (RFC 9449): a key of its own, and a fresh proof signed by it for each request.

What every measurement and test that talks to a TOKEN_BINDING=dpop configuration uses, and
the README's example, made with PyJWT and `cryptography` as a client would.
"""

import time
import uuid
from collections.abc import Iterator
from typing import Any, ClassVar

import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from flask.testing import FlaskClient
from jwt.algorithms import ECAlgorithm, OKPAlgorithm
from werkzeug.datastructures import Headers

from sandbox.dpop import PROOF_TYPE, token_hash
from sandbox.transports.dpop import PROOF_HEADER
from strategies.jwt_keys import thumbprint

__all__ = ["PROOF_HEADER", "ProofKey", "proofs_ahead", "proved", "proving_client", "sent_token"]
TEST_ORIGIN = "http://localhost"  # where Flask's test client sends its requests


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


def sent_token(authorization: str | None) -> str | None:
    """The token an `Authorization: DPoP <token>` header sends; None for any other."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    return token.strip() or None if scheme.lower() == "dpop" else None


def proved(key: ProofKey, method: str, path: str, headers: Any = None) -> Headers:
    """`headers` and a fresh proof for a request of `method` to `path` of the test client,
    beside the token their `Authorization` sends."""
    sent = Headers(headers)
    url = TEST_ORIGIN + path.split("?", 1)[0]
    sent[PROOF_HEADER] = key.proof(method, url, sent_token(sent.get("Authorization")))
    return sent


class ProvingClient(FlaskClient):
    """Flask's test client as a DPoP client: each request it sends without a `DPoP` header
    of its own gets a fresh proof signed by `key`, the client's (one for every client of an
    app: one user's)."""

    key: ClassVar[ProofKey]

    def open(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], str):
            headers = Headers(kwargs.get("headers"))
            if PROOF_HEADER not in headers:
                method = str(kwargs.get("method", "GET")).upper()
                kwargs["headers"] = proved(self.key, method, args[0], headers)
        return super().open(*args, **kwargs)


def proving_client(key: ProofKey) -> type[ProvingClient]:
    """A test client class whose requests are proved by `key`."""
    return type("ProvingClient", (ProvingClient,), {"key": key})


def proofs_ahead(
    key: ProofKey, method: str, path: str, headers: dict[str, str]
) -> Iterator[Headers]:
    """Headers with proofs signed before they are needed, endlessly: a timed request then
    pays the server's checks, not the client's signing (timed apart)."""
    batch: list[Headers] = []
    while True:
        if not batch:
            batch = [proved(key, method, path, headers) for _ in range(64)]
        yield batch.pop()
