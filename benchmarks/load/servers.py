"""The processes of one bench target: gunicorn serving the app, locust loading it; and the
app as the bench makes it in its own process, to seed and ask it."""

import csv
import resource
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from flask import Flask

from benchmarks.harness.processes import flags, free_port, stop, wait_for_http
from benchmarks.harness.quiet import quiet_apps
from sandbox import create_app

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
SANDBOX_APP = "sandbox:create_app()"  # what gunicorn serves, unless a target names another
PROTECTED = "/protected"
# How long locust's master waits for its workers to connect: workers that never do fail the
# run, where locust's default would wait for them forever.
WORKERS_WAIT_S = 60
# How long workers have to quit on their own once their master has ended (it tells them to).
WORKERS_QUIT_S = 15


class BenchError(Exception):
    """A reason the bench cannot run as asked."""


@dataclass(frozen=True)
class Load:
    scenario: str
    duration: int
    users: int
    locust_workers: int
    refresh_every: int = 10  # the refresh scenario: /protected calls per refresh (0: none)
    reuse_every: int = 10  # and refreshes per replay of a spent refresh token (0: never)
    path: str = PROTECTED  # the authenticated route that steady and refresh call


@dataclass(frozen=True)
class Credentials:
    usernames: list[str]
    password: str


@contextmanager
def gunicorn(
    env: dict[str, str], workers: int, threads: int, cwd: str, log: Path, app: str = SANDBOX_APP
) -> Iterator[tuple[str, psutil.Process]]:
    """gunicorn serving `app` (the sandbox's, by default) on a free loopback port, run in `cwd`.

    `cwd` is a folder of the bench's own: a `.env` where the user runs the bench must
    not fill in a setting that the throwaway instance leaves unset. What the server writes to
    stderr goes to `log`, not to the bench's terminal: each worker of each target would
    repeat its start-up warnings there (that the bench's throwaway Redis keeps nothing across
    a restart); the end of it is quoted if the server does not come up.
    """
    port = free_port()
    options = {
        "--workers": workers,
        "--threads": threads,
        "--bind": f"127.0.0.1:{port}",
        "--log-level": "warning",
    }
    command = [sys.executable, "-m", "gunicorn", *flags(options), app]
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as stderr:
        server = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr
        )
    try:
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(f"{url}/healthz", server)
        except (RuntimeError, TimeoutError) as error:
            raise BenchError(f"gunicorn did not come up: {error}{log_tail(log)}") from None
        yield url, psutil.Process(server.pid)
    finally:
        stop(server)


def bench_app(config: Mapping[str, Any]) -> Flask:
    """The app `config` configures, made in the bench's own process (to seed its users, to ask
    what it installs): the start-up warnings it would log are its servers' to log, in theirs."""
    with quiet_apps():
        return create_app(config)


def log_tail(log: Path, lines: int = 5) -> str:
    """The last lines of a server's log, to quote after the reason it failed."""
    tail = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return f"; its log ({log}) ends:\n" + "\n".join(tail[-lines:]) if tail else ""


def run_locust(url: str, load: Load, login: Credentials, csv_prefix: Path) -> float:
    """Run locust headless against `url`; the CPU seconds that locust's processes used."""
    options = {
        "--scenario": load.scenario,
        "--refresh-every": load.refresh_every,
        "--reuse-every": load.reuse_every,
        "--protected-path": load.path,
        "--usernames": ",".join(login.usernames),
        "--password": login.password,
    }
    common = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *flags(options)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with ExitStack() as stack:
        master_args: list[str] = []
        port = free_port()
        if load.locust_workers:
            distributed = {
                "--master-bind-host": "127.0.0.1",
                "--master-bind-port": port,
                "--expect-workers": load.locust_workers,
                "--expect-workers-max-wait": WORKERS_WAIT_S,
            }
            master_args = ["--master", *flags(distributed)]
        run = {
            "--host": url,
            "--users": load.users,
            "--spawn-rate": load.users,
            "--run-time": f"{load.duration}s",
            "--csv": csv_prefix,
            "--stop-timeout": 2,
        }
        workers: list[subprocess.Popen] = []
        # Nothing outlives the run, however it ends: the master stops first (callbacks run
        # last in, first out), then its workers, which may never have reached it.
        stack.callback(settle, workers, WORKERS_QUIT_S)
        master = subprocess.Popen(
            [*common, *flags(run), "--headless", "--only-summary", *master_args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        stack.callback(stop, master)
        for _ in range(load.locust_workers):
            worker = subprocess.Popen(
                [*common, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            workers.append(worker)
        try:
            _, errors = master.communicate(timeout=load.duration + WORKERS_WAIT_S + 60)
        except subprocess.TimeoutExpired:
            raise BenchError(f"locust did not finish {csv_prefix.name} in time") from None
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if not csv_prefix.with_name(csv_prefix.name + "_stats.csv").exists():
        raise BenchError(f"locust wrote no statistics for {csv_prefix.name}: {errors[-2000:]}")
    # Every user asks GET /strategy as it starts: none means no user ran (e.g. a master whose
    # workers never connected, which still writes empty statistics).
    if read_stats(csv_prefix)["requests"] == 0:
        raise BenchError(f"locust recorded no requests for {csv_prefix.name}: {errors[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def settle(processes: list[subprocess.Popen], timeout: float) -> None:
    """Give `processes` `timeout` seconds in all to exit on their own, then stop the others."""
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            stop(process)


def milliseconds(cell: str) -> float | None:
    """A percentile of locust's CSV: "N/A" when a run was too short to record one."""
    return None if cell == "N/A" else float(cell)


def read_stats(csv_prefix: Path) -> dict[str, Any]:
    with csv_prefix.with_name(csv_prefix.name + "_stats.csv").open() as f:
        rows = list(csv.DictReader(f))

    def figures(row: dict[str, str]) -> dict[str, Any]:
        return {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "rps": round(float(row["Requests/s"]), 2),
            "p50_ms": milliseconds(row["50%"]),
            "p95_ms": milliseconds(row["95%"]),
            "p99_ms": milliseconds(row["99%"]),
        }

    total = next(row for row in rows if row["Name"] == "Aggregated")
    endpoints = {
        f"{row['Type']} {row['Name']}": figures(row) for row in rows if row["Name"] != "Aggregated"
    }
    return {**figures(total), "endpoints": endpoints}
