"""The lesson's claims, C1 to C11 (in our own words), each weighed against the measurements."""

from typing import Any

from benchmarks.anatomy import ENCODED_CREDENTIALS, HEX_DIGEST, OPAQUE, SIGNED_JSON
from benchmarks.compare.claims.weighing import (
    CAVEAT,
    HOLDS,
    WRONG,
    Claim,
    Results,
    all_round_trips,
    each_of_kind,
    of_kind,
    store_cost,
)


def c1(results: Results) -> Claim | None:
    if len(results) < 2:
        return None
    kinds = "; ".join(
        f"{name}: {r['token']['kind']} ({r['token']['alphabet']}, "
        f"{'new' if r['token']['new_each_login'] else 'the same'} at each login)"
        for name, r in results.items()
    )
    hashes = [r for r in results.values() if r["token"]["kind"] == HEX_DIGEST]
    verdict = HOLDS if len(hashes) == len(results) else WRONG
    return Claim(
        "C1",
        "Basic, Bearer and JWT all produce the same kind of thing: a hash, a long alphanumeric "
        "string.",
        f"{kinds}. A hash cannot be decoded; these are an encoding, random bytes and signed "
        f"JSON — {len(hashes)} of {len(results)} is a hash.",
        verdict,
    )


def c2(results: Results) -> Claim | None:
    basic, opaque = of_kind(results, ENCODED_CREDENTIALS), of_kind(results, OPAQUE)
    if not basic or not opaque:
        return None
    basic_hex40 = all(
        r["token"]["bytes"] == 40 and r["token"]["alphabet"] == "hex" for r in basic.values()
    )
    opaque_base64 = all(r["token"]["alphabet"].startswith("base64") for r in opaque.values())
    evidence = "; ".join(
        f"{name}: {r['token']['bytes']} characters of {r['token']['alphabet']}"
        + (f" ({r['token']['example']}), decoding to the credentials" if name in basic else "")
        for name, r in (basic | opaque).items()
    )
    return Claim(
        "C2",
        "A Basic token looks like a 40-character hex string; a Bearer token looks like base64.",
        evidence
        + (
            ". The Basic half is wrong; the Bearer half holds."
            if opaque_base64 and not basic_hex40
            else "."
        ),
        HOLDS if basic_hex40 and opaque_base64 else WRONG,
    )


def c3(results: Results) -> Claim | None:
    signed = of_kind(results, SIGNED_JSON)
    others = {n: r for n, r in results.items() if n not in signed}
    if not signed or not others:
        return None
    smallest_jwt = min(r["token"]["bytes"] for r in signed.values())
    largest_other = max(r["token"]["bytes"] for r in others.values())
    sizes = ", ".join(f"{n} {r['token']['bytes']} B" for n, r in results.items())
    return Claim(
        "C3",
        "JWTs are bigger than the other two.",
        f"Token sizes: {sizes}; the JWT is {smallest_jwt / largest_other:.1f}× the largest "
        "other, and it travels on every request.",
        HOLDS if smallest_jwt > largest_other else WRONG,
    )


def c4(results: Results) -> Claim | None:
    def weigh(name: str, r: dict[str, Any]) -> tuple[str, str]:
        expiry = r["expiry"]["with_ttl_1s_refused_after_s"]
        evidence = (
            f"A leaked {name} token decodes to '{r['leak']['decoded']}': there is nothing to "
            "break, it is the password, sent on every request; "
            f"{'the same' if not r['token']['new_each_login'] else 'a new'} token at each login, "
            f"{'never expiring' if expiry is None else f'expiring after {expiry} s'}, "
            f"logout answers {r['logout']['status']}. {r['tamper']['accepted_same_meaning']} of "
            f"{r['tamper']['tried']} one-character changes still decoded to the same "
            "credentials and were accepted: Basic has no integrity check of its own. Guessing "
            "is slow only because each guess pays a password hash: a refused credential cost "
            f"{r['cost']['refused_ratio']}× the /public baseline (the right one "
            f"{r['cost']['request_ratio']}×); safe only behind TLS."
        )
        return evidence, CAVEAT if r["leak"]["reveals"] == "password" else WRONG

    claim = "Basic authentication is too simple and easy to break."
    return each_of_kind(results, ENCODED_CREDENTIALS, "C4", claim, weigh)


def c5(results: Results) -> Claim | None:
    def weigh(name: str, r: dict[str, Any]) -> tuple[str, str]:
        evidence = (
            f"{name} keeps {r['store']['keys_per_token']:g} key and "
            f"{r['store']['bytes_per_token']} B per token ({r['store']['method']}) and makes "
            f"{all_round_trips(r, 'request', 'request')}; with the store down "
            f"/protected answers {r['store_down']['protected_status']}. In exchange logout "
            f"{'revokes the token at once' if r['logout']['revoked'] else 'does not revoke'}."
        )
        return evidence, CAVEAT if r["store"]["keys_per_token"] > 0 else WRONG

    claim = "Opaque Bearer tokens are harder to maintain, because every token must be stored."
    return each_of_kind(results, OPAQUE, "C5", claim, weigh)


