"""Claims of our own, A1 to A5: not the lesson's, but commonly heard about JWTs, each weighed
against the measurements."""

from dataclasses import replace
from typing import Any

from benchmarks.anatomy import OPAQUE, SIGNED_JSON
from benchmarks.compare.claims.weighing import (
    CAVEAT,
    HOLDS,
    OURS,
    WRONG,
    Claim,
    Results,
    bound,
    each_of,
    each_of_kind,
    keys,
    of_kind,
    own,
    own_round_trips,
    shared,
    window,
)


def a1(results: Results) -> Claim | None:
    def weigh(r: dict[str, Any]) -> tuple[str, str]:
        logout = r["revocation"]["logout"]
        access, refresh = logout["access"], logout["refresh"]
        if access["refused"]:
            revoked = r["store"]["revoked"] or {"bytes_per_token": 0}
            evidence = (
                f"logout answers {logout['status']} and the token is refused from the "
                f"next request (0 s), at the price of "
                f"{own_round_trips(r, 'request', 'request')} and "
                f"{revoked['bytes_per_token']} B per logged-out login."
            )
            return evidence, WRONG
        evidence = (
            f"logout answers {logout['status']} and the token is still accepted, for "
            f"{window(access)} more (what is left of its expires_in, an upper bound)"
        )
        if refresh is not None and refresh["refused"]:
            return evidence + "; only its refresh token is refused at once (0 s).", CAVEAT
        return evidence + ".", HOLDS

    def reason(signed: Results) -> str:
        refused = [r for r in signed.values() if r["revocation"]["logout"]["access"]["refused"]]
        counts = sorted({sum(own(r["round_trips"]["request"]).values()) for r in refused}) or [0]
        trips = f"{counts[0]}–{counts[-1]}" if len(counts) > 1 else str(counts[0])
        longest = max(r["revocation"]["logout"]["access"]["window_s"] or 0 for r in signed.values())
        return (
            f"{len(refused)} of {len(signed)} refuse a logged-out token from the next request, for "
            f"{trips} Redis round trip{'' if trips == '1' else 's'} per request; the others "
            f"accept it for ≤{longest} s more."
        )

    claim = each_of_kind(results, SIGNED_JSON, "A1", "A JWT cannot be logged out.", weigh, reason)
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

    def describe(r: dict[str, Any]) -> str:
        logout, reuse = r["revocation"]["logout"], r["revocation"]["refresh_token_reuse"]
        text = (
            f"(access tokens of {r['expiry']['expires_in']} s, refresh tokens of "
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

    def weigh(r: dict[str, Any]) -> tuple[str, str]:
        events = [r["revocation"]["logout"], r["revocation"]["refresh_token_reuse"]]
        if not all(event["refresh"]["refused"] for event in events):
            return describe(r), WRONG
        if all(event["access"]["refused"] for event in events):
            return describe(r), HOLDS
        return describe(r), CAVEAT

    def reason(weighed: Results) -> str:
        r = next(iter(weighed.values()))
        access = r["revocation"]["logout"]["access"]
        return (
            f"A logout refuses the refresh token at once, but its access token still works for "
            f"{window(access)}: refresh tokens shorten the window, they do not close it."
            if not access["refused"]
            else "A logout refuses the refresh token and its access token at once."
        )

    claim = each_of(alone, "A2", "Refresh tokens make JWTs revocable.", weigh, reason)
    assert claim is not None  # `alone` is never empty
    others = {n: (describe(r), "") for n, r in refreshed.items() if n not in alone}
    evidence = [claim.evidence, *([shared(others)] if others else [])]
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
        WRONG if lean else HOLDS,
        f"A denylist stores revoked logins, not issued tokens: nothing per live login for "
        f"{len(lean)} of {len(revocable)} JWT configurations that can log out."
        if lean
        else "Every JWT configuration that can log out stores something per live login.",
        " ".join(evidence),
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

    def weigh(r: dict[str, Any]) -> tuple[str, str]:
        forgery = r["verifier_forgery"]
        evidence = f"{algorithm(r, size=False)}: {forgery['holds']}; {forgery['how']}."
        return evidence, HOLDS if forgery["can_forge"] else WRONG

    def reason(verified: Results) -> str:
        forged = [r for r in verified.values() if r["verifier_forgery"]["can_forge"]]
        return (
            f"Only with a shared secret ({len(forged)} of {len(verified)}): a verifier that holds "
            "a public key (the JWK Set) made no token that was accepted."
        )

    claim = each_of(
        measured, "A4", "A service that can verify a JWT can also forge one.", weigh, reason
    )
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
    # (no store, no login id or key binding in its claims): it publishes no key to verify with.
    public = {n: r for n, r in signed.items() if r["strategy"]["publishes_jwks"]}
    shared = [
        (n, r)
        for n, r in signed.items()
        if not r["strategy"]["publishes_jwks"] and not r["strategy"]["stateful"] and not bound(r)
    ]
    if not public or not shared:
        return None
    reference_name, reference = shared[0]

    def ms(r: dict[str, Any], step: str) -> float:
        return r["cost"][step]["median_ms"]

    def weigh(r: dict[str, Any]) -> tuple[str, str]:
        size = r["token"]["bytes"] / reference["token"]["bytes"]
        sign = ms(r, "sign") / ms(reference, "sign")
        verify = ms(r, "authenticate") / ms(reference, "authenticate")
        evidence = (
            f"{algorithm(r)}: {r['token']['bytes']} B, {size:.1f}×; signs in "
            f"{ms(r, 'sign'):.3f} ms, {sign:.1f}×; verifies in {ms(r, 'authenticate'):.3f} ms, "
            f"{verify:.1f}×."
        )
        bigger, slower = size > 1, sign > 1
        return evidence, HOLDS if bigger and slower else CAVEAT if bigger or slower else WRONG

    def reason(signed: Results) -> str:
        def span(ratios: list[float]) -> str:
            return f"{min(ratios):.1f}–{max(ratios):.1f}×"

        sizes = [r["token"]["bytes"] / reference["token"]["bytes"] for r in signed.values()]
        signs = [ms(r, "sign") / ms(reference, "sign") for r in signed.values()]
        return (
            f"Against {reference_name}: {span(sizes)} the size and {span(signs)} the time to "
            f"sign ({', '.join(algorithms)})."
        )

    algorithms = [algorithm(r, size=False) for r in public.values()]
    claim = each_of(
        public,
        "A5",
        "A JWT signed with a private key is bigger and slower to make than one signed with a "
        "shared secret.",
        weigh,
        reason,
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
