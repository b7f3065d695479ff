"""A latency cell (requests timed until a count or a time budget), a straight line through
a configuration's medians, and what the proxy really adds at each RTT (its calibration)."""

import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import redis

from benchmarks.compare.timing import MAX_RUNS, MIN_RUNS, Timing, time_calls, time_in_turn
from benchmarks.harness.delay_proxy import DelayProxy
from benchmarks.latency import key

# Per cell, as compare's timings: a median of fewer than MIN_REQUESTS says little.
MAX_REQUESTS, MIN_REQUESTS = MAX_RUNS, MIN_RUNS
PINGS = 30  # per RTT, through the proxy and direct, alternately


@dataclass(frozen=True)
class Cell:
    median_ms: float
    p95_ms: float
    samples: int
    first_ms: float | None = None  # the request before the timed ones, timed alone

    @classmethod
    def of(cls, timing: Timing, first_ms: float | None = None) -> "Cell":
        return cls(
            round(timing.median_ms, 3),
            round(timing.p95_ms, 3),
            timing.samples,
            None if first_ms is None else round(first_ms, 3),
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def time_cell(call: Callable[[], int], budget_s: float, first: bool = False) -> Cell:
    """`call` (a request: its status, which must be 200) until MAX_REQUESTS or `budget_s`, at
    least MIN_REQUESTS; with `first`, one more before them, timed apart (a fetch, a miss)."""
    first_ms = _timed(call) if first else None
    return Cell.of(time_calls(lambda: _checked(call()), budget_s), first_ms)


def time_cells_in_turn(
    call: Callable[[], int], settings: Sequence[Callable[[], None]], budget_s: float
) -> list[Cell]:
    """`call` after each of `settings` (an RTT the proxies take), in turn: one request after
    each, then again, until MAX_REQUESTS or `budget_s` each (at least MIN_REQUESTS). A slow
    spell of the machine falls on every setting alike, so that the line through their medians
    holds: basic's scrypt drifted more between RTTs timed one after another than its two
    round trips add at 20 ms."""

    def after(setting: Callable[[], None]) -> Callable[[], None]:
        def timed() -> None:
            setting()  # an attribute set: nothing next to the request it precedes
            _checked(call())

        return timed

    return [Cell.of(timing) for timing in time_in_turn([after(s) for s in settings], budget_s)]


def _checked(status: int) -> None:
    if status != 200:  # the measurement itself went wrong: never a figure
        raise RuntimeError(f"a timed request answered {status}, not 200")


def _timed(call: Callable[[], int]) -> float:
    started = time.perf_counter()
    status = call()
    elapsed = (time.perf_counter() - started) * 1000
    _checked(status)
    return elapsed


@dataclass(frozen=True)
class Fit:
    """median ≈ intercept_ms + slope * RTT (least squares)."""

    intercept_ms: float
    slope: float  # ms per ms of RTT

    def at(self, rtt: float) -> float:
        return self.intercept_ms + self.slope * rtt

    def as_dict(self) -> dict[str, float]:
        return {"intercept_ms": round(self.intercept_ms, 3), "slope": round(self.slope, 3)}


def fit(points: Mapping[float, float]) -> Fit | None:
    """The least-squares line through (RTT, ms); None with fewer than two RTTs."""
    if len(points) < 2:
        return None
    xs, ys = list(points), list(points.values())
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return Fit(mean_y - slope * mean_x, slope)


def medians(cells: Mapping[str, Mapping[str, Any]], rtts: list[float]) -> dict[float, float]:
    """{RTT: median_ms} of the cells keyed by `key(RTT)`, where measured."""
    return {rtt: cells[key(rtt)]["median_ms"] for rtt in rtts if key(rtt) in cells}


def calibrate(redis_port: int, proxy: DelayProxy, rtts: list[float]) -> dict[str, Any]:
    """What the proxy adds to a Redis PING at each RTT: the median through it less the median
    direct, PINGS of each, alternately, on connections made before (redis-py, as the app's)."""
    direct = redis.Redis(port=redis_port)
    proxied = redis.Redis(port=proxy.port)
    added: dict[str, Any] = {}
    try:
        for rtt in rtts:
            proxy.rtt_ms = rtt
            direct.ping()
            proxied.ping()
            mine: list[float] = []
            theirs: list[float] = []
            for _ in range(PINGS):
                for client, samples in ((proxied, mine), (direct, theirs)):
                    started = time.perf_counter()
                    client.ping()
                    samples.append((time.perf_counter() - started) * 1000)
            through, straight = statistics.median(mine), statistics.median(theirs)
            added[key(rtt)] = {
                "through_proxy_ms": round(through, 3),
                "direct_ms": round(straight, 3),
                "added_ms": round(through - straight, 3),
            }
    finally:
        proxy.rtt_ms = 0
        direct.close()
        proxied.close()
    line = fit({rtt: added[key(rtt)]["added_ms"] for rtt in rtts})
    return {
        "method": f"Redis PING, {PINGS} through the proxy and {PINGS} direct, alternately; "
        "the difference of the medians",
        "by_rtt": added,
        # ms added per ms of RTT asked for: what turns k round trips into k * this * RTT
        "slope": round(line.slope, 3) if line else 1.0,
        # the proxy's own hop: as measured at RTT 0 where it was, else where the line meets 0
        "at_zero_ms": added[key(0.0)]["added_ms"]
        if key(0.0) in added
        else (round(line.intercept_ms, 3) if line else None),
    }
