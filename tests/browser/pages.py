"""The demo page open in Chromium on a live app, and what every visit must leave clean."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from tests.security.live import Live, serve

# Every wait of a test is bounded: a page that never shows what it should fails in seconds.
WAIT_MS = 5_000


@contextmanager
def demo_page(browser, app: Flask) -> Iterator[tuple]:
    """The app served on a loopback port and its demo page open: (page, live, seen).

    `seen` collects the URLs the page requested, the challenges of the 401s it received and
    the errors it raised or logged.
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    live, stop = serve(app)
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    page.set_default_timeout(WAIT_MS)
    seen: dict[str, list[str]] = {"requests": [], "challenges": [], "errors": []}
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))

    def on_console(message) -> None:
        # Chromium logs every non-2xx fetch as "Failed to load resource": the 401s are the point.
        if message.type == "error" and not message.text.startswith("Failed to load"):
            seen["errors"].append(message.text)

    def on_response(response) -> None:
        if response.status == 401:
            seen["challenges"].append(response.headers.get("www-authenticate", ""))

    page.on("console", on_console)
    page.on("response", on_response)
    try:
        page.goto(f"http://127.0.0.1:{live.port}/")
        page.wait_for_selector("body[data-ready=true]")
        yield page, live, seen
    finally:
        page.close()
        stop()


def assert_clean(live: Live, seen: dict) -> None:
    """No 401 the page received could open the browser's own login dialog, nothing came from
    another host, and the page raised no error."""
    assert seen["challenges"] and all(c.startswith("x") for c in seen["challenges"])
    assert all(url.startswith(f"http://127.0.0.1:{live.port}/") for url in seen["requests"])
    assert seen["errors"] == []
