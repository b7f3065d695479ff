"""The bench's report: ratios against the /public baseline of the same run, targets, plots."""

import json
import statistics
from pathlib import Path
from typing import Any

from benchmarks.runner import BASELINE

# The targets, against the baseline of the same run.
MAX_CPU_RATIO = 1.2
MIN_THROUGHPUT_RATIO = 0.8
LOCUST_SATURATED = 0.9  # of one core per locust process
SLOW_HASH_RATIO = 10  # a target this far above the baseline is paying a password hash


def add_ratios(results: list[dict[str, Any]]) -> None:
    """Each target of one round against that round's baseline."""
    baseline = next(t for t in results if t["target"] == BASELINE)
    for target in results:
        rps, base_rps = target["steady_rps"], baseline["steady_rps"]
        target["rps_ratio"] = round(rps / base_rps, 3) if base_rps else None
        cpu, base_cpu = target["server_cpu_ms_per_request"], baseline["server_cpu_ms_per_request"]
        target["cpu_ratio"] = round(cpu / base_cpu, 3) if cpu and base_cpu else None


def median_of_rounds(rounds: list[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per target, the median of each figure over the rounds (failures added up)."""
    summary = []
    for runs in zip(*rounds, strict=True):
        target = dict(runs[0])
        for key, value in runs[0].items():
            values = [run[key] for run in runs]
            if key in ("requests", "failures"):
                target[key] = sum(values)
            elif (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and None not in values
            ):
                target[key] = round(statistics.median(values), 3)
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


def checks(target: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    if target["cpu_ratio"] is not None:
        found.append(
            {
                "target": target["target"],
                "what": "server CPU per request",
                "limit": f"<= {MAX_CPU_RATIO}x",
                "ratio": target["cpu_ratio"],
                "met": target["cpu_ratio"] <= MAX_CPU_RATIO,
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
    lines += [
        f"- {c['target']}: {c['what']} {c['ratio']:g}x (target {c['limit']}): "
        f"{'met' if c['met'] else 'MISSED'}"
        for c in bench["checks"]
    ]
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


def plots(bench: dict[str, Any], outdir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    targets = bench["targets"]
    labels = [t["target"].replace(" + ", "\n+ ") for t in targets]
    baseline = next(t for t in targets if t["target"] == BASELINE)

    figure, (rps, cpu) = plt.subplots(1, 2, figsize=(11, 4))
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
        axis.tick_params(axis="x", labelsize=8)
    figure.tight_layout()
    figure.savefig(outdir / "throughput.png", dpi=100)
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(11, 4))
    width = 0.27
    for offset, (key, name) in enumerate([("p50_ms", "p50"), ("p95_ms", "p95"), ("p99_ms", "p99")]):
        axis.bar(
            [i + (offset - 1) * width for i in range(len(targets))],
            [max(t[key] or 0, 0.1) for t in targets],  # None: too short a run to record one
            width,
            label=name,
        )
    axis.set_xticks(range(len(targets)), labels, fontsize=8)
    axis.set_yscale("log")
    axis.set_ylabel("ms (log scale)")
    axis.set_title("Response time percentiles")
    axis.legend()
    figure.tight_layout()
    figure.savefig(outdir / "latency.png", dpi=100)
    plt.close(figure)


def write(bench: dict[str, Any], outdir: Path) -> list[Path]:
    summarize(bench)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "results.json").write_text(json.dumps(bench, indent=2) + "\n")
    (outdir / "report.md").write_text(to_markdown(bench))
    plots(bench, outdir)
    return [
        outdir / name for name in ("report.md", "results.json", "throughput.png", "latency.png")
    ]
