"""The bench's report: ratios against the /public baseline of the same run, targets, plots."""

import json
import statistics
from pathlib import Path
from typing import Any

from benchmarks.harness.writer import write_report
from benchmarks.load.plan import BASELINE, PEER

# The targets, against the baseline of the same run.
MAX_CPU_RATIO = 1.2
MIN_THROUGHPUT_RATIO = 0.8
# A target that signs with a key pair is held by the algorithm of the keys it publishes
# (RFC 7518's names, from its /.well-known/jwks.json): verifying an Ed25519 or a P-256
# signature costs more than an HMAC.
MAX_CPU_RATIO_BY_ALGORITHM = {"EdDSA": 1.25, "ES256": 1.25}
# Shown against the baseline, held to no target: their cost is not on the verifying side.
UNTARGETED_ALGORITHMS = {
    "RS256": "RS256's costly side is its signing at POST /token, an RSA private-key "
    "operation per token that the steady scenario's warm-up leaves out; verifying with "
    "the public key, on every request, is cheap",
}
# A peer (the same configuration behind flask-jwt-extended's @jwt_required) within this
# much of the target's server CPU per request is no difference this run can tell.
PEER_NOISE = 0.03
# And a refresh against a /protected call of the same target, in the same run.
MAX_REFRESH_RATIO = 2.0
LOCUST_SATURATED = 0.9  # of one core per locust process
SLOW_HASH_RATIO = 10  # a target this far above the baseline is paying a password hash
# Locust's names of the requests (benchmarks/load/locustfile.py), as read_stats keys them.
PROTECTED = "GET /protected"
REFRESH = "POST /token/refresh"
REUSE = "POST /token/refresh (reuse)"
LOGIN = "POST /token"


def _ratio(value: float | None, reference: float | None) -> float | None:
    return round(value / reference, 3) if value and reference else None


def endpoint(target: dict[str, Any], name: str, figure: str) -> Any:
    """A figure of one of the target's requests (by locust's name); None if it made none."""
    return target.get("endpoints", {}).get(name, {}).get(figure)


def add_ratios(results: list[dict[str, Any]]) -> None:
    """Each target of one round against that round's baseline; a refresh phase, its target."""
    baseline = next(t for t in results if t["target"] == BASELINE)
    by_label = {t["target"]: t for t in results}
    for target in results:
        target["rps_ratio"] = _ratio(target["steady_rps"], baseline["steady_rps"])
        target["cpu_ratio"] = _ratio(
            target["server_cpu_ms_per_request"], baseline["server_cpu_ms_per_request"]
        )
        ours = by_label.get(target.get("peer_of", ""))
        if ours is not None:
            # Both past their logins' password hashes, or no figure: see warnings().
            steady = target.get("steady_window") and ours.get("steady_window")
            peer_cpu, our_cpu = (
                target["server_cpu_ms_per_request"],
                ours["server_cpu_ms_per_request"],
            )
            target["peer_cpu_ratio"] = _ratio(peer_cpu, our_cpu) if steady else None
            target["peer_saving_ms"] = (
                round(peer_cpu - our_cpu, 3) if steady and peer_cpu and our_cpu else None
            )
        reference = by_label.get(target.get("reference", ""))
        if reference is not None:
            # Without a steady window, the CPU per request includes the logins' password hashes.
            steady = target.get("steady_window") and reference.get("steady_window")
            target["refresh_cpu_ratio"] = (
                _ratio(target["server_cpu_ms_per_request"], reference["server_cpu_ms_per_request"])
                if steady
                else None
            )
            target["refresh_p50_ratio"] = _ratio(
                endpoint(target, REFRESH, "p50_ms"), endpoint(reference, PROTECTED, "p50_ms")
            )


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of each figure over the rounds; requests and failures added up."""
    target = dict(runs[0])
    for key, value in runs[0].items():
        values = [run[key] for run in runs]
        if key in ("requests", "failures"):
            target[key] = sum(values)
        elif isinstance(value, int | float) and not isinstance(value, bool) and None not in values:
            target[key] = round(statistics.median(values), 3)
    return target


def median_of_rounds(rounds: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per target, the median of each figure over the rounds (failures added up)."""
    summary = []
    for runs in zip(*rounds, strict=True):
        target = _median(list(runs))
        if "endpoints" in target:
            names = {name for run in runs for name in run["endpoints"]}
            target["endpoints"] = {
                name: _median([run["endpoints"][name] for run in runs if name in run["endpoints"]])
                for name in sorted(names)
            }
        summary.append(target)
    return summary


