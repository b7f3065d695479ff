"""The plan of a bench run: its targets (the /public baseline, each strategy and each of its
variants), the refresh phases after those that issue refresh tokens, the @jwt_required peers
beside those it applies to, and the options every target runs with."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmarks import measurable
from benchmarks.load import peer_app
from benchmarks.load.servers import (
    PROTECTED,
    SANDBOX_APP,
    BenchError,
    Load,
    bench_app,
)

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
    store_rtt: float = 0.0  # ms of round trip added before the bench's Redis (a delaying proxy)

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
        for label, name, settings in measurable.configurations(options.strategies)
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
    return peer_app.exposes_jwt_extended(bench_app(config))


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
