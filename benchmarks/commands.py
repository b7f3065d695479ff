"""The measuring commands of `auth-sandbox`: compare, bench, scale, latency and strategies.

`sandbox.cli` finds them through the entry-point group `auth_sandbox.commands`, as
flask finds its plug-ins' commands, so the app never imports its measurements.
"""

import json
import sys
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from benchmarks.compare.report import FORMATS, render, write_outputs
from benchmarks.compare.runner import run_comparison
from benchmarks.compare.timing import MAX_RUNS, MIN_RUNS
from benchmarks.harness.redis_server import StoreUnreachable
from benchmarks.latency import DEFAULT_RTTS, LatencyError, parse_rtts
from benchmarks.latency import report as latency_report
from benchmarks.latency.runner import run_latency
from benchmarks.latency.timing import MAX_REQUESTS, MIN_REQUESTS
from benchmarks.scale import ScaleError
from benchmarks.scale import report as scale_report
from benchmarks.scale.runner import plan, run_scale
from benchmarks.scale.sizes import DEFAULT_SIZES, parse_sizes
from benchmarks.strategy_list import as_text, describe_all
from sandbox.cli import whole_number
from sandbox.store import a_redis_url
from strategies import registry

WIDTH = 120


def select_strategies(strategies: str | None) -> list[str]:
    """The names given to --strategies, checked; when none, every strategy that loads.

    A plug-in that fails to import is left out with a warning, or named in the error
    when it was asked for.
    """
    loaded, broken = registry.load_all()
    known = registry.names()
    if not strategies:
        for error in broken:
            click.echo(f"warning: {error}; measuring the others", err=True)
        return list(loaded)
    selected = [name.strip() for name in strategies.split(",")]
    unknown = [name for name in selected if name not in known]
    if unknown:
        raise click.BadParameter(
            f"unknown {', '.join(unknown)}; the strategies that exist are: {', '.join(known)}",
            param_hint="--strategies",
        )
    for error in broken:
        if error.strategy in selected:
            raise click.BadParameter(str(error), param_hint="--strategies")
    return selected


@click.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("comparison"),
    show_default=True,
    help="Where comparison.md, .html, .json and .png are written.",
)
@click.option("--strategies", help="Comma-separated names; default: every registered strategy.")
@click.option(
    "--budget",
    type=click.FloatRange(min=0.05),
    default=0.5,
    show_default=True,
    help=f"Seconds each timing loop may take (at least {MIN_RUNS} runs, at most {MAX_RUNS}).",
)
@click.option(
    "--browser",
    is_flag=True,
    help="Also attack the token where the demo page keeps it, in Chromium (needs /usr/bin/"
    "chromium and playwright, the browser extra).",
)
def compare(fmt: str, output: Path, strategies: str | None, budget: float, browser: bool) -> None:
    """Measure every strategy and weigh the lesson's claims (the main job)."""
    selected = select_strategies(strategies)
    progress = Console(stderr=True)
    with progress.status("measuring") as status:
        comparison = run_comparison(selected, budget, progress=status.update, browser=browser)
    # The default output is a screen: never wider than 120 columns, narrower where the
    # terminal is.
    screen = Console(width=min(Console().width if sys.stdout.isatty() else WIDTH, WIDTH))
    render(comparison, fmt, screen)
    for path in write_outputs(comparison, output):
        progress.print(f"wrote {path}")
    if unreachable := comparison["environment"]["store_unreachable"]:
        # What needs no token store was measured and written; the rest says why it was not.
        raise click.ClickException(unreachable)


@click.command()
@click.option("--strategies", help="Comma-separated names; default: every registered strategy.")
@click.option(
    "--scenario",
    type=click.Choice(["steady", "login", "logout", "refresh"]),
    default="steady",
    show_default=True,
    help="What each locust user repeats (see the locustfile). refresh: only the targets "
    "that issue refresh tokens; steady also measures a refresh against a /protected call.",
)
@click.option(
    "--refresh-every",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="--scenario refresh: /protected calls between two refreshes (0: refreshes only).",
)
@click.option(
    "--reuse-every",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="--scenario refresh: send the spent refresh token again (401 expected, then a new "
    "login) after every Nth refresh (0: never).",
)
@click.option(
    "--peers/--no-peers",
    default=True,
    show_default=True,
    help="steady: beside each strategy whose app verifies with flask-jwt-extended, the same "
    "configuration behind its @jwt_required() (benchmarks/load/peer_app.py), in the same run.",
)
@whole_number("--duration", 10, "Seconds of load per target.")
@whole_number("--users", 20, "Concurrent locust users.")
@whole_number("--workers", 2, "gunicorn workers (one per core here).")
@whole_number("--threads", 1, "Threads per gunicorn worker.")
@whole_number("--locust-workers", 0, "Run locust distributed: a master and N local workers.")
@click.option("--host", help="Load an existing deployment at this URL instead of starting servers.")
@whole_number("--rounds", 1, "Run every target N times, interleaved; report the medians.")
@click.option(
    "--store-rtt",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Milliseconds of round trip added between the servers and Redis, by a delaying proxy "
    "on loopback: the load figures at a distance (a stand-in for a network).",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("benchmarks/results"),
    show_default=True,
    help="A timestamped folder is written below it.",
)
def bench(output: Path, strategies: str | None, **options: Any) -> None:
    """Load-test every strategy and a no-auth baseline under gunicorn with locust."""
    try:
        from benchmarks.load import report
        from benchmarks.load.runner import BenchError, Options, run_bench
    except ImportError as error:
        raise click.ClickException(
            f"the bench needs its extra ({error.name} is missing): pip install -e '.[bench]'"
        ) from None
    selected = select_strategies(strategies)
    outdir = output / time.strftime("%Y%m%d-%H%M%S")
    progress = Console(stderr=True)
    try:
        with progress.status("starting") as status:
            results = run_bench(Options(strategies=selected, **options), outdir, status.update)
    except (BenchError, StoreUnreachable) as error:
        raise click.ClickException(str(error)) from None
    for path in report.write(results, outdir):
        progress.print(f"wrote {path}")
    click.echo("\n".join(report.table(results)))  # the results on stdout, as compare's
    for warning in results["warnings"]:
        progress.print(f"[yellow]warning:[/] {warning}")