def summarize(bench: dict[str, Any]) -> dict[str, Any]:
    for results in bench["rounds"]:
        add_ratios(results)
    bench["targets"] = median_of_rounds(bench["rounds"])
    bench["checks"] = [
        check for t in bench["targets"] if t["target"] != BASELINE for check in checks(t)
    ]
    bench["warnings"] = warnings(bench)
    return bench


def refresh_check(phase: dict[str, Any]) -> list[dict[str, Any]]:
    """A refresh phase against its target's /protected calls: by server CPU, else latency."""
    if phase.get("refresh_cpu_ratio") is not None:
        what, ratio = "server CPU per request", phase["refresh_cpu_ratio"]
    elif phase["server_cpu_ms_per_request"] is None and phase.get("refresh_p50_ratio"):
        what, ratio = "median latency", phase["refresh_p50_ratio"]  # a deployment's CPU is unseen
    else:  # too short a run for a window without logins: see warnings()
        return []
    return [
        {
            "target": phase["reference"],
            "what": f"a refresh (POST /token/refresh) against a /protected call: {what}",
            "limit": f"<= {MAX_REFRESH_RATIO:g}x",
            "ratio": ratio,
            "met": ratio <= MAX_REFRESH_RATIO,
        }
    ]


def checks(target: dict[str, Any]) -> list[dict[str, Any]]:
    if target.get("reference"):  # a refresh phase: not a /protected target of its own
        return refresh_check(target)
    algorithm = target.get("signing_algorithm")
    if target.get("peer_of") or algorithm in UNTARGETED_ALGORITHMS:  # see target_lines()
        return []
    max_cpu_ratio = MAX_CPU_RATIO_BY_ALGORITHM.get(algorithm or "", MAX_CPU_RATIO)
    found = []
    if target["cpu_ratio"] is not None:
        found.append(
            {
                "target": target["target"],
                "what": "server CPU per request",
                "limit": f"<= {max_cpu_ratio:g}x",
                "ratio": target["cpu_ratio"],
                "met": target["cpu_ratio"] <= max_cpu_ratio,
            }
        )
    if target["rps_ratio"] is not None:
        found.append(
            {
                "target": target["target"],
                "what": "throughput",
                "limit": f">= {MIN_THROUGHPUT_RATIO}x",
                "ratio": target["rps_ratio"],
                "met": target["rps_ratio"] >= MIN_THROUGHPUT_RATIO,
            }
        )
    return found


def warnings(bench: dict[str, Any]) -> list[str]:
    found = []
    for target in bench["targets"]:
        if target["locust_cpu_per_process"] >= LOCUST_SATURATED:
            found.append(
                f"{target['target']}: locust used {target['locust_cpu_per_process']:.0%} of a core "
                "per process: the load generator, not the server, is the limit, so throughput "
                "understates the server; read server CPU per request, or add --locust-workers."
            )
        if (
            target.get("peer_of")
            and target["server_cpu_ms_per_request"] is not None
            and target.get("peer_cpu_ratio") is None
        ):
            found.append(
                f"{target['target']}: the run was too short for a steady-state window past the "
                "logins, whose password hashes would weigh on both: no saving is given; run "
                "with a longer --duration."
            )
        if (
            target.get("reference")
            and target["server_cpu_ms_per_request"] is not None
            and target.get("refresh_cpu_ratio") is None
        ):
            found.append(
                f"{target['target']}: the run was too short for a steady-state window past the "
                "logins, whose password hashes would count as refreshes: no refresh cost is "
                "given; run with a longer --duration."
            )
        if target["failures"]:
            found.append(
                f"{target['target']}: {target['failures']} of {target['requests']} "
                "requests failed (see raw/*_failures.csv)."
            )
    return found


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


