"""The latency run as tables (terminal, Markdown), JSON and a PNG plot, through the shared
report writer: latency.md, latency.html, latency.json, latency.png."""

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.harness.writer import markdown_table, write_report
from benchmarks.latency import key
from benchmarks.latency.remote import CACHED, INTROSPECTION, JWKS

Cells = list[list[str]]


def ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def window(probe: dict[str, Any]) -> str:
    """A token tried after an event: refused (0 s), or accepted for at most what it had left."""
    if probe.get("refused"):
        return "0 s"
    return "no expiry" if probe.get("window_s") is None else f"≤ {probe['window_s']} s"


def seconds(value: int | None) -> str:
    """A resource server's window in seconds: 0 (it asked), else an upper bound."""
    return "—" if value is None else ("0" if value == 0 else f"≤{value}")


def sandbox_table(result: dict[str, Any]) -> tuple[list[str], Cells]:
    rtts = result["environment"]["rtts_ms"]
    headers = ["configuration", "k", *(f"{rtt:g} ms" for rtt in rtts), "ms/ms (k×)", "logout"]
    cells = []
    for label, measured in result["configurations"].items():
        judged = measured["sandbox_fit"]
        slope = "—" if judged["fit"] is None else f"{judged['fit']['slope']:.2f}"
        cells.append(
            [
                label,
                f"{measured['redis_round_trips']:g}",
                *(ms(measured["sandbox"][key(rtt)]["median_ms"]) for rtt in rtts),
                f"{slope} ({judged['expected_slope']:.2f})",
                window(measured["revocation"]["logout"]["access"]),
            ]
        )
    return headers, cells


def remote_table(result: dict[str, Any]) -> tuple[list[str], Cells]:
    largest = key(result["environment"]["rtts_ms"][-1])
    headers = ["configuration", "k′", "JWKS", "introspection", "cached", "1st", "logout s: J·I·C"]
    cells = []
    for label, measured in result["configurations"].items():
        ways = measured["resource_server"]["ways"]
        if not ways:
            continue

        def cell(way: str, ways: dict[str, Any] = ways) -> str:
            if way not in ways:
                return "—"
            at = ways[way]["cells"][largest]
            return f"{ms(at['median_ms'])} / {ms(at['p95_ms'])}"

        trips = measured["resource_server"]["introspection_redis_round_trips"]
        first = ways[CACHED]["cells"][largest]["first_ms"] if CACHED in ways else None
        windows = "·".join(
            seconds(ways[way]["revocation"]["logout"]) if way in ways else "—"
            for way in (JWKS, INTROSPECTION, CACHED)
        )
        cells.append(
            [
                label,
                "—" if trips is None else f"1+{trips:g}",
                *(cell(way) for way in (JWKS, INTROSPECTION, CACHED)),
                ms(first),
                windows,
            ]
        )
    return headers, cells


def crossover_table(result: dict[str, Any]) -> tuple[list[str], Cells]:
    crossovers = result["crossovers"]
    largest = result["environment"]["rtts_ms"][-1]
    baseline = crossovers["baseline"] or "the baseline"
    headers = [
        "configuration",
        "k",
        f"{baseline} faster past",
        f"{baseline} saves at {largest:g} ms",
        "its logout window",
        f"{baseline}'s",
    ]
    cells = []
    for label, row in crossovers["rows"].items():
        past = row["crossover_rtt_ms"]
        cells.append(
            [
                label,
                f"{row['redis_round_trips']:g}",
                "never (no RTT)"
                if past is None
                else ("every RTT" if past == 0 else f"{past:.2f} ms"),
                f"{ms(row['baseline_saves_at_largest_ms'])} ms",
                window(row["window"]),
                window(row["baseline_window"]),
            ]
        )
    return headers, cells


def titles(result: dict[str, Any]) -> dict[str, str]:
    largest = result["environment"]["rtts_ms"][-1]
    return {
        "sandbox": "GET /protected at the sandbox, Redis behind the proxy: median ms at each RTT "
        "(k: its Redis round trips; ms/ms: fitted slope, expected in brackets)",
        "remote": f"At a resource server, the sandbox {largest:g} ms away: median / p95 ms (k′: "
        "round trips per introspection, HTTP + Redis; 1st: the cached way's miss; the seconds a "
        "logged-out token still works there: JWKS, introspection, cached)",
        "crossover": "Crossovers: where a stateless JWT's local check beats asking Redis",
    }


