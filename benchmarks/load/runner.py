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
from dataclasses import asdict
from pathlib import Path
from typing import Any

import requests

from benchmarks.harness import provenance
from benchmarks.harness.redis_server import MeasurementRedis, measurement_redis
from benchmarks.load.cpu import CPUSampler, steady_state
from benchmarks.load.distance import at_a_distance
from benchmarks.load.dpop_costs import dpop_costs
from benchmarks.load.plan import (
    LoadTarget,
    Options,
    installs_jwt_extended,
    peers,
    plan,
    refresh_phases,
)
from benchmarks.load.servers import (
    BenchError,
    Credentials,
    bench_app,
    gunicorn,
    read_stats,
    run_locust,
)
from sandbox import extensions
from sandbox.config import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    configure,
    load_app_settings,
    throwaway_settings,
)
from strategies.base import Strategy

__all__ = ["BenchError", "Options", "check_store", "run_bench"]


LOADTEST_PASSWORD = "load-test-password"  # noqa: S105 - seeded into a throwaway instance


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
    app = bench_app(config)
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


def token_binding(url: str) -> str:
    """What the server says its tokens are bound to (GET /strategy): "dpop" or "none"."""
    try:
        return str(requests.get(f"{url}/strategy", timeout=10).json().get("token_binding", "none"))
    except (requests.RequestException, ValueError, AttributeError):
        return "none"  # a peer, or a deployment that does not say


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
                    csv_prefix.with_name(f"{csv_prefix.name}_server.log"),
                    target.app,
                )
            )
            sampler = stack.enter_context(CPUSampler(server))
        assert url is not None
        result["signing_algorithm"] = published_algorithm(url)
        result["token_binding"] = token_binding(url)
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
    if options.host and options.store_rtt:
        raise BenchError("--store-rtt puts a distance before the bench's own Redis, not --host's")
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
        proxy = None
        if options.host:  # its servers, its Redis and its users are the deployment's own
            store = MeasurementRedis(None, "the deployment's own")
            login = Credentials([DEMO_USERNAME], DEMO_PASSWORD)
        else:
            store = stack.enter_context(measurement_redis(settings["REDIS_URL"], prefix))
            store, proxy = at_a_distance(stack, store, options.store_rtt)
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
        # Where tokens are bound to a key, each step of a request's proof, timed alone.
        bound = {
            t.label: config
            for t in targets
            if t.label == t.configuration
            and (config := configs[t.label]) is not None
            and config.get("TOKEN_BINDING") == "dpop"
        }
        if bound:
            progress("timing the steps of a DPoP request")
        costs = {label: dpop_costs(config) for label, config in bound.items()}
    return {
        "environment": {
            "machine": f"{os.uname().sysname} {os.uname().machine}, {os.cpu_count()} CPUs",
            "python": sys.version.split()[0],
            "token_store": store.label,
            # A deployment's password hash is its own, and cannot be seen from here.
            "password_hash": None if options.host else settings["PASSWORD_HASH_METHOD"],
            # The delaying proxy's own CPU (its thread, in this process): not the servers'.
            "store_proxy_cpu_s": round(proxy.cpu_seconds, 2) if proxy else None,
            "commit": provenance.commit(),
            "command": provenance.command(),
        },
        "options": asdict(options),
        "skipped": skipped,
        "rounds": rounds,
        "dpop_costs": costs,
    }
