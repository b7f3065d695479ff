"""Run the comparison: every selected strategy and each of its variants, one token store,
one temporary instance each."""

import os
import platform
import tempfile
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from benchmarks.compare.browser import NOT_ASKED, browser_rows
from benchmarks.compare.claims import evaluate
from benchmarks.compare.expiry import expiry
from benchmarks.compare.measure import measure
from benchmarks.compare.subject import PROBE_HASH, Subject
from benchmarks.compare.timing import MAX_RUNS, MIN_RUNS
from benchmarks.harness import provenance
from benchmarks.harness.redis_server import measurement_redis
from sandbox.config import load_app_settings, throwaway_settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser
from benchmarks import measurable

UNLIMITED = "1000000 per second"


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
        measurement_redis(settings["REDIS_URL"], prefix) as store,
    ):
        results, subjects = {}, {}
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
                **variant,
            )
            subjects[label] = Subject(config)
            results[label] = measure(subjects[label], budget_s, progress, label, variant)
        progress("watching every token expire (TOKEN_TTL=1)")
        for label, watched in expiry(subjects).items():
            results[label]["expiry"] = watched
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
        "browser": attacks,
        "claims": evaluate(results, attacks),
    }
