"""The bench's report: the results table, the targets met or missed, the peers and refresh
tokens, the warnings (Markdown), written with results.json and the plots (plots.py); the
figures are weighed in summary.py."""

import json
from pathlib import Path
from typing import Any

from benchmarks.harness.writer import write_report
from benchmarks.load.dpop_costs import dpop_lines
from benchmarks.load.plan import BASELINE, PEER
from benchmarks.load.plots import latency_plot, throughput_plot
from benchmarks.load.summary import (
    LOGIN,
    MAX_REFRESH_RATIO,
    PROTECTED,
    REFRESH,
    REUSE,
    UNTARGETED_ALGORITHMS,
    endpoint,
    held_to_targets,
    summarize,
    too_short,
)

# A peer (the same configuration behind flask-jwt-extended's @jwt_required) within this
# much of the target's server CPU per request is no difference this run can tell.
PEER_NOISE = 0.03
SLOW_HASH_RATIO = 10  # a target this far above the baseline is paying a password hash


def slow_hash_note(target: dict[str, Any], env: dict[str, Any]) -> str:
    return (
        f"\n{target['target']} pays werkzeug's `{env['password_hash']}` password hash on every "
        f"request: {target['server_cpu_ms_per_request']:g} ms of server CPU each, "
        f"{target['cpu_ratio']:g}x the baseline. That is what a slow hash is for (it makes "
        "guessing slow), and why checking a password per request needs a cache of verified "
        "credentials under load: a `+ cache` variant, where the strategy has one, shows the "
        "cost without it."
    )


def _cell(value: Any, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:g}{unit}"


def refresh_lines(bench: dict[str, Any]) -> list[str]:
    """What a refresh costs (the refresh phases), and how the refresh flow went (its scenario)."""
    targets = {t["target"]: t for t in bench["targets"]}
    phases = [t for t in bench["targets"] if t.get("reference")]
    flows = [
        t
        for t in bench["targets"]
        if t["scenario"] == "refresh" and not t.get("reference") and t["target"] != BASELINE
    ]
    if not phases and not flows:
        return []
    lines = ["", "## Refresh tokens", ""]
    if phases:
        lines += [
            f"After each target that issues refresh tokens, a phase of {phases[0]['duration_s']} s "
            "of refreshes only: every user rotates the refresh token it holds, with no "
            "/protected call, no replay and no login past its first, which the warm-up leaves "
            "out. The server's CPU time cannot be split by route within one run, so a "
            "refresh's cost is that phase's server CPU per request, set against the target's "
            "own /protected calls above (the target: at most "
            f"{MAX_REFRESH_RATIO:g}x, no password hash)."
            + (
                " A deployment's server CPU cannot be read from here: the median latency of "
                "each, under the same load, stands in for it."
                if phases[0]["server_cpu_ms_per_request"] is None
                else ""
            ),
            "",
        ]
    for phase in phases:
        reference = targets[phase["reference"]]
        lines.append(
            f"- {phase['reference']}: a refresh {_cell(phase['server_cpu_ms_per_request'])} ms "
            f"of server CPU, a /protected call {_cell(reference['server_cpu_ms_per_request'])} "
            f"ms: {_cell(phase.get('refresh_cpu_ratio'), 'x')}; median latency "
            f"{_cell(endpoint(phase, REFRESH, 'p50_ms'))} ms against "
            f"{_cell(endpoint(reference, PROTECTED, 'p50_ms'))} ms: "
            f"{_cell(phase.get('refresh_p50_ratio'), 'x')}"
        )
    for flow in flows:
        replays = endpoint(flow, REUSE, "requests") or 0
        accepted = endpoint(flow, REUSE, "failures") or 0
        lines.append(
            f"- {flow['target']}: {endpoint(flow, REFRESH, 'requests') or 0} refreshes, one "
            f"every {flow['refresh_every']} /protected calls, median "
            f"{_cell(endpoint(flow, REFRESH, 'p50_ms'))} ms against "
            f"{_cell(endpoint(flow, PROTECTED, 'p50_ms'))} ms for /protected in the same queue "
            "(latency under one load, not a cost: a steady run's refresh phase measures that); "
            f"{replays} spent refresh tokens sent again (after every {flow['reuse_every']} "
            f"refreshes): {replays - accepted} refused with 401, {accepted} not"
            f"{' (FAILED)' if accepted else ''}; {endpoint(flow, LOGIN, 'requests') or 0} logins"
        )
    return lines


