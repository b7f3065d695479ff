"""The attack and bad-input catalogue: one row per case, sent to each target it means
something to.

A target is a registered strategy, or one of its variants (jwt + refresh). Each row:
what is sent, the statuses allowed, where the case comes from, and what it needs of a
target (`Need`): refresh tokens, a logout that revokes, published keys, a token that is
a JWT or a PASETO, the Basic scheme. A case goes to the targets that have what it needs,
as each shows itself (its Profile: GET /strategy's facts, its JWK Set, its token's kind),
never by its name. A target that lacks one still gets the one case of it that needs
nothing (`Need.asked_by`): the answer there is the missing capability's (501 at
/token/refresh or /logout, 404 for the JWK Set, 401 for a token of a kind it does not
issue). A case's expectation may depend on the same facts, or on its token's header
(alg, kid). What is "signed with the app's own key" is signed as the target signs its own
tokens: under its alg and kid, with its HS256 secret or its private key (`live.sign`).
"""

import base64
import dataclasses
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from benchmarks.anatomy import SIGNED_JSON, decode_jwt, kind
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from sandbox.extensions import users
from strategies.jwt_keys import KEY_TYPES
from tests.security.keys import (
    P256_ORDER,
    PUBLIC_KEY_AS_SECRET,
    attacker_jwk,
    attacker_key,
    ecdsa_halves,
    es256_signature,
)
from tests.security.live import JWKS_PATH, PASETO_KIND, Live, Profile, Reply, claims, forge, sign
from tests.security.paseto_cases import CHANGES, PASETO, signed_by_us, token_of

REFUSED = frozenset({401})
# RFC references
RFC8725 = "RFC 8725 (JWT BCP)"
RFC7235 = "RFC 7235 §2.1"
RFC6750 = "RFC 6750 §2.1, §3"
RFC7617 = "RFC 7617 §2"
OWASP_JWT = "OWASP JWT Cheat Sheet"
ASVS_9 = "ASVS 5.0 V9 (self-contained tokens)"
ASVS_6 = "ASVS 5.0 V6 (authentication)"
ASVS_7 = "ASVS 5.0 V7 (session management)"
ASVS_1 = "ASVS 5.0 V1/V2 (input handling)"
RFC6749 = "RFC 6749 §6, §10.4 (refresh tokens)"
RFC9700 = "RFC 9700 §4.14 (refresh token protection: rotation, replay)"
ASVS_16 = "ASVS 5.0 V16 (error handling: fail closed)"
A_YEAR = 365 * 86_400


@dataclass(frozen=True)
class Need:
    """What a case needs of a target to mean anything to it, read from the target's Profile."""

    what: str
    met: Callable[[Profile], bool]
    # The case, needing nothing, that a target without it still gets: "group: name".
    asked_by: str


A_JWT = Need(
    "a token that is a JWT",
    lambda target: target.token_kind == SIGNED_JSON,
    "jwt: signed with the app's own key, unchanged (control)",
)
A_PASETO = Need(
    "a token that is a PASETO v4.public",
    lambda target: target.token_kind == PASETO_KIND,
    "paseto: signed with another Ed25519 key",
)
PUBLISHED_KEYS = Need(
    "public keys it publishes (a JWK Set)",
    lambda target: target.publishes_keys,
    "keys: the JWK Set",
)
REFRESH_TOKENS = Need(
    "refresh tokens",
    lambda target: target.facts["refresh_tokens"],
    "refresh: the login's refresh token, unchanged (control)",
)
REVOCATION = Need(
    "a logout that revokes the access token",
    lambda target: target.facts["revocable"],
    "logout: a new login's access token (control)",
)
BASIC = Need(
    "the Basic scheme",
    lambda target: target.facts["scheme"] == "Basic",
    "basic: the demo user's credentials (control)",
)
NEEDS = [A_JWT, A_PASETO, PUBLISHED_KEYS, REFRESH_TOKENS, REVOCATION, BASIC]


# The lists of cases below are tables, one row per case, laid out by hand: the formatter skips them.
@dataclass(frozen=True)
class Case:
    group: str
    name: str
    reference: str
    send: Callable[[Live], Reply]
    expect: Callable[[Live], frozenset[int]] = lambda _live: REFUSED
    needs: Need | None = None  # None: every target

    @property
    def id(self) -> str:
        return f"{self.group}: {self.name}"


def needing(need: Need, cases: Iterable[Case]) -> list[Case]:
    return [dataclasses.replace(case, needs=need) for case in cases]


def accepted_if_jwt(live: Live) -> frozenset[int]:
    """A token signed with the app's own key: valid to a JWT strategy, garbage to the others."""
    return frozenset({200}) if kind(live.issued["token"]) == SIGNED_JSON else REFUSED


def refused_where_keys_are_named(live: Live) -> frozenset[int]:
    """A token of the app's own key whose `kid` is not its key's: refused where keys are
    published, and so picked by `kid`; elsewhere `kid` names nothing, and the token is valid."""
    return REFUSED if live.jwks is not None else accepted_if_jwt(live)


def accepted_if_basic(live: Live) -> frozenset[int]:
    return frozenset({200}) if live.scheme == "Basic" else REFUSED


