"""The jwt strategy's settings, and the variants of them that the measurements run.

Declared apart from the strategy (strategies/json_web_token.py), which reads them; the
app's one loader (sandbox/config.py) parses and checks them with every other setting.
"""

from collections.abc import Mapping
from typing import Any

from strategies.jwt_claims import DEFAULT_AUDIENCE, DEFAULT_ISSUER
from strategies.jwt_keys import HS256, KEY_TYPES, algorithm, hmac_secret
from strategies.jwt_verified import SETTING as VERIFIED_CACHE
from strategies.settings import HOW_TO_MAKE_A_SECRET, Setting, boolean, random_secret, whole_number

# Short access tokens (5 minutes) renewed for two weeks: a common deployment.
REFRESH = {"TOKEN_TTL": 300, "REFRESH_TOKEN_TTL": 1_209_600}


def asymmetric(settings: Mapping[str, Any]) -> bool:
    return settings["JWT_ALGORITHM"] != HS256


def file_list(value: Any) -> tuple[str, ...]:
    return tuple(path.strip() for path in str(value).split(",") if path.strip())


SETTINGS = (
    Setting(
        "JWT_ALGORITHM",
        HS256,
        "HS256 (one shared secret signs and verifies), or RS256, ES256 or EdDSA (Ed25519: "
        "a private key signs, its public key verifies, published at /.well-known/jwks.json)",
        algorithm,
    ),
    Setting(
        "JWT_SECRET_KEY",
        None,
        "the HS256 signing key; required in production with HS256; unset in development: a "
        "random key made once in the instance folder",
        hmac_secret,
        required_in_production=lambda settings: not asymmetric(settings),
        secret=True,
        make=random_secret,
        how=HOW_TO_MAKE_A_SECRET,
    ),
    Setting(
        "JWT_PRIVATE_KEY_FILE",
        None,
        "PEM private key that signs with RS256, ES256 or EdDSA; required in production with "
        "them; unset in development: a key of the right type made once in the instance folder",
        required_in_production=asymmetric,
        how="make one with: auth-sandbox keys new --algorithm ALG --out FILE",
    ),
    Setting(
        "JWT_VERIFY_KEY_FILES",
        None,
        "comma-separated PEM public keys still accepted and published beside the signing "
        "key's: the keys before a rotation (never a compromised one)",
        file_list,
    ),
    Setting("JWT_ISSUER", DEFAULT_ISSUER, "the `iss` every token carries and must carry"),
    Setting("JWT_AUDIENCE", DEFAULT_AUDIENCE, "the `aud` every token carries and must carry"),
    Setting(
        "JWT_DENYLIST",
        False,
        "true: logout revokes a login, whose id Redis keeps until its tokens would have "
        "expired anyway (one Redis round trip a request)",
        boolean,
    ),
    Setting(
        "REFRESH_TOKEN_TTL",
        0,
        "seconds a login's refresh tokens live, counted from the login (rotation does "
        "not extend it); 0: no refresh tokens. With refresh tokens TOKEN_TTL is the "
        "access token's life",
        whole_number(0, "second(s)"),
    ),
    VERIFIED_CACHE,
)

VARIANTS = {
    "denylist": {"JWT_DENYLIST": True},
    # The denylist check answered from each worker's cache, which Redis keeps exact.
    "denylist + tracking": {"JWT_DENYLIST": True, "STORE_CACHE": "tracking"},
    # ... and the signature checked once a token, not once a request.
    "denylist + tracking + cache": {
        "JWT_DENYLIST": True,
        "STORE_CACHE": "tracking",
        "JWT_VERIFIED_CACHE": 10_000,
    },
    "refresh": REFRESH,
    "refresh + denylist": {**REFRESH, "JWT_DENYLIST": True},
    # Tokens bound to the client's key (RFC 9449): a stolen one is useless without it.
    "DPoP": {"TOKEN_BINDING": "dpop"},
    "refresh + denylist + DPoP": {**REFRESH, "JWT_DENYLIST": True, "TOKEN_BINDING": "dpop"},
    **{algorithm: {"JWT_ALGORITHM": algorithm} for algorithm in KEY_TYPES},
}