def _spread(spread: list[float] | None) -> str:
    return f", rounds {spread[0]:g} to {spread[1]:g}" if spread else ""


def target_lines(bench: dict[str, Any]) -> list[str]:
    """Each check, met or MISSED, and each target held to none with why, in the targets' order."""
    held = [
        (
            c["target"],
            f"- {c['target']}: {c['what']} {c['ratio']:g}x{_spread(c.get('spread'))} "
            f"(target {c['limit']}): {'met' if c['met'] else 'MISSED'}",
        )
        for c in bench["checks"]
    ]
    held += [
        (
            t["target"],
            f"- {t['target']}: server CPU per request {_cell(t['cpu_ratio'], 'x')}, throughput "
            f"{_cell(t['rps_ratio'], 'x')} (no target: "
            f"{UNTARGETED_ALGORITHMS[t['signing_algorithm']]})",
        )
        for t in bench["targets"]
        if t.get("signing_algorithm") in UNTARGETED_ALGORITHMS
        and not t.get("peer_of")
        and not t.get("reference")
    ]
    held += [
        (
            t["target"],
            f"- {t['target']}: too short to judge (no steady-state window past the logins, "
            "which would count as requests): run with a longer --duration",
        )
        for t in bench["targets"]
        if held_to_targets(t) and too_short(t)
    ]
    order = {t["target"]: place for place, t in enumerate(bench["targets"])}
    return [line for _, line in sorted(held, key=lambda item: order[item[0]])]


def peer_verdict(peer: dict[str, Any]) -> str:
    """What the peer's run says of one-pass verification, as measured."""
    ratio, saving = peer.get("peer_cpu_ratio"), peer.get("peer_saving_ms")
    if ratio is None or saving is None:
        return "no figure: the run was too short for a steady-state window past the logins"
    if ratio > 1 + PEER_NOISE:
        return (
            f"one-pass verification saves ~{saving:.2f} ms of server CPU per request ({ratio:g}x)"
        )
    if ratio < 1 - PEER_NOISE:
        return (
            f"one-pass verification saves nothing here: @jwt_required used {-saving:.2f} ms less "
            f"server CPU per request ({ratio:g}x)"
        )
    return (
        f"one-pass verification saves no server CPU this run can tell ({ratio:g}x, within "
        f"{PEER_NOISE:.0%}; --rounds 3 reports the medians)"
    )


def peer_lines(bench: dict[str, Any]) -> list[str]:
    """Each target against its @jwt_required peer, measured in the same run."""
    targets = {t["target"]: t for t in bench["targets"]}
    peers = [t for t in bench["targets"] if t.get("peer_of")]
    if not peers:
        return []
    lines = [
        "",
        f"## One-pass verification against {PEER}",
        "",
        "Beside each target below, the same app and configuration serve the lesson's route "
        f"as well, GET {peers[0]['path']}: `@jwt_required()`, `get_jwt_identity()`, the user "
        "from the user store, the same JSON as /protected (benchmarks/load/peer_app.py). There "
        "flask-jwt-extended's `decode_token` parses each token three times (twice "
        "unverified, for its key loader); the strategy's /protected verifies it in one PyJWT "
        "pass. Both ran in this run, under the same load: server CPU per request in each "
        "one's steady window.",
        "",
    ]
    for peer in peers:
        ours = targets[peer["peer_of"]]
        lines.append(
            f"- {peer['peer_of']}: {peer_verdict(peer)}: /protected "
            f"{_cell(ours['server_cpu_ms_per_request'])} ms, @jwt_required "
            f"{_cell(peer['server_cpu_ms_per_request'])} ms; median latency "
            f"{_cell(endpoint(ours, PROTECTED, 'p50_ms'))} ms against "
            f"{_cell(endpoint(peer, 'GET ' + peer['path'], 'p50_ms'))} ms"
        )
    return lines


