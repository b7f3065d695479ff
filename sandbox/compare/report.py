"""The comparison as a table (terminal, Markdown), JSON, CSV and a PNG chart."""

import csv
import io
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

FORMATS = ("table", "markdown", "json", "csv")


def _ms(cost: dict, step: str) -> str:
    """The median and p95 of `step` ("request" or "authenticate"), against /public."""
    timing, ratio = cost[step], cost[f"{step}_ratio"]
    return f"{timing['median_ms']:.3f} ms (p95 {timing['p95_ms']:.3f}), {ratio:g}× /public"


def _store(store: dict) -> str:
    if not store["keys_per_token"]:
        return "nothing"
    estimate = " (estimate)" if store["method"].startswith("estimate") else ""
    return f"{store['keys_per_token']:g} key, {store['bytes_per_token']} B{estimate}"


def _store_down(down: dict) -> str:
    if down["keeps_working"]:
        return "keeps working"
    return f"/protected {down['protected_status']}, /token {down['login_status']}"


def _logout(logout: dict) -> str:
    if logout["revoked"]:
        return f"{logout['status']}: refused from the next request"
    return f"{logout['status']}: not revoked (still {logout['status_after']})"


def _expiry(expiry: dict) -> str:
    refused = expiry["with_ttl_1s_refused_after_s"]
    if refused is None:
        return f"never (accepted {expiry['watched_s']} s past a 1 s TTL)"
    return f"after expires_in={expiry['expires_in']} s (TTL 1 s: refused after {refused} s)"


def _leak(leak: dict) -> str:
    if leak["decoded"] is None:
        return leak["reveals"]
    decoded = leak["decoded"]
    return f"{leak['reveals']}: {decoded if len(decoded) <= 60 else decoded[:57] + '...'}"


def _tamper(tamper: dict) -> str:
    text = f"{tamper['refused']}/{tamper['tried']} refused"
    if tamper["accepted"]:
        text += f"; {tamper['accepted']} accepted ({tamper['accepted_same_meaning']} same meaning)"
    return text


def _unauthenticated(answers: dict) -> str:
    return f"{answers['missing_status']} / {answers['invalid_status']}"


ROWS = [
    ("token (shortened)", lambda r: r["token"]["example"]),
    ("token size", lambda r: f"{r['token']['bytes']} B (header {r['token']['header_bytes']} B)"),
    ("what it is", lambda r: f"{r['token']['kind']}, {r['token']['alphabet']}"),
    ("new token at each login", lambda r: "yes" if r["token"]["new_each_login"] else "no"),
    ("server keeps per token", lambda r: _store(r["store"])),
    ("store round trips / request", lambda r: str(r["round_trips"]["store"])),
    ("user-table queries / request", lambda r: str(r["round_trips"]["user_table"])),
    ("request cost", lambda r: _ms(r["cost"], "request")),
    ("authenticate step", lambda r: _ms(r["cost"], "authenticate")),
    ("token store down", lambda r: _store_down(r["store_down"])),
    ("logout", lambda r: _logout(r["logout"])),
    ("expiry", lambda r: _expiry(r["expiry"])),
    ("a leaked token reveals", lambda r: _leak(r["leak"])),
    ("one-character changes", lambda r: _tamper(r["tamper"])),
    ("missing / invalid token", lambda r: _unauthenticated(r["unauthenticated"])),
    ("replayed from another client", lambda r: str(r["replay_from_another_client"])),
]


def cells(comparison: dict[str, Any]) -> list[list[str]]:
    strategies = comparison["strategies"]
    return [[label, *(cell(r) for r in strategies.values())] for label, cell in ROWS]


def render_table(comparison: dict[str, Any], console: Console) -> None:
    table = Table(title="The lesson's table, measured", show_lines=True)
    table.add_column("")
    for name in comparison["strategies"]:
        table.add_column(name)
    for row in cells(comparison):
        table.add_row(*row)
    console.print(table)
    claims = Table(title="The lesson's claims", show_lines=True)
    for column in ("", "claim", "verdict", "evidence"):
        claims.add_column(column)
    for claim in comparison["claims"]:
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
    return "| " + " | ".join(value.replace("|", "\\|") for value in values) + " |"


def to_markdown(comparison: dict[str, Any]) -> str:
    names = list(comparison["strategies"])
    lines = [_markdown_row(["", *names]), _markdown_row(["---"] * (len(names) + 1))]
    lines += [_markdown_row(row) for row in cells(comparison)]
    lines += ["", _markdown_row(["", "claim", "verdict", "evidence"]), _markdown_row(["---"] * 4)]
    lines += [
        _markdown_row([c["id"], c["claim"], f"**{c['verdict']}**", c["evidence"]])
        for c in comparison["claims"]
    ]
    lines += ["", _environment_line(comparison)]
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
    figure, (size, cost) = plt.subplots(1, 2, figsize=(10, 4))
    size.bar(names, [r["token"]["bytes"] for r in results], color="#4c72b0")
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
    directory.mkdir(parents=True, exist_ok=True)
    written = [
        directory / "comparison.md",
        directory / "comparison.json",
        directory / "comparison.png",
    ]
    written[0].write_text(to_markdown(comparison))
    written[1].write_text(to_json(comparison))
    chart(comparison, written[2])
    return written
