"""C11 (where the page keeps its token) weighed again on what Chromium showed: `compare
--browser`'s attack matrix."""

from dataclasses import replace
from typing import Any

from benchmarks.compare.claims.weighing import WRONG, Claim


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
    evidence += _bound_evidence(browser["verdicts"])
    exposed = [v["readable"] for p, v in verdicts if p == "localStorage"]
    safer = [v["readable"] for p, v in verdicts if p != "localStorage"]
    # The advice picks the one place an injected script reads outright.
    worst = any(exposed) and not all(safer)
    reason = (
        f"In Chromium an injected script read a token in localStorage in "
        f"{count('localStorage', 'readable')} cases, captured one in memory in "
        f"{count('memory', 'capturable')}, and read an HttpOnly cookie in "
        f"{count('cookie', 'readable')}."
    )
    return replace(
        claim,
        verdict=WRONG if worst else claim.verdict,
        reason=reason,
        evidence=evidence + claim.evidence,
    )


def _bound_evidence(verdicts: dict[str, dict[str, dict[str, bool]]]) -> str:
    """What Chromium showed of the configurations that bind tokens to the page's key (DPoP):
    nothing, where none was measured."""
    bound = {
        label: places
        for label, places in verdicts.items()
        if any("key_readable" in v for v in places.values())
    }
    cells = [v for places in bound.values() for v in places.values()]
    if not cells:
        return ""

    def count(*facts: str, of: list[dict[str, bool]] = cells) -> str:
        return f"{sum(any(v[fact] for fact in facts) for v in of)}/{len(of)}"

    renewing = [v for v in cells if "refresh_usable_elsewhere" in v]
    refresh = (
        f", a stolen refresh token in {count('refresh_usable_elsewhere', of=renewing)}"
        if renewing
        else ""
    )
    return (
        f"Bound to the page's key (DPoP: {', '.join(bound)}), the injected script read the "
        f"private key in {count('key_readable')} cases (one that ran before the page's own, "
        f"in {count('key_readable_if_first')}: it had the key made extractable), and what it "
        f"captured or read worked "
        f"from its own client in {count('replayable_elsewhere', 'token_usable_elsewhere')}"
        f"{refresh}; "
        f"yet it called the API as the user, the page's key signing, in {count('usable')}, "
        f"and a proof that key signed for it worked once from its own client in "
        f"{count('page_signs_for_elsewhere')}: the binding stops a thief outside the page, "
        "not a script inside it. "
    )
