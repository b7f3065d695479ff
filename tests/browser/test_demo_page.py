"""The demo page in a real browser, for every strategy: log in, call, tamper, log out."""

import pytest

from sandbox import extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from strategies.anatomy import SIGNED_JSON, kind
from tests.security.live import serve

pytestmark = pytest.mark.browser


@pytest.fixture
def page_at(browser, make_app):
    app = make_app()
    live, stop = serve(app)
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    seen = {"requests": [], "challenges": [], "errors": []}
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
    page.goto(f"http://127.0.0.1:{live.port}/")
    page.wait_for_selector("body[data-ready=true]")
    yield page, live, seen
    page.close()
    stop()


def log_in(page, password: str) -> None:
    page.fill("#username", DEMO_USERNAME)
    page.fill("#password", password)
    page.click("#login")


def test_the_lesson_flow_by_clicking(page_at, strategy_name, screenshots):
    from playwright.sync_api import expect

    page, live, seen = page_at
    expect(page.locator("#strategy-name")).to_have_text(strategy_name)

    log_in(page, "not the password")
    expect(page.locator("#login-error")).to_contain_text("401: Bad username or password")
    expect(page.locator("#session")).to_be_hidden()

    log_in(page, DEMO_PASSWORD)
    expect(page.locator("#session")).to_be_visible()
    token = page.text_content("#token").split(" ", 1)[1]
    anatomy = page.locator("#anatomy")
    # The page reads the token as anyone could; it must find what the strategy says is there.
    reveals = extensions.strategy(live.app).read_token(token).leak.reveals
    if reveals == "claims":
        expect(anatomy.locator(".part.payload")).to_contain_text('"sub"')
    elif reveals == "password":
        expect(anatomy).to_contain_text(f"{DEMO_USERNAME}:{DEMO_PASSWORD}")
    else:
        expect(anatomy).to_contain_text("nothing to read")
    if kind(token) == SIGNED_JSON:
        expect(anatomy.locator(".part")).to_have_count(3)

    page.click("#call")
    expect(page.locator("#result-status")).to_have_text("200")
    expect(page.locator("#result-body")).to_contain_text(DEMO_USERNAME)
    page.screenshot(path=screenshots / f"demo-{strategy_name}.png", full_page=True)

    page.click("#tamper")
    expect(page.locator("#result-status")).to_have_text("401")

    page.click("#logout")
    revocable = live.facts["revocable"]
    expect(page.locator("#result-status")).to_have_text("204" if revocable else "501")
    page.click("#call")
    expect(page.locator("#result-status")).to_have_text("401" if revocable else "200")

    # No 401 the page received could open the browser's own login dialog,
    assert seen["challenges"] and all(c.startswith("x") for c in seen["challenges"])
    # nothing came from another host, and the page raised no error.
    assert all(url.startswith(f"http://127.0.0.1:{live.port}/") for url in seen["requests"])
    assert seen["errors"] == []


def test_other_clients_still_get_the_standard_challenge(page_at):
    _page, live, _seen = page_at
    reply = live.protected(None)
    assert reply.headers["WWW-Authenticate"].startswith(live.scheme + " ")


def test_the_page_allows_no_script_from_elsewhere(page_at):
    _page, live, _seen = page_at
    reply = live.send("GET", "/")
    assert "default-src 'self'" in reply.headers["Content-Security-Policy"]
