"""The scale run as tables (terminal, Markdown), JSON and a PNG plot; its progress as it fills."""

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from benchmarks.harness.writer import markdown_table, write_report
from benchmarks.scale.sizes import shown
from benchmarks.scale.targets import MAX_BYTES_PER_TOKEN, MAX_P50_RATIO

COLUMNS = (
    "configuration",
    "N counts",
    "N",
    "keys / N",
    "B / N (used_memory)",
    "B / N (MEMORY USAGE)",
    "authenticate p50 ms",
    "p95 ms",
    "p50 ÷ p50 at {smallest}",
    "fill s",
    "fill rate / s",
)
TARGET_COLUMNS = (
    "configuration",
    "at N",
    f"≤ {MAX_BYTES_PER_TOKEN} B / N",
    f"p50 ≤ {MAX_P50_RATIO}× smallest",
    "10^6 filled in < 2 min",
)


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def rows(scale: dict[str, Any]) -> list[list[str]]:
    """The main table's cells: a row per configuration and size."""
    cells = []
    for label, result in scale["configurations"].items():
        for number, row in enumerate(result["rows"]):
            cells.append(
                [
                    label if number == 0 else "",
                    result["counts"] if number == 0 else "",
                    shown(row["size"]),
                    _number(row["keys_per_token"], 2),
                    _number(row["bytes_per_token"]),
                    _number(row["memory_usage_per_token"]),
                    _number(row["p50_ms"], 3),
                    _number(row["p95_ms"], 3),
                    _number(row["p50_ratio"], 3),
                    _number(row["fill_s"]),
                    _number(row["fill_rate_per_s"], 0),
                ]
            )
    return cells


def _verdict(target: dict[str, Any], text: str) -> str:
    return f"{text} {'yes' if target['met'] else 'NO'}"


def target_rows(scale: dict[str, Any]) -> list[list[str]]:
    """The targets' cells: a row per configuration, at its largest size."""
    cells = []
    for label, result in scale["configurations"].items():
        targets = result["targets"]
        fill = targets["fill_seconds_for_10^6"]
        cells.append(
            [
                label,
                shown(targets["size"]),
                _verdict(targets["bytes_per_token"], f"{targets['bytes_per_token']['value']} B"),
                _verdict(targets["p50_ratio"], f"{_number(targets['p50_ratio']['value'], 3)}×"),
                _verdict(fill, f"{'~' if fill['extrapolated'] else ''}{fill['value']} s"),
            ]
        )
    return cells


def _headers(scale: dict[str, Any]) -> list[str]:
    smallest = shown(scale["environment"]["sizes"][0])
    return [column.format(smallest=smallest) for column in COLUMNS]


def _skipped(scale: dict[str, Any]) -> str:
    """The configurations left out, grouped by why: "basic, jwt (stateless: …)"."""
    reasons: dict[str, list[str]] = {}
    for label, why in scale["skipped"].items():
        reasons.setdefault(why, []).append(label)
    return "; ".join(f"{', '.join(labels)} ({why})" for why, labels in reasons.items())


def render(scale: dict[str, Any], console: Console) -> None:
    table = Table(title="auth-sandbox scale: the token store as it grows")
    for number, header in enumerate(_headers(scale)):
        table.add_column(header, justify="left" if number < 2 else "right")
    for cells in rows(scale):
        table.add_row(*cells)
    console.print(table)
    targets = Table(title="The targets (set for bearer), at each configuration's largest N")
    for header in TARGET_COLUMNS:
        targets.add_column(header)
    for cells in target_rows(scale):
        targets.add_row(*cells)
    console.print(targets)
    if scale.get("skipped"):
        console.print(f"not filled: {_skipped(scale)}", soft_wrap=True)
    environment = scale["environment"]
    console.print(
        f"{environment['token_store']}; commit {environment['commit']}; `{environment['command']}`"
    )


