"""The comparison as a table (terminal, Markdown), JSON, CSV and a PNG chart; its topics
are in topics.py."""

import csv
import io
import json
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from benchmarks.browser.summary import matrix_table
from benchmarks.compare.browser import NOT_ASKED
from benchmarks.compare.claims.weighing import LESSON, OURS
from benchmarks.compare.overview import TITLE, legend, overview
from benchmarks.compare.topics import tables
from benchmarks.harness.writer import write_report

FORMATS = ("table", "markdown", "json", "csv")


def claim_groups(comparison: dict[str, Any]) -> list[tuple[str, list[dict[str, str]]]]:
    """The lesson's claims, then ours; a group without a claim is left out."""
    groups = [("The lesson's claims", LESSON), ("Claims of our own, not the lesson's", OURS)]
    return [
        (title, claims)
        for title, source in groups
        if (claims := [c for c in comparison["claims"] if c["source"] == source])
    ]


BROWSER_TITLE = "Where the browser keeps the token, attacked in Chromium"


def browser_lines(comparison: dict[str, Any]) -> list[str]:
    """The attack matrix as Markdown lines, or why it was not measured."""
    browser = comparison.get("browser") or {"measured": False, "why": NOT_ASKED}
    if not browser["measured"]:
        return [browser["why"]]
    return matrix_table(browser)


def render_table(comparison: dict[str, Any], console: Console) -> None:
    """The overview and a line per claim: what a reader decides by, in a screen."""
    headers, rows = overview(comparison)
    table = Table(
        title=TITLE, caption=legend(), caption_justify="left", box=box.SIMPLE, pad_edge=False
    )
    table.add_column(headers[0], no_wrap=True)
    for header in headers[1:]:
        # A header a word a line: the cells are narrower than the words they sit under.
        table.add_column(header.replace(" ", "\n"), no_wrap=True)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for line in not_measured(comparison):
        console.print(line, highlight=False)
    verdict_width = max((len(c["verdict"]) for c in comparison["claims"]), default=0)
    for title, group in claim_groups(comparison):
        console.print(title, style="bold")
        claims = Table(box=None, show_header=False, padding=(0, 1))
        claims.add_column(no_wrap=True, min_width=3)  # the widest id: C10
        claims.add_column(no_wrap=True, min_width=verdict_width)
        claims.add_column()
        for claim in group:
            claims.add_row(claim["id"], claim["verdict"], f"{claim['claim']} — {claim['reason']}")
        console.print(claims)
    console.print(
        "Every table, each claim's evidence and how each cell was measured: --format markdown, "
        "and the files written below."
    )
    console.print(_environment_line(comparison), highlight=False)


def _environment_line(comparison: dict[str, Any]) -> str:
    env = comparison["environment"]
    return (
        f"Measured on {env['machine']}, Python {env['python']}; token store: "
        f"{env['token_store']}; user table: {env['user_table']}; password hash: "
        f"{env['password_hash']}. Commit {env['commit']}; regenerate with `{env['command']}`."
    )


def _markdown_row(values: list[str]) -> str:
    cells = (value.replace("|", "\\|").replace("\n", "; ") for value in values)
    return "| " + " | ".join(cells) + " |"


def overview_markdown(comparison: dict[str, Any]) -> list[str]:
    """The overview as a Markdown table, and its legend."""
    headers, rows = overview(comparison)
    lines = [_markdown_row(headers), _markdown_row(["---"] * len(headers))]
    return [*lines, *(_markdown_row(row) for row in rows), "", legend()]


def not_measured(comparison: dict[str, Any]) -> list[str]:
    """A line per configuration whose start the store refused, with its reason."""
    refused = comparison.get("not_measured") or {}
    return [f"Not measured: {label}. {why}" for label, why in refused.items()]


def to_markdown(comparison: dict[str, Any]) -> str:
    lines = [f"**{TITLE}**", "", *overview_markdown(comparison), ""]
    if refused := not_measured(comparison):
        lines += [*(f"- {line}" for line in refused), ""]
    for topic, rows in tables(comparison):
        headers = ["", *(header for header, _ in topic.columns)]
        lines += [f"**{topic.title}**", ""]
        lines += [_markdown_row(headers), _markdown_row(["---"] * len(headers))]
        lines += [_markdown_row(row) for row in rows]
        lines += ["", topic.note, ""] if topic.note else [""]
    lines += [f"**{BROWSER_TITLE}**", "", *browser_lines(comparison), ""]
    for title, group in claim_groups(comparison):
        lines += [f"**{title}**", ""]
        headers = ["", "claim", "verdict", "why", "evidence"]
        lines += [_markdown_row(headers), _markdown_row(["---"] * len(headers))]
        lines += [
            _markdown_row([c["id"], c["claim"], f"**{c['verdict']}**", c["reason"], c["evidence"]])
            for c in group
        ]
        lines += [""]
    lines += ["![Token size and request cost](comparison.png)", "", _environment_line(comparison)]
    return "\n".join(lines) + "\n"


def to_json(comparison: dict[str, Any]) -> str:
    return json.dumps(comparison, indent=2, ensure_ascii=False) + "\n"


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            flat |= _flatten(inner, f"{prefix}{key}.")
        return flat
    if isinstance(value, list):
        return {prefix.rstrip("."): json.dumps(value)}
    return {prefix.rstrip("."): value}


def to_csv(comparison: dict[str, Any]) -> str:
    """One row per strategy, one column per measurement (nested fields joined with dots)."""
    rows = [_flatten(r) for r in comparison["strategies"].values()]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def render(comparison: dict[str, Any], fmt: str, console: Console) -> None:
    if fmt == "table":
        render_table(comparison, console)
    else:
        text = {"markdown": to_markdown, "json": to_json, "csv": to_csv}[fmt](comparison)
        console.file.write(text)


def chart(comparison: dict[str, Any], path: Path) -> None:
    """Token size, and request cost against the /public baseline, per strategy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(comparison["strategies"])
    results = list(comparison["strategies"].values())
    figure, (size, cost) = plt.subplots(1, 2, figsize=(10, 4.8))
    size.bar(names, [r["token"]["bytes"] for r in results], color="#4c72b0")
    for axes in (size, cost):
        axes.tick_params(axis="x", labelrotation=35)
        plt.setp(axes.get_xticklabels(), ha="right")
    size.set_title("Token size")
    size.set_ylabel("bytes")
    cost.bar(names, [r["cost"]["request"]["median_ms"] for r in results], color="#dd8452")
    baseline = sorted(r["cost"]["public"]["median_ms"] for r in results)[len(results) // 2]
    cost.axhline(
        baseline, color="black", linestyle="--", label=f"/public baseline {baseline:.2f} ms"
    )
    cost.set_yscale("log")
    cost.set_title("GET /protected, median")
    cost.set_ylabel("ms (log scale)")
    cost.legend()
    figure.suptitle(
        f"auth-sandbox compare — {comparison['environment']['token_store']}", fontsize=9
    )
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_outputs(comparison: dict[str, Any], directory: Path) -> list[Path]:
    texts = {"comparison.md": to_markdown(comparison), "comparison.json": to_json(comparison)}
    return write_report(directory, texts, {"comparison.png": lambda path: chart(comparison, path)})
