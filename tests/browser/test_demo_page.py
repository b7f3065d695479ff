"""The demo page in a real browser, for every strategy: log in, call, tamper, log out."""

import re

import pytest

from benchmarks import measurable
from benchmarks.anatomy import SIGNED_JSON, kind
from sandbox import extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from tests.browser.pages import assert_clean, demo_page

pytestmark = pytest.mark.browser


@pytest.fixture
def page_at(browser, make_app):
    with demo_page(browser, make_app()) as opened:
        yield opened


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
    reveals = measurable.read_token(extensions.strategy(live.app), token).leak.reveals
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
    expect(page.locator("#logout-outcome")).to_have_text(
        "Logged out: the whole login is revoked, every token it was given."
        if revocable
        else re.compile(r"^Nothing revoked \(501\): \S")
    )
    page.click("#call")
    expect(page.locator("#result-status")).to_have_text("401" if revocable else "200")

    # By default no strategy issues refresh tokens: the page offers none to renew.
    assert live.facts["refresh_tokens"] is False
    expect(page.locator("#renew")).to_be_hidden()
    expect(page.locator("#refresh-held")).to_be_hidden()
    expect(page.locator("#refresh")).to_be_disabled()
    assert_clean(live, seen)


def test_other_clients_still_get_the_standard_challenge(page_at):
    _page, live, _seen = page_at
    reply = live.protected(None)
    assert reply.headers["WWW-Authenticate"].startswith(live.scheme + " ")


def test_the_page_allows_no_script_from_elsewhere(page_at):
    _page, live, _seen = page_at
    reply = live.send("GET", "/")
    assert "default-src 'self'" in reply.headers["Content-Security-Policy"]