def c6(results: Results) -> Claim | None:
    def weigh(name: str, r: dict[str, Any]) -> tuple[str, str]:
        cost = store_cost(r)
        if not cost:
            request = r["round_trips"]["request"]
            evidence = (
                f"Verifying a {name} token took {request['redis']} Redis round trips "
                "and the server keeps nothing per login, but the protected route still made "
                f"{request['user_table']} user-table query to load the user, and "
                f"logout answers {r['logout']['status']}: revoking needs server state again."
            )
            if r["round_trips"]["login"]["redis"]:
                evidence += f" POST /token still made {all_round_trips(r, 'login', None)}."
            return evidence, CAVEAT
        down = r["store_down"]
        evidence = (
            f"{name} needs its token store: {', '.join(cost)}; with the store down /protected "
            f"answers {down['protected_status']} and /token {down['login_status']}."
        )
        return evidence, WRONG

    claim = "With JWT no database is needed: the token holds everything the server needs."
    return each_of_kind(results, SIGNED_JSON, "C6", claim, weigh)


def c7(results: Results) -> Claim | None:
    def weigh(name: str, r: dict[str, Any]) -> tuple[str, str]:
        evidence = (
            f"A {name} token is signed, not encrypted: without the key, its payload reads "
            f"{r['leak']['decoded']}."
        )
        return evidence, WRONG if r["leak"]["reveals"] == "claims" else HOLDS

    claim = "The server decrypts a JWT to learn who the user is."
    return each_of_kind(results, SIGNED_JSON, "C7", claim, weigh)


def c8(results: Results) -> Claim | None:
    def weigh(name: str, r: dict[str, Any]) -> tuple[str, str]:
        structure = r["token"]["structure"]
        three = structure["parts"] == 3 and {"alg", "typ"} <= set(structure.get("header", []))
        evidence = (
            f"{name}: {structure['parts']} parts; header fields {structure.get('header')}, "
            f"payload fields {structure.get('payload')}, then the signature."
        )
        return evidence, HOLDS if three else WRONG

    claim = (
        "A JWT has three dot-separated parts: a header (type, algorithm), a payload (user "
        "data) and a signature."
    )
    return each_of_kind(results, SIGNED_JSON, "C8", claim, weigh)


def c9(results: Results) -> Claim | None:
    def weigh(name: str, r: dict[str, Any]) -> tuple[str, str]:
        tamper = r["tamper"]
        in_claims = sum(tamper["accepted_by_part"].get(part, 0) for part in ("0", "1"))
        in_signature = tamper["accepted_by_part"].get("2", 0)
        evidence = (
            f"{tamper['tried']} one-character changes across a {name} token: "
            f"{tamper['refused']} refused, {in_claims} accepted in the header or payload; an "
            f"unsigned token (alg: none) got {r['alg_none_status']}."
        )
        if in_signature:
            evidence += (
                f" {in_signature} change(s) to the signature's unused last bits were accepted: "
                "they decode to the same signature, so the token means the same."
            )
        detected = in_claims == 0 and r["alg_none_status"] == 401
        return evidence, HOLDS if detected else WRONG

    claim = "The signature lets the server detect any change to the header or the payload."
    return each_of_kind(results, SIGNED_JSON, "C9", claim, weigh)


def c10(results: Results) -> Claim | None:
    answers = {
        name: (r["unauthenticated"]["missing_status"], r["unauthenticated"]["invalid_status"])
        for name, r in results.items()
    }
    all_403 = all(answer == (403, 403) for answer in answers.values())
    summary = "; ".join(f"{n}: {m} missing, {i} invalid" for n, (m, i) in answers.items())
    challenge = next(iter(results.values()))["unauthenticated"]["invalid_challenge"]
    return Claim(
        "C10",
        "A missing or invalid token gets a 403 (the lesson's front end waits for 403).",
        f"{summary}. RFC 7235 and RFC 6750 say 401 with a WWW-Authenticate challenge "
        f"(e.g. {challenge}); 403 means the credentials are fine but not enough.",
        HOLDS if all_403 else WRONG,
    )


def c11(results: Results) -> Claim | None:
    replays = {name: r["replay_from_another_client"] for name, r in results.items()}
    works = all(status == 200 for status in replays.values())
    summary = ", ".join(f"{n} {s}" for n, s in replays.items())
    return Claim(
        "C11",
        "Keep the token in localStorage and send it as 'Authorization: Bearer'.",
        f"The header flow works for every strategy, but a token is a bearer credential: replayed "
        f"from another client it got {summary}. Any script injected into the page can read "
        "localStorage and do the same; keep the token in memory (or an HttpOnly cookie).",
        CAVEAT if works else WRONG,
    )
