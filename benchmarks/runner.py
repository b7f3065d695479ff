"""`auth-sandbox bench`: gunicorn per strategy, a real Redis, locust as the load, one run.

Every target (the /public baseline, each strategy, each strategy variant) runs in
the same invocation, one after the other, so that ratios hold on a noisy machine.
Throughput on a machine where locust and the server share the CPUs mostly measures
locust, so the server's own CPU time per request is measured too (psutil, the
gunicorn master and its workers).
"""

import bisect
import csv
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import requests

from sandbox import create_app
from sandbox.config import DEFAULTS, DEMO_PASSWORD, DEMO_USERNAME, load_settings
from sandbox.processes import free_port, stop, wait_for_http
from sandbox.redis_server import MeasurementRedis, measurement_redis
from strategies import registry

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
LOADTEST_PASSWORD = "load-test-password"  # noqa: S105 - seeded into a throwaway instance
BASELINE = "baseline (/public)"


class BenchError(Exception):
    """A reason the bench cannot run as asked."""


@dataclass(frozen=True)
class Target:
    label: str
    strategy: str
    scenario: str
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Options:
    strategies: list[str]
    scenario: str = "steady"
    duration: int = 10
    users: int = 20
    workers: int = 2
    threads: int = 1
    locust_workers: int = 0
    host: str | None = None
    rounds: int = 1


def plan(options: Options) -> list[Target]:
    """The baseline first, then each strategy and each of its variants.

    A deployment (`--host`) runs as it is configured: no variant can be applied to it.
    """
    targets = [Target(BASELINE, options.strategies[0], "public")]
    for name in options.strategies:
        targets.append(Target(name, name, options.scenario))
        variants = {} if options.host else registry.load(name).variants
        targets += [Target(f"{name} + {variant}", name, options.scenario, settings)
                    for variant, settings in variants.items()]  # fmt: skip
    return targets


def check_store(store: MeasurementRedis, workers: int, strategies: list[str]) -> None:
    """Without a real Redis, a strategy that stores tokens may only run on one worker."""
    stateful = [name for name in strategies if registry.load(name).stateful]
    if store.url is None and stateful and workers > 1:
        raise BenchError(
            f"{', '.join(stateful)} keeps tokens in a store, and with neither REDIS_URL nor "
            "redis-server each gunicorn worker would get its own in-process fakeredis: a "
            "token issued by one worker would be unknown to the others. Set REDIS_URL, "
            "install redis-server, or use --workers 1."
        )


def seed_users(config: dict[str, Any], count: int) -> list[str]:
    app = create_app(config)
    names = [f"loadtest-{i}" for i in range(count)]
    with app.app_context():
        for name in names:
            app.extensions["auth_sandbox.users"].ensure(name, LOADTEST_PASSWORD)
    return names


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

    def __exit__(self, *_exc) -> None:
        self._done.set()
        self._thread.join()
        self.samples.append((time.time(), cpu_seconds(self.server)))

    def at(self, moment: float) -> float:
        """CPU seconds at `moment`, interpolated between the samples around it."""
        times = [t for t, _ in self.samples]
        i = min(max(bisect.bisect_left(times, moment), 1), len(times) - 1)
        (t0, c0), (t1, c1) = self.samples[i - 1], self.samples[i]
        return c0 + (c1 - c0) * (moment - t0) / (t1 - t0) if t1 > t0 else c1


def steady_window(csv_prefix: Path, users: int, warmup_s: float) -> tuple[tuple[int, int], ...]:
    """(timestamp, total requests) at the start and the end of the run's steady state.

    Locust writes a cumulative row each second; the window opens `warmup_s` after all
    users are running (their logins and the servers' first requests are behind them)
    and closes at the last full-load row. Empty when the run is too short for one.
    """
    with csv_prefix.with_name(csv_prefix.name + "_stats_history.csv").open() as f:
        rows = [(int(row["Timestamp"]), int(row["Total Request Count"]))
                for row in csv.DictReader(f)
                if row["Name"] == "Aggregated" and int(row["User Count"]) == users]  # fmt: skip
    if not rows:
        return ()
    start = next((row for row in rows if row[0] >= rows[0][0] + warmup_s), None)
    end = rows[-1]
    return (start, end) if start and end[0] - start[0] >= 1 and end[1] > start[1] else ()


