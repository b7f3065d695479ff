"""Run the comparison: every selected strategy and each of its variants, one token store,
one temporary instance each."""

import os
import platform
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from benchmarks.compare.browser import NOT_ASKED, browser_rows
from benchmarks.compare.claims import evaluate
from benchmarks.compare.distance import at_a_distance
from benchmarks.compare.elsewhere import introspection_client
from benchmarks.compare.expiry import expiry
from benchmarks.compare.measure import measure
from benchmarks.compare.restart import restarts
from benchmarks.compare.subject import PROBE_HASH, Subject
from benchmarks.compare.timing import MAX_RUNS, MIN_RUNS
from benchmarks.harness import provenance
from benchmarks.harness.quiet import quiet_apps
from benchmarks.harness.redis_server import StoreUnreachable, measurement_redis
from sandbox.config import ConfigError, configure, load_app_settings, throwaway_settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser
from benchmarks import measurable

UNLIMITED = "1000000 per second"


@contextmanager
def store_or_stand_in(redis_url: str | None, prefix: str) -> Iterator[tuple[Any, str | None]]:
    """The Redis to measure on (measurement_redis) and None; where REDIS_URL cannot be used,
    a stand-in of the comparison's own and the line that says why, so that what needs no
    token store is still measured."""
    with ExitStack() as stack:
        try:
            store, unreachable = stack.enter_context(measurement_redis(redis_url, prefix)), None
        except StoreUnreachable as error:
            store, unreachable = stack.enter_context(measurement_redis(None, prefix)), str(error)
        yield store, unreachable


def run_comparison(
    names: list[str],
    budget_s: float,
    progress: Callable[[str], None] = lambda _: None,
    browser: bool = False,
    chromium: "Browser | None" = None,
) -> dict[str, Any]:
    """Every strategy of `names` and its variants; with `browser`, the attacks in Chromium too
    (in `chromium`, where the caller's Playwright already drives one)."""
    settings = load_app_settings()
    prefix = f"auth-sandbox-compare:{uuid.uuid4().hex[:8]}:"
    with (
        tempfile.TemporaryDirectory(prefix="auth-sandbox-compare-") as workdir,
        store_or_stand_in(settings["REDIS_URL"], prefix) as (store, unreachable),
        # The apps' start warnings are not shown: the comparison's own Redis keeps nothing
        # across a restart on purpose, and would say so for every app it starts.
        quiet_apps(),
    ):
        results, subjects, refused = {}, {}, {}
        # Each strategy, then each of its variants, keyed by label ("jwt + denylist").
        for number, (label, name, variant) in enumerate(measurable.configurations(names)):
            config = throwaway_settings(
                name,
                os.path.join(workdir, str(number)),
                store.url,
                prefix,
                # The tamper measurements are failed logins by the dozen: lift the limits.
                LOGIN_LIMIT_PER_USER=UNLIMITED,
                LOGIN_LIMIT_PER_CLIENT=UNLIMITED,
                # Another service may ask it about a token (POST /introspect).
                INTROSPECTION_CLIENTS=introspection_client(),
                **variant,
            )
            if unreachable and configure(config).strategy.stateful:
                refused[label] = f"It needs the token store, and {unreachable}"
                continue
            try:
                subjects[label] = Subject(config)
            except ConfigError as error:  # a variant this store refuses (tracking, a cluster)
                refused[label] = error.message
                continue
            results[label] = measure(subjects[label], budget_s, progress, label, variant)
        progress("watching every token expire (TOKEN_TTL=1)")
        for label, watched in expiry(subjects).items():
            results[label]["expiry"] = watched
        progress("restarting a token store of the comparison's own")
        for label, restarted in restarts(subjects).items():
            results[label]["restart"] = restarted
        for label, row in at_a_distance(results).items():
            results[label]["at_a_distance"] = row
    attacks = (
        browser_rows(names, progress, chromium)
        if browser
        else {"measured": False, "why": NOT_ASKED}
    )
    progress("weighing the lesson's claims")
    return {
        "environment": {
            "commit": provenance.commit(),
            "command": provenance.command(),
            "python": platform.python_version(),
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
            "token_store": store.label + ("" if store.url else "; store bytes are estimates"),
            # REDIS_URL's error, where it could not be used and a stand-in was measured on.
            "store_unreachable": unreachable,
            "user_table": "SQLite (temporary file)",
            "password_hash": settings["PASSWORD_HASH_METHOD"],
            # The users made only to probe an event: no figure times their logins.
            "probe_users_password_hash": PROBE_HASH,
            "token_ttl": settings["TOKEN_TTL"],
            "budget_s_per_timing": budget_s,
            # Each timing's own count is its `samples`.
            "samples_per_timing": {"at_least": MIN_RUNS, "at_most": MAX_RUNS},
        },
        "strategies": results,
        "not_measured": refused,  # label: why (a start refused, a store that cannot be used)
        "browser": attacks,
        "claims": evaluate(results, attacks),
    }
