"""Timing loops bounded by both a number of runs and a time budget."""

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

# 100 runs give the medians 500 gave, within the run-to-run noise of a shared 2-core machine
# (compare's cost column is a quick in-process reading; the bench is the load's measure), in a
# fifth of the time; a call slower than budget / MAX_RUNS stops at the budget instead.
MAX_RUNS = 100
MIN_RUNS = 5  # a median of fewer says little, whatever the budget


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float
    samples: int

    def ratio_to(self, baseline: "Timing") -> float:
        return self.median_ms / baseline.median_ms

    def as_dict(self) -> dict:
        return asdict(self)


def time_calls(call: Callable[[], object], budget_s: float) -> Timing:
    """Run `call` until MAX_RUNS or `budget_s` (but at least MIN_RUNS); median and p95."""
    (timing,) = time_in_turn([call], budget_s)
    return timing


def time_in_turn(calls: Sequence[Callable[[], object]], budget_s: float) -> list[Timing]:
    """Each of `calls` timed, taken in turn (one of each, then again) until MAX_RUNS each or
    `budget_s` each (but at least MIN_RUNS): a slow spell of the machine falls on all of them
    alike, so that a ratio between two of them holds."""
    samples: list[list[float]] = [[] for _ in calls]
    deadline = time.perf_counter() + budget_s * len(calls)
    while len(samples[0]) < MAX_RUNS and (
        len(samples[0]) < MIN_RUNS or time.perf_counter() < deadline
    ):
        for call, taken in zip(calls, samples, strict=True):
            started = time.perf_counter()
            call()
            taken.append((time.perf_counter() - started) * 1000)
    return [_timing(taken) for taken in samples]


def _timing(samples: list[float]) -> Timing:
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return Timing(round(statistics.median(samples), 4), round(p95, 4), len(samples))
