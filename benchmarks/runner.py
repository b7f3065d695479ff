"""`auth-sandbox bench`: gunicorn per strategy, a real Redis, locust as the load, one run.

Every target (the /public baseline, each strategy, each strategy variant) runs in
the same invocation, one after the other, so that ratios hold on a noisy machine.

A target that issues refresh tokens (as its configured strategy says, or a
deployment's GET /strategy) is followed, in the steady scenario, by a phase of
refreshes only: the server CPU of a process cannot be split between the routes of
one run, so a refresh's cost is that phase's CPU per request, set against the
target's own /protected calls. `--scenario refresh` runs the client's flow instead
(calls, a refresh every N, a replay of a spent refresh token every M refreshes),
on the targets that issue refresh tokens only.
"""

import os
import sys
import tempfile
import uuid
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

from benchmarks.cpu import CPUSampler, steady_state
from benchmarks.processes import BenchError, Credentials, Load, gunicorn, read_stats, run_locust
from sandbox import create_app, extensions, provenance
from sandbox.config import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    configure,
    load_app_settings,
    throwaway_settings,
)
from sandbox.redis_server import MeasurementRedis, measurement_redis
from strategies import registry
from strategies.base import Strategy

__all__ = [
    "BASELINE",
    "BenchError",
    "Options",
    "check_store",
    "plan",
    "refresh_phases",
    "run_bench",
]

LOADTEST_PASSWORD = "load-test-password"  # noqa: S105 - seeded into a throwaway instance
BASELINE = "baseline (/public)"


@dataclass(frozen=True)
class Target:
    label: str
    strategy: str
    scenario: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    # A refresh phase: refreshes only, whose cost is set against this target's /protected calls.
    reference: str | None = None


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
    refresh_every: int = 10  # --scenario refresh: /protected calls per refresh
    reuse_every: int = 10  # --scenario refresh: refreshes per replay of a spent refresh token

    def load(self, target: Target) -> Load:
        # A refresh phase runs as long as its target, for a steady window as long as its own.
        if target.reference is not None:  # refreshes only, no replay: no login past the first
            return Load("refresh", self.duration, self.users, self.locust_workers, 0, 0)
        return Load(
            target.scenario,
            self.duration,
            self.users,
            self.locust_workers,
            self.refresh_every,
            self.reuse_every,
        )


def plan(options: Options) -> list[Target]:
    """The baseline first, then each strategy and each of its variants.

    A deployment (`--host`) runs as it is configured: no variant can be applied to it.
    """
    targets = [Target(BASELINE, options.strategies[0], "public")]
    for name in options.strategies:
        targets.append(Target(name, name, options.scenario))
        variants = {} if options.host else registry.load(name).variants
        targets += [
            Target(f"{name} + {variant}", name, options.scenario, settings)
            for variant, settings in variants.items()
        ]
    return targets


def refresh_phases(
    targets: list[Target], options: Options, refresh_tokens: Mapping[str, bool], source: str
) -> tuple[list[Target], list[str]]:
    """The targets to run, given which of them issue refresh tokens, and lines on those left out.

    `refresh_tokens` is each target's fact (from `source`), never guessed from a name.
    The steady scenario runs a refresh phase right after each target that issues them;
    `--scenario refresh` runs only those targets, and the baseline.
    """
    if options.scenario == "refresh":
        kept = [t for t in targets if t.label == BASELINE or refresh_tokens.get(t.label)]
        left_out = [t.label for t in targets if t not in kept]
        if len(kept) == 1:
            raise BenchError(
                f"the refresh scenario needs refresh tokens, and none of {', '.join(left_out)} "
                f"issues them ({source}); the jwt strategy does with REFRESH_TOKEN_TTL"
            )
        skipped = (
            [
                f"Not run in the refresh scenario, as they issue no refresh tokens ({source}): "
                f"{', '.join(left_out)}."
            ]
            if left_out
            else []
        )
        return kept, skipped
    if options.scenario != "steady":
        return targets, []
    planned = []
    for target in targets:
        planned.append(target)
        if target.label != BASELINE and refresh_tokens.get(target.label):
            planned.append(
                Target(
                    f"{target.label} (POST /token/refresh)",
                    target.strategy,
                    "refresh",
                    target.settings,
                    reference=target.label,
                )
            )
    return planned, []


def check_store(store: MeasurementRedis, workers: int, configured: Mapping[str, Strategy]) -> None:
    """Without a real Redis, a target that stores tokens may only run on one worker."""
    stateful = [label for label, strategy in configured.items() if strategy.stateful]
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
            extensions.users(app).ensure(name, LOADTEST_PASSWORD)
    return names


