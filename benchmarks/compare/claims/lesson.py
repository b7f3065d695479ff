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
    bound,
    each_of_kind,
    grouped,
    names,
    of_kind,
    store_cost,
    tally,
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
        verdict,
        f"{len(hashes)} of {len(results)} tokens is a hash; by kind: "
        f"{tally(results, lambda r: r['token']['kind'])}.",
        f"{kinds}. A hash cannot be decoded; these are an encoding, random bytes and signed "
        f"JSON — {len(hashes)} of {len(results)} is a hash.",
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
    one_basic, one_opaque = next(iter(basic.values())), next(iter(opaque.values()))
    return Claim(
        "C2",
        "A Basic token looks like a 40-character hex string; a Bearer token looks like base64.",
        HOLDS if basic_hex40 and opaque_base64 else WRONG,
        f"A Basic token is {one_basic['token']['bytes']} characters of "
        f"{one_basic['token']['alphabet']} that decode to the credentials; an opaque one, "
        f"{one_opaque['token']['bytes']} of {one_opaque['token']['alphabet']}.",
        evidence
        + (
            ". The Basic half is wrong; the Bearer half holds."
            if opaque_base64 and not basic_hex40
            else "."
        ),
    )


def c3(results: Results) -> Claim | None:
    signed = of_kind(results, SIGNED_JSON)
    others = {n: r for n, r in results.items() if n not in signed}
    if not signed or not others:
        return None
    smallest_jwt = min(r["token"]["bytes"] for r in signed.values())
    largest_other = max(r["token"]["bytes"] for r in others.values())
    largest_name = next(n for n, r in others.items() if r["token"]["bytes"] == largest_other)
    sizes = ", ".join(f"{n} {r['token']['bytes']} B" for n, r in results.items())
    return Claim(
        "C3",
        "JWTs are bigger than the other two.",
        HOLDS if smallest_jwt > largest_other else WRONG,
        f"The smallest JWT, {smallest_jwt} B, is {smallest_jwt / largest_other:.1f}× the "
        f"largest other token ({largest_name}, {largest_other} B); it travels on every request.",
        f"Token sizes: {sizes}; the JWT is {smallest_jwt / largest_other:.1f}× the largest "
        "other, and it travels on every request.",
    )


