"""Can a service that holds what verifying needs make a token the server accepts? What it
holds is read from the strategy's interface and facts (see the package's docstring)."""

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from typing import Any, cast

import jwt as pyjwt
from cryptography.hazmat.primitives import serialization

from benchmarks import measurable
from benchmarks.anatomy import ENCODED_CREDENTIALS, OPAQUE, decode_credentials, decode_jwt
from benchmarks.compare.forgery.tries import _basic, _count, _outcomes, _try
from benchmarks.compare.subject import Subject
from sandbox import extensions
from strategies import capabilities
from strategies.base import Store

# How a store's key could name a token: the token itself, or a digest of it.
DIGEST_NAMES = sorted(n for n in hashlib.algorithms_guaranteed if not n.startswith("shake"))
TRUNCATED_BITS = 128  # a digest cut to its first 128 bits keeps a key short


def token_names(token: str) -> dict[str, str]:
    """Every way a store key may name a token: the token itself, or its digest by a hashlib
    algorithm (a shake has no one length, and is left out), whole or cut to its first 128
    bits, in hex or unpadded base64url. Keyed by how it names it."""
    names = {"the token itself": token}
    for algorithm in DIGEST_NAMES:
        whole = hashlib.new(algorithm, token.encode()).digest()
        for cut, part in (("", whole), (f" (first {TRUNCATED_BITS} bits)", whole[:16])):
            name = algorithm.upper().replace("_", "-") + cut
            names[f"{name}, hex"] = part.hex()
            names[f"{name}, base64url"] = base64.urlsafe_b64encode(part).rstrip(b"=").decode()
    return names


def verifier_forgery(subject: Subject) -> dict[str, Any]:
    """Can a service that holds what verifying needs make a token the server accepts?"""
    token, strategy = subject.issued["token"], subject.strategy
    kind = measurable.read_token(strategy, token).kind
    jwks = capabilities.jwks(strategy)
    if jwks is not None:
        return _with_published_keys(subject, jwks["keys"])
    if kind == ENCODED_CREDENTIALS:
        return _with_password_hashes(subject)
    if decode_jwt(token) is not None:
        return _with_the_verifying_secret(subject)
    if kind == OPAQUE and strategy.stateful and strategy.store is not None:
        return _with_the_store(subject, strategy.store)
    return _not_measured(
        "what a verifier holds is not in the interface (jwks() is None, and its token is no "
        "JWT for a secret it declares to verify)"
    )


def _result(holds: str, tries: list[dict[str, Any]], how: str) -> dict[str, Any]:
    accepted = [t for t in tries if t["status"] == 200]
    return {
        "measured": True,
        "holds": holds,
        "can_forge": bool(accepted),
        "tried": len(tries),
        "accepted": len(accepted),
        "tries": tries,
        "how": how,
    }


def _not_measured(why: str) -> dict[str, Any]:
    return {"measured": False, "can_forge": None, "why": why}


def _fresh_claims(subject: Subject) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of the logged-in token, made new (a new id, the same life from
    now), as anyone reads them: a JWT's, or what the strategy's reading of its token decodes
    (its payload); at least the user's id."""
    token = subject.issued["token"]
    parts = decode_jwt(token)
    if parts is None:
        decoded = measurable.read_token(subject.strategy, token).leak.decoded
        payload = json.loads(decoded).get("payload") if decoded else None
        parts = {}, payload if isinstance(payload, dict) else {}
    header, claims = dict(parts[0]), {"sub": str(subject.issued["user_id"]), **parts[1]}
    now = int(time.time())
    issued, expires = claims.get("iat"), claims.get("exp")
    life = expires - issued if isinstance(issued, int) and isinstance(expires, int) else 600
    claims |= {"iat": now, "exp": now + life} | ({"nbf": now} if "nbf" in claims else {})
    if "jti" in claims:
        claims["jti"] = str(uuid.uuid4())
    return header, claims