def server_env(config: Mapping[str, Any]) -> dict[str, str]:
    """The environment of a server that reads exactly `config` (its declared settings)."""
    env = {k: v for k, v in os.environ.items() if k not in config}
    env.update({k: str(v) for k, v in config.items() if v is not None})
    return env


def measure_target(
    target: Target,
    options: Options,
    config: Mapping[str, Any] | None,
    login: Credentials,
    rawdir: Path,
) -> dict[str, Any]:
    """One target's run; `config` None loads the deployment at `options.host` instead."""
    csv_prefix = rawdir / target.label.replace(" ", "_").replace("/", "")
    csv_prefix.parent.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "target": target.label,
        "strategy": target.strategy,
        "scenario": target.scenario,
        "settings": dict(target.settings),
    }
    load = options.load(target)
    result["duration_s"] = load.duration
    if target.reference is not None:
        result["reference"] = target.reference
    elif target.scenario == "refresh":
        result["refresh_every"], result["reuse_every"] = load.refresh_every, load.reuse_every
    sampler = None
    with ExitStack() as stack:
        url = options.host
        if config is not None:  # a deployment's server CPU cannot be read
            url, server = stack.enter_context(
                gunicorn(
                    server_env(config), options.workers, options.threads, config["INSTANCE_PATH"]
                )
            )
            sampler = stack.enter_context(CPUSampler(server))
        assert url is not None
        locust_cpu = run_locust(url, load, login, csv_prefix)
    result |= read_stats(csv_prefix)
    result["locust_cpu_s"] = round(locust_cpu, 2)
    result["locust_cpu_per_process"] = round(
        locust_cpu / load.duration / max(options.locust_workers, 1), 3
    )
    result |= steady_state(csv_prefix, load.duration, options.users, sampler, result["requests"])
    return result


def run_bench(options: Options, outdir: Path, progress: Callable[[str], None]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    if options.host:
        facts = requests.get(f"{options.host}/strategy", timeout=10).json()
        options = Options(**{**asdict(options), "strategies": [facts["name"]]})
    targets = plan(options)
    settings = load_app_settings()
    configs: dict[str, dict[str, Any] | None] = {t.label: None for t in targets}
    refresh_tokens = {t.label: bool(facts.get("refresh_tokens")) for t in targets}
    source = "says the deployment's GET /strategy"
    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="auth-sandbox-bench-"))
        prefix = f"auth-sandbox-bench:{uuid.uuid4().hex[:8]}:"
        if options.host:  # its servers, its Redis and its users are the deployment's own
            store = MeasurementRedis(None, "the deployment's own")
            login = Credentials([DEMO_USERNAME], DEMO_PASSWORD)
        else:
            store = stack.enter_context(measurement_redis(settings["REDIS_URL"], prefix))
            instance = os.path.join(workdir, "instance")
            configs = {
                t.label: throwaway_settings(t.strategy, instance, store.url, prefix, **t.settings)
                for t in targets
            }
            strategies = {label: configure(c).strategy for label, c in configs.items() if c}
            check_store(store, options.workers, strategies)
            refresh_tokens = {label: s.refresh_tokens for label, s in strategies.items()}
            source = "says each configured strategy"
        targets, skipped = refresh_phases(targets, options, refresh_tokens, source)
        for target in targets:  # a phase runs its target's configuration
            configs.setdefault(target.label, configs[target.reference or target.label])
        seeded = configs[targets[0].label]
        if seeded is not None:  # not a deployment: the throwaway instance needs its users
            progress("seeding the load-test users")
            login = Credentials(seed_users(seeded, options.users), LOADTEST_PASSWORD)
        # Rounds interleave the targets, so that a slow spell of the machine hits them alike.
        rounds: list[list[dict[str, Any]]] = []
        steps = len(targets) * options.rounds
        for round_number in range(1, options.rounds + 1):
            results = []
            for number, target in enumerate(targets, 1):
                step = (round_number - 1) * len(targets) + number
                progress(
                    f"[{step}/{steps}] {target.label}: {options.duration} s of "
                    f"{target.scenario}, {options.users} users"
                )
                raw = outdir / "raw" / f"round{round_number}"
                config = configs[target.label]
                results.append(measure_target(target, options, config, login, raw))
            rounds.append(results)
    return {
        "environment": {
            "machine": f"{os.uname().sysname} {os.uname().machine}, {os.cpu_count()} CPUs",
            "python": sys.version.split()[0],
            "token_store": store.label,
            # A deployment's password hash is its own, and cannot be seen from here.
            "password_hash": None if options.host else settings["PASSWORD_HASH_METHOD"],
            "commit": provenance.commit(),
            "command": provenance.command(),
        },
        "options": asdict(options),
        "skipped": skipped,
        "rounds": rounds,
    }