def c4(results: Results) -> Claim | None:
    def weigh(r: dict[str, Any]) -> tuple[str, str]:
        expiry = r["expiry"]["with_ttl_1s_refused_after_s"]
        evidence = (
            f"a leaked token decodes to '{r['leak']['decoded']}': there is nothing to "
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

    def reason(basic: Results) -> str:
        slowest = max(r["cost"]["refused_ratio"] for r in basic.values())
        return (
            "Nothing to break: a leaked token is the password itself; guessing is slow only "
            f"because each guess pays the password hash ({slowest:.0f}× /public)."
        )

    claim = "Basic authentication is too simple and easy to break."
    return each_of_kind(results, ENCODED_CREDENTIALS, "C4", claim, weigh, reason)


def c5(results: Results) -> Claim | None:
    def weigh(r: dict[str, Any]) -> tuple[str, str]:
        evidence = (
            f"keeps {r['store']['keys_per_token']:g} key and "
            f"{r['store']['bytes_per_token']} B per token ({r['store']['method']}) and makes "
            f"{all_round_trips(r, 'request', 'request')}; with the store down "
            f"/protected answers {r['store_down']['protected_status']}. In exchange logout "
            f"{'revokes the token at once' if r['logout']['revoked'] else 'does not revoke'}."
        )
        return evidence, CAVEAT if r["store"]["keys_per_token"] > 0 else WRONG

    def reason(opaque: Results) -> str:
        r = next(iter(opaque.values()))
        return (
            f"A token costs {r['store']['bytes_per_token']} B in the store and "
            f"{r['round_trips']['request']['redis']} Redis round trip per request; "
            f"with the store down /protected answers {r['store_down']['protected_status']}. "
            "It buys a logout that works at once."
        )

    claim = "Opaque Bearer tokens are harder to maintain, because every token must be stored."
    return each_of_kind(results, OPAQUE, "C5", claim, weigh, reason)


def c6(results: Results) -> Claim | None:
    def weigh(r: dict[str, Any]) -> tuple[str, str]:
        cost = store_cost(r)
        if not cost:
            request = r["round_trips"]["request"]
            evidence = (
                f"verifying took {request['redis']} Redis round trips "
                "and the server keeps nothing per login, but the protected route still made "
                f"{request['user_table']} user-table query to load the user, and "
                f"logout answers {r['logout']['status']}: revoking needs server state again."
            )
            if r["round_trips"]["login"]["redis"]:
                evidence += f" POST /token still made {all_round_trips(r, 'login', None)}."
            return evidence, CAVEAT
        down = r["store_down"]
        evidence = (
            f"needs its token store: {', '.join(cost)}; with the store down /protected "
            f"answers {down['protected_status']} and /token {down['login_status']}."
        )
        return evidence, WRONG

    def reason(signed: Results) -> str:
        stored = [n for n, r in signed.items() if store_cost(r)]
        return (
            f"{len(signed) - len(stored)} of {len(signed)} verify with no store, yet "
            "/protected still loads the user; a logout or refresh tokens need the store again "
            f"({len(stored)} of {len(signed)})."
        )

    claim = "With JWT no database is needed: the token holds everything the server needs."
    return each_of_kind(results, SIGNED_JSON, "C6", claim, weigh, reason)


def c7(results: Results) -> Claim | None:
    def weigh(r: dict[str, Any]) -> tuple[str, str]:
        if r["leak"]["reveals"] != "claims":
            return f"its payload did not read without the key ({r['leak']['reveals']}).", HOLDS
        fields = ", ".join(r["token"]["structure"].get("payload") or [])
        evidence = f"signed, not encrypted: without the key, its payload reads ({fields})."
        return evidence, WRONG

    def reason(signed: Results) -> str:
        readable = [r for r in signed.values() if r["leak"]["reveals"] == "claims"]
        return (
            f"A JWT is signed, not encrypted: anyone reads its payload without the key "
            f"({len(readable)} of {len(signed)}); the server verifies the signature."
        )

    claim = "The server decrypts a JWT to learn who the user is."
    return each_of_kind(results, SIGNED_JSON, "C7", claim, weigh, reason)


def c8(results: Results) -> Claim | None:
    def weigh(r: dict[str, Any]) -> tuple[str, str]:
        structure = r["token"]["structure"]
        three = structure["parts"] == 3 and {"alg", "typ"} <= set(structure.get("header", []))
        evidence = (
            f"{structure['parts']} parts; header fields {structure.get('header')}, "
            f"payload fields {structure.get('payload')}, then the signature."
        )
        return evidence, HOLDS if three else WRONG

    def reason(signed: Results) -> str:
        three = [r for r in signed.values() if r["token"]["structure"]["parts"] == 3]
        return (
            f"{len(three)} of {len(signed)} have three dot-separated parts: a header naming the "
            "algorithm, a payload of claims, a signature."
        )

    claim = (
        "A JWT has three dot-separated parts: a header (type, algorithm), a payload (user "
        "data) and a signature."
    )
    return each_of_kind(results, SIGNED_JSON, "C8", claim, weigh, reason)


def _in_claims(tamper: dict[str, Any]) -> int:
    return sum(tamper["accepted_by_part"].get(part, 0) for part in ("0", "1"))


def c9(results: Results) -> Claim | None:
    def weigh(r: dict[str, Any]) -> tuple[str, str]:
        tamper = r["tamper"]
        in_signature = tamper["accepted_by_part"].get("2", 0)
        evidence = (
            f"{tamper['tried']} one-character changes: {tamper['refused']} refused, "
            f"{_in_claims(tamper)} accepted in the header or payload; an unsigned token "
            f"(alg: none) got {r['alg_none_status']}."
        )
        if in_signature:
            evidence += (
                f" {in_signature} change(s) to the signature's unused last bits were accepted: "
                "they decode to the same signature, so the token means the same."
            )
        detected = _in_claims(tamper) == 0 and r["alg_none_status"] == 401
        return evidence, HOLDS if detected else WRONG

    def reason(signed: Results) -> str:
        tried = sum(r["tamper"]["tried"] for r in signed.values())
        refused = sum(r["tamper"]["refused"] for r in signed.values())
        accepted = sum(_in_claims(r["tamper"]) for r in signed.values())
        statuses = "/".join(map(str, sorted({r["alg_none_status"] for r in signed.values()})))
        return (
            f"{refused} of {tried} one-character changes refused; {accepted} accepted in a header "
            f"or payload; an unsigned token (alg: none) got {statuses}."
        )

    claim = "The signature lets the server detect any change to the header or the payload."
    return each_of_kind(results, SIGNED_JSON, "C9", claim, weigh, reason)


def c10(results: Results) -> Claim | None:
    answers = {
        name: (r["unauthenticated"]["missing_status"], r["unauthenticated"]["invalid_status"])
        for name, r in results.items()
    }
    all_403 = all(answer == (403, 403) for answer in answers.values())
    summary = "; ".join(
        f"{names(group)}: {missing} missing, {invalid} invalid"
        for (missing, invalid), group in grouped(answers).items()
    )
    challenge = next(iter(results.values()))["unauthenticated"]["invalid_challenge"]
    statuses = sorted({status for answer in answers.values() for status in answer})
    return Claim(
        "C10",
        "A missing or invalid token gets a 403 (the lesson's front end waits for 403).",
        HOLDS if all_403 else WRONG,
        f"Missing and invalid tokens got {'/'.join(map(str, statuses))} everywhere; RFC 7235 and "
        "RFC 6750 ask for 401 and a challenge (403: known, but not allowed).",
        f"{summary}. RFC 7235 and RFC 6750 say 401 with a WWW-Authenticate challenge "
        f"(e.g. {challenge}); 403 means the credentials are fine but not enough.",
    )


def c11(results: Results) -> Claim | None:
    # The claim is about bearer tokens: those bound to a key (DPoP) are weighed in A6.
    replays = {name: r["replay_from_another_client"] for name, r in results.items() if not bound(r)}
    if not replays:
        return None
    works = all(status == 200 for status in replays.values())
    statuses = sorted(set(replays.values()))
    each = "; ".join(f"{status} ({names(group)})" for status, group in grouped(replays).items())
    return Claim(
        "C11",
        "Keep the token in localStorage and send it as 'Authorization: Bearer'.",
        CAVEAT if works else WRONG,
        f"The header flow works, but replayed from another client every token got "
        f"{'/'.join(map(str, statuses))}, and any script injected into the page reads "
        "localStorage.",
        f"The header flow works for every strategy, but a token is a bearer credential: replayed "
        f"from another client it got {each}. Any script injected into the page "
        "can read localStorage and do the same; keep the token in memory (or an HttpOnly cookie).",
    )
