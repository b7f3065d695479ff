"""Timing `authenticate` on random live tokens of a store, against a reference store.

Each call runs as a request does: `strategy.authenticate(token)` in a request context of
its own (`app.test_request_context`, the token handed in as a transport would), pushed
outside any app context, so that each call gets a fresh app context and database
session and loads its user row from the user table. Only the `authenticate(token)` call is
timed. On a shared machine a p50 drifts by more than a 10 % target over the minutes a
fill takes, so the store that grows is timed call by call in alternation with a
reference store (the same configuration at the smallest size); the ratio of their
p50s is taken per round, and the median of the rounds reported.
"""

import gc
import random
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import cast

from flask import has_app_context

from benchmarks.scale.fill import Fill, Sampled
from strategies.capabilities import KeyBinding

CALLS = 3000  # per store, at each size
ROUNDS = 10
WARMUP_CALLS = 50
METHOD = (
    "strategy.authenticate(token) in a fresh app.test_request_context per call (a fresh app "
    "context and database session, as a request has); only the call is timed"
)


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p95_ms: float
    calls: int
    reference_p50_ms: float | None  # None: no reference store (a Redis given by URL)
    p50_ratio: float | None  # the median over the rounds of p50 ÷ the reference's p50
    round_ratios: list[float]


def _call(fill: Fill, sampled: Sampled) -> float:
    """One authenticate, in seconds; RuntimeError unless it finds the token's user."""
    strategy, jkt = fill.strategy, fill.jkt
    with fill.app.test_request_context():
        started = time.perf_counter()
        # A bound token's lookup, the key its proof would prove given: the store's part alone.
        user = (
            cast(KeyBinding, strategy).authenticate_bound(sampled.token, jkt)
            if jkt is not None
            else strategy.authenticate(sampled.token)
        )
        elapsed = time.perf_counter() - started
    if user.id != sampled.user_id:
        raise RuntimeError(f"a token of user {sampled.user_id} authenticated user {user.id}")
    return elapsed


@contextmanager
def _no_gc() -> Iterator[None]:
    """The collector off while timing, as timeit has it."""
    enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_authenticate(fill: Fill, reference: Fill | None) -> Latency:
    """p50 and p95 of authenticate on random tokens of `fill`'s sample, over CALLS calls in
    ROUNDS rounds; with a `reference`, its calls alternate with the reference's, and the
    p50 ratio is per round."""
    calls, rounds = CALLS, ROUNDS  # read now: a test makes them smaller
    if has_app_context():
        raise RuntimeError("time authenticate outside any app context: each call needs its own")
    pick = random.Random()  # noqa: S311 - which tokens to time, not a secret
    stores = [fill] if reference is None else [fill, reference]
    for store in stores:
        for sampled in pick.choices(store.sample, k=WARMUP_CALLS):
            _call(store, sampled)
    per_round = max(1, calls // rounds)
    ours: list[float] = []
    theirs: list[float] = []
    ratios: list[float] = []
    with _no_gc():
        for _round in range(rounds):
            mine: list[float] = []
            other: list[float] = []
            for number in range(per_round):
                # Which store goes first alternates too, so that neither is always second.
                order = stores if number % 2 == 0 else stores[::-1]
                for store in order:
                    elapsed = _call(store, pick.choice(store.sample))
                    (mine if store is fill else other).append(elapsed)
            ours += mine
            theirs += other
            if other:
                ratios.append(statistics.median(mine) / statistics.median(other))
    return Latency(
        p50_ms=statistics.median(ours) * 1000,
        p95_ms=_p(ours, 0.95) * 1000,
        calls=len(ours),
        reference_p50_ms=statistics.median(theirs) * 1000 if theirs else None,
        p50_ratio=statistics.median(ratios) if ratios else None,
        round_ratios=[round(ratio, 4) for ratio in ratios],
    )