def bearer(token: str) -> Callable[[Live], Reply]:
    return lambda live: live.protected(f"Bearer {token}")


# The claims by which a JWT names its login, its user's token generation, who issued it
# and whom it is for: copied from a real token, so that a forgery differs by its one change.
LOGIN_CLAIMS = ("sid", "gen", "iss", "aud")


def login_claims(issued: dict) -> dict[str, Any]:
    """The login's own claims, read from its access token where that is a JWT; else none."""
    decoded = decode_jwt(issued["token"])
    payload = {} if decoded is None else decoded[1]
    return {name: payload[name] for name in LOGIN_CLAIMS if name in payload}


def forged_claims(live: Live, issued: dict | None = None, **changes) -> dict:
    """Claims for the user of a login (the live one's by default), naming that login."""
    issued = issued or live.issued
    return claims(issued["user_id"], **{**login_claims(issued), **changes})


def of_the_next_user(live: Live) -> dict:
    return forged_claims(live, sub=str(live.issued["user_id"] + 1))


def forged(header: dict, key: bytes | None) -> Callable[[Live], Reply]:
    """Send a JWT for the logged-in user with this header over the target's own (its `kid`
    kept, unless the header names one), signed with `key` (None: unsigned)."""
    return lambda live: live.protected(
        "Bearer " + forge({**live.header, **header}, forged_claims(live), key)
    )


def signed(live: Live, **changes) -> str:
    """A token for the logged-in user as the target signs its own, with these claims changed."""
    return sign(live, forged_claims(live, **changes))


# For each algorithm a target signs with, another of its family that takes the same key:
# a token of the app's key under it is refused all the same (the algorithm is pinned).
KIN = {"HS256": "HS512", "RS256": "RS512", "ES256": "ES384", "EdDSA": "Ed25519"}


def kin(live: Live) -> str:
    return KIN[live.header["alg"]]


def unsigned_header(live: Live) -> str:
    """The target's own header (its `kid` kept) under alg 'none'."""
    return b64url_json({**live.header, "alg": "none"})


def with_part(token: str, index: int, value: str) -> str:
    parts = token.split(".")
    parts[index] = value
    return ".".join(parts)


def b64(text: bytes) -> str:
    return base64.b64encode(text).decode()


