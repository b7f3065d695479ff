"""The demo page open in Chromium on a live app, and what every visit must leave clean."""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask

from benchmarks.browser.bound import binds_tokens
from benchmarks.harness.dpop_client import PROOF_HEADER, ProofKey
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from tests.security.live import JWKS_PATH, Live, serve
from tests.servers import start_in_a_thread

# Every wait of a test is bounded: a page that never shows what it should fails in seconds.
WAIT_MS = 5_000


def serve_live(app: Flask) -> tuple[Live, Callable[[], None]]:
    """The app served as tests.security.live serves it, logged in once; where it binds tokens
    to a key, that login proves a key of the test's own (a login without a proof is a 400)."""
    if not binds_tokens(app.test_client().get("/strategy").get_json()):
        return serve(app)
    port, stop = start_in_a_thread(app)
    live = Live(app, port)
    live.facts = live.send("GET", "/strategy").json()
    published = live.send("GET", JWKS_PATH)
    live.jwks_document = published.body if published.status == 200 else None
    proof = ProofKey().proof("POST", f"http://127.0.0.1:{port}/token")
    body = json.dumps({"username": DEMO_USERNAME, "password": DEMO_PASSWORD}).encode()
    headers = [("Content-Type", "application/json"), (PROOF_HEADER, proof)]
    reply = live.send("POST", "/token", headers, body)
    assert reply.status == 200, reply.body
    live.issued = reply.json()
    return live, stop


@contextmanager
def demo_page(browser, app: Flask) -> Iterator[tuple]:
    """The app served on a loopback port and its demo page open: (page, live, seen).

    `seen` collects the URLs the page requested, the challenges of the 401s it received and
    the errors it raised or logged.
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    live, stop = serve_live(app)
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
