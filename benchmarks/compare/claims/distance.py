"""A claim of our own about speed at a distance: A7, weighed on every configuration whose
logout ends its tokens at once, against a stateless token's local check (distance.py)."""

import math
from dataclasses import replace
from typing import Any

from benchmarks.compare.claims.weighing import (
    CAVEAT,
    HOLDS,
    OURS,
    REASON_CHARS,
    WRONG,
    Claim,
    Results,
    each_of,
    names,
    round_trips,
    window,
)

DERIVED = (
    "Derived from this run's medians (what GET /protected adds to /public) and its counted "
    "round trips: a request that makes k pays about k × RTT more as Redis moves away "
    "(`auth-sandbox latency` measures it through a delaying proxy)."
)


def weighed_here(results: Results) -> Results:
    """The configurations a logout ends at once, each with a stateless baseline to beat."""
    return {
        label: r
        for label, r in results.items()
        if r["revocation"]["logout"]["access"]["refused"] and r["at_a_distance"]["compared"]
    }


def a7(results: Results) -> Claim | None:
    def weigh(r: dict[str, Any]) -> tuple[str, str]:
        d = r["at_a_distance"]
        base, trips, crossing = d["baseline"], d["redis_round_trips"], d["crossover_rtt_ms"]
        here = f"+{d['added_ms']:.2f} ms here against {base}'s +{d['baseline_added_ms']:.2f} ms"
        price = (
            f"; a logged-out {base} token works {window(d['baseline_window_after_logout'])} "
            f"more, this one {window(d['window_after_logout'])}."
        )
        lookups = round_trips(trips, "request", [])
        if trips == 0:
            if crossing is None:
                # Why no RTT overtakes it is its round trips; why it beats the baseline here
                # too is its check of a token: a cache that answers it, or one that skips it.
                return (
                    f"no Redis round trip per request once a token is cached (Redis keeps the "
                    f"cache exact), and it verifies a token it has seen in {d['verifies_ms']:.2f} "
                    f"ms against {base}'s {d['baseline_verifies_ms']:.2f} ms: {here}, at any RTT"
                    + price,
                    WRONG,
                )
            return f"no Redis round trip per request, yet {here}" + price, HOLDS
        if crossing == 0:
            return (
                f"{lookups}: {here}, and {trips} × RTT more as Redis moves away" + price,
                HOLDS,
            )
        return (
            f"{lookups}: {here}, faster on loopback, slower past "
            f"{crossing:.2g} ms of RTT (a Redis on the same network is about 0.2 ms away)" + price,
            CAVEAT,
        )

    def reason(weighed: Results) -> str:
        rows = [r["at_a_distance"] for r in weighed.values()]
        bases = list(dict.fromkeys(row["baseline"] for row in rows))
        lookups = [row["crossover_rtt_ms"] or 0 for row in rows if row["redis_round_trips"]]
        caches = [n for n, r in weighed.items() if r["at_a_distance"]["crossover_rtt_ms"] is None]
        if not lookups:
            text = f"Against {names(bases)}, none of them asks Redis per request"
        else:
            when = f"past {max(lookups):.2g} ms of RTT" if any(lookups) else "at every RTT"
            beat = "beats" if len(bases) == 1 else "beat"
            text = f"{names(bases)} {beat} a store lookup {when}"
            if caches:
                text += f", not {names(caches)} (a cache Redis keeps exact)"
        windows = [row["baseline_window_after_logout"] for row in rows]
        longest = max(windows, key=lambda w: math.inf if w["window_s"] is None else w["window_s"])
        text += f"; the price: a logged-out token works {window(longest)} more."
        if len(text) <= REASON_CHARS:
            return text
        counted = f"{len(caches)} with a cache Redis keeps exact"
        return text.replace(f"{names(caches)} (a cache Redis keeps exact)", counted)

    claim = each_of(
        weighed_here(results),
        "A7",
        "A stateless token is faster than one the server looks up.",
        weigh,
        reason,
    )
    return claim and replace(claim, evidence=f"{claim.evidence} {DERIVED}", source=OURS)
