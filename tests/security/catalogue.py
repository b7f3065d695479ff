"""The attack and bad-input catalogue: one row per case, run against every strategy.

Each row: what is sent, the statuses allowed, and where the case comes from. A
case's expectation may depend on the strategy's declared facts (its scheme) or on
what its token was measured to be (a JWT or not), never on its name. Forged JWTs
are sent to every strategy: to the others they are garbage, and garbage is refused.
"""

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass

from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from strategies.anatomy import SIGNED_JSON, kind
from tests.security.live import Live, Reply, claims, forge
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


# The lists of cases below are tables, one row per case, laid out by hand: the formatter skips them.
@dataclass(frozen=True)
class Case:
    group: str
    name: str
    reference: str
    send: Callable[[Live], Reply]
    expect: Callable[[Live], frozenset[int]] = lambda _live: REFUSED


def accepted_if_jwt(live: Live) -> frozenset[int]:
    """A token signed with the app's own key: valid to a JWT strategy, garbage to the others."""
    return frozenset({200}) if kind(live.issued["token"]) == SIGNED_JSON else REFUSED


def accepted_if_basic(live: Live) -> frozenset[int]:
    return frozenset({200}) if live.scheme == "Basic" else REFUSED


def bearer(token: str) -> Callable[[Live], Reply]:
    return lambda live: live.protected(f"Bearer {token}")


def forged(header: dict, key: bytes | None) -> Callable[[Live], Reply]:
    """Send a JWT for the logged-in user with this header, signed with `key` (None: unsigned)."""
    return lambda live: live.protected(
        "Bearer " + forge(header, claims(live.issued["user_id"]), key)
    )


def signed(live: Live, **changes) -> str:
    payload = claims(live.issued["user_id"], **changes)
    return forge({"alg": "HS256", "typ": "JWT"}, payload, live.key.encode())


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
    unsigned_header = b64url_json({"alg": "none", "typ": "JWT"})

    def own_key(live: Live) -> Reply:
        return live.protected(f"Bearer {signed(live)}")

    def none_keeping_the_signature(live: Live) -> Reply:
        return live.protected("Bearer " + with_part(signed(live), 0, unsigned_header))

    control = "signed with the app's own key, unchanged (control)"
    cases = [Case("jwt", control, RFC8725, own_key, accepted_if_jwt)]
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
                 signed(live), 1, b64url_json(claims(live.issued["user_id"] + 1))))),
        Case("jwt", "header changed under the old signature", f"{RFC8725} §3.1",
             lambda live: live.protected("Bearer " + with_part(
                 signed(live), 0, b64url_json({"alg": "HS512", "typ": "JWT"})))),
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
                 {"alg": "HS256", "jku": live.spy_url + "/jwks.json"},
                 claims(live.issued["user_id"]), b"attacker"))),
        Case("jwt", "jwk embedding the attacker's key", f"{RFC8725} §3.10",
             forged({"alg": "HS256", "jwk": {"kty": "oct", "k": "YXR0YWNrZXI"}}, b"attacker")),
        Case("jwt", "x5u pointing at a certificate we would fetch", f"{RFC8725} §3.10",
             lambda live: live.protected("Bearer " + forge(
                 {"alg": "HS256", "x5u": live.spy_url + "/cert.pem"},
                 claims(live.issued["user_id"]), b"attacker"))),
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
    ]  # fmt: skip
    return cases


def own(live: Live) -> str:
    return f"{live.issued['token_type']} {live.issued['token']}"


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

    return [
        Case("basic", "the demo user's credentials (control)", RFC7617,
             basic(f"{DEMO_USERNAME}:{DEMO_PASSWORD}".encode()), accepted_if_basic),
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
    return [another_key, *changed]


CATALOGUE: list[Case] = (
    jwt_cases() + paseto_cases() + scheme_cases() + basic_cases() + login_cases()
)
