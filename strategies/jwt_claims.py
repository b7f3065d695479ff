"""What a sandbox JWT is, apart from any app: who issues it and for whom, the claims it must
carry, its kinds, and how a refusal to decode one reads.

Said once, here, for everyone who checks a sandbox JWT: the jwt strategy that signs and
verifies them (strategies/json_web_token.py), and the resource server that verifies them
elsewhere with the published keys alone (sandbox/resource_server.py).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from jwt import ExpiredSignatureError, ImmatureSignatureError, PyJWTError

from strategies.errors import ExpiredToken, InvalidCredentials

DEFAULT_ISSUER = "auth-sandbox"  # JWT_ISSUER's default: the `iss` of every token
DEFAULT_AUDIENCE = "auth-sandbox-api"  # JWT_AUDIENCE's default: the `aud` of every token

# What every token carries, access or refresh, and a verifier requires: without `require`,
# PyJWT checks `exp` only when present (a token without one would never expire); `iss`, `aud`
# and `type` keep a token where it was meant for (RFC 8725 §3.9).
REQUIRED_CLAIMS = ("exp", "sub", "type", "iss", "aud")
# With state (a denylist, refresh tokens), every token also names its login, so that
# logout can find it.
LOGIN_CLAIM = "sid"

# A token's `type`, and how a refusal names it.
KINDS = {"access": "an access token", "refresh": "a refresh token"}


def required_claims(stateful: bool) -> list[str]:
    """The claims a token of a configuration with (or without) server state must carry."""
    return [*REQUIRED_CLAIMS, *([LOGIN_CLAIM] if stateful else [])]


def of_kind(claims: dict[str, Any], kind: str) -> None:
    """Refuse a verified token whose `type` is not `kind` (access or refresh)."""
    if claims["type"] != kind:
        raise InvalidCredentials(f"Invalid token: it is not {KINDS[kind]}")


@contextmanager
def decoding_errors() -> Iterator[None]:
    """PyJWT's refusal of a token, as the AuthError the app answers it with (a 401)."""
    try:
        yield
    except ExpiredSignatureError:
        raise ExpiredToken() from None
    except ImmatureSignatureError:
        raise InvalidCredentials("Token is not valid yet") from None
    except PyJWTError as error:  # InvalidTokenError, and a key PyJWT cannot use
        raise InvalidCredentials(f"Invalid token: {error}") from None
