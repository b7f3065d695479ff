"""The lesson's claims (C1 to C11, in our own words), then claims of our own (A1 to A7, not
the lesson's: commonly heard about JWTs), each weighed against the measurements.

Strategies are picked by what their tokens were measured to be (encoded
credentials, opaque, signed JSON) and by what they were measured to do (offer
refresh tokens, refuse a token after logout), not by name, so a plugin strategy
counts too. Several strategies may share a kind (a plug-in, a variant): a claim
about a kind is weighed on each of them. A kind no claim names (a PASETO, say)
still counts where a claim takes every strategy (C1, C3, C10, C11). A claim whose
strategies were not measured (`--strategies`) is left out.

The modules: `weighing` (verdicts, a claim, the phrases of its evidence), `lesson` (C1 to
C11), `ours` (A1 to A5), `bound` (A6), `distance` (A7) and `in_the_browser` (C11 again, on
what Chromium showed).
"""

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from benchmarks.compare.claims.bound import a6
from benchmarks.compare.claims.distance import a7
from benchmarks.compare.claims.in_the_browser import c11_in_the_browser
from benchmarks.compare.claims.lesson import c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11
from benchmarks.compare.claims.ours import a1, a2, a3, a4, a5
from benchmarks.compare.claims.weighing import Claim, Results

CLAIMS: list[Callable[[Results], Claim | None]] = [
    *(c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11),
    *(a1, a2, a3, a4, a5, a6, a7),  # not the lesson's
]


def evaluate(results: Results, browser: dict[str, Any] | None = None) -> list[dict[str, str]]:
    claims = [check(results) for check in CLAIMS]
    if browser and browser.get("measured"):
        claims = [
            c11_in_the_browser(claim, browser) if claim and claim.id == "C11" else claim
            for claim in claims
        ]
    return [asdict(claim) for claim in claims if claim is not None]
