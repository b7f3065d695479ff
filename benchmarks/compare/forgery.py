"""Who can mint a token: a service that only verifies them, and whoever gets the server's
keys, its token store or its user table. Each is tried in-process, and the sandbox's
/protected says whether the token made works.

What a verifier holds is read from the strategy's interface and facts, never its name:

- a strategy that publishes a JWK Set (`jwks()`): those keys (public ones, if they are);
- a token of encoded credentials (Basic): the password hashes it checks them against;
- a JWT and no JWK Set: the key that checks its signature, found among the values of the
  settings the strategy declares secret (`Setting.secret`) as the one that verifies a
  token it issued;
- an opaque token of a stateful strategy: its token store, which it reads and can write;
- otherwise the interface does not say (a PASETO, whose public key is published nowhere):
  not measured.

What a leak yields goes by the same facts: a Basic server's user table (its password
hashes), an opaque token's store (its keys and values), and otherwise the signing key: each
key file of the server's instance folder, given alone to an app of the attacker's own.
"""

import base64
import hashlib
import hmac
import json
import secrets
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import jwt as pyjwt
from cryptography.hazmat.primitives import serialization
from sqlalchemy.engine import make_url

from benchmarks.anatomy import ENCODED_CREDENTIALS, OPAQUE, decode_credentials, decode_jwt
from benchmarks.compare.subject import Subject
from sandbox import create_app, extensions
from sandbox.users import db
from strategies.base import Store

NEVER_LOGGED_IN = "never-logged-in"
PASSWORD = "never-used-probe-password"  # noqa: S105 - a throwaway instance's throwaway user
ATTACKER_HASH = "pbkdf2:sha256:1000"  # the attacker's own user table holds no one who matters
MAX_DUMP_TRIES = 1000
# What leaks, by the strategy's facts.
SIGNING_KEY, TOKEN_STORE, USER_TABLE = "its signing key", "its token store", "its user table"
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


@dataclass
class Someone:
    """A user as an attacker names one in a token: an id and a generation, nothing else."""

    id: int
    username: str
    token_generation: int
    password_hash: str = ""


def verifier_forgery(subject: Subject) -> dict[str, Any]:
    """Can a service that holds what verifying needs make a token the server accepts?"""
    token, strategy = subject.issued["token"], subject.strategy
    kind = strategy.read_token(token).kind
    jwks = strategy.jwks()
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


def leak_yields(subject: Subject) -> dict[str, Any]:
    """What whoever gets the server's keys, or a copy of its data, can do with them."""
    token, strategy = subject.issued["token"], subject.strategy
    kind = strategy.read_token(token).kind
    if kind == ENCODED_CREDENTIALS:
        return _user_table_dump(subject)
    if kind == OPAQUE and strategy.stateful and strategy.store is not None:
        return _store_dump(subject, strategy.store)
    return _leaked_key_files(subject)


# A verifier's tries.


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


def _try(subject: Subject, how: str, make: Callable[..., str], *args: Any) -> dict[str, Any]:
    """A forged token, `make(*args)`, sent to /protected; the error if it cannot be made."""
    try:
        forged = make(*args)
    except Exception as error:  # what stops a forger is the finding
        return {"how": how, "status": None, "error": type(error).__name__}
    return {"how": how, "status": subject.status(subject.authorization(forged)), "error": None}


def _fresh_claims(subject: Subject) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of the logged-in token, made new (a new id, the same life from
    now), as anyone reads them: a JWT's, or what the strategy's reading of its token decodes
    (its payload); at least the user's id."""
    token = subject.issued["token"]
    parts = decode_jwt(token)
    if parts is None:
        decoded = subject.strategy.read_token(token).leak.decoded
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
        signing.append(_try(subject, f"signed {algorithm} with it", _sign_with, jwk, claims, kid))
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


def _basic(username: str, password: str) -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode()


# What a leak yields.


def _leak_result(leaked: str, tries: list[dict[str, Any]], how: str) -> dict[str, Any]:
    accepted = sum(t["status"] == 200 for t in tries)
    return {
        "measured": bool(tries),
        "leaked": leaked,
        "yields_tokens": accepted > 0,
        "tried": len(tries),
        "accepted": accepted,
        "tries": tries,
        "how": how,
    }


def _refused(tries: list[dict[str, Any]]) -> str:
    accepted = sum(t["status"] == 200 for t in tries)
    if all(t["status"] == 401 for t in tries):
        return "all refused"
    return f"{accepted} accepted" if accepted else f"answered {_outcomes(tries)}"


def _outcomes(tries: list[dict[str, Any]]) -> str:
    """Each try's status, or the error that stopped the token being made."""
    return ", ".join(
        str(t["status"]) if t["error"] is None else f"cannot ({t['error']})" for t in tries
    )


def _count(number: int, thing: str, things: str = "") -> str:
    return f"{number} {thing if number == 1 else things or thing + 's'}"


