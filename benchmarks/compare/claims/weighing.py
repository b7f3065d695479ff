"""How a claim is weighed: the verdicts, a claim and its source, a claim weighed on each
strategy of a kind, and the phrases its evidence is made of (keys, how long a token still
worked, round trips, what a strategy needs of its token store)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from benchmarks.compare.store_use import LIMITS
from benchmarks.harness.round_trips import OTHER

HOLDS, CAVEAT, WRONG = "holds", "holds with a caveat", "wrong"
LESSON, OURS = "the lesson", "not the lesson's: auth-sandbox's own"
Results = dict[str, dict[str, Any]]
# A result -> (evidence, verdict): a sentence that names no configuration, so that the
# configurations it is true of can share it.
Weigh = Callable[[dict[str, Any]], tuple[str, str]]
T = TypeVar("T")
REASON_CHARS = 160  # a reason fits two terminal lines
UNBOUND = "none"  # TOKEN_BINDING's value where whoever holds a token can use it


@dataclass(frozen=True)
class Claim:
    """A claim, its verdict, the reason in a sentence (the terminal's) and the whole evidence
    (the reports')."""

    id: str
    claim: str
    verdict: str
    reason: str
    evidence: str
    source: str = LESSON


def bound(r: dict[str, Any]) -> bool:
    """Whether a configuration's tokens are bound to the client's key (TOKEN_BINDING=dpop)."""
    return r["strategy"]["token_binding"] != UNBOUND


def of_kind(results: Results, kind: str) -> Results:
    return {name: r for name, r in results.items() if r["token"]["kind"] == kind}


def names(labels: Iterable[str]) -> str:
    return ", ".join(labels)


def grouped(values: dict[str, T]) -> dict[T, list[str]]:
    """The configurations that share each value, values in the order first met."""
    groups: dict[T, list[str]] = {}
    for name, value in values.items():
        groups.setdefault(value, []).append(name)
    return groups


def tally(results: Results, fact: Callable[[dict[str, Any]], Any]) -> str:
    """ "signed JSON (JWT) 7, encoded credentials 2": how many of `results` share each value."""
    groups = grouped({name: fact(r) for name, r in results.items()})
    return ", ".join(f"{value} {len(group)}" for value, group in groups.items())


def shared(weighed: dict[str, tuple[str, str]]) -> str:
    """Each evidence sentence once, after the configurations it is true of ("jwt, jwt +
    RS256: …"), in the order they were measured."""
    groups = grouped({name: sentence for name, (sentence, _) in weighed.items()})
    return " ".join(f"{names(group)}: {sentence}" for sentence, group in groups.items())


def each_of_kind(
    results: Results,
    kind: str,
    claim_id: str,
    claim: str,
    weigh: Weigh,
    reason: Callable[[Results], str],
) -> Claim | None:
    """A claim weighed on every measured strategy of `kind` (several columns may share one).
    None if none of `kind` was measured."""
    return each_of(of_kind(results, kind), claim_id, claim, weigh, reason)


def each_of(
    results: Results,
    claim_id: str,
    claim: str,
    weigh: Weigh,
    reason: Callable[[Results], str],
) -> Claim | None:
    """A claim weighed on each of `results`: `weigh` gives one's (evidence, verdict), and
    `reason(results)` the claim's reason. Where their verdicts differ, the claim holds with
    a caveat, and the evidence begins with which way it went for which."""
    weighed = {name: weigh(r) for name, r in results.items()}
    if not weighed:
        return None
    evidence = shared(weighed)
    verdicts = {verdict for _, verdict in weighed.values()}
    if len(verdicts) == 1:
        return Claim(claim_id, claim, verdicts.pop(), reason(results), evidence)
    split = "; ".join(
        f"{verdict}: {names(n for n, (_, v) in weighed.items() if v == verdict)}"
        for verdict in (HOLDS, CAVEAT, WRONG)
        if verdict in verdicts
    )
    return Claim(claim_id, claim, CAVEAT, reason(results), f"By strategy — {split}. {evidence}")


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


def round_trips(count: int, per: str | None, purposes: list[str]) -> str:
    """ "2 Redis round trips per request (denylist)": a count, per what, of which purposes."""
    text = f"{count} Redis round trip{'' if count == 1 else 's'}" + (f" per {per}" if per else "")
    return text + (f" ({', '.join(purposes)})" if purposes else "")


def own_round_trips(r: dict[str, Any], operation: str, per: str) -> str:
    """ "1 Redis round trip per request (denylist)": the strategy's own, of `operation`."""
    mine = own(r["round_trips"][operation])
    return round_trips(sum(mine.values()), per, list(mine))


def all_round_trips(r: dict[str, Any], operation: str, per: str | None) -> str:
    """ "2 Redis round trips per login (failed-login limits 2)": every one of `operation`."""
    trips = r["round_trips"][operation]
    purposes = [f"{purpose} {count}" for purpose, count in trips["by_purpose"].items()]
    return round_trips(trips["redis"], per, purposes)


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
