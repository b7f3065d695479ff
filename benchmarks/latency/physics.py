"""What the figures must obey, and what they say.

A request that makes k round trips over a path of RTT r pays about k times r more than at r = 0:
at the sandbox, k is its Redis round trips per GET /protected (counted); at a resource server
that introspects, 1 (its POST /introspect) plus the Redis round trips the sandbox makes to
answer it; one that verifies locally (JWKS, or a cached answer after the first) pays nothing.
"About": the proxy's own measured slope (its calibration) turns a nominal RTT into what it adds.

The crossover: a configuration whose requests ask Redis (k > 0) against a stateless JWT that
checks locally. On the lines fitted through their medians, past RTT r* = (j₀ - s₀) / (s - j)
the JWT answers faster (0 where it already does at r = 0); what that speed costs is the
revocation window: how long a logged-out token still works at the sandbox. The configuration's
s₀ is its median at RTT 0 where measured, less k times the proxy's own hop (its calibration at
RTT 0), which a Redis on loopback does not pay: the crossover is against a Redis r away, not a
proxy at r. The JWT's j₀ and both slopes are the fitted lines'.
"""

import statistics
from typing import Any

from benchmarks.latency import key
from benchmarks.latency.remote import INTROSPECTION
from benchmarks.latency.timing import Fit, fit, medians

TOLERANCE = 0.25  # ms per ms of RTT, plus TOLERANCE_SHARE of the expected slope
TOLERANCE_SHARE = 0.15
BASELINE = "jwt"  # the stateless JWT the crossovers are computed against, where measured
FLAT = 0.1  # a slope below this (ms per ms of RTT) pays no RTT


def expected_slope(round_trips: float, calibration: dict[str, Any]) -> float:
    return round(round_trips * calibration["slope"], 3)


def judged(
    cells: dict[str, Any], rtts: list[float], round_trips: float, calibration: dict[str, Any]
) -> dict[str, Any]:
    """The fitted line through `cells`' medians against the slope k round trips predict,
    allowed TOLERANCE, TOLERANCE_SHARE of the prediction, and the cells' own scatter (the
    median of their p95 - median, over the RTTs' span): where each request costs 100 ms of
    scrypt (basic), a median of a few moves more than a round trip does."""
    line = fit(medians(cells, rtts))
    expected = expected_slope(round_trips, calibration)
    if line is None:
        return {"fit": None, "expected_slope": expected, "allowed": None, "agrees": None}
    measured = [cells[key(rtt)] for rtt in rtts if key(rtt) in cells]
    spread = statistics.median(cell["p95_ms"] - cell["median_ms"] for cell in measured)
    scatter = spread / (rtts[-1] - rtts[0])
    allowed = TOLERANCE + TOLERANCE_SHARE * expected + scatter
    return {
        "fit": line.as_dict(),
        "expected_slope": expected,
        "allowed": round(allowed, 3),
        "agrees": abs(line.slope - expected) <= allowed,
    }


def remote_round_trips(way: str, introspection_trips: float) -> float:
    """A resource server's round trips per request after its first, counted in RTTs."""
    return 1 + introspection_trips if way == INTROSPECTION else 0.0


def disagreements(configurations: dict[str, Any]) -> list[str]:
    """Every figure whose slope strays from its round trips' prediction, in words."""
    found = []
    for label, result in configurations.items():
        checked = [("the sandbox", result["sandbox_fit"])]
        checked += [
            (f"a resource server ({way})", measured["judged"])
            for way, measured in result["resource_server"]["ways"].items()
        ]
        for where, verdict in checked:
            if verdict["agrees"] is False:
                found.append(
                    f"{label} at {where}: {verdict['fit']['slope']:.2f} ms per ms of RTT, "
                    f"expected {verdict['expected_slope']:.2f}"
                )
    return found


def window(result: dict[str, Any]) -> dict[str, Any]:
    """How long a token still works at the sandbox after a logout (tried even where there is
    none: a 501 leaves it working): seconds, an upper bound where it is still accepted."""
    logout = result["revocation"]["logout"]
    return {"logout_status": logout["status"], **logout["access"]}


def baseline_of(configurations: dict[str, Any]) -> str | None:
    """BASELINE where measured, else the first configuration that keeps no state and asks
    Redis nothing per request."""
    if BASELINE in configurations:
        return BASELINE
    return next(
        (
            label
            for label, result in configurations.items()
            if not result["stateful"] and result["redis_round_trips"] == 0
        ),
        None,
    )


def crossovers(
    configurations: dict[str, Any], rtts: list[float], calibration: dict[str, Any]
) -> dict[str, Any]:
    """For each configuration whose /protected asks Redis: the RTT past which the baseline's
    local check is faster, what it saves at the largest RTT, the windows each leaves open."""
    baseline = baseline_of(configurations)
    if baseline is None or len(rtts) < 2:
        why = "no stateless JWT measured" if baseline is None else "one RTT draws no line"
        return {"baseline": baseline, "why_none": why, "rows": {}}
    base = configurations[baseline]
    hop = max(0.0, calibration["at_zero_ms"] or 0.0)
    base_line = Fit(**base["sandbox_fit"]["fit"])
    largest = key(rtts[-1])
    rows = {}
    for label, result in configurations.items():
        if label == baseline or not (result["redis_round_trips"] > 0 or result["stateful"]):
            continue
        line = Fit(**result["sandbox_fit"]["fit"])
        gained = line.slope - base_line.slope
        row: dict[str, Any] = {
            "redis_round_trips": result["redis_round_trips"],
            "slope": round(line.slope, 3),
            "baseline_saves_at_largest_ms": round(
                result["sandbox"][largest]["median_ms"] - base["sandbox"][largest]["median_ms"], 3
            ),
            "window": window(result),
            "baseline_window": window(base),
        }
        if result["redis_round_trips"] == 0 or gained < FLAT:
            row |= {"crossover_rtt_ms": None, "why": "never: its requests pay no RTT"}
        else:
            # At RTT 0 as measured where it was (the fit's intercept elsewhere), less the
            # proxy's own hop on each of its round trips.
            at_zero = result["sandbox"].get(key(0.0), {}).get("median_ms", line.intercept_ms)
            direct = at_zero - result["redis_round_trips"] * hop
            crossing = (base_line.intercept_ms - direct) / gained
            row |= {
                "at_zero_without_proxy_ms": round(direct, 3),
                "baseline_at_zero_ms": round(base_line.intercept_ms, 3),
                "crossover_rtt_ms": round(max(0.0, crossing), 3),
                "why": f"{baseline} is faster at every RTT"
                if crossing <= 0
                else f"{baseline} is faster past {crossing:.2f} ms",
            }
        rows[label] = row
    return {"baseline": baseline, "why_none": None, "proxy_hop_ms": round(hop, 3), "rows": rows}