def _hmac_jwt(header: dict[str, Any], claims: dict[str, Any], key: bytes) -> str:
    """An HS256 JWT made by hand: PyJWT refuses a public key as an HMAC secret."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = ".".join(
        part(json.dumps(data, separators=(",", ":")).encode()) for data in (header, claims)
    )
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


def _with_published_keys(subject: Subject, keys: list[dict[str, Any]]) -> dict[str, Any]:
    """Sign with each published key, as its algorithm says (a public key cannot; a symmetric
    one, published by mistake, would); then HS256 keyed with it, as its PEM and as its JWK
    (the algorithm confusion of RFC 8725 §2.1)."""
    header, claims = _fresh_claims(subject)
    signing, confusion = [], []
    for jwk in keys:
        kid = {"kid": jwk["kid"]} if "kid" in jwk else {}
        algorithm = jwk.get("alg") or header.get("alg", "its algorithm")
        signing.append(
            _try(
                subject,
                f"signed {algorithm} with it",
                _sign_with,
                jwk,
                claims,
                kid,
                cannot="the JWK Set holds no private key",
            )
        )
        confusion += [
            _try(subject, f"HS256 keyed with its {form}", _confused, jwk, form, claims, kid)
            for form in ("PEM", "JWK")
        ]
    how = f"signing with it: {_outcomes(signing)}; as an HS256 secret (alg confusion): " + (
        _outcomes(confusion)
    )
    # RFC 7517/7518: a private or a symmetric key has members a public one has not.
    public = sum(jwk.get("kty") in ("RSA", "EC", "OKP") and "d" not in jwk for jwk in keys)
    holds = (
        _count(len(keys), "public key")
        if public == len(keys)
        else f"{_count(len(keys), 'key')}, {len(keys) - public} of them not public"
    )
    return _result(f"the JWK Set ({holds})", [*signing, *confusion], how)


def _sign_with(jwk: dict[str, Any], claims: dict[str, Any], headers: dict[str, Any]) -> str:
    """A JWT signed with a published key, as its algorithm says; a public key cannot sign."""
    key = pyjwt.PyJWK(jwk)
    return pyjwt.encode(claims, key.key, algorithm=key.algorithm_name, headers=headers)


def _confused(jwk: dict[str, Any], form: str, claims: dict[str, Any], kid: dict[str, Any]) -> str:
    """An HS256 JWT whose secret is a published key as a verifier keeps it: a PEM file, or
    the JWK's JSON."""
    if form == "JWK":
        secret = json.dumps(jwk).encode()
    else:
        public = cast(Any, pyjwt.PyJWK(jwk).key)
        secret = public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    return _hmac_jwt({"alg": "HS256", "typ": "JWT", **kid}, claims, secret)


def _with_password_hashes(subject: Subject) -> dict[str, Any]:
    """The logged-in user's password hash, sent as its password."""
    credentials = decode_credentials(subject.issued["token"])
    assert credentials is not None
    username = credentials[0]
    with subject.app.app_context():
        user = extensions.users(subject.app).find(username)
        assert user is not None
        password_hash = user.password_hash

    tries = [_try(subject, "the password hash as the password", _basic, username, password_hash)]
    return _result("the password hashes", tries, f"a hash sent as the password: {_outcomes(tries)}")


def _with_the_verifying_secret(subject: Subject) -> dict[str, Any]:
    """The declared secret that verifies a real token, used to sign one."""
    token, strategy = subject.issued["token"], subject.strategy
    header, claims = _fresh_claims(subject)
    secret_settings = [s.name for s in strategy.settings if s.secret]
    verifying = [
        name
        for name in secret_settings
        if isinstance(strategy.config.get(name), str)
        and _verifies(token, strategy.config[name], header["alg"])
    ]
    if not verifying:
        return _not_measured(
            "no key it publishes or declares secret "
            f"({', '.join(secret_settings) or 'none'}) verifies its token"
        )
    name = verifying[0]
    secret = strategy.config[name]
    extra = {k: v for k, v in header.items() if k not in ("alg", "typ")}
    tries = [
        _try(
            subject,
            f"signed {header['alg']} with {name}",
            pyjwt.encode,
            claims,
            secret,
            header["alg"],
            extra,
        )
    ]
    return _result(
        f"the shared secret ({name})", tries, f"a token signed with it: {_outcomes(tries)}"
    )


def _verifies(token: str, secret: str, algorithm: str) -> bool:
    """Whether `secret` checks the token's signature (its claims are not checked)."""
    try:
        pyjwt.decode(
            token,
            secret,
            algorithms=[algorithm],
            options={"verify_exp": False, "verify_aud": False, "verify_iss": False},
        )
    except (pyjwt.PyJWTError, ValueError, TypeError):
        return False
    return True


def _token_key(store: Store, prefix: str, token: str) -> tuple[str, str, str] | None:
    """(key, how it names the token, what of the key names it) for the token's store key."""
    names = token_names(token)
    for raw in store.scan_iter(match=prefix + "*"):
        key = raw.decode(errors="replace")
        for named_by, part in names.items():
            if part in key:
                return key, named_by, part
    return None


def _with_the_store(subject: Subject, store: Store) -> dict[str, Any]:
    """A key for a token of the verifier's own, holding what a real token's key holds."""
    token = subject.issued["token"]
    prefix = subject.config["REDIS_KEY_PREFIX"]
    found = _token_key(store, prefix, token)
    if found is None:
        return _not_measured("no key of its store names its token, or a digest of it")
    key, named_by, part = found
    own = secrets.token_urlsafe(len(token))[: len(token)]
    own_part = token_names(own)[named_by]
    own_key = key.replace(part, own_part)

    def insert() -> str:
        value, ttl = store.dump(key), cast(int, store.pttl(key))
        store.restore(own_key, max(ttl, 0), cast(bytes, value), replace=True)
        return own

    try:
        tries = [_try(subject, f"wrote a key for a token of its own ({named_by})", insert)]
    finally:
        store.delete(own_key)
    shown = own_key.removeprefix(prefix).replace(own_part, f"<{named_by} of a token of its own>")
    return _result(
        "the token store", tries, f"wrote {shown} with a real token's value: {_outcomes(tries)}"
    )
