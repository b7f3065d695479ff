"""Run the latency measurement: one private redis-server behind a delay proxy, the sandbox of
each configuration served behind a second one, every RTT in turn.

Each configuration is one throwaway instance (its app, a login of the demo user), every setting
at its default but its variant's: the environment and .env choose nothing here. Its Redis round
trips per GET /protected are counted at RTT 0 (benchmarks/harness/round_trips.py); its requests
at the sandbox are timed at every RTT in turn (the proxies take each RTT for one request, then
the next); then at each RTT both proxies take that RTT and each way of a resource server is
timed; a logout and a password change, each of a user of its own, are tried at RTT 0 (the
windows they leave do not depend on the RTT).
"""

import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from benchmarks import measurable
from benchmarks.browser.served_app import serve
from benchmarks.compare.costs import sent
from benchmarks.compare.elsewhere import introspection_client, verified_elsewhere
from benchmarks.compare.revocation import Login, logout, password_change
from benchmarks.compare.subject import Subject
from benchmarks.harness import provenance, round_trips
from benchmarks.harness.delay_proxy import DelayProxy
from benchmarks.harness.quiet import quiet_apps
from benchmarks.harness.redis_server import RedisServer
from benchmarks.latency import LatencyError, key, physics, remote
from benchmarks.latency.timing import MAX_REQUESTS, MIN_REQUESTS, calibrate, time_cells_in_turn
from sandbox.config import APP_SETTINGS, ConfigError, throwaway_settings
from strategies import registry

# What throwaway_settings sets itself: the instance's own folder, database, Redis and prefix.
SET_BY_THE_RUN = {
    "AUTH_STRATEGY",
    "SANDBOX_ENV",
    "INSTANCE_PATH",
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_KEY_PREFIX",
}
COUNTED = 4  # requests whose Redis round trips are counted
# The proxies, the served sandbox and the timed client share this interpreter: a chunk due
# while another thread runs Python waits for the GIL, up to the switch interval (5 ms by
# default). Measured here, 0.5 ms cut the introspection cells' p95 at RTT 0 from ~11 ms to
# ~7 ms and halved their slopes' distance from the prediction.
SWITCH_INTERVAL_S = 0.0005
PROXY_CPU = (
    "CPU time (user + system) of each proxy's event-loop thread, read from the thread's own "
    "CPU clock (pthread_getcpuclockid; time.thread_time() once it stops): every connection's "
    "reading, holding and writing, and nothing else"
)


@dataclass(frozen=True)
class Proxies:
    redis: DelayProxy  # in front of the redis-server
    http: DelayProxy  # in front of the served sandbox: its upstream is set per configuration

    def set(self, rtt: float) -> None:
        self.redis.rtt_ms = self.http.rtt_ms = rtt


def settings(
    name: str, instance: str, redis_url: str, prefix: str, variant: Mapping[str, Any]
) -> dict[str, Any]:
    """A throwaway instance's settings, each at its default but the variant's (and secrets,
    made for it), its Redis the proxy; another service may introspect its tokens."""
    declared = (*APP_SETTINGS, *registry.load(name).settings)
    defaults = {
        setting.name: setting.default
        for setting in declared
        if not setting.secret and setting.name not in SET_BY_THE_RUN
    }
    overrides = {**defaults, "INTROSPECTION_CLIENTS": introspection_client(), **variant}
    return throwaway_settings(name, instance, redis_url, prefix, **overrides)