def b64url_json(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


def jwt_cases() -> list[Case]:
    def own_key(live: Live) -> Reply:
        return live.protected(f"Bearer {signed(live)}")

    def none_keeping_the_signature(live: Live) -> Reply:
        return live.protected("Bearer " + with_part(signed(live), 0, unsigned_header(live)))

    control = "signed with the app's own key, unchanged (control)"
    cases = []
    for spelling in ("none", "None", "NONE", "nOnE"):
        unsigned = forged({"alg": spelling, "typ": "JWT"}, None)
        cases.append(
            Case("jwt", f"alg {spelling!r}, no signature", f"{RFC8725} §2.1, §3.1", unsigned)
        )
    keeping = "alg 'none' keeping a valid signature"
    cases.append(Case("jwt", keeping, f"{RFC8725} §3.1", none_keeping_the_signature))
    for alg in ("HS256", "HS512"):
        empty_key = forged({"alg": alg, "typ": "JWT"}, b"")
        cases.append(Case("jwt", f"{alg} with an empty key", f"{RFC8725} §3.5", empty_key))
    for secret in ("super-secret", "secret", "changeme", "your-256-bit-secret", "x" * 64):
        another_key = forged({"alg": "HS256", "typ": "JWT"}, secret.encode())
        name = f"signed with another key ({secret[:16]!r})"
        cases.append(Case("jwt", name, f"{RFC8725} §3.5; {OWASP_JWT}", another_key))
    cases += [
        Case("jwt", "payload changed under the old signature", f"{RFC8725} §3.1; {ASVS_9}",
             lambda live: live.protected("Bearer " + with_part(
                 signed(live), 1, b64url_json(of_the_next_user(live))))),
        Case("jwt", "header changed under the old signature (alg of its kin)", f"{RFC8725} §3.1",
             lambda live: live.protected("Bearer " + with_part(
                 signed(live), 0, b64url_json({**live.header, "alg": kin(live)})))),
        Case("jwt", "the app's key under an alg of its kin (HS512, RS512, ES384, Ed25519)",
             f"{RFC8725} §3.1",
             lambda live: live.protected("Bearer " + sign(live, forged_claims(live),
                                                          alg=kin(live)))),
        Case("jwt", "signature stripped", f"{RFC8725} §3.1",
             lambda live: live.protected("Bearer " + with_part(signed(live), 2, ""))),
        Case("jwt", "signature truncated", f"{RFC8725} §3.1",
             lambda live: live.protected("Bearer " + signed(live)[:-10])),
        Case("jwt", "signature flipped", f"{RFC8725} §3.1",
             lambda live: live.protected("Bearer " + flip(signed(live), len(signed(live)) - 20))),
        Case("jwt", "two segments", "RFC 7515 §7.1",
             lambda live: live.protected("Bearer " + signed(live).rsplit(".", 1)[0])),
        Case("jwt", "four segments", "RFC 7515 §7.1",
             lambda live: live.protected("Bearer " + signed(live) + ".AAAA")),
        Case("jwt", "kid naming a file (path traversal), empty key", f"{OWASP_JWT}",
             forged({"alg": "HS256", "kid": "../../../../../../dev/null"}, b"")),
        Case("jwt", "kid carrying SQL", f"{OWASP_JWT}",
             forged({"alg": "HS256", "kid": "x' UNION SELECT 'key'--"}, b"key")),
        Case("jwt", "jku pointing at a key set we would fetch", f"{RFC8725} §3.10",
             lambda live: live.protected("Bearer " + forge(
                 {**live.header, "alg": "HS256", "jku": live.spy_url + "/jwks.json"},
                 forged_claims(live), b"attacker"))),
        Case("jwt", "jwk embedding the attacker's key", f"{RFC8725} §3.10",
             forged({"alg": "HS256", "jwk": {"kty": "oct", "k": "YXR0YWNrZXI"}}, b"attacker")),
        Case("jwt", "x5u pointing at a certificate we would fetch", f"{RFC8725} §3.10",
             lambda live: live.protected("Bearer " + forge(
                 {**live.header, "alg": "HS256", "x5u": live.spy_url + "/cert.pem"},
                 forged_claims(live), b"attacker"))),
        Case("jwt", "expired", f"RFC 7519 §4.1.4; {ASVS_9}",
             lambda live: live.protected("Bearer " + signed(live, exp=1_000_000))),
        Case("jwt", "nbf in the future", "RFC 7519 §4.1.5",
             lambda live: live.protected("Bearer " + signed(live, nbf=4_000_000_000))),
        Case("jwt", "no exp", f"{RFC8725} §3.10; {ASVS_9}",
             lambda live: live.protected("Bearer " + signed(live, exp=None))),
        Case("jwt", "a refresh token where an access token is expected", f"{RFC8725} §3.11",
             lambda live: live.protected("Bearer " + signed(live, type="refresh"))),
        Case("jwt", "another type of token (id)", f"{RFC8725} §3.11",
             lambda live: live.protected("Bearer " + signed(live, type="id"))),
        Case("jwt", "validly signed, for a user who does not exist", ASVS_9,
             lambda live: live.protected("Bearer " + signed(live, sub="999999"))),
        Case("jwt", "validly signed, sub not a user id", ASVS_9,
             lambda live: live.protected("Bearer " + signed(live, sub="1 OR 1=1"))),
        Case("jwt", "aud a list holding ours (control)", "RFC 7519 §4.1.3",
             lambda live: live.protected("Bearer " + signed(live, aud=[
                 "another-api", *audiences(live)])),
             accepted_if_jwt),
        Case("jwt", "iss of another issuer", f"{RFC8725} §3.8; RFC 7519 §4.1.1",
             lambda live: live.protected("Bearer " + signed(live, iss="https://attacker.example"))),
        Case("jwt", "iss removed", f"{RFC8725} §3.8",
             lambda live: live.protected("Bearer " + signed(live, iss=None))),
        Case("jwt", "aud of another service", f"{RFC8725} §3.9; RFC 7519 §4.1.3",
             lambda live: live.protected("Bearer " + signed(live, aud="another-api"))),
        Case("jwt", "aud removed", f"{RFC8725} §3.9",
             lambda live: live.protected("Bearer " + signed(live, aud=None))),
        Case("jwt", "aud a list without ours", f"{RFC8725} §3.9; RFC 7519 §4.1.3",
             lambda live: live.protected("Bearer " + signed(live, aud=[
                 "another-api", "auth-sandbox"]))),
    ]  # fmt: skip
    # The control goes to every target: to one whose token is no JWT, it is garbage.
    return [Case("jwt", control, RFC8725, own_key, accepted_if_jwt), *needing(A_JWT, cases)]


def audiences(live: Live) -> list[str]:
    """The audience of the target's tokens, as a list (none where its token is no JWT)."""
    aud = login_claims(live.issued).get("aud", [])
    return [aud] if isinstance(aud, str) else list(aud)


def as_hmac_secret(secret: Callable[[Live], bytes]) -> Callable[[Live], Reply]:
    """HS256 under the target's own header (its `kid` kept), the secret made of its keys."""
    return lambda live: live.protected("Bearer " + forge(
        {**live.header, "alg": "HS256"}, forged_claims(live), secret(live)))  # fmt: skip


def under_kid(kid: Any) -> Callable[[Live], Reply]:
    """Signed as the app signs, under this `kid` (None: without one)."""
    return lambda live: live.protected("Bearer " + sign(live, forged_claims(live), kid=kid))


def by_the_attacker(header: Callable[[Live], dict]) -> Callable[[Live], Reply]:
    """The target's own header with these members (None: removed), signed with the
    attacker's key."""

    def send(live: Live) -> Reply:
        members = {**live.header, **header(live)}
        members = {name: value for name, value in members.items() if value is not None}
        return live.protected("Bearer " + forge(members, forged_claims(live), attacker_key(live)))

    return send


def ecdsa(r: int | None, s: int | None) -> Callable[[Live], Reply]:
    """The app's own token with r or s (None: kept) replaced in its ES256 signature."""

    def send(live: Live) -> Reply:
        token = signed(live)
        real_r, real_s = ecdsa_halves(live, token)
        signature = es256_signature(real_r if r is None else r, real_s if s is None else s)
        return live.protected("Bearer " + with_part(token, 2, signature))

    return send


UNKNOWN_KID = "Wq3qMwZmUUOjyoVHKwJVLc8a3mYqd4a2wiHlNX2shIo"  # a thumbprint's shape, no key's


def published_keys(live: Live) -> frozenset[int]:
    """200 where the target signs with a private key (its token's alg says so), else 404."""
    return frozenset({200 if live.header.get("alg") in KEY_TYPES else 404})


def key_cases() -> list[Case]:
    """Against a target that signs with a private key and publishes the public one, whose
    tokens name it by `kid`; the `kid` cases against every JWT, as every JWT may carry one.
    To every target, its JWK Set: 404 where it publishes none."""
    the_jwks = Case("keys", "the JWK Set", "RFC 7517 §5; RFC 8725 §3.1",
                    lambda live: live.send("GET", JWKS_PATH), published_keys)  # fmt: skip
    public_key_as_secret = [
        Case("keys", f"HS256 with the published public key {encoding}, under the right kid",
             f"{RFC8725} §2.1, §3.1", as_hmac_secret(secret))
        for encoding, secret in PUBLIC_KEY_AS_SECRET.items()
    ]  # fmt: skip
    kids = [
        Case("keys", "an unknown kid, signed with the app's key", "RFC 7515 §4.1.4",
             under_kid(UNKNOWN_KID), refused_where_keys_are_named),
        Case("keys", "no kid, signed with the app's key", "RFC 7515 §4.1.4",
             under_kid(None), refused_where_keys_are_named),
        Case("keys", "kid a path traversal ('../../../dev/null'), signed with the app's key",
             OWASP_JWT,
             under_kid("../../../dev/null"), refused_where_keys_are_named),
        Case("keys", "kid carrying SQL (\"' OR '1'='1\"), signed with the app's key", OWASP_JWT,
             under_kid("' OR '1'='1"), refused_where_keys_are_named),
        Case("keys", "kid empty, signed with the app's key", "RFC 7515 §4.1.4",
             under_kid(""), refused_where_keys_are_named),
        # RFC 7515 §4.1.4: a kid is a string; any other is a malformed header, to every JWT.
        Case("keys", "kid a number, signed with the app's key", "RFC 7515 §4.1.4",
             under_kid(42)),
        Case("keys", "kid an object, signed with the app's key", "RFC 7515 §4.1.4",
             under_kid({"$ne": ""})),
        Case("keys", "kid a list, signed with the app's key", "RFC 7515 §4.1.4",
             under_kid(["kid"])),
    ]  # fmt: skip
    n = P256_ORDER
    attacks = [
        Case("keys", "signed by another key of its type, under the right kid", f"{RFC8725} §3.1",
             by_the_attacker(lambda _live: {})),
        Case("keys", "jwk embedding the attacker's key, under the right kid", f"{RFC8725} §3.10",
             by_the_attacker(lambda live: {"jwk": attacker_jwk(live)})),
        Case("keys", "jwk embedding the attacker's key, under its own kid", f"{RFC8725} §3.10",
             by_the_attacker(lambda live: {"jwk": attacker_jwk(live),
                                           "kid": attacker_jwk(live)["kid"]})),
        Case("keys", "jku pointing at a key set we would fetch, under the right kid",
             f"{RFC8725} §3.10",
             by_the_attacker(lambda live: {"jku": live.spy_url + "/jwks.json"})),
        Case("keys", "jku pointing at a key set we would fetch, no kid", f"{RFC8725} §3.10",
             by_the_attacker(lambda live: {"jku": live.spy_url + "/jwks.json", "kid": None})),
        Case("keys", "x5u pointing at a certificate we would fetch, under the right kid",
             f"{RFC8725} §3.10",
             by_the_attacker(lambda live: {"x5u": live.spy_url + "/cert.pem"})),
        # CVE-2022-21449: a verifier that skips the range check takes r = s = 0 for any key.
        Case("keys", "ES256 with r = 0", "FIPS 186-5 §6.4.2; CVE-2022-21449", ecdsa(0, None)),
        Case("keys", "ES256 with s = 0", "FIPS 186-5 §6.4.2; CVE-2022-21449", ecdsa(None, 0)),
        Case("keys", "ES256 with r = s = 0", "FIPS 186-5 §6.4.2; CVE-2022-21449", ecdsa(0, 0)),
        Case("keys", "ES256 with r = n", "FIPS 186-5 §6.4.2", ecdsa(n, None)),
        Case("keys", "ES256 with s = n", "FIPS 186-5 §6.4.2", ecdsa(None, n)),
        Case("keys", "ES256 with r = s = n", "FIPS 186-5 §6.4.2", ecdsa(n, n)),
    ]  # fmt: skip
    return [
        the_jwks,
        *needing(PUBLISHED_KEYS, public_key_as_secret),
        *needing(A_JWT, kids),
        *needing(PUBLISHED_KEYS, attacks),
    ]


def own(live: Live) -> str:
    return own_of(live.issued)


def own_of(issued: dict) -> str:
    """The Authorization value of a login: its access token under its scheme."""
    return f"{issued['token_type']} {issued['token']}"


def scheme_cases() -> list[Case]:
    basic_credentials = b64(f"{DEMO_USERNAME}:{DEMO_PASSWORD}".encode())
    return [
        Case("scheme", "our own credentials (control)", RFC6750,
             lambda live: live.protected(own(live)), lambda _live: frozenset({200})),
        Case("scheme", "the scheme in lower case (control: case-insensitive)", RFC7235,
             lambda live: live.protected(own(live).lower().split(" ")[0] + " "
                                         + live.issued["token"]),
             lambda _live: frozenset({200})),
        Case("scheme", "header missing", f"{RFC6750} §3.1", lambda live: live.protected(None)),
        Case("scheme", "scheme only, Bearer", RFC7235, lambda live: live.protected("Bearer")),
        Case("scheme", "scheme only, Basic", RFC7235, lambda live: live.protected("Basic")),
        Case("scheme", "unknown scheme (Digest)", RFC7235,
             lambda live: live.protected('Digest username="alesanchezr"')),
        Case("scheme", "our token under the Token scheme", RFC7235,
             lambda live: live.protected(f"Token {live.issued['token']}")),
        Case("scheme", "our token under the other scheme", RFC7235,
             lambda live: live.protected(
                 f"{'Bearer' if live.scheme == 'Basic' else 'Basic'} {live.issued['token']}")),
        Case("scheme", "Basic credentials under Bearer", f"{RFC6750}; {RFC7617}",
             bearer(basic_credentials)),
        Case("scheme", "Basic credentials under Token", RFC7235,
             lambda live: live.protected(f"Token {basic_credentials}")),
        Case("scheme", "two credentials in one header, space", RFC7235,
             lambda live: live.protected(f"{own(live)} {live.issued['token']}")),
        Case("scheme", "two credentials in one header, comma", RFC7235,
             lambda live: live.protected(f"{own(live)}, {own(live)}")),
        Case("scheme", "two Authorization headers, both ours", RFC7235,
             lambda live: live.send("GET", "/protected",
                                    [("Authorization", own(live)), ("Authorization", own(live))])),
        Case("scheme", "two Authorization headers, ours then garbage", RFC7235,
             lambda live: live.send("GET", "/protected",
                                    [("Authorization", own(live)), ("Authorization", "Bearer x")])),
        Case("scheme", "the token in the query string (access_token)", f"{RFC6750} §2.3; {ASVS_7}",
             lambda live: live.protected(None, f"/protected?access_token={live.issued['token']}")),
        Case("scheme", "the token in the query string (jwt)", ASVS_7,
             lambda live: live.protected(None, f"/protected?jwt={live.issued['token']}")),
        Case("scheme", "non-UTF-8 bytes", ASVS_1,
             lambda live: live.protected(own(live).encode()[:-2] + b"\xff\xfe")),
        Case("scheme", "latin-1 bytes in the scheme", ASVS_1,
             lambda live: live.protected(b"B\xe9arer " + live.issued["token"].encode())),
        Case("scheme", "a NUL byte", ASVS_1,
             lambda live: live.protected(own(live).encode() + b"\x00")),
        Case("scheme", "control bytes", ASVS_1,
             lambda live: live.protected(own(live).encode()[:-1] + b"\x01\x7f")),
        Case("scheme", "a 32 KiB header", ASVS_1,
             lambda live: live.protected(f"{live.scheme} " + "A" * 32 * 1024),
             lambda _live: frozenset({401, 431})),
    ]  # fmt: skip


def basic_cases() -> list[Case]:
    def basic(payload: bytes) -> Callable[[Live], Reply]:
        return lambda live: live.protected("Basic " + b64(payload))

    # The control to every target: a Bearer target refuses the demo user's password.
    return [
        Case("basic", "the demo user's credentials (control)", RFC7617,
             basic(f"{DEMO_USERNAME}:{DEMO_PASSWORD}".encode()), accepted_if_basic),
        *needing(BASIC, [
        Case("basic", "no colon", RFC7617, basic(b"alesanchezr12341234")),
        Case("basic", "bad base64", RFC7617, lambda live: live.protected("Basic !!!!")),
        Case("basic", "bad base64 padding", RFC7617, lambda live: live.protected("Basic YWxl===")),
        Case("basic", "base64 with characters outside the alphabet", RFC7617,
             lambda live: live.protected("Basic YWxl*c2FuY2hlenI6MTIzNDEyMzQ=")),
        Case("basic", "empty user", RFC7617, basic(b":12341234")),
        Case("basic", "empty password", RFC7617, basic(b"alesanchezr:")),
        Case("basic", "a user id containing a colon", RFC7617,
             basic(b"alesanchezr:x:12341234")),
        Case("basic", "non-UTF-8 credentials", f"{RFC7617} §2.1", basic(b"\xff\xfe:12341234")),
        Case("basic", "latin-1 credentials", f"{RFC7617} §2.1",
             basic("alesanchezr:1234123\u00e9".encode("latin-1"))),
        Case("basic", "control characters", f"{RFC7617} §2",
             basic(b"alesanchezr\x00:12341234")),
        Case("basic", "a wrong password", ASVS_6, basic(b"alesanchezr:wrong")),
        Case("basic", "an unknown user", ASVS_6, basic(b"nobody:12341234")),
        ]),
    ]  # fmt: skip


def token_body(body: bytes, content_type: str = "application/json") -> Callable[[Live], Reply]:
    return lambda live: live.send("POST", "/token", [("Content-Type", content_type)], body)


BAD_BODY = frozenset({400})


def login_cases() -> list[Case]:
    def body(data: object) -> bytes:
        return json.dumps(data).encode()

    return [
        Case("login", "malformed JSON", ASVS_1, token_body(b'{"username": '), lambda _l: BAD_BODY),
        Case("login", "JSON that is not an object", ASVS_1, token_body(b'["a", "b"]'),
             lambda _l: BAD_BODY),
        Case("login", "wrong types", ASVS_1, token_body(body({"username": 1, "password": True})),
             lambda _l: BAD_BODY),
        Case("login", "operator object {'$ne': ''}", ASVS_1,
             token_body(body({"username": {"$ne": ""}, "password": {"$ne": ""}})),
             lambda _l: BAD_BODY),
        Case("login", "operator object {'$gt': ''}", ASVS_1,
             token_body(body({"username": DEMO_USERNAME, "password": {"$gt": ""}})),
             lambda _l: BAD_BODY),
        Case("login", "deeply nested JSON", ASVS_1, token_body(b"[" * 8000 + b"]" * 8000),
             lambda _l: BAD_BODY),
        Case("login", "a body over the limit", ASVS_1,
             token_body(body({"username": "a", "password": "b" * 20000})),
             lambda _l: frozenset({413})),
        Case("login", "a form instead of JSON", ASVS_1,
             token_body(b"username=alesanchezr&password=12341234",
                        "application/x-www-form-urlencoded"),
             lambda _l: frozenset({415})),
        Case("login", "a NUL byte in the username", ASVS_1,
             token_body(body({"username": "alesanchezr\u0000", "password": DEMO_PASSWORD})),
             lambda _l: BAD_BODY),
        Case("login", "non-UTF-8 bytes", ASVS_1, token_body(b'{"username": "\xff"}'),
             lambda _l: BAD_BODY),
        Case("login", "a wrong password", ASVS_6,
             token_body(body({"username": DEMO_USERNAME, "password": "wrong"}))),
        Case("login", "an unknown user", ASVS_6,
             token_body(body({"username": "nobody", "password": DEMO_PASSWORD}))),
    ]  # fmt: skip


def paseto_signed_by_us(live: Live) -> Reply:
    return live.protected("Bearer " + signed_by_us(live))


def paseto_change(change: Callable[[str], str]) -> Callable[[Live], Reply]:
    return lambda live: live.protected("Bearer " + change(token_of(live)))


def paseto_cases() -> list[Case]:
    another_key = Case("paseto", "signed with another Ed25519 key", PASETO, paseto_signed_by_us)
    changed = [
        Case("paseto", name, PASETO, paseto_change(change)) for name, change in CHANGES.items()
    ]
    # Signed with a key of ours, to every target: to one whose token is no PASETO, garbage.
    return [another_key, *needing(A_PASETO, changed)]


def renewed_or_off(live: Live) -> frozenset[int]:
    """Renewed where the target issues refresh tokens; elsewhere the route is off (501)."""
    return frozenset({200 if live.facts["refresh_tokens"] else 501})


def renewed(_live: Live) -> frozenset[int]:
    return frozenset({200})


def refused_if_reuse_revokes_it(live: Live) -> frozenset[int]:
    """An access token outlives its login's revocation unless a denylist is checked."""
    return REFUSED if live.facts["revocable"] else frozenset({200})


def refresh_token_of(live: Live, issued: dict) -> str:
    """The login's refresh token; where the target issues none, one made in its image."""
    if "refresh_token" in issued:
        return issued["refresh_token"]
    payload = forged_claims(live, issued, type="refresh", rot=0, jti=None, fresh=None)
    return sign(live, payload)


def new_refresh_token(live: Live) -> str:
    return refresh_token_of(live, live.login())


def payload_of(token: str) -> dict:
    decoded = decode_jwt(token)
    assert decoded is not None, token
    return decoded[1]


# A change to a new login's refresh token, made with what the change needs of the target.
Change = Callable[[Live, str], str]


def refreshed(change: Change) -> Callable[[Live], Reply]:
    """Send a new login's refresh token, changed, to /token/refresh."""
    return lambda live: live.refresh(change(live, new_refresh_token(live)))


def apply(payload: dict, changes: dict) -> dict:
    """The payload with these changes: a value, a function of the old value, or None (removed)."""
    merged = {
        **payload,
        **{
            name: change(payload[name]) if callable(change) else change
            for name, change in changes.items()
        },
    }
    return {name: value for name, value in merged.items() if value is not None}


def plus(amount: int) -> Callable[[int], int]:
    return lambda value: value + amount


def the_next_user(sub: str) -> str:
    return str(int(sub) + 1)


def under_old_signature(**changes) -> Change:
    return lambda _live, token: with_part(token, 1, b64url_json(apply(payload_of(token), changes)))


def signed_with(key: bytes | None, alg: str = "HS256", **changes) -> Change:
    """The payload, changed, signed anew with `key` (None: unsigned) under the token's header
    (its `kid` kept) with this alg."""
    return lambda live, token: forge(
        {**live.header, "alg": alg}, apply(payload_of(token), changes), key
    )


def with_app_key(**changes) -> Change:
    """The payload, changed, signed anew as the app signs: what only an insider makes."""
    return lambda live, token: sign(live, apply(payload_of(token), changes))


def with_app_key_under_its_kin(live: Live, token: str) -> str:
    return sign(live, payload_of(token), alg=kin(live))


def another_logins_sid(live: Live, token: str) -> str:
    sid = payload_of(new_refresh_token(live)).get("sid")
    return with_part(token, 1, b64url_json(apply(payload_of(token), {"sid": sid})))


def with_signature_of_another_login(live: Live, token: str) -> str:
    return with_part(token, 2, new_refresh_token(live).split(".")[2])


def after_logout(live: Live) -> Reply:
    issued = live.login()
    live.logout(issued)
    return live.refresh(refresh_token_of(live, issued))


def after_password_change(live: Live) -> Reply:
    """A user of the case's own, so that the demo user's logins stay valid for the others."""
    username = f"catalogue-{secrets.token_hex(6)}"
    with live.app.app_context():
        users().ensure(username, DEMO_PASSWORD)
    issued = live.login(username)
    with live.app.app_context():
        users().set_password(username, "another password, long enough")
    return live.refresh(refresh_token_of(live, issued))


def spent_sent_again(live: Live) -> Reply:
    token = new_refresh_token(live)
    live.refresh(token)
    return live.refresh(token)


def reused(live: Live) -> tuple[dict, str]:
    """A login whose first refresh token was rotated, then sent again: its newest pair."""
    issued = live.login()
    token = refresh_token_of(live, issued)
    rotated = live.refresh(token)
    live.refresh(token)
    newest = rotated.json() if rotated.status == 200 else issued
    return newest, refresh_token_of(live, newest)


def refresh_cases() -> list[Case]:
    """Against a target that issues refresh tokens. To every target, a login's refresh token
    (where it issues none, one made in the image of a real one): 501 where the route is off."""
    control = Case("refresh", "the login's refresh token, unchanged (control)", RFC6749,
                   refreshed(lambda _live, token: token), renewed_or_off)  # fmt: skip
    return [control, *needing(REFRESH_TOKENS, [
        Case("refresh", "re-signed with the app's own key, unchanged (control)", RFC8725,
             refreshed(with_app_key()), renewed),
        Case("refresh", "a refresh token at /protected", f"{RFC8725} §3.11",
             lambda live: live.protected("Bearer " + new_refresh_token(live))),
        Case("refresh", "a refresh token at /logout", f"{RFC8725} §3.11",
             lambda live: live.send("POST", "/logout",
                                    [("Authorization", "Bearer " + new_refresh_token(live))])),
        Case("refresh", "an access token at /token/refresh", f"{RFC8725} §3.11",
             lambda live: live.refresh(live.login()["token"])),
        Case("refresh", "after logout", f"{RFC6749}; {ASVS_7}", after_logout),
        Case("refresh", "after a password change", f"{ASVS_7}; {RFC6749}",
             after_password_change),
        Case("refresh", "a spent refresh token sent again (reuse)", RFC9700, spent_sent_again),
        Case("refresh", "the rotated refresh token, after its predecessor's reuse", RFC9700,
             lambda live: live.refresh(reused(live)[1])),
        Case("refresh", "the rotated access token, after its refresh token's reuse", RFC9700,
             lambda live: live.protected(own_of(reused(live)[0])),
             refused_if_reuse_revokes_it),
        Case("refresh", "rot moved ahead under the old signature", RFC8725,
             refreshed(under_old_signature(rot=plus(1)))),
        Case("refresh", "sid of another login under the old signature", RFC8725,
             refreshed(another_logins_sid)),
        Case("refresh", "sub of another user under the old signature", RFC8725,
             refreshed(under_old_signature(sub=the_next_user))),
        Case("refresh", "exp a year later under the old signature", RFC8725,
             refreshed(under_old_signature(exp=plus(A_YEAR)))),
        Case("refresh", "type changed to access under the old signature", f"{RFC8725} §3.11",
             refreshed(under_old_signature(type="access"))),
        Case("refresh", "the signature of another login's refresh token", RFC8725,
             refreshed(with_signature_of_another_login)),
        Case("refresh", "signature stripped", f"{RFC8725} §3.1",
             refreshed(lambda _live, token: with_part(token, 2, ""))),
        Case("refresh", "signature flipped", f"{RFC8725} §3.1",
             refreshed(lambda _live, token: flip(token, len(token) - 20))),
        Case("refresh", "alg 'none', no signature", f"{RFC8725} §2.1, §3.1",
             refreshed(signed_with(None, "none"))),
        Case("refresh", "alg 'none' keeping a valid signature", f"{RFC8725} §3.1",
             refreshed(lambda live, token: with_part(token, 0, unsigned_header(live)))),
        Case("refresh", "signed with another key", f"{RFC8725} §3.5",
             refreshed(signed_with(b"your-256-bit-secret"))),
        Case("refresh", "HS256 with an empty key", f"{RFC8725} §3.5",
             refreshed(signed_with(b""))),
        Case("refresh", "the app's key under an alg of its kin (HS512 for HS256)",
             f"{RFC8725} §3.1",
             refreshed(with_app_key_under_its_kin)),
        Case("refresh", "expired, signed with the app's key", f"RFC 7519 §4.1.4; {ASVS_9}",
             refreshed(with_app_key(exp=1_000_000))),
        Case("refresh", "no exp, signed with the app's key", f"{RFC8725} §3.10",
             refreshed(with_app_key(exp=None))),
        Case("refresh", "nbf in the future, signed with the app's key", "RFC 7519 §4.1.5",
             refreshed(with_app_key(nbf=4_000_000_000))),
        Case("refresh", "no type, signed with the app's key", f"{RFC8725} §3.11",
             refreshed(with_app_key(type=None))),
        Case("refresh", "no rot, signed with the app's key", RFC6749,
             refreshed(with_app_key(rot=None))),
        Case("refresh", "rot a string, signed with the app's key", ASVS_1,
             refreshed(with_app_key(rot="0"))),
        Case("refresh", "rot true, signed with the app's key", ASVS_1,
             refreshed(with_app_key(rot=True))),
        Case("refresh", "rot a float, signed with the app's key", ASVS_1,
             refreshed(with_app_key(rot=0.0))),
        Case("refresh", "rot past 64 bits, signed with the app's key", ASVS_1,
             refreshed(with_app_key(rot=2**70))),
        Case("refresh", "rot ahead, signed with the app's key", RFC9700,
             refreshed(with_app_key(rot=plus(1)))),
        Case("refresh", "no sid, signed with the app's key", RFC6749,
             refreshed(with_app_key(sid=None))),
        Case("refresh", "an unknown sid, signed with the app's key", RFC6749,
             refreshed(with_app_key(sid="not-a-login-of-this-app"))),
        Case("refresh", "sid an object, signed with the app's key", ASVS_1,
             refreshed(with_app_key(sid={"$ne": ""}))),
        Case("refresh", "sid naming a key pattern, signed with the app's key", ASVS_1,
             refreshed(with_app_key(sid="*"))),
        Case("refresh", "a user who does not exist, signed with the app's key", ASVS_9,
             refreshed(with_app_key(sub="999999"))),
        Case("refresh", "an older token generation, signed with the app's key", ASVS_7,
             refreshed(with_app_key(gen=-1))),
    ])]  # fmt: skip


def logged_out(live: Live) -> dict:
    """A new login of the demo user, logged out."""
    issued = live.login()
    live.logout(issued)
    return issued


def logout_answer(live: Live) -> frozenset[int]:
    """204: the whole login revoked; 200: part of it (its refresh tokens); 501: nothing."""
    if live.facts["revocable"]:
        return frozenset({204})
    return frozenset({200 if live.facts["refresh_tokens"] else 501})


def logout_cases() -> list[Case]:
    """The control to every target (where a logout revokes nothing: 501, or 200 for the
    refresh tokens alone); the access token after logout where a logout revokes it."""
    return [
        Case("logout", "a new login's access token (control)", ASVS_7,
             lambda live: live.logout(live.login()), logout_answer),
        *needing(REVOCATION, [
            Case("logout", "the access token, after logout", ASVS_7,
                 lambda live: live.protected(own_of(logged_out(live)))),
        ]),
    ]  # fmt: skip


def outage_cases() -> list[Case]:
    """Sent while the target's Redis is down, with tokens issued while it was up."""
    return [
        Case("outage", "the login's refresh token at /token/refresh", ASVS_16,
             lambda live: live.refresh(refresh_token_of(live, live.issued)),
             lambda live: frozenset({503 if live.facts["refresh_tokens"] else 501})),
        Case("outage", "the login's access token at /protected", ASVS_16,
             lambda live: live.protected(own(live)),
             # A revocable token is checked against the store on every request.
             lambda live: frozenset({503 if live.facts["revocable"] else 200})),
        Case("outage", "the login's access token at /logout", ASVS_16,
             lambda live: live.logout(live.issued),
             lambda live: frozenset(
                 {503 if live.facts["revocable"] or live.facts["refresh_tokens"] else 501})),
    ]  # fmt: skip


CATALOGUE: list[Case] = (
    jwt_cases()
    + key_cases()
    + refresh_cases()
    + logout_cases()
    + paseto_cases()
    + scheme_cases()
    + basic_cases()
    + login_cases()
)
# Run on a live app whose Redis is stopped (tests/security/conftest.py: live_without_redis).
OUTAGE: list[Case] = outage_cases()


def cases_for(target: Profile) -> list[Case]:
    """The cases that mean something to a target, as it shows itself: those it has what they
    need for, and those that need nothing."""
    return [case for case in CATALOGUE if case.needs is None or case.needs.met(target)]