def notes(result: dict[str, Any]) -> list[str]:
    calibration, cpu = result["calibration"]["by_rtt"], result["proxy_cpu"]
    environment = result["environment"]
    added = ", ".join(f"{rtt} → +{ms(at['added_ms'])}" for rtt, at in calibration.items())
    lines = [
        f"The proxy, measured with Redis PINGs (RTT ms → ms added): {added}.",
        f"The proxies' own CPU: {cpu['redis_s']:.2f} s (Redis) + {cpu['http_s']:.2f} s (HTTP) "
        f"= {cpu['total_s']:.2f} s of the process's {cpu['process_cpu_s']:.1f} s, "
        f"over {cpu['wall_s']:.0f} s.",
    ]
    if result["crossovers"]["why_none"]:
        lines.append(f"No crossover: {result['crossovers']['why_none']}.")
    lines += [f"Off the physics: {line}." for line in result["disagreements"]]
    lines += [f"Not measured: {label}: {why}" for label, why in result["not_measured"].items()]
    lines.append(f"Commit {environment['commit']}; `{environment['command']}`.")
    return lines


def render(result: dict[str, Any], console: Console) -> None:
    for name, (headers, cells) in tables(result).items():
        if not cells:
            continue
        table = Table(title=titles(result)[name], title_justify="left")
        for number, header in enumerate(headers):
            table.add_column(header, justify="left" if number == 0 else "right", no_wrap=True)
        for row in cells:
            table.add_row(*row)
        console.print(table)
    for line in notes(result):
        console.print(line, highlight=False)


def tables(result: dict[str, Any]) -> dict[str, tuple[list[str], Cells]]:
    return {
        "sandbox": sandbox_table(result),
        "remote": remote_table(result),
        "crossover": crossover_table(result),
    }


def to_markdown(result: dict[str, Any]) -> str:
    environment = result["environment"]
    lines = [
        "# auth-sandbox latency",
        "",
        f"Commit {environment['commit']}, `{environment['command']}`; "
        f"{environment['token_store']}; {environment['machine']}; {environment['wall_s']} s.",
        "",
    ]
    for name, (headers, cells) in tables(result).items():
        if cells:
            lines += [f"## {titles(result)[name]}", "", *markdown_table(headers, cells), ""]
    lines += ["![GET /protected median against RTT](latency.png)", "", "## Notes", ""]
    lines += [f"- {line}" for line in notes(result)]
    lines += ["", "## How", ""]
    lines += [
        f"- {name.replace('_', ' ')}: {environment[name]}"
        for name in (
            "settings",
            "sandbox_requests",
            "resource_server_requests",
            "budget_s_per_cell",
            "requests_per_cell",
            "cache_ttl_s",
            "switch_interval_s",
        )
    ]
    lines += [
        f"- proxy calibration: {result['calibration']['method']}",
        f"- proxy CPU: {result['proxy_cpu']['method']}",
        "",
    ]
    return "\n".join(lines)


def to_json(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2) + "\n"


def plot(result: dict[str, Any], path: Path) -> None:
    """GET /protected's median at the sandbox against RTT, a line per configuration: solid
    where its requests ask Redis nothing, dashed where they do (k round trips); beside it, what
    each gained over RTT 0, against k times the RTT the proxy measurably added."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rtts = result["environment"]["rtts_ms"]
    figure, (medians, gained) = plt.subplots(1, 2, figsize=(13, 6))
    colours = plt.get_cmap("tab20").colors  # type: ignore[attr-defined]
    for number, (label, measured) in enumerate(result["configurations"].items()):
        k = measured["redis_round_trips"]
        values = [measured["sandbox"][key(rtt)]["median_ms"] for rtt in rtts]
        colour, line = colours[number % len(colours)], "o-" if k == 0 else "s--"
        medians.plot(rtts, values, line, color=colour, label=f"{label} (k={k:g})")
        gained.plot(rtts, [value - values[0] for value in values], line, color=colour)
    slope = result["calibration"]["slope"]
    for k in sorted({m["redis_round_trips"] for m in result["configurations"].values()} - {0}):
        gained.plot(rtts, [k * slope * (rtt - rtts[0]) for rtt in rtts], ":", color="black")
        gained.annotate(f"k={k:g}", (rtts[-1], k * slope * (rtts[-1] - rtts[0])), fontsize=8)
    medians.set_yscale("log")
    medians.set_ylabel("GET /protected median (ms, log scale)")
    gained.set_ylabel(f"ms over RTT {rtts[0]:g} (dotted: k × the RTT the proxy added)")
    for axes in (medians, gained):
        axes.set_xlabel("RTT to Redis (ms)")
        axes.grid(True, which="both", alpha=0.3)
    figure.legend(fontsize=8, loc="center right")
    environment = result["environment"]
    figure.suptitle(
        f"auth-sandbox latency — commit {environment['commit']}; k: Redis round trips a request",
        fontsize=9,
    )
    figure.tight_layout(rect=(0, 0, 0.8, 1))
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_outputs(result: dict[str, Any], directory: Path) -> list[Path]:
    texts = {"latency.md": to_markdown(result), "latency.json": to_json(result)}
    return write_report(directory, texts, {"latency.png": lambda path: plot(result, path)})