def to_markdown(scale: dict[str, Any]) -> str:
    environment = scale["environment"]
    lines = [
        "# auth-sandbox scale",
        "",
        f"Commit {environment['commit']}, `{environment['command']}`; "
        f"{environment['token_store']}; {environment['machine']}.",
        "",
        *markdown_table(_headers(scale), rows(scale)),
        "",
        *([f"Not filled: {_skipped(scale)}.", ""] if scale.get("skipped") else []),
        "## The targets (set for bearer), at each configuration's largest N",
        "",
        *markdown_table(list(TARGET_COLUMNS), target_rows(scale)),
        "",
        "## How",
        "",
        *(
            f"- {name.replace('_', ' ')}: {environment[name]}"
            for name in (
                "bytes_method",
                "authenticate_method",
                "authenticate_sample",
                "p50_reference",
                "key_prefix",
                "users",
                "batch",
                "token_ttl_s",
            )
        ),
        "",
        "![bytes per token and authenticate p50 against N](scale.png)",
        "",
    ]
    return "\n".join(lines)


def to_json(scale: dict[str, Any]) -> str:
    return json.dumps(scale, indent=2) + "\n"


def plot(scale: dict[str, Any], path: Path) -> None:
    """Bytes per token and authenticate p50 against N, log x, a line per configuration."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (size, p50) = plt.subplots(1, 2, figsize=(11, 4.8))
    smallest = shown(scale["environment"]["sizes"][0])
    referenced = False
    for label, result in scale["configurations"].items():
        sizes = [row["size"] for row in result["rows"]]
        size.plot(sizes, [row["bytes_per_token"] for row in result["rows"]], "o-", label=label)
        (line,) = p50.plot(sizes, [row["p50_ms"] for row in result["rows"]], "o-", label=label)
        reference = [row["reference_p50_ms"] for row in result["rows"]]
        if None not in reference:  # the machine's drift, which the p50 ratio cancels
            p50.plot(sizes, reference, ":", color=line.get_color(), linewidth=1)
            referenced = True
    if referenced:
        p50.plot([], [], ":", color="gray", label=f"dotted: its store at {smallest}, alongside")
    size.axhline(MAX_BYTES_PER_TOKEN, color="black", linestyle="--", label="target")
    size.set_title("Redis bytes per token (used_memory)")
    size.set_ylabel("bytes")
    size.set_ylim(bottom=0)
    p50.set_title("authenticate p50")
    p50.set_ylabel("ms")
    p50.set_ylim(bottom=0)
    for axes in (size, p50):
        axes.set_xscale("log")
        axes.set_xlabel("N (log scale)")
        axes.legend(fontsize=8)
    environment = scale["environment"]
    figure.suptitle(
        f"auth-sandbox scale — {environment['token_store']}, commit {environment['commit']}",
        fontsize=9,
    )
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_outputs(scale: dict[str, Any], directory: Path) -> list[Path]:
    texts = {"scale.md": to_markdown(scale), "scale.json": to_json(scale)}
    return write_report(directory, texts, {"scale.png": lambda path: plot(scale, path)})


class ConsoleProgress:
    """A bar per configuration while it fills, and a line per size reached (what a log keeps
    where the bar cannot be drawn)."""

    def __init__(self, console: Console):
        self.console = console
        self.bars = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> "ConsoleProgress":
        return self  # the bars start with the first fill: a refusal stays one line

    def __exit__(self, *_exc: object) -> None:
        self.bars.stop()

    def note(self, text: str) -> None:
        self.console.print(text, soft_wrap=True)

    def filling(self, label: str, done: int, total: int) -> None:
        self.bars.start()  # once; again it does nothing
        if label not in self.tasks:
            self.tasks[label] = self.bars.add_task(f"filling {label}", total=total)
        self.bars.update(self.tasks[label], completed=done)
        if done >= total:
            self.bars.remove_task(self.tasks[label])
