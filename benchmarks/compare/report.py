"""The comparison as a table (terminal, Markdown), JSON, CSV and a PNG chart; its topics
are in topics.py."""

import csv
import io
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.browser.summary import matrix_table
from benchmarks.compare.browser import NOT_ASKED
from benchmarks.compare.claims.weighing import LESSON, OURS
from benchmarks.compare.topics import tables
from benchmarks.harness.writer import write_report

FORMATS = ("table", "markdown", "json", "csv")
MAX_WORD = 24  # a terminal column of single words this wide is kept whole (a token: 19)


def claim_groups(comparison: dict[str, Any]) -> list[tuple[str, list[dict[str, str]]]]:
    """The lesson's claims, then ours; a group without a claim is left out."""
    groups = [("The lesson's claims", LESSON), ("Claims of our own, not the lesson's", OURS)]
    return [
        (title, claims)
        for title, source in groups
        if (claims := [c for c in comparison["claims"] if c["source"] == source])
    ]


def _layout(header: str, values: list[str]) -> dict[str, Any]:
    """A column no wider than its widest value needs (its header may wrap instead); one of
    single words at least as wide as its header (a shortened token) is never wrapped, so
    that no word is cut in two."""
    widest = max((len(line) for value in values for line in value.splitlines()), default=0)
    single_words = all(len(value.split()) == 1 for value in values)
    return {
        "max_width": max(widest, *(len(word) for word in header.split())),
        "no_wrap": single_words and len(header) <= widest <= MAX_WORD,
    }


BROWSER_TITLE = "Where the browser keeps the token, attacked in Chromium"


def browser_lines(comparison: dict[str, Any]) -> list[str]:
    """The attack matrix as Markdown lines, or why it was not measured."""
    browser = comparison.get("browser") or {"measured": False, "why": NOT_ASKED}
    if not browser["measured"]:
        return [browser["why"]]
    return matrix_table(browser)


def render_table(comparison: dict[str, Any], console: Console) -> None:
    for topic, rows in tables(comparison):
        table = Table(title=topic.title, caption=topic.note or None, show_lines=True)
        table.add_column("", no_wrap=True)
        for index, (header, _) in enumerate(topic.columns, 1):
            table.add_column(header, overflow="fold", **_layout(header, [r[index] for r in rows]))
        for row in rows:
            table.add_row(*row)
        console.print(table)
    console.print(BROWSER_TITLE, style="italic")
    for line in browser_lines(comparison):
        console.print(line, markup=False, highlight=False)
    for title, group in claim_groups(comparison):
        claims = Table(title=title, show_lines=True)
        for column in ("", "claim", "verdict", "evidence"):
            claims.add_column(column)
        for claim in group:
            claims.add_row(claim["id"], claim["claim"], claim["verdict"], claim["evidence"])
        console.print(claims)
    console.print(_environment_line(comparison))


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


def to_markdown(comparison: dict[str, Any]) -> str:
    lines: list[str] = []
    for topic, rows in tables(comparison):
        headers = ["", *(header for header, _ in topic.columns)]
        lines += [f"**{topic.title}**", ""]
        lines += [_markdown_row(headers), _markdown_row(["---"] * len(headers))]
        lines += [_markdown_row(row) for row in rows]
        lines += ["", topic.note, ""] if topic.note else [""]
    lines += [f"**{BROWSER_TITLE}**", "", *browser_lines(comparison), ""]
    for title, group in claim_groups(comparison):
        lines += [f"**{title}**", ""]
        lines += [_markdown_row(["", "claim", "verdict", "evidence"]), _markdown_row(["---"] * 4)]
        lines += [
            _markdown_row([c["id"], c["claim"], f"**{c['verdict']}**", c["evidence"]])
            for c in group
        ]
        lines += [""]
    lines += [_environment_line(comparison)]
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
