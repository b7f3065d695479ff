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
