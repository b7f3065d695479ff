"""What each configuration's requests cost as its Redis moves to another machine, and from
which round-trip time (RTT) a stateless token's local check beats a store lookup.

Derived from this run's own figures, not timed again: a request that makes k Redis round trips
pays about k times the RTT more than on loopback (`auth-sandbox latency` measures it through a
delaying proxy, and its tests hold the figures to it). A configuration's own cost is what its
GET /protected adds to /public's, the two timed in turn, so that a slow spell of the machine
during one configuration does not move it against another.

The baseline is the first measured configuration whose token the server issues and checks
alone: no Redis round trip per request, a logout that leaves it working. Each configuration is
weighed against the baseline that binds its tokens as it does (DPoP or not), so that a proof's
cost is on both sides.
"""

from typing import Any

from benchmarks.anatomy import ENCODED_CREDENTIALS

# Redis on the same host's network (Redis's own latency docs: about 0.2 ms on 1 Gbit/s),
# another availability zone (0.25 to 3 ms), another region (tens of ms).
RTTS_MS = (0.2, 1.0, 5.0, 20.0)


def added_ms(r: dict[str, Any]) -> float:
    """What authentication adds to a request: GET /protected's median less /public's."""
    cost = r["cost"]
    return cost["request"]["median_ms"] - cost["public"]["median_ms"]


def verifies_ms(r: dict[str, Any]) -> float:
    """The median of its authenticate step alone, on one token again and again."""
    return r["cost"]["authenticate"]["median_ms"]


def checks_alone(r: dict[str, Any]) -> bool:
    """A token the server issued and checks with nothing but its key: no Redis round trip per
    request, still accepted after a logout."""
    return (
        r["token"]["kind"] != ENCODED_CREDENTIALS
        and r["round_trips"]["request"]["redis"] == 0
        and not r["revocation"]["logout"]["access"]["refused"]
    )


def baselines(results: dict[str, dict[str, Any]]) -> dict[str, str]:
    """{token binding: the label of its first configuration that checks tokens alone}."""
    found: dict[str, str] = {}
    for label, r in results.items():
        if checks_alone(r):
            found.setdefault(r["strategy"]["token_binding"], label)
    return found


def at_a_distance(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """For each configuration: its Redis round trips per request, what its requests add at
    each of RTTS_MS, and against its baseline the RTT past which the baseline is faster (0:
    at every RTT; None: never, or no baseline) and what a logout leaves working on each side."""
    found = baselines(results)
    rows = {}
    for label, r in results.items():
        trips = r["round_trips"]["request"]["redis"]
        mine = added_ms(r)
        row: dict[str, Any] = {
            "redis_round_trips": trips,
            "added_ms": round(mine, 3),
            "verifies_ms": round(verifies_ms(r), 3),
            "added_at_rtt_ms": {f"{rtt:g}": round(mine + trips * rtt, 3) for rtt in RTTS_MS},
            "window_after_logout": r["revocation"]["logout"]["access"],
        }
        baseline = found.get(r["strategy"]["token_binding"])
        if baseline is None or baseline == label:
            why = "the baseline" if baseline == label else "no stateless token measured"
            rows[label] = row | {
                "baseline": baseline,
                "compared": False,
                "crossover_rtt_ms": None,
                "why": why,
            }
            continue
        theirs = added_ms(results[baseline])
        row |= {
            "baseline": baseline,
            "compared": True,
            "baseline_added_ms": round(theirs, 3),
            "baseline_verifies_ms": round(verifies_ms(results[baseline]), 3),
            "baseline_window_after_logout": results[baseline]["revocation"]["logout"]["access"],
        }
        if trips == 0:
            faster = theirs < mine
            row |= {
                "crossover_rtt_ms": 0.0 if faster else None,
                "why": "at every RTT, by what each adds here"
                if faster
                else "never: it asks Redis nothing per request and adds no more here",
            }
        else:
            crossing = max(0.0, (theirs - mine) / trips)
            row |= {
                "crossover_rtt_ms": round(crossing, 3),
                "why": "at every RTT" if crossing == 0 else f"past {crossing:.2g} ms of RTT",
            }
        rows[label] = row
    return rows
