"""The attack matrix: every cookie-capable strategy by every place the page can keep its
token, and each variant of a strategy that binds tokens to the client's key (DPoP) by every
place such a token can be kept in; each in a throwaway app, seen in Chromium."""

import os
import tempfile
import uuid
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from flask import Flask

from benchmarks import measurable
from benchmarks.browser.attacker_sites import attacker_origins
from benchmarks.browser.attacks import PLACES, observe, verdict
from benchmarks.browser.chromium import chromium
from benchmarks.browser.served_app import BrowserTarget, cookie_capable, serve
from sandbox import create_app
from sandbox.config import ConfigError, throwaway_settings
from sandbox.transports import DPoPTransport
from strategies import registry

if TYPE_CHECKING:
    from playwright.sync_api import Browser

HEADER_PLACES = PLACES[:2]  # where the page keeps a token the server answers with


def throwaway_app(name: str, instance_path: str, location: str, **settings: Any) -> Flask:
    """The strategy's app in a folder of its own, its token store in the process (fakeredis),
    the token in `location` (TOKEN_LOCATION: header or cookie), with `settings` (a variant's)."""
    prefix = f"auth-sandbox-browser:{uuid.uuid4().hex[:8]}:"
    overrides = {**settings, "TOKEN_LOCATION": location}
    return create_app(throwaway_settings(name, instance_path, None, prefix, **overrides))


def bound_variants(name: str) -> dict[str, dict[str, Any]]:
    """The strategy's variants that bind its tokens to the client's key, by label."""
    return {
        f"{name} + {label}": dict(settings)
        for label, settings in measurable.variants(registry.load(name)).items()
        if settings.get("TOKEN_BINDING") == DPoPTransport.binding
    }


def cookie_refusal(name: str, instance_path: str, settings: Mapping[str, Any]) -> str | None:
    """Why the configuration refuses to start with the token in a cookie: the server's own
    words; None where it starts."""
    try:
        throwaway_app(name, instance_path, "cookie", **settings)
    except ConfigError as error:
        return error.message
    return None


def attack_matrix(
    strategy_names: list[str],
    browser: "Browser | None" = None,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Every cookie-capable strategy of `strategy_names` by every place, and each variant of
    one of them that binds tokens to a key by every place it can use, seen in Chromium.

    {"strategies": {label: {place: cell}}, "left_out": {what: why}, "verdicts": {label:
    {place: verdict}}}; a cell as `observe` returns it, a label a strategy's name or a
    variant's ("jwt + DPoP").
    """
    result: dict[str, Any] = {"strategies": {}, "left_out": {}, "verdicts": {}}
    with ExitStack() as stack:
        if browser is None:
            browser = stack.enter_context(chromium())
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="auth-sandbox-browser-"))
        origins = stack.enter_context(attacker_origins())

        def measure(label: str, target: BrowserTarget, places: tuple[str, ...]) -> dict:
            cells = {}
            for place in places:
                progress(f"{label}: the token in {place}")
                cells[place] = observe(browser, target, place, origins)
            return cells

        def keep(label: str, cells: dict[str, Any]) -> None:
            result["strategies"][label] = cells
            result["verdicts"][label] = {place: verdict(cell) for place, cell in cells.items()}

        for name in strategy_names:
            folder = os.path.join(workdir, name)
            with serve(throwaway_app(name, folder, "header")) as target:
                capable = cookie_capable(target.facts)
                cells = measure(name, target, HEADER_PLACES) if capable else {}
            if capable:
                with serve(throwaway_app(name, folder, "cookie")) as target:
                    cells |= measure(name, target, ("cookie",))
                keep(name, cells)
            else:
                result["left_out"][name] = "its credentials cannot travel in a cookie"
            # A bound token is kept where the page keeps a header's: measured whether or not
            # the strategy's tokens could travel in a cookie.
            for number, (label, settings) in enumerate(bound_variants(name).items()):
                folder = os.path.join(workdir, f"{name}-bound-{number}")
                with serve(throwaway_app(name, folder, "header", **settings)) as target:
                    cells = measure(label, target, HEADER_PLACES)
                refused = cookie_refusal(name, folder, settings)
                if refused is None:  # a binding that a cookie could carry: measured there too
                    with serve(throwaway_app(name, folder, "cookie", **settings)) as target:
                        cells |= measure(label, target, ("cookie",))
                else:
                    result["left_out"][f"{label}, kept in a cookie"] = refused
                keep(label, cells)
    return result
