"""A cross-check of the bench with another load generator: wrk instead of locust.

    python -m benchmarks.load.crosscheck --rounds 3 --duration 10

Locust and wrk have disagreed on a strategy's ratio by a tenth; a target that both call met
is met by the server, not by the load generator. For the `/public` baseline and each chosen
configuration it starts gunicorn as the bench does (a throwaway instance, its users seeded,
the bench's Redis: REDIS_URL, else a private redis-server), logs in once, and runs wrk with
that token's Authorization header for `--duration` seconds, after a short warm-up that is not
counted. It reads wrk's requests per second and the server's CPU time (master and workers,
psutil) over the run, and prints both as ratios to the baseline of the same round; the
targets are interleaved in each round, and the table holds the medians over the rounds.
"""

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from benchmarks import measurable
from benchmarks.harness.redis_server import StoreUnreachable, measurement_redis
from benchmarks.load.cpu import cpu_seconds
from benchmarks.load.plan import BASELINE
from benchmarks.load.runner import LOADTEST_PASSWORD, check_store, seed_users, server_env
from benchmarks.load.servers import PROTECTED, BenchError, gunicorn
from sandbox.config import configure, load_app_settings, throwaway_settings
from strategies.registry import BrokenStrategy, UnknownStrategy

DEFAULT_TARGETS = (
    "bearer",
    "bearer + tracking",
    "jwt",  # what the denylist's cached variant is set against: a signature's cost
    "jwt + denylist",
    "jwt + denylist + tracking",
    "jwt + denylist + tracking + cache",
)
# wrk ends its run on its own; this much more and it is stopped as hung.
WRK_GRACE_S = 30
# Each worker's first requests import lazily loaded modules and fill its cache: the bench's
# steady window leaves them out, and so does this warm-up.
WARMUP_S = 2


@dataclass(frozen=True)
class Target:
    label: str
    strategy: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    path: str = PROTECTED


@dataclass(frozen=True)
class Run:
    rps: float
    cpu_ms: float  # the server's CPU time per request


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load.crosscheck",
        description="Server CPU per request and throughput against /public, loaded by wrk.",
    )
    parser.add_argument(
        "--strategies",
        default=",".join(DEFAULT_TARGETS),
        help="Comma-separated configuration labels, as the bench names them "
        "(e.g. 'bearer,jwt + denylist'); default: %(default)s.",
    )
    parser.add_argument("--duration", type=int, default=10, help="Seconds of wrk per target.")
    parser.add_argument("--connections", type=int, default=20, help="wrk's open connections.")
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads.")
    parser.add_argument("--rounds", type=int, default=3, help="Interleaved rounds; medians.")
    parser.add_argument("--warmup", type=int, default=WARMUP_S, help="Uncounted seconds first.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
    args = parser.parse_args(argv)
    for name in ("duration", "connections", "threads", "rounds", "workers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.connections < args.threads:
        parser.error("wrk needs at least one connection per thread")
    return args


def resolve(labels: Sequence[str]) -> list[Target]:
    """The baseline, then each label's configuration as benchmarks.measurable names it."""
    if not labels:
        raise BenchError("no configuration to measure: --strategies is empty")
    names = list(dict.fromkeys(label.split(" + ")[0] for label in labels))
    try:
        known = {c.label: c for c in measurable.configurations(names)}
    except (UnknownStrategy, BrokenStrategy) as error:
        raise BenchError(str(error)) from None
    unknown = [label for label in labels if label not in known]
    if unknown:
        raise BenchError(f"unknown configuration {', '.join(unknown)}; known: {', '.join(known)}")
    chosen = [Target(label, known[label].name, known[label].settings) for label in labels]
    return [Target(BASELINE, chosen[0].strategy, path="/public"), *chosen]


def log_in(url: str) -> str:
    """The Authorization header of one login as the first seeded user."""
    body = {"username": "loadtest-0", "password": LOADTEST_PASSWORD}
    response = requests.post(f"{url}/token", json=body, timeout=30)
    if response.status_code != 200:
        raise BenchError(f"login at {url} answered {response.status_code}: {response.text[:200]}")
    token = response.json()
    return f"{token['token_type']} {token['token']}"


def lua_script(folder: Path, header: str | None) -> Path:
    """A wrk script that sends `header` as Authorization on every request (none: no header)."""
    script = folder / "headers.lua"
    # A JSON string of ASCII is a valid Lua string literal: quotes and backslashes escaped.
    line = f"wrk.headers['Authorization'] = {json.dumps(header)}\n" if header else ""
    script.write_text(line)
    return script


def parse_wrk(output: str) -> tuple[int, float]:
    """wrk's count of requests and its requests per second; BenchError on failed requests."""
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad:  # a refused token costs less than an accepted one: its figures would flatter
        raise BenchError(f"wrk got {bad.group(1)} non-2xx answers:\n{output}")
    errors = re.search(r"Socket errors: (.*)", output)
    if errors and re.search(r"(connect|read|write|timeout) [1-9]", errors.group(1)):
        raise BenchError(f"wrk reported socket errors ({errors.group(1)}):\n{output}")
    count = re.search(r"(\d+) requests in", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not count or not rate:
        raise BenchError(f"wrk's output has no request count:\n{output}")
    return int(count.group(1)), float(rate.group(1))


def wrk(url: str, script: Path, args: argparse.Namespace, seconds: int) -> str:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s"]
    try:
        done = subprocess.run(
            [*command, "-s", str(script), url],
            capture_output=True,
            text=True,
            timeout=seconds + WRK_GRACE_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"wrk did not finish within {seconds + WRK_GRACE_S} s") from None
    if done.returncode != 0:
        raise BenchError(f"wrk exited with {done.returncode}: {done.stderr.strip()[-500:]}")
    return done.stdout


def measure(target: Target, config: Mapping[str, Any], args: argparse.Namespace) -> Run:
    """One target's run: its own gunicorn, one login, a warm-up, then the counted wrk run."""
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="crosscheck-")))
        url, server = stack.enter_context(
            gunicorn(
                server_env(config), args.workers, 1, config["INSTANCE_PATH"], folder / "server.log"
            )
        )
        header = None if target.path == "/public" else log_in(url)
        script = lua_script(folder, header)
        if args.warmup:
            parse_wrk(wrk(url + target.path, script, args, args.warmup))
        before = cpu_seconds(server)
        requests_done, rps = parse_wrk(wrk(url + target.path, script, args, args.duration))
        used = cpu_seconds(server) - before
    return Run(rps, used * 1000 / requests_done)


