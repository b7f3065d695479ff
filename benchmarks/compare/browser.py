"""`auth-sandbox compare --browser`: where the browser keeps the token, attacked in Chromium.

The attacks are benchmarks.browser's (the same the browser tests run); this module
only says whether they can run here, and why not when they cannot.
"""

import importlib.util
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Browser

NOT_ASKED = "not measured: run auth-sandbox compare --browser (needs Chromium and playwright)"


def browser_rows(
    names: list[str], progress: Callable[[str], None], chromium: "Browser | None" = None
) -> dict[str, Any]:
    """The attack matrix of the strategies `names`, or why it was not measured.

    `chromium`: a browser Playwright already drives in this thread (one thread drives one
    Playwright), else one is started for the matrix.
    """
    if importlib.util.find_spec("playwright") is None:
        return {
            "measured": False,
            "why": "not measured (needs playwright: pip install -e '.[browser]')",
        }
    from benchmarks.browser.chromium import CHROMIUM
    from benchmarks.browser.matrix import attack_matrix

    if chromium is None and not os.access(CHROMIUM, os.X_OK):
        why = f"not measured (needs Chromium: {CHROMIUM} is missing; apt-get install chromium)"
        return {"measured": False, "why": why}
    return {"measured": True, **attack_matrix(names, browser=chromium, progress=progress)}
