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

Beside each target that runs a strategy as it comes (no variant) and verifies
with flask-jwt-extended (its app installs the extension, and keeps no state per
request), a peer runs in the steady scenario: the same app and configuration with
the lesson's route, `@jwt_required()` (benchmarks/load/peer_app.py), so that the
strategy's own verification is measured against the library's in the same run.
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

from benchmarks.harness import provenance
from benchmarks.harness.redis_server import MeasurementRedis, measurement_redis
from benchmarks.load import peer_app
from benchmarks.load.cpu import CPUSampler, steady_state
from benchmarks.load.servers import (
    PROTECTED,
    SANDBOX_APP,
    BenchError,
    Credentials,
    Load,
    gunicorn,
    read_stats,
    run_locust,
)
from sandbox import create_app, extensions
from sandbox.config import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    configure,
    load_app_settings,
    throwaway_settings,
)
from strategies import registry
from strategies.base import Strategy

__all__ = [
    "BASELINE",
    "BenchError",
    "Options",
    "check_store",
    "peers",
    "plan",
    "refresh_phases",
    "run_bench",
]

LOADTEST_PASSWORD = "load-test-password"  # noqa: S105 - seeded into a throwaway instance
BASELINE = "baseline (/public)"
PEER = "flask-jwt-extended's @jwt_required"  # a peer's label: "jwt (flask-jwt-extended's ...)"


@dataclass(frozen=True)
class LoadTarget:
    label: str
    strategy: str
    scenario: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    # A refresh phase: refreshes only, whose cost is set against this target's /protected calls.
    reference: str | None = None
    # A peer: this target's configuration served by another app (gunicorn's `app`), whose
    # authenticated route (`path`) is set against the /protected calls of `peer_of`.
    peer_of: str | None = None
    app: str = SANDBOX_APP
    path: str = PROTECTED

    @property
    def configuration(self) -> str:
        """The label of the target whose configuration this one runs."""
        return self.reference or self.peer_of or self.label


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
    peers: bool = True  # steady: the @jwt_required peer beside the targets it applies to

    def load(self, target: LoadTarget) -> Load:
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
            target.path,
        )


def plan(options: Options) -> list[LoadTarget]:
    """The baseline first, then each strategy and each of its variants, as compare has them.

    A deployment (`--host`) runs as it is configured: no variant can be applied to it.
    """
    baseline = LoadTarget(BASELINE, options.strategies[0], "public")
    if options.host:
        return [
            baseline,
            *(LoadTarget(name, name, options.scenario) for name in options.strategies),
        ]
    return [baseline] + [
        LoadTarget(label, name, options.scenario, settings)
        for label, name, settings in registry.configurations(options.strategies)
    ]


def peers(
    targets: list[LoadTarget], options: Options, jwt_extended: Mapping[str, bool]
) -> list[LoadTarget]:
    """The targets, each followed by its @jwt_required peer where one applies.

    `jwt_extended` is each target's fact: its configured app installs flask-jwt-extended
    and keeps no state per request (which the peer's route would not check). A peer
    runs beside a strategy as it comes (no variant), in the steady scenario, on servers
    of the bench's own: a deployment's routes are its own.
    """
    if options.host or not options.peers or options.scenario != "steady":
        return targets
    planned = []
    for target in targets:
        planned.append(target)
        if target.label != BASELINE and not target.settings and jwt_extended.get(target.label):
            planned.append(
                LoadTarget(
                    f"{target.label} ({PEER})",
                    target.strategy,
                    target.scenario,
                    target.settings,
                    peer_of=target.label,
                    app=peer_app.APP,
                    path=peer_app.PATH,
                )
            )
    return planned


def installs_jwt_extended(config: Mapping[str, Any]) -> bool:
    """The app that `config` configures installs flask-jwt-extended: a peer route can run on it."""
    return peer_app.exposes_jwt_extended(create_app(config))


def refresh_phases(
    targets: list[LoadTarget], options: Options, refresh_tokens: Mapping[str, bool], source: str
) -> tuple[list[LoadTarget], list[str]]:
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
                LoadTarget(
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


def published_algorithm(url: str) -> str | None:
    """The `alg` of the keys the server publishes at /.well-known/jwks.json (RFC 7517).

    None where it publishes none (a 404: a shared secret, or no JWT), or keys of several.
    """
    try:
        response = requests.get(f"{url}/.well-known/jwks.json", timeout=10)
        if response.status_code != 200:
            return None
        algorithms = {key.get("alg") for key in response.json()["keys"]}
    except (requests.RequestException, ValueError, KeyError, TypeError, AttributeError):
        return None  # not a JWK Set: no algorithm to read
    found = algorithms.pop() if len(algorithms) == 1 else None
    return found if isinstance(found, str) else None


def measure_target(
    target: LoadTarget,
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
    if target.peer_of is not None:
        result["peer_of"], result["path"] = target.peer_of, target.path
    sampler = None
    with ExitStack() as stack:
        url = options.host
        if config is not None:  # a deployment's server CPU cannot be read
            url, server = stack.enter_context(
                gunicorn(
                    server_env(config),
                    options.workers,
                    options.threads,
                    config["INSTANCE_PATH"],
                    target.app,
                )
            )
            sampler = stack.enter_context(CPUSampler(server))
        assert url is not None
        result["signing_algorithm"] = published_algorithm(url)
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
            throwaway = {
                t.label: throwaway_settings(t.strategy, instance, store.url, prefix, **t.settings)
                for t in targets
            }
            configs.update(throwaway)
            strategies = {label: configure(c).strategy for label, c in throwaway.items()}
            check_store(store, options.workers, strategies)
            refresh_tokens = {label: s.refresh_tokens for label, s in strategies.items()}
            source = "says each configured strategy"
            # Each fact a peer needs, asked of the targets that could have one (see peers()).
            candidates = peers(targets, options, {t.label: True for t in targets})
            jwt_extended = {
                t.peer_of: not strategies[t.peer_of].stateful
                and installs_jwt_extended(throwaway[t.peer_of])
                for t in candidates
                if t.peer_of is not None
            }
            targets = peers(targets, options, jwt_extended)
        targets, skipped = refresh_phases(targets, options, refresh_tokens, source)
        for target in targets:  # a phase or a peer runs its target's configuration
            configs.setdefault(target.label, configs[target.configuration])
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
