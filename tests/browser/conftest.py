"""Debian's Chromium driven by Playwright (it cannot download its own browser here)."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need_service

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


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
