"""The bench's plots: throughput and server CPU per request, and the latency percentiles."""

from pathlib import Path
from typing import Any

from benchmarks.load.plan import BASELINE


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