def _sizes(_ctx: click.Context, _param: click.Parameter, value: str) -> list[int]:
    try:
        return parse_sizes(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _redis_url(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    try:
        return None if value is None else a_redis_url(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command()
@click.option(
    "--sizes",
    default=DEFAULT_SIZES,
    show_default=True,
    callback=_sizes,
    help="Comma-separated numbers of tokens to fill to, one after another (1e6 and 10^6 work).",
)
@click.option("--strategies", help="Comma-separated names; default: every registered strategy.")
@click.option(
    "--redis-url",
    callback=_redis_url,
    help="Fill this Redis instead of a private redis-server; only if it holds no keys, unless "
    "--allow-foreign-keys. The run's keys are deleted afterwards.",
)
@click.option(
    "--allow-foreign-keys",
    is_flag=True,
    help="Fill the Redis of --redis-url even though it holds keys of others (left untouched).",
)
@whole_number("--users", 1000, "Users the tokens are spread over (made with a cheap hash).")
@whole_number("--batch", 10_000, "Tokens per issue_many call (one round trip).")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("scale"),
    show_default=True,
    help="Where scale.md, scale.json and scale.png are written.",
)
def scale(sizes: list[int], strategies: str | None, output: Path, **options: Any) -> None:
    """Fill each stateful strategy's token store to 10^3 … 10^6 tokens: bytes per token,
    authenticate p50/p95 and fill rate at each size."""
    selected = select_strategies(strategies)
    console = Console(stderr=True)
    try:
        configurations, skipped = plan(selected)
        with scale_report.ConsoleProgress(console) as progress:
            result = run_scale(configurations, sizes, progress=progress, **options)
    except ScaleError as error:
        raise click.ClickException(str(error)) from None
    result["skipped"] = skipped
    scale_report.render(result, Console(width=None if sys.stdout.isatty() else 200))
    for path in scale_report.write_outputs(result, output):
        console.print(f"wrote {path}")


def _rtts(_ctx: click.Context, _param: click.Parameter, value: str) -> list[float]:
    try:
        return parse_rtts(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command()
@click.option(
    "--rtt",
    "rtts",
    default=DEFAULT_RTTS,
    show_default=True,
    callback=_rtts,
    help="Comma-separated round-trip times in ms that the proxies add, to Redis and to the "
    "sandbox.",
)
@click.option("--strategies", help="Comma-separated names; default: every registered strategy.")
@click.option(
    "--budget",
    type=click.FloatRange(min=0.01),
    default=0.5,
    show_default=True,
    help=f"Seconds each cell may take (at least {MIN_REQUESTS} requests, at most {MAX_REQUESTS}).",
)
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("latency"),
    show_default=True,
    help="Where latency.md, .html, .json and .png are written.",
)
def latency(rtts: list[float], strategies: str | None, budget: float, output: Path) -> None:
    """GET /protected with Redis, and the sandbox, a round trip away (a delaying proxy): at the
    sandbox and at a resource server, for each RTT; where a stateless JWT beats asking Redis."""
    selected = select_strategies(strategies)
    progress = Console(stderr=True)
    try:
        with progress.status("starting") as status:
            result = run_latency(selected, rtts, budget, progress=status.update)
    except LatencyError as error:
        raise click.ClickException(str(error)) from None
    latency_report.render(result, Console(width=WIDTH))
    for path in latency_report.write_outputs(result, output):
        progress.print(f"wrote {path}")


@click.command("strategies")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def list_strategies(fmt: str) -> None:
    """List every registered strategy, installed plug-ins too: facts, settings, variants."""
    described, broken = describe_all()
    if fmt == "json":
        click.echo(json.dumps({"strategies": described, "broken": broken}, indent=2))
    else:
        click.echo("\n".join(as_text(described)))
    for line in broken:
        click.echo(f"warning: {line}", err=True)
