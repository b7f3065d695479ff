"""Timing loops bounded by both a number of runs and a time budget."""

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float
    samples: int

    def ratio_to(self, baseline: "Timing") -> float:
        return self.median_ms / baseline.median_ms

    def as_dict(self) -> dict:
        return asdict(self)


def time_calls(
    call: Callable[[], object], budget_s: float, max_runs: int = 500, min_runs: int = 5
) -> Timing:
    """Run `call` until `max_runs` or `budget_s` (but at least `min_runs`); median and p95."""
    samples: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(samples) < max_runs and (len(samples) < min_runs or time.perf_counter() < deadline):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return Timing(round(statistics.median(samples), 4), round(p95, 4), len(samples))