def run_rounds(targets: list[Target], args: argparse.Namespace) -> list[dict[str, Run]]:
    """Every target once per round, in turn, so that a slow spell of the machine hits all."""
    rounds: list[dict[str, Run]] = []
    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="auth-sandbox-wrk-"))
        prefix = f"auth-sandbox-crosscheck:{uuid.uuid4().hex[:8]}:"
        redis_url = load_app_settings()["REDIS_URL"]  # as the bench: REDIS_URL, else its own
        store = stack.enter_context(measurement_redis(redis_url, prefix))
        instance = str(Path(workdir) / "instance")
        configs = {
            t.label: throwaway_settings(t.strategy, instance, store.url, prefix, **t.settings)
            for t in targets
        }
        check_store(store, args.workers, {k: configure(c).strategy for k, c in configs.items()})
        seed_users(configs[targets[0].label], 1)
        progress(f"token store: {store.label}")
        steps = len(targets) * args.rounds
        for number in range(args.rounds):
            results = {}
            for index, target in enumerate(targets, 1):
                progress(f"[{number * len(targets) + index}/{steps}] {target.label}")
                run = results[target.label] = measure(target, configs[target.label], args)
                # Each round's figures, for the spread that the medians hide.
                progress(f"  {run.rps:.1f} requests/s, {run.cpu_ms:.3f} ms of CPU a request")
            rounds.append(results)
    return rounds


def summarise(rounds: list[dict[str, Run]]) -> list[dict[str, Any]]:
    """Per target, the medians over rounds of its figures and of its ratios to that round's
    baseline (a ratio within one round, where the machine's mood is the same for both)."""
    rows = []
    for label in rounds[0]:
        runs = [(r[label], r[BASELINE]) for r in rounds]
        rows.append(
            {
                "target": label,
                "rps": statistics.median(run.rps for run, _ in runs),
                "cpu_ms": statistics.median(run.cpu_ms for run, _ in runs),
                "rps_ratio": statistics.median(run.rps / base.rps for run, base in runs),
                "cpu_ratio": statistics.median(run.cpu_ms / base.cpu_ms for run, base in runs),
            }
        )
    return rows


def table(rows: list[dict[str, Any]], rounds: int) -> str:
    width = max(len(row["target"]) for row in rows)
    lines = [
        f"{'target':<{width}}  {'requests/s':>10}  {'CPU ms/req':>10}  "
        f"{'throughput':>10}  {'CPU':>6}",
    ]
    for row in rows:
        lines.append(
            f"{row['target']:<{width}}  {row['rps']:>10.1f}  {row['cpu_ms']:>10.3f}  "
            f"{row['rps_ratio']:>9.2f}x  {row['cpu_ratio']:>5.2f}x"
        )
    lines.append(f"(medians of {rounds} rounds; ratios to the baseline of the same round)")
    return "\n".join(lines)


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not on the PATH: install it (apt-get install wrk)", file=sys.stderr)
        return 2
    try:
        targets = resolve([label.strip() for label in args.strategies.split(",") if label.strip()])
        rounds = run_rounds(targets, args)
    except (BenchError, StoreUnreachable) as error:
        print(f"crosscheck: {error}", file=sys.stderr)
        return 1
    print(table(summarise(rounds), args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
