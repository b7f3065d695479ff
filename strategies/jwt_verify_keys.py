"""The keys the jwt strategy verifies with: its shared secret, or the public keys of its key
pair (the signing key's and older ones still trusted), each named by `kid`."""

from typing import Any

import jwt as pyjwt
from flask import Flask
from flask_jwt_extended import JWTManager
from jwt.algorithms import HMACAlgorithm

from strategies.errors import InvalidCredentials
from strategies.jwt_claims import decoding_errors
from strategies.jwt_keys import HS256, load_private_key, new_private_pem, public_jwk
from strategies.settings import development_secret


class CheckedSecret(HMACAlgorithm):
    """HS256 that checks the server's own secret once, not on every decode.

    PyJWT checks an HMAC key each time it verifies with one: that it is no PEM, SSH or DER
    key, no certificate and no JSON Web Key, whose public parts a token could otherwise sign
    with (algorithm confusion). Two failed parses and a JSON one: about a quarter of what a
    request pays for its JWT, for a key that cannot change while a worker runs and that
    JWT_SECRET_KEY's parser has checked the same way at start. Any other key is checked as
    PyJWT checks it.
    """

    def __init__(self, secret: str):
        super().__init__(HMACAlgorithm.SHA256)
        self.secret, self.prepared = secret, super().prepare_key(secret)

    def prepare_key(self, key: str | bytes) -> bytes:
        return self.prepared if key is self.secret else super().prepare_key(key)


class VerifyKeys:
    """What verifies a token: the secret (under `kid` None), or a public key by `kid`; and
    the PyJWT decoder that verifies with them."""

    def __init__(self, by_kid: dict[str | None, Any], jwks: list[dict[str, str]] | None = None):
        self.by_kid, self.jwks = by_kid, jwks
        self.decoder = pyjwt.PyJWT()
        if jwks is None:
            # PyJWT's decoder takes its algorithms from its PyJWS, which it keeps in `_jws`
            # (as PyJWT's own module-level decoder is given the module-level PyJWS).
            self.decoder._jws.unregister_algorithm(HS256)
            self.decoder._jws.register_algorithm(HS256, CheckedSecret(by_kid[None]))

    def for_token(self, token: str) -> Any:
        """The key that verifies `token`: the secret, or the public key its `kid` names.

        flask-jwt-extended's decode_token parses every token three times (twice
        unverified, for its key loader); reading the header once here and verifying
        once with PyJWT is a third of the work on every request.
        """
        if self.jwks is None:
            return self.by_kid[None]
        with decoding_errors():
            kid = pyjwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str) or kid not in self.by_kid:
            raise InvalidCredentials(
                "Invalid token: its kid names no key of this server"
                if kid
                else "Invalid token: no kid in its header"
            )
        return self.by_kid[kid]


def key_pair(
    app: Flask, manager: JWTManager, algorithm: str, signing_key: Any, old_keys: list[Any]
) -> tuple[Any, VerifyKeys]:
    """Sign with the private key (made once in development, shared by workers); verify with
    its public key or an older one, by `kid`. The signing key and the keys that verify."""
    if signing_key is None:
        filename = f"jwt-{algorithm.lower()}-private-key.pem"
        pem = development_secret(app.instance_path, filename, lambda: new_private_pem(algorithm))
        signing_key = load_private_key("JWT_PRIVATE_KEY_FILE", pem.encode(), filename, algorithm)
    public_keys = [signing_key.public_key(), *old_keys]
    jwks = [public_jwk(key, algorithm) for key in public_keys]
    keys = VerifyKeys({jwk["kid"]: key for jwk, key in zip(jwks, public_keys, strict=True)}, jwks)
    kid = jwks[0]["kid"]
    app.config.update(JWT_PRIVATE_KEY=signing_key, JWT_PUBLIC_KEY=public_keys[0])
    manager.additional_headers_loader(lambda _identity: {"kid": kid})
    # A route an extender guards with @jwt_required() picks the key by `kid` too.
    manager.decode_key_loader(lambda header, _payload: keys.by_kid.get(header.get("kid")))
    return signing_key, keys