def _user_table_dump(subject: Subject) -> dict[str, Any]:
    """Every user's password hash, sent as that user's password."""
    with subject.app.app_context():
        rows = [(u.username, u.password_hash) for u in extensions.users(subject.app).all()]
    tries = [
        _try(
            subject,
            f"{username}'s hash as the password",
            _basic,
            username,
            password_hash,
        )
        for username, password_hash in rows
    ]
    return _leak_result(
        USER_TABLE,
        tries,
        f"{_count(len(tries), 'hash', 'hashes')} sent as passwords: {_refused(tries)}",
    )


def _dump(store: Store, prefix: str) -> Iterator[str]:
    """Every key under the prefix, its last segment, and every value it holds, as text."""
    for raw in store.scan_iter(match=prefix + "*"):
        key = raw.decode(errors="replace")
        yield key
        yield key.rsplit(":", 1)[-1]
        kind = store.type(raw)
        if kind == b"string":
            values = [cast(bytes, store.get(raw))]
        elif kind == b"set":
            values = list(cast(set[bytes], store.smembers(raw)))
        elif kind == b"hash":
            values = list(cast(dict[bytes, bytes], store.hgetall(raw)).values())
        elif kind == b"list":
            values = cast(list[bytes], store.lrange(raw, 0, -1))
        else:
            values = []
        yield from (value.decode(errors="replace") for value in values if value)


def _store_dump(subject: Subject, store: Store) -> dict[str, Any]:
    """Every key and value of the store under the app's prefix, sent as a token."""
    items = list(dict.fromkeys(_dump(store, subject.config["REDIS_KEY_PREFIX"])))
    tried = items[:MAX_DUMP_TRIES]
    tries = [_try(subject, "a key or value of the store", str, item) for item in tried]
    of = f" (of {len(items)})" if len(items) > len(tried) else ""
    return _leak_result(
        TOKEN_STORE,
        tries,
        f"{_count(len(tries), 'key or value', 'keys and values')}{of} sent as tokens: "
        + _refused(tries),
    )


def _key_files(subject: Subject) -> list[Path]:
    """The files of the instance folder but the user table's: the keys the server made."""
    folder = Path(subject.app.instance_path)
    database = make_url(subject.app.config["SQLALCHEMY_DATABASE_URI"]).database or ""
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and not (database and path.name.startswith(Path(database).name))
    )


def _never_logged_in(subject: Subject) -> Someone:
    """A user of the server's own who has never logged in, named as a token names one."""
    users = extensions.users(subject.app)
    with subject.app.app_context():
        if users.find(NEVER_LOGGED_IN) is None:
            users.add(NEVER_LOGGED_IN, PASSWORD)
        user = users.find(NEVER_LOGGED_IN)
        assert user is not None
        return Someone(user.id, user.username, user.token_generation)


def _attacker_mint(subject: Subject, files: list[Path], user: Someone) -> str:
    """A token for `user`, issued by an app of the attacker's own: the same code and public
    settings, copies of `files` in its instance folder, its own user table and store keys."""
    with tempfile.TemporaryDirectory(prefix="auth-sandbox-attacker-") as folder:
        for path in files:
            shutil.copy(path, folder)
        app = create_app(
            {
                **subject.config,
                "INSTANCE_PATH": folder,
                "DATABASE_URL": None,
                "PASSWORD_HASH_METHOD": ATTACKER_HASH,
                "REDIS_KEY_PREFIX": subject.config["REDIS_KEY_PREFIX"] + "attacker:",
            }
        )
        with app.app_context():
            token = extensions.strategy(app).issue(user, "").token
            db.engine.dispose()  # its SQLite file goes with the folder
        return token


def _leaked_key_files(subject: Subject) -> dict[str, Any]:
    """Each key file alone in an attacker's app: which makes a token that is accepted?

    Where each file alone made one, an app with none of them is tried too (the control):
    else the refused file was the control, an app without the file that signs.
    """
    files, user = _key_files(subject), _never_logged_in(subject)
    if not files:
        return _leak_result(SIGNING_KEY, [], "no key file in its instance folder")
    tries = [_try(subject, path.name, _attacker_mint, subject, [path], user) for path in files]
    signing = [t["how"] for t in tries if t["status"] == 200]
    controls = [f"{t['how']} alone: {_outcomes([t])}" for t in tries if t["status"] != 200]
    control_status = None
    if len(signing) == len(tries):
        control = _try(subject, "no key file", _attacker_mint, subject, [], user)
        control_status = control["status"]
        controls.append(f"no key file: {_outcomes([control])}")
    made = f"made with {' or '.join(signing)} alone: 200" if signing else "no key file made one"
    how = f"a token for a user who never logged in, {made} ({'; '.join(controls)})"
    result = _leak_result(SIGNING_KEY, tries, how)
    return result | {"signing_files": signing, "control_status": control_status}
