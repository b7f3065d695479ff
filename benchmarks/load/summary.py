"""The bench's figures weighed: each target against the /public baseline of its round (a
refresh phase against its target, a peer against its own), the median of the rounds, the
checks against the targets, and the warnings."""

import statistics
from typing import Any

from benchmarks.load.plan import BASELINE

# The targets, against the baseline of the same run.
MAX_CPU_RATIO = 1.2
MIN_THROUGHPUT_RATIO = 0.8
# A target that signs with a key pair is held by the algorithm of the keys it publishes
# (RFC 7518's names, from its /.well-known/jwks.json): verifying an Ed25519 or a P-256
# signature costs more than an HMAC.
MAX_CPU_RATIO_BY_ALGORITHM = {"EdDSA": 1.25, "ES256": 1.25}
# A token bound to a key (DPoP) costs a proof's verification (an ES256 signature) and its
# replay record on every request: held to 1.5x, and so to 1/1.5 of the throughput.
MAX_CPU_RATIO_BY_BINDING = {"dpop": 1.5}
# Shown against the baseline, held to no target: their cost is not on the verifying side.
UNTARGETED_ALGORITHMS = {
    "RS256": "RS256's costly side is its signing at POST /token, an RSA private-key "
    "operation per token that the steady scenario's warm-up leaves out; verifying with "
    "the public key, on every request, is cheap",
}
# And a refresh against a /protected call of the same target, in the same run.
MAX_REFRESH_RATIO = 2.0
LOCUST_SATURATED = 0.9  # of one core per locust process
# Locust's names of the requests (benchmarks/load/locustfile.py), as read_stats keys them.
PROTECTED = "GET /protected"
REFRESH = "POST /token/refresh"
REUSE = "POST /token/refresh (reuse)"
LOGIN = "POST /token"


# The ratios held to a target: a noisy machine shows in how far the rounds' ratios spread.
TARGETED_RATIOS = ("cpu_ratio", "rps_ratio")


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
    """The median of each figure over the rounds; requests and failures added up; the
    rounds' lowest and highest ratio to the baseline beside their median."""
    target = dict(runs[0])
    for key, value in runs[0].items():
        values = [run[key] for run in runs]
        if key in ("requests", "failures"):
            target[key] = sum(values)
        elif isinstance(value, int | float) and not isinstance(value, bool) and None not in values:
            target[key] = round(statistics.median(values), 3)
            if key in TARGETED_RATIOS and len(runs) > 1:
                target[f"{key}_spread"] = [min(values), max(values)]
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


def held_to_targets(target: dict[str, Any]) -> bool:
    """Whether a target's /protected calls are held to the CPU and throughput targets: not the
    baseline, a refresh phase, a peer, or a key pair whose cost is elsewhere (RS256)."""
    return not (
        target["target"] == BASELINE
        or target.get("reference")
        or target.get("peer_of")
        or target.get("signing_algorithm") in UNTARGETED_ALGORITHMS
    )


def too_short(target: dict[str, Any]) -> bool:
    """Whether it ran too short to be judged: without a steady-state window past the logins,
    their password hashes count as requests, and every ratio reads high."""
    return not target.get("steady_window")


def checks(target: dict[str, Any]) -> list[dict[str, Any]]:
    if target.get("reference"):  # a refresh phase: not a /protected target of its own
        return refresh_check(target)
    # Too short a run is said so by report.target_lines(), rather than MISSED.
    if not held_to_targets(target) or too_short(target):
        return []
    algorithm = target.get("signing_algorithm")
    max_cpu_ratio = MAX_CPU_RATIO_BY_BINDING.get(
        target.get("token_binding") or "",
        MAX_CPU_RATIO_BY_ALGORITHM.get(algorithm or "", MAX_CPU_RATIO),
    )
    min_throughput = min(MIN_THROUGHPUT_RATIO, round(1 / max_cpu_ratio, 2))
    found = []
    if target["cpu_ratio"] is not None:
        found.append(
            {
                "target": target["target"],
                "what": "server CPU per request",
                "limit": f"<= {max_cpu_ratio:g}x",
                "ratio": target["cpu_ratio"],
                "spread": target.get("cpu_ratio_spread"),
                "met": target["cpu_ratio"] <= max_cpu_ratio,
            }
        )
    if target["rps_ratio"] is not None:
        found.append(
            {
                "target": target["target"],
                "what": "throughput",
                "limit": f">= {min_throughput:g}x",
                "ratio": target["rps_ratio"],
                "spread": target.get("rps_ratio_spread"),
                "met": target["rps_ratio"] >= min_throughput,
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