@contextmanager
def gunicorn(env: dict[str, str], options: Options) -> Iterator[tuple[str, psutil.Process]]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(options.workers),
         "--threads", str(options.threads), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "sandbox:create_app()"],
        env=env, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(f"{url}/healthz", server)
        except (RuntimeError, TimeoutError) as error:
            raise BenchError(f"gunicorn did not come up: {error}") from None
        yield url, psutil.Process(server.pid)
    finally:
        stop(server)


@dataclass(frozen=True)
class Credentials:
    usernames: list[str]
    password: str


def run_locust(url: str, target: Target, options: Options, login: Credentials, csv_prefix: Path
               ) -> float:  # fmt: skip
    """Run locust headless against `url`; the CPU seconds that locust's processes used."""
    common = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--scenario", target.scenario,
              "--usernames", ",".join(login.usernames), "--password", login.password]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with ExitStack() as stack:
        master_args = []
        if options.locust_workers:
            port = free_port()
            master_args = ["--master", "--master-bind-host", "127.0.0.1", "--master-bind-port",
                           str(port), "--expect-workers", str(options.locust_workers)]  # fmt: skip
        master = subprocess.Popen(
            [*common, "--host", url, "--headless", "--users", str(options.users),
             "--spawn-rate", str(options.users), "--run-time", f"{options.duration}s",
             "--csv", str(csv_prefix), "--only-summary", "--stop-timeout", "2", *master_args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        for _ in range(options.locust_workers):
            worker = subprocess.Popen(
                [*common, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            stack.callback(worker.wait, 30)
        _, errors = master.communicate(timeout=options.duration + 120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if not csv_prefix.with_name(csv_prefix.name + "_stats.csv").exists():
        raise BenchError(f"locust wrote no statistics for {target.label}: {errors[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def read_stats(csv_prefix: Path) -> dict[str, Any]:
    with csv_prefix.with_name(csv_prefix.name + "_stats.csv").open() as f:
        rows = list(csv.DictReader(f))

    def figures(row: dict[str, str]) -> dict[str, Any]:
        return {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "rps": round(float(row["Requests/s"]), 2),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "p99_ms": float(row["99%"]),
        }

    total = next(row for row in rows if row["Name"] == "Aggregated")
    endpoints = {f"{row['Type']} {row['Name']}": figures(row)
                 for row in rows if row["Name"] != "Aggregated"}  # fmt: skip
    return {**figures(total), "endpoints": endpoints}


def server_env(config: dict[str, Any]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DEFAULTS}
    env.update({k: str(v) for k, v in config.items() if k in DEFAULTS and v is not None})
    return env


def measure_target(target: Target, options: Options, base: dict[str, Any], login: Credentials,
                   rawdir: Path, url: str | None) -> dict[str, Any]:  # fmt: skip
    csv_prefix = rawdir / target.label.replace(" ", "_").replace("/", "")
    csv_prefix.parent.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"target": target.label, "strategy": target.strategy,
                              "scenario": target.scenario, "settings": target.settings}  # fmt: skip
    sampler = None
    if url is not None:  # an existing deployment: no server CPU to read
        locust_cpu = run_locust(url, target, options, login, csv_prefix)
    else:
        config = {**base, "AUTH_STRATEGY": target.strategy, **target.settings}
        with ExitStack() as stack:
            server_url, server = stack.enter_context(gunicorn(server_env(config), options))
            sampler = stack.enter_context(CPUSampler(server))
            locust_cpu = run_locust(server_url, target, options, login, csv_prefix)
    result |= read_stats(csv_prefix)
    result["locust_cpu_s"] = round(locust_cpu, 2)
    result["locust_cpu_per_process"] = round(locust_cpu / options.duration
                                             / max(options.locust_workers, 1), 3)  # fmt: skip
    result |= steady_state(csv_prefix, options, sampler, result["requests"])
    return result


def steady_state(csv_prefix: Path, options: Options, sampler: CPUSampler | None,
                 total_requests: int) -> dict[str, Any]:  # fmt: skip
    """Throughput and server CPU per request once every user runs, past a warm-up.

    Logins at the start cost a password hash each; counted over the whole run they
    would weigh on every token strategy by how short the run is.
    """
    warmup_s = max(2.0, options.duration * 0.2)
    window = steady_window(csv_prefix, options.users, warmup_s)
    cpu_used = None
    if window:
        (t0, n0), (t1, n1) = window
        requests, seconds = n1 - n0, t1 - t0
        note = f"steady state: {seconds} s after a {warmup_s:g} s warm-up"
        if sampler is not None:
            cpu_used = sampler.at(t1) - sampler.at(t0)
    else:
        requests, seconds = total_requests, options.duration
        note = "whole run, logins included (too short for a steady-state window)"
        if sampler is not None:
            cpu_used = sampler.samples[-1][1] - sampler.samples[0][1]
    return {
        "window": note,
        "steady_rps": round(requests / seconds, 2) if seconds else 0.0,
        "server_cpu_ms_per_request": (
            round(cpu_used * 1000 / requests, 3) if cpu_used is not None and requests else None
        ),
    }


def run_bench(options: Options, outdir: Path, progress: Callable[[str], None]) -> dict[str, Any]:
    if options.host:
        facts = requests.get(f"{options.host}/strategy", timeout=10).json()
        options = Options(**{**options.__dict__, "strategies": [facts["name"]]})
    targets = plan(options)
    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="auth-sandbox-bench-"))
        prefix = f"auth-sandbox-bench:{uuid.uuid4().hex[:8]}:"
        if options.host:  # its servers and its Redis are the deployment's own
            store = MeasurementRedis(None, "the deployment's own")
        else:
            store = stack.enter_context(measurement_redis(load_settings()["REDIS_URL"], prefix))
            check_store(store, options.workers, options.strategies)
        base = {
            **load_settings(),
            "SANDBOX_ENV": "development",
            "INSTANCE_PATH": os.path.join(workdir, "instance"),
            "DATABASE_URL": None,
            "JWT_SECRET_KEY": None,
            "REDIS_URL": store.url,
            "REDIS_KEY_PREFIX": prefix,
        }
        if options.host:  # a deployment in development mode has the lesson's demo user
            login = Credentials([DEMO_USERNAME], DEMO_PASSWORD)
        else:
            progress("seeding the load-test users")
            first = {**base, "AUTH_STRATEGY": options.strategies[0]}
            login = Credentials(seed_users(first, options.users), LOADTEST_PASSWORD)
        # Rounds interleave the targets, so that a slow spell of the machine hits them alike.
        rounds: list[list[dict[str, Any]]] = []
        steps = len(targets) * options.rounds
        for round_number in range(1, options.rounds + 1):
            results = []
            for number, target in enumerate(targets, 1):
                step = (round_number - 1) * len(targets) + number
                progress(f"[{step}/{steps}] {target.label}: {options.duration} s of "
                         f"{target.scenario}, {options.users} users")  # fmt: skip
                raw = outdir / "raw" / f"round{round_number}"
                results.append(measure_target(target, options, base, login, raw, options.host))
            rounds.append(results)
    return {
        "environment": {
            "machine": f"{os.uname().sysname} {os.uname().machine}, {os.cpu_count()} CPUs",
            "python": sys.version.split()[0],
            "token_store": store.label,
            "password_hash": base["PASSWORD_HASH_METHOD"],
        },
        "options": options.__dict__,
        "rounds": rounds,
    }
