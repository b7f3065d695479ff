"""The lesson's claims (C1 to C11, in our own words), then claims of our own (A1 to A5, not
the lesson's: commonly heard about JWTs), each weighed against the measurements.

Strategies are picked by what their tokens were measured to be (encoded
credentials, opaque, signed JSON) and by what they were measured to do (offer
refresh tokens, refuse a token after logout), not by name, so a plugin strategy
counts too. Several strategies may share a kind (a plug-in, a variant): a claim
about a kind is weighed on each of them. A kind no claim names (a PASETO, say)
still counts where a claim takes every strategy (C1, C3, C10, C11). A claim whose
strategies were not measured (`--strategies`) is left out.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from benchmarks.anatomy import ENCODED_CREDENTIALS, HEX_DIGEST, OPAQUE, SIGNED_JSON
from benchmarks.compare.store_use import LIMITS
from benchmarks.harness.round_trips import OTHER

HOLDS, CAVEAT, WRONG = "holds", "holds with a caveat", "wrong"
LESSON, OURS = "the lesson", "not the lesson's: auth-sandbox's own"
Results = dict[str, dict[str, Any]]
Weigh = Callable[[str, dict[str, Any]], tuple[str, str]]  # (name, result) -> (evidence, verdict)


@dataclass(frozen=True)
class Claim:
    id: str
    claim: str
    evidence: str
    verdict: str
    source: str = LESSON


def of_kind(results: Results, kind: str) -> Results:
    return {name: r for name, r in results.items() if r["token"]["kind"] == kind}


def each_of_kind(
    results: Results, kind: str, claim_id: str, claim: str, weigh: Weigh
) -> Claim | None:
    """A claim weighed on every measured strategy of `kind` (several columns may share one).

    `weigh(name, result)` gives (evidence, verdict) for one strategy; where their
    verdicts differ, the claim holds with a caveat. None if none of `kind` was measured.
    """
    return each_of(of_kind(results, kind), claim_id, claim, weigh)


def each_of(results: Results, claim_id: str, claim: str, weigh: Weigh) -> Claim | None:
    """A claim weighed on each of `results`; where their verdicts differ, it holds with a
    caveat, and the evidence begins with which way it went for which."""
    weighed = {name: weigh(name, r) for name, r in results.items()}
    if not weighed:
        return None
    evidence = " ".join(evidence for evidence, _ in weighed.values())
    verdicts = {verdict for _, verdict in weighed.values()}
    if len(verdicts) == 1:
        return Claim(claim_id, claim, evidence, verdicts.pop())
    split = "; ".join(
        f"{verdict}: {', '.join(n for n, (_, v) in weighed.items() if v == verdict)}"
        for verdict in (HOLDS, CAVEAT, WRONG)
        if verdict in verdicts
    )
    return Claim(claim_id, claim, f"By strategy — {split}. {evidence}", CAVEAT)


def keys(count: float) -> str:
    return f"{count:g} key{'' if count == 1 else 's'}"


def window(probe: dict[str, Any] | None) -> str:
    """How long a token still worked after an event, as measured (revocation.py)."""
    if probe is None:
        return "none issued"
    if probe["refused"]:
        return "0 s"
    if probe["window_s"] is None:
        return "no end"
    return f"≤{probe['window_s']} s"


def own(trips: dict[str, Any] | None) -> dict[str, int]:
    """Round trips for the strategy's own keys, by purpose: neither the failed-login limits'
    (every strategy's logins check them) nor other (no key of a known prefix)."""
    if trips is None:
        return {}
    return {p: n for p, n in trips["by_purpose"].items() if p not in (LIMITS, OTHER)}


def _round_trips(count: int, per: str | None, purposes: list[str]) -> str:
    text = f"{count} Redis round trip{'' if count == 1 else 's'}" + (f" per {per}" if per else "")
    return text + (f" ({', '.join(purposes)})" if purposes else "")


def own_round_trips(r: dict[str, Any], operation: str, per: str) -> str:
    """ "1 Redis round trip per request (denylist)": the strategy's own, of `operation`."""
    mine = own(r["round_trips"][operation])
    return _round_trips(sum(mine.values()), per, list(mine))


def all_round_trips(r: dict[str, Any], operation: str, per: str | None) -> str:
    """ "2 Redis round trips per login (failed-login limits 2)": every one of `operation`."""
    trips = r["round_trips"][operation]
    purposes = [f"{purpose} {count}" for purpose, count in trips["by_purpose"].items()]
    return _round_trips(trips["redis"], per, purposes)


def store_cost(r: dict[str, Any]) -> list[str]:
    """What a strategy was measured to need of its token store; empty if nothing."""
    store, revoked = r["store"], r["store"]["revoked"]
    estimate = " (estimate)" if store["method"].startswith("estimate") else ""
    cost = []
    if store["keys_per_token"]:
        cost.append(f"{store['bytes_per_token']} B{estimate} per live login")
    if revoked and revoked["keys_per_token"]:
        cost.append(f"{revoked['bytes_per_token']} B{estimate} per logged-out login")
    for operation in ("request", "login", "refresh"):
        if own(r["round_trips"][operation]):
            cost.append(own_round_trips(r, operation, operation))
    return cost


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


def a1(results: Results) -> Claim | None:
    def weigh(name: str, r: dict[str, Any]) -> tuple[str, str]:
        logout = r["revocation"]["logout"]
        access, refresh = logout["access"], logout["refresh"]
        if access["refused"]:
            revoked = r["store"]["revoked"] or {"bytes_per_token": 0}
            evidence = (
                f"{name}: logout answers {logout['status']} and the token is refused from the "
                f"next request (0 s), at the price of "
                f"{own_round_trips(r, 'request', 'request')} and "
                f"{revoked['bytes_per_token']} B per logged-out login."
            )
            return evidence, WRONG
        evidence = (
            f"{name}: logout answers {logout['status']} and the token is still accepted, for "
            f"{window(access)} more (what is left of its expires_in, an upper bound)"
        )
        if refresh is not None and refresh["refused"]:
            return evidence + "; only its refresh token is refused at once (0 s).", CAVEAT
        return evidence + ".", HOLDS

    claim = each_of_kind(results, SIGNED_JSON, "A1", "A JWT cannot be logged out.", weigh)
    if claim is None:
        return None
    events = [r["revocation"] for r in of_kind(results, SIGNED_JSON).values()]
    if all(e[k]["access"]["refused"] for e in events for k in ("password_change", "user_deletion")):
        claim = replace(
            claim,
            evidence=claim.evidence + " A password change or a deleted user, though, refused "
            "every one of them from the next request (0 s): the route reads the user row, "
            "which carries the token generation, anyway.",
        )
    return replace(claim, source=OURS)


def a2(results: Results) -> Claim | None:
    signed = of_kind(results, SIGNED_JSON)
    refreshed = {n: r for n, r in signed.items() if r["refresh"]["offered"]}
    if not refreshed:
        return None
    # Weighed where refresh tokens are all there is: no store lookup on every request.
    alone = {n: r for n, r in refreshed.items() if not own(r["round_trips"]["request"])}
    alone = alone or refreshed

    def describe(name: str, r: dict[str, Any]) -> str:
        logout, reuse = r["revocation"]["logout"], r["revocation"]["refresh_token_reuse"]
        text = (
            f"{name} (access tokens of {r['expiry']['expires_in']} s, refresh tokens of "
            f"{r['refresh']['refresh_expires_in']} s) — how long its tokens still worked after "
            f"a logout: refresh token {window(logout['refresh'])}, access token "
            f"{window(logout['access'])}; after a spent refresh token was sent again: refresh "
            f"token {window(reuse['refresh'])}, access token {window(reuse['access'])}."
        )
        if own(r["round_trips"]["request"]):
            text += (
                " Its access tokens are refused at once thanks to a store lookup on every "
                f"request, {own_round_trips(r, 'request', 'request')}, not to refresh tokens."
            )
        return text

    def weigh(name: str, r: dict[str, Any]) -> tuple[str, str]:
        events = [r["revocation"]["logout"], r["revocation"]["refresh_token_reuse"]]
        if not all(event["refresh"]["refused"] for event in events):
            return describe(name, r), WRONG
        if all(event["access"]["refused"] for event in events):
            return describe(name, r), HOLDS
        return describe(name, r), CAVEAT

    claim = each_of(alone, "A2", "Refresh tokens make JWTs revocable.", weigh)
    assert claim is not None  # `alone` is never empty
    evidence = [claim.evidence, *(describe(n, r) for n, r in refreshed.items() if n not in alone)]
    evidence.append("(≤: what was left of the token's life, an upper bound.)")
    without = [r["expiry"]["expires_in"] for n, r in signed.items() if n not in refreshed]
    shortest = max(r["expiry"]["expires_in"] for r in alone.values())
    if without and shortest < max(without):
        evidence.append(
            f"What they do buy is a shorter access token: {shortest} s, against "
            f"{max(without)} s for a JWT without them."
        )
    return replace(claim, evidence=" ".join(evidence), source=OURS)


def a3(results: Results) -> Claim | None:
    revocable = {
        n: r
        for n, r in of_kind(results, SIGNED_JSON).items()
        if r["revocation"]["logout"]["access"]["refused"]
    }
    if not revocable:
        return None

    def describe(name: str, r: dict[str, Any]) -> str:
        store = r["store"]
        revoked = store["revoked"] or {"keys_per_token": 0, "bytes_per_token": 0}
        return (
            f"{name}: {store['bytes_per_token']} B ({keys(store['keys_per_token'])}) per live "
            f"login, {revoked['bytes_per_token']} B ({keys(revoked['keys_per_token'])}) per "
            f"logged-out one, {own_round_trips(r, 'request', 'request')}."
        )

    evidence = [describe(n, r) for n, r in revocable.items()]
    evidence += [
        f"An opaque {n} token: {r['store']['bytes_per_token']} B "
        f"({keys(r['store']['keys_per_token'])}) per live token."
        for n, r in of_kind(results, OPAQUE).items()
    ]
    lean = [n for n, r in revocable.items() if not r["store"]["keys_per_token"]]
    if lean:
        evidence.append(
            f"With {', '.join(lean)} the store holds nothing per live login: only a logout adds "
            "a key, so it holds the revoked logins, not the issued tokens."
        )
    return Claim(
        "A3",
        "Revoking JWTs means storing every token, as with opaque tokens.",
        " ".join(evidence),
        WRONG if lean else HOLDS,
        OURS,
    )


def algorithm(r: dict[str, Any], size: bool = True) -> str:
    """A JWT's algorithm (and its signature's size), as its header and signature read."""
    signature = r["token"]["signature"]
    if not signature:
        return "?"
    return f"{signature['algorithm']}" + (f", {signature['bytes']} B signature" if size else "")


def an(name: str) -> str:
    """The article before a name read letter by letter ("an RS256", "a JWT")."""
    return "an" if name[:1].upper() in "AEFHILMNORSX" else "a"


def a4(results: Results) -> Claim | None:
    measured = {
        n: r for n, r in of_kind(results, SIGNED_JSON).items() if r["verifier_forgery"]["measured"]
    }

    def weigh(name: str, r: dict[str, Any]) -> tuple[str, str]:
        forgery = r["verifier_forgery"]
        evidence = f"{name} ({algorithm(r, size=False)}): {forgery['holds']}; {forgery['how']}."
        return evidence, HOLDS if forgery["can_forge"] else WRONG

    claim = each_of(measured, "A4", "A service that can verify a JWT can also forge one.", weigh)
    if claim is None:
        return None
    leaked = [r["leak_yields"] for r in measured.values() if r["leak_yields"]["measured"]]
    if leaked:
        minted = sum(leak["yields_tokens"] for leak in leaked)
        claim = replace(
            claim,
            evidence=f"{claim.evidence} Whatever verifies, the key that signs makes anyone's "
            f"token: alone, in an app of an attacker's own, it made one for a user who never "
            f"logged in that was accepted, for {minted} of {len(leaked)}.",
        )
    return replace(claim, source=OURS)


def a5(results: Results) -> Claim | None:
    signed = of_kind(results, SIGNED_JSON)
    # What a private key costs, against a JWT signed with a shared secret and nothing else
    # (no store, no login id in its claims): it publishes no key to verify with.
    public = {n: r for n, r in signed.items() if r["strategy"]["publishes_jwks"]}
    shared = [
        (n, r)
        for n, r in signed.items()
        if not r["strategy"]["publishes_jwks"] and not r["strategy"]["stateful"]
    ]
    if not public or not shared:
        return None
    reference_name, reference = shared[0]

    def ms(r: dict[str, Any], step: str) -> float:
        return r["cost"][step]["median_ms"]

    def weigh(name: str, r: dict[str, Any]) -> tuple[str, str]:
        size = r["token"]["bytes"] / reference["token"]["bytes"]
        sign = ms(r, "sign") / ms(reference, "sign")
        verify = ms(r, "authenticate") / ms(reference, "authenticate")
        evidence = (
            f"{name} ({algorithm(r)}): {r['token']['bytes']} B, {size:.1f}×; signs in "
            f"{ms(r, 'sign'):.3f} ms, {sign:.1f}×; verifies in {ms(r, 'authenticate'):.3f} ms, "
            f"{verify:.1f}×."
        )
        bigger, slower = size > 1, sign > 1
        return evidence, HOLDS if bigger and slower else CAVEAT if bigger or slower else WRONG

    claim = each_of(
        public,
        "A5",
        "A JWT signed with a private key is bigger and slower to make than one signed with a "
        "shared secret.",
        weigh,
    )
    assert claim is not None  # `public` is never empty
    sizes = {r["token"]["signature"]["algorithm"]: r["token"]["bytes"] for r in public.values()}
    biggest, smallest = max(sizes.values()), min(sizes.values())
    evidence = (
        f"Against {reference_name} ({algorithm(reference)}): {reference['token']['bytes']} B, "
        f"signs in {ms(reference, 'sign'):.3f} ms, verifies in "
        f"{ms(reference, 'authenticate'):.3f} ms (its authenticate step, which also loads the "
        f"user). {claim.evidence}"
    )
    if biggest > smallest:
        big = next(name for name, size in sizes.items() if size == biggest)
        small = " or ".join(name for name, size in sizes.items() if size == smallest)
        evidence += (
            f" Among them, {an(big)} {big} token is {biggest - smallest} B bigger than "
            f"{an(small)} {small} one, and it travels on every request."
        )
    return replace(claim, evidence=evidence, source=OURS)


CLAIMS: list[Callable[[Results], Claim | None]] = [
    *(c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11),
    *(a1, a2, a3, a4, a5),  # not the lesson's
]


def c11_in_the_browser(claim: Claim, browser: dict[str, Any]) -> Claim:
    """C11 weighed again on what Chromium showed of each place the page can keep a token."""
    verdicts = [v for places in browser["verdicts"].values() for v in places.items()]
    if not verdicts:
        return claim

    def count(place: str, fact: str) -> str:
        cells = [v for p, v in verdicts if p == place]
        return f"{sum(v[fact] for v in cells)}/{len(cells)}"

    def survived(attack: str) -> str:
        cells = [v for _, v in verdicts]
        return f"{sum(v[f'{attack}_survives'] for v in cells)}/{len(cells)}"

    evidence = (
        f"In Chromium, for {', '.join(browser['verdicts'])}: kept in localStorage, an injected "
        f"script read the token in {count('localStorage', 'readable')} cases; kept in memory, "
        f"it read it in {count('memory', 'readable')} but captured it from the page's next "
        f"call in {count('memory', 'capturable')}; in an HttpOnly cookie it read it in "
        f"{count('cookie', 'readable')} and captured it in {count('cookie', 'capturable')}, "
        f"yet called the API as the user in {count('cookie', 'usable')} (the browser attaches "
        f"the cookie). Another site's /protected and /logout left the login alive in "
        f"{survived('cross_site')} cases (SameSite); a page of the same site on another port, "
        f"in {survived('same_site')} (the CSRF token, which SameSite does not replace). "
    )
    exposed = [v["readable"] for p, v in verdicts if p == "localStorage"]
    safer = [v["readable"] for p, v in verdicts if p != "localStorage"]
    # The advice picks the one place an injected script reads outright.
    worst = any(exposed) and not all(safer)
    return replace(
        claim, evidence=evidence + claim.evidence, verdict=WRONG if worst else claim.verdict
    )


def evaluate(results: Results, browser: dict[str, Any] | None = None) -> list[dict[str, str]]:
    claims = [check(results) for check in CLAIMS]
    if browser and browser.get("measured"):
        claims = [
            c11_in_the_browser(claim, browser) if claim and claim.id == "C11" else claim
            for claim in claims
        ]
    return [asdict(claim) for claim in claims if claim is not None]
