"""The attack matrix: every cookie-capable strategy by every place the page can keep its
token, each in a throwaway app, seen in Chromium."""

import os
import tempfile
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from flask import Flask

from benchmarks.browser.attacker_sites import attacker_origins
from benchmarks.browser.attacks import PLACES, observe, verdict
from benchmarks.browser.chromium import chromium
from benchmarks.browser.served_app import cookie_capable, serve
from sandbox import create_app
from sandbox.config import throwaway_settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def throwaway_app(name: str, instance_path: str, location: str) -> Flask:
    """The strategy's app in a folder of its own, its token store in the process (fakeredis),
    the token in `location` (TOKEN_LOCATION: header or cookie)."""
    prefix = f"auth-sandbox-browser:{uuid.uuid4().hex[:8]}:"
    overrides = {"TOKEN_LOCATION": location}
    return create_app(throwaway_settings(name, instance_path, None, prefix, **overrides))


def attack_matrix(
    strategy_names: list[str],
    browser: "Browser | None" = None,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Every cookie-capable strategy of `strategy_names` by every place, seen in Chromium.

    {"strategies": {name: {place: cell}}, "left_out": {name: why}, "verdicts": {name:
    {place: verdict}}}; a cell as `observe` returns it.
    """
    result: dict[str, Any] = {"strategies": {}, "left_out": {}, "verdicts": {}}
    with ExitStack() as stack:
        if browser is None:
            browser = stack.enter_context(chromium())
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="auth-sandbox-browser-"))
        origins = stack.enter_context(attacker_origins())
        for name in strategy_names:
            cells: dict[str, Any] = {}
            folder = os.path.join(workdir, name)
            with serve(throwaway_app(name, folder, "header")) as target:
                if not cookie_capable(target.facts):
                    result["left_out"][name] = "its credentials cannot travel in a cookie"
                    continue
                for place in PLACES[:2]:
                    progress(f"{name}: the token in {place}")
                    cells[place] = observe(browser, target, place, origins)
            progress(f"{name}: the token in an HttpOnly cookie")
            with serve(throwaway_app(name, folder, "cookie")) as target:
                cells["cookie"] = observe(browser, target, "cookie", origins)
            result["strategies"][name] = cells
            result["verdicts"][name] = {place: verdict(cell) for place, cell in cells.items()}
    return result
