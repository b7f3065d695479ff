"""The server's CPU time, sampled while locust loads it, and the run's steady-state window.

Throughput on a machine where locust and the server share the CPUs mostly measures
locust, so the server's own CPU time per request is measured too (psutil, the
gunicorn master and its workers).
"""

import bisect
import csv
import threading
import time
from pathlib import Path
from typing import Any

import psutil


def cpu_seconds(process: psutil.Process) -> float:
    """CPU time of a process and all its children still alive (gunicorn's master and workers)."""
    total = 0.0
    for p in [process, *process.children(recursive=True)]:
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


class CPUSampler:
    """Samples a server's CPU seconds in the background, to read them at any moment of the run."""

    INTERVAL_S = 0.1

    def __init__(self, server: psutil.Process):
        self.server = server
        self.samples: list[tuple[float, float]] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._done.is_set():
            self.samples.append((time.time(), cpu_seconds(self.server)))
            self._done.wait(self.INTERVAL_S)

    def __enter__(self) -> "CPUSampler":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.samples.append((time.time(), cpu_seconds(self.server)))

    def at(self, moment: float) -> float:
        """CPU seconds at `moment`, interpolated between the samples around it."""
        times = [t for t, _ in self.samples]
        i = min(max(bisect.bisect_left(times, moment), 1), len(times) - 1)
        (t0, c0), (t1, c1) = self.samples[i - 1], self.samples[i]
        return c0 + (c1 - c0) * (moment - t0) / (t1 - t0) if t1 > t0 else c1


Point = tuple[int, int]  # (timestamp, total requests so far)


def steady_window(csv_prefix: Path, users: int, warmup_s: float) -> tuple[Point, Point] | None:
    """(timestamp, total requests) at the start and the end of the run's steady state.

    Locust writes a cumulative row each second; the window opens `warmup_s` after all
    users are running (their logins and the servers' first requests are behind them)
    and closes at the last full-load row. None when the run is too short for one.
    """
    with csv_prefix.with_name(csv_prefix.name + "_stats_history.csv").open() as f:
        rows = [
            (int(row["Timestamp"]), int(row["Total Request Count"]))
            for row in csv.DictReader(f)
            if row["Name"] == "Aggregated" and int(row["User Count"]) == users
        ]
    if not rows:
        return None
    start = next((row for row in rows if row[0] >= rows[0][0] + warmup_s), None)
    end = rows[-1]
    return (start, end) if start and end[0] - start[0] >= 1 and end[1] > start[1] else None


def steady_state(
    csv_prefix: Path, duration: int, users: int, sampler: CPUSampler | None, total_requests: int
) -> dict[str, Any]:
    """Throughput and server CPU per request once every user runs, past a warm-up.

    Logins at the start cost a password hash each; counted over the whole run they
    would weigh on every token strategy by how short the run is.
    """
    warmup_s = max(2.0, duration * 0.2)
    window = steady_window(csv_prefix, users, warmup_s)
    cpu_used = None
    if window:
        (t0, n0), (t1, n1) = window
        requests, seconds = n1 - n0, t1 - t0
        note = f"steady state: {seconds} s after a {warmup_s:g} s warm-up"
        if sampler is not None:
            cpu_used = sampler.at(t1) - sampler.at(t0)
    else:
        requests, seconds = total_requests, duration
        note = "whole run, logins included (too short for a steady-state window)"
        if sampler is not None:
            cpu_used = sampler.samples[-1][1] - sampler.samples[0][1]
    return {
        "window": note,
        "steady_window": window is not None,
        "steady_rps": round(requests / seconds, 2) if seconds else 0.0,
        "server_cpu_ms_per_request": (
            round(cpu_used * 1000 / requests, 3) if cpu_used is not None and requests else None
        ),
    }
