"""PASETO v4.public tokens (Ed25519-signed JSON), an auth-sandbox strategy from another package.

Made and checked by pyseto. Like a JWT the payload is readable by anyone and
nothing is kept per token, so a token stays valid until it expires. Unlike a JWT
there is no algorithm header to negotiate: the version and purpose (`v4.public.`)
fix the algorithm, so `alg: none` and algorithm confusion have nowhere to start.

    python -m auth_sandbox_paseto    # prints a new PASETO_SECRET_KEY
"""

import base64
import binascii
import json
import secrets
import typing
from datetime import datetime

import pyseto
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyseto import Key, Paseto

from benchmarks import anatomy
from benchmarks.anatomy import Leak, Reading
from strategies.base import IssuedToken, Strategy
from strategies.capabilities import TokenFacts
from strategies.errors import ExpiredToken, InvalidCredentials, NotRevocable
from strategies.key_binding import bound_key, check_binding, confirmation
from strategies.settings import Setting
from strategies.users import User, token_user

HEADER = "v4.public."
SIGNATURE_BYTES = 64  # Ed25519
KIND = "signed JSON (PASETO v4.public)"
REFUSAL = "Invalid token"
HOW_TO_MAKE_A_KEY = "make one with: python -m auth_sandbox_paseto"


def new_secret_key() -> str:
    """A new Ed25519 signing key, as a PASERK (`k4.secret.…`): one line, fit for a variable."""
    private = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return Key.new(version=4, purpose="public", key=private).to_paserk()


def secret_key(value: str) -> str:
    """The parser of PASETO_SECRET_KEY; its error never repeats the value.

    pyseto builds a key from any k4.secret whose body holds 32 bytes or more; a
    PASERK secret is the 32-byte seed then its 32-byte public key, so the public
    half is checked against the seed, and a truncated or mistyped key is refused.
    """
    prefix, paserk = "k4.secret.", str(value)
    body = paserk.removeprefix(prefix)
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        seed, public = raw[:32], raw[32:]
        valid = (
            paserk.startswith(prefix)
            and len(raw) == 64
            and public
            == (
                Ed25519PrivateKey.from_private_bytes(seed)
                .public_key()
                .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            )
        )
    except (binascii.Error, ValueError):
        valid = False
    if not valid:
        raise ValueError(f"must be a v4 secret key as a PASERK (k4.secret.…); {HOW_TO_MAKE_A_KEY}")
    return paserk


def read_payload(token: str) -> dict | None:
    """The claims of a v4.public token, read as anyone can: the signature is not checked."""
    if not token.startswith(HEADER):
        return None
    body = token[len(HEADER) :].split(".")[0]
    try:
        signed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        payload = json.loads(signed[:-SIGNATURE_BYTES])
    except (binascii.Error, ValueError):
        return None
    return payload if isinstance(payload, dict) else None


def epoch(stamp: str | None) -> int | None:
    """A PASETO time (RFC 3339, as pyseto writes `exp` and `iat`) as Unix time."""
    return None if stamp is None else int(datetime.fromisoformat(stamp).timestamp())


class PasetoStrategy(Strategy):
    name = "paseto"
    scheme = "Bearer"
    description = (
        "PASETO v4.public: Ed25519-signed, readable JSON claims (user id, expiry) with no "
        "algorithm header to tamper with; valid until it expires."
    )
    settings = (
        Setting(
            "PASETO_SECRET_KEY",
            None,
            "the Ed25519 signing key as a PASERK (k4.secret.…); unset in development: one "
            "made once in the instance folder",
            secret_key,
            required_in_production=True,
            secret=True,
            make=new_secret_key,
            how=HOW_TO_MAKE_A_KEY,
        ),
    )

    def __init__(self, config):
        super().__init__(config)
        self.ttl = config["TOKEN_TTL"]
        self.paseto = Paseto.new(exp=self.ttl, include_iat=True)

    def init_app(self, app, users, store) -> None:
        super().init_app(app, users, store)
        self.key = Key.from_paserk(self.config["PASETO_SECRET_KEY"])

    def issue(self, user: User, password: str) -> IssuedToken:
        return self._issued(user, None)

    # It can carry a binding (strategies.capabilities.KeyBinding): TOKEN_BINDING=dpop binds
    # its tokens to the client's key, as a JWT's `cnf` claim does.
    def issue_bound(self, user: User, password: str, jkt: str) -> IssuedToken:
        return self._issued(user, jkt)

    def authenticate_bound(self, token: str, jkt: str) -> User:
        return self._authenticated(token, jkt)

    def refresh_bound(self, refresh_token: str, jkt: str) -> tuple[User, IssuedToken]:
        return self.refresh(refresh_token)  # it issues no refresh tokens: refused as such

    def _issued(self, user: User, jkt: str | None) -> IssuedToken:
        # Ed25519 signatures are deterministic: without a jti, two logins in one second
        # would get the same token.
        claims = {
            "sub": str(user.id),
            "gen": user.token_generation,
            "jti": secrets.token_urlsafe(16),
            **confirmation(jkt),
        }
        token = self.paseto.encode(self.key, claims, serializer=json)
        return IssuedToken(token.decode("ascii"), expires_in=self.ttl)

    def authenticate(self, token: str) -> User:
        return self._authenticated(token, None)

    def _authenticated(self, token: str, jkt: str | None) -> User:
        claims = self._claims(token)
        check_binding(bound_key(claims), jkt)
        return token_user(self.users, claims.get("sub", ""), claims.get("gen", 0))

    # POST /introspect asks it (strategies.capabilities.Introspects): the same check.
    def introspect(self, token: str) -> TokenFacts:
        claims = self._claims(token)
        user = token_user(self.users, claims.get("sub", ""), claims.get("gen", 0))
        return TokenFacts(user, epoch(claims["exp"]), epoch(claims.get("iat")), bound_key(claims))

    def _claims(self, token: str) -> dict:
        """The claims of a token it signed that has not expired; the AuthError otherwise."""
        try:
            claims = self.paseto.decode(self.key, token, deserializer=json).payload
        except pyseto.VerifyError as error:
            if "expired" in str(error):
                raise ExpiredToken() from None
            raise InvalidCredentials(REFUSAL) from None
        except (ValueError, pyseto.PysetoError):
            raise InvalidCredentials(REFUSAL) from None
        # pyseto checks `exp` only when present: a token without one would never expire.
        if not isinstance(claims, dict) or "exp" not in claims:
            raise InvalidCredentials(REFUSAL)
        return claims

    def revoke(self, token: str) -> typing.NoReturn:
        raise NotRevocable(
            "A PASETO stays valid until it expires (TOKEN_TTL): the server keeps nothing it "
            "could delete. Revoking one needs a denylist of token ids (jti) in a store."
        )

    # Read by the comparison (`benchmarks.measurable.ReadsTokens`): its claims, in the clear.
    def read_token(self, token: str) -> Reading:
        payload = read_payload(token)
        if payload is None:
            return anatomy.read(token)
        decoded = json.dumps({"payload": payload}, sort_keys=True)
        structure = {"parts": token.count(".") + 1, "payload": sorted(payload)}
        return Reading(KIND, Leak("claims", decoded), structure)


if __name__ == "__main__":
    print(new_secret_key())
