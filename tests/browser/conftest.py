"""Debian's Chromium driven by Playwright (it cannot download its own browser here)."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.browser.chromium import CHROMIUM
from benchmarks.browser.chromium import CHROMIUM_FLAGS as FLAGS
from tests.conftest import need_service


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        need_service(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need_service("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:  # a fresh, empty profile of its own
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where the tests leave screenshots: AUTH_SANDBOX_SCREENSHOTS, else a temporary folder."""
    folder = Path(os.environ.get("AUTH_SANDBOX_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# The attack matrix's cells, by (strategy, place), as the tests observed them: the summary.
ATTACK_CELLS = pytest.StashKey[dict]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "token_in_cookie: needs the server's TOKEN_LOCATION=cookie (sandbox/transports/cookie.py)",
    )


@pytest.fixture
def attack_cells(request: pytest.FixtureRequest) -> dict:
    return request.config.stash.setdefault(ATTACK_CELLS, {})


@pytest.fixture(scope="session")
def attacker_origins() -> Iterator[dict[str, str]]:
    """The other origins' pages, served on loopback ports of their own for the session."""
    from benchmarks.browser.attacker_sites import attacker_origins as serving

    with serving() as origins:
        yield origins


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    cells = config.stash.get(ATTACK_CELLS, {})
    if not cells:
        return
    from benchmarks.browser.summary import tables

    terminalreporter.write_sep("-", "the attack matrix, as observed in Chromium")
    for line in tables(cells):
        terminalreporter.write_line(line)