def count_protected(subject: Subject, headers: Iterator[Any]) -> dict[str, Any]:
    """The Redis round trips of one GET /protected at the sandbox, and their commands."""
    batch = remote.ahead(headers, COUNTED)
    with round_trips.counting({}) as counted:
        for _ in range(COUNTED):
            subject.client.get("/protected", headers=next(batch))
    trips = counted.trips
    return {
        "redis_round_trips": round(len(trips) / COUNTED, 2),
        "redis_commands": [" ".join(trip.commands) for trip in trips[: len(trips) // COUNTED]],
    }


def measure(
    subject: Subject,
    label: str,
    rtts: list[float],
    budget_s: float,
    proxies: Proxies,
    calibration: dict[str, Any],
    progress: Callable[[str], None],
) -> dict[str, Any]:
    """One configuration at every RTT: the sandbox, each way a resource server verifies."""
    client, headers = subject.client, sent(subject, subject.header)
    warm = remote.ahead(headers, 3)
    for _ in range(3):  # its connections made, its scripts loaded, its caches filled
        client.get("/protected", headers=next(warm))
    counted = count_protected(subject, headers)
    sandbox: dict[str, Any] = {}
    cells: dict[str, dict[str, Any]] = {}
    asked: dict[str, Any] = {}
    with serve(subject.app) as served:
        proxies.http.upstream_port = int(served.url.rsplit(":", 1)[1])
        ways = remote.ways(subject)
        if remote.INTROSPECTION in ways:
            asked = remote.count_introspection(subject, proxies.http.url, headers)
        progress(f"{label}: GET /protected at the sandbox, at each RTT in turn")
        call = remote.protected(client, headers, MAX_REQUESTS * len(rtts))
        at_each = [partial(proxies.set, rtt) for rtt in rtts]
        for rtt, cell in zip(rtts, time_cells_in_turn(call, at_each, budget_s), strict=True):
            sandbox[key(rtt)] = cell.as_dict()
        for rtt in rtts:
            proxies.set(rtt)
            for way in ways:
                progress(f"{label}: RTT {rtt:g} ms, at a resource server ({way})")
                cells.setdefault(way, {})[key(rtt)] = remote.time_way(
                    way, subject, proxies.http.url, headers, budget_s
                )
        proxies.set(0)
    progress(f"{label}: what a logout and a password change leave open")
    elsewhere = verified_elsewhere(subject) if ways else {}
    introspection_trips = asked.get("redis_round_trips", 0.0)
    return {
        "name": subject.strategy.name,
        "stateful": subject.strategy.stateful,
        "revocable": subject.strategy.revocable,
        "token_binding": subject.transport.binding,
        **counted,
        "sandbox": sandbox,
        "sandbox_fit": physics.judged(sandbox, rtts, counted["redis_round_trips"], calibration),
        "revocation": {
            "logout": _event(logout(Login(subject, "logout"))),
            "password_change": _event(password_change(Login(subject, "password_change"))),
        },
        "resource_server": {
            "introspection_redis_round_trips": asked.get("redis_round_trips"),
            "introspection_redis_commands": asked.get("commands"),
            "ways": {
                way: {
                    "cells": cells[way],
                    "judged": physics.judged(
                        cells[way],
                        rtts,
                        physics.remote_round_trips(way, introspection_trips),
                        calibration,
                    ),
                    "revocation": {
                        event: elsewhere[way][event]["resource_server_window_s"]
                        for event in ("logout", "password_change")
                    },
                }
                for way in ways
            },
        },
    }


@contextmanager
def switch_interval(seconds: float) -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(seconds)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _event(probed: dict[str, Any]) -> dict[str, Any]:
    return {name: probed.get(name) for name in ("status", "applicable", "why", "access")}


def run_latency(
    names: list[str],
    rtts: list[float],
    budget_s: float,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Every configuration of `names` at every RTT of `rtts` (ms, ascending)."""
    if not RedisServer.available():
        raise LatencyError(
            "auth-sandbox latency puts a redis-server of its own behind its proxy, and there "
            "is no redis-server on the PATH"
        )
    prefix = f"auth-sandbox-latency:{uuid.uuid4().hex[:8]}:"
    started, cpu_started = time.perf_counter(), time.process_time()
    results: dict[str, Any] = {}
    refused: dict[str, str] = {}
    with ExitStack() as stack:
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="auth-sandbox-latency-"))
        server = stack.enter_context(RedisServer())
        proxies = Proxies(
            stack.enter_context(DelayProxy(server.port)), stack.enter_context(DelayProxy(0))
        )
        # The apps' start warnings are not shown: this Redis keeps nothing across a restart.
        stack.enter_context(quiet_apps())
        stack.enter_context(switch_interval(SWITCH_INTERVAL_S))
        progress("calibrating the proxy with Redis PINGs")
        calibration = calibrate(server.port, proxies.redis, rtts)
        redis_url = f"redis://127.0.0.1:{proxies.redis.port}/0"
        for number, (label, name, variant) in enumerate(measurable.configurations(names)):
            progress(f"{label}: logging in")
            instance = os.path.join(workdir, str(number))
            try:
                subject = Subject(settings(name, instance, redis_url, prefix, variant))
            except ConfigError as error:
                refused[label] = error.message
                continue
            results[label] = {"variant_settings": dict(variant)} | measure(
                subject, label, rtts, budget_s, proxies, calibration, progress
            )
    wall = time.perf_counter() - started
    cpu = {"redis_s": proxies.redis.cpu_seconds, "http_s": proxies.http.cpu_seconds}
    return {
        "environment": {
            "commit": provenance.commit(),
            "command": provenance.command(),
            "python": platform.python_version(),
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
            "token_store": "a private redis-server on 127.0.0.1, behind the delay proxy",
            "settings": "each at its default but the variant's (the environment and .env are "
            "not read); INTROSPECTION_CLIENTS set for the resource servers",
            "sandbox_requests": "Flask's test client, in-process; DPoP proofs signed before",
            "resource_server_requests": "Flask's test client, in-process; the sandbox served by "
            "werkzeug on a loopback port behind the second proxy, which closes each "
            "connection after its answer (an opening is not delayed by the proxy)",
            "switch_interval_s": SWITCH_INTERVAL_S,
            "rtts_ms": rtts,
            "budget_s_per_cell": budget_s,
            "requests_per_cell": {"at_least": MIN_REQUESTS, "at_most": MAX_REQUESTS},
            "cache_ttl_s": remote.CACHE_TTL_S,
            "wall_s": round(wall, 1),
        },
        "calibration": calibration,
        "proxy_cpu": {
            **{name: round(value, 3) for name, value in cpu.items()},
            "total_s": round(sum(cpu.values()), 3),
            "process_cpu_s": round(time.process_time() - cpu_started, 3),
            "wall_s": round(wall, 1),
            "method": PROXY_CPU,
        },
        "configurations": results,
        "not_measured": refused,
        "crossovers": physics.crossovers(results, rtts, calibration),
        "disagreements": physics.disagreements(results),
    }