def target_lines(bench: dict[str, Any]) -> list[str]:
    """Each check, met or MISSED, and each target held to none with why, in the targets' order."""
    held = [
        (
            c["target"],
            f"- {c['target']}: {c['what']} {c['ratio']:g}x (target {c['limit']}): "
            f"{'met' if c['met'] else 'MISSED'}",
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
    if bench["warnings"]:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in bench["warnings"]]
    lines += ["", "![throughput](throughput.png)", "", "![latency](latency.png)", ""]
    return "\n".join(lines)


def throughput_plot(bench: dict[str, Any], path: Path) -> None:
    """Throughput and server CPU per request, a bar per target, against the baseline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    targets = bench["targets"]
    labels = [t["target"] for t in targets]  # slanted: a dozen and more fit side by side
    baseline = next(t for t in targets if t["target"] == BASELINE)

    figure, (rps, cpu) = plt.subplots(1, 2, figsize=(12, 5.5))
    rps.bar(labels, [t["steady_rps"] for t in targets], color="#4c72b0")
    rps.axhline(baseline["steady_rps"], color="black", linestyle="--", label="baseline")
    rps.set_title("Throughput")
    rps.set_ylabel("requests/s")
    rps.legend()
    cpu_values = [t["server_cpu_ms_per_request"] or 0 for t in targets]
    cpu.set_title("Server CPU per request")
    if any(cpu_values):
        cpu.bar(labels, cpu_values, color="#dd8452")
        if baseline["server_cpu_ms_per_request"]:
            cpu.axhline(
                baseline["server_cpu_ms_per_request"],
                color="black",
                linestyle="--",
                label="baseline",
            )
            cpu.legend()
        cpu.set_yscale("log")
        cpu.set_ylabel("ms (log scale)")
    else:  # a deployment (--host): its servers' CPU cannot be read from here
        cpu.text(0.5, 0.5, "not measured: a remote deployment", ha="center", va="center")
        cpu.set_xticks([])
        cpu.set_yticks([])
    for axis in (rps, cpu):
        axis.tick_params(axis="x", labelsize=7, labelrotation=50)
        for label in axis.get_xticklabels():
            label.set_horizontalalignment("right")
            label.set_rotation_mode("anchor")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def latency_plot(bench: dict[str, Any], path: Path) -> None:
    """The response time percentiles (p50, p95, p99), a group of bars per target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    targets = bench["targets"]
    labels = [t["target"] for t in targets]  # slanted: a dozen and more fit side by side

    figure, axis = plt.subplots(figsize=(12, 5))
    width = 0.27
    for offset, (key, name) in enumerate([("p50_ms", "p50"), ("p95_ms", "p95"), ("p99_ms", "p99")]):
        axis.bar(
            [i + (offset - 1) * width for i in range(len(targets))],
            [max(t[key] or 0, 0.1) for t in targets],  # None: too short a run to record one
            width,
            label=name,
        )
    axis.set_xticks(
        range(len(targets)), labels, fontsize=7, rotation=50, ha="right", rotation_mode="anchor"
    )
    axis.set_yscale("log")
    axis.set_ylabel("ms (log scale)")
    axis.set_title("Response time percentiles")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write(bench: dict[str, Any], outdir: Path) -> list[Path]:
    summarize(bench)
    texts = {"report.md": to_markdown(bench), "results.json": json.dumps(bench, indent=2) + "\n"}
    plots = {
        "throughput.png": lambda path: throughput_plot(bench, path),
        "latency.png": lambda path: latency_plot(bench, path),
    }
    return write_report(outdir, texts, plots)