def table(bench: dict[str, Any]) -> list[str]:
    """The results table and the targets, in Markdown: the report's heart, also printed."""
    lines = [
        "| target | requests | failures | req/s (steady) | x baseline | p50 / p95 / p99 ms "
        "| server CPU ms/req | x baseline | locust CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for t in bench["targets"]:
        lines.append(
            f"| {t['target']} | {t['requests']} | {t['failures']} | {t['steady_rps']:g} "
            f"| {_cell(t['rps_ratio'])} | {_cell(t['p50_ms'])} / {_cell(t['p95_ms'])} / "
            f"{_cell(t['p99_ms'])} "
            f"| {_cell(t['server_cpu_ms_per_request'])} | {_cell(t['cpu_ratio'])} "
            f"| {t['locust_cpu_per_process']:.0%} |"
        )
    windows = sorted({t["window"] for t in bench["targets"]})
    lines += ["", f"Request rate and server CPU per request: {'; '.join(windows)}."]
    if len(bench["rounds"]) > 1:
        lines += [
            "",
            "Each figure is the median of the rounds. Each x baseline is the median of the "
            "rounds' own ratios, a round against its own /public (the machine's mood is the same "
            "for both), so it need not equal the ratio of two medians; the targets below give "
            "the rounds' range.",
        ]
    lines += ["", "## Targets (against the baseline of this run)", ""]
    lines += target_lines(bench)
    lines += peer_lines(bench)
    lines += refresh_lines(bench)
    lines += [f"\n{line}" for line in bench.get("skipped", [])]
    return lines


def to_markdown(bench: dict[str, Any]) -> str:
    env, options = bench["environment"], bench["options"]
    distributed, rounds = options["locust_workers"], options["rounds"]
    servers = (
        f"the deployment at {options['host']}"
        if options["host"]
        else f"gunicorn {options['workers']} worker(s) x {options['threads']} thread(s)"
    )
    password_hash = f"; password hash: {env['password_hash']}" if env["password_hash"] else ""
    if env.get("store_proxy_cpu_s") is not None:  # --store-rtt: the proxy's CPU, not the servers'
        password_hash += f"; the proxy's own CPU: {env['store_proxy_cpu_s']} s"
    lines = [
        "# auth-sandbox bench",
        "",
        f"{env['machine']}, Python {env['python']}; token store: {env['token_store']}"
        f"{password_hash}. {servers}; locust {options['users']} users for "
        f"{options['duration']} s per target, scenario `{options['scenario']}`"
        f"{f', {distributed} locust workers' if distributed else ''}"
        f"{f'; the median of {rounds} interleaved rounds' if rounds > 1 else ''}. Commit "
        f"{env['commit']}; regenerate with `{env['command']}`.",
        "",
        *table(bench),
    ]
    lines += [
        slow_hash_note(t, env)
        for t in bench["targets"]
        if t["cpu_ratio"] and t["cpu_ratio"] >= SLOW_HASH_RATIO
    ]
    lines += dpop_lines(bench)
    if bench["warnings"]:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in bench["warnings"]]
    lines += ["", "![throughput](throughput.png)", "", "![latency](latency.png)", ""]
    return "\n".join(lines)


def write(bench: dict[str, Any], outdir: Path) -> list[Path]:
    summarize(bench)
    texts = {"report.md": to_markdown(bench), "results.json": json.dumps(bench, indent=2) + "\n"}
    plots = {
        "throughput.png": lambda path: throughput_plot(bench, path),
        "latency.png": lambda path: latency_plot(bench, path),
    }
    return write_report(outdir, texts, plots)
