"""Where the demo page keeps the token: in memory, in localStorage (the example to attack),
or, when the server sets it (TOKEN_LOCATION=cookie), in an HttpOnly cookie, the only choice
then. The page says which one is active and what it costs."""

import json
import re

import pytest

from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME, ConfigError
from tests.browser.pages import WAIT_MS, assert_clean, demo_page
from tests.browser.test_refresh_page import VARIANTS
from tests.conftest import strategies_where

pytestmark = pytest.mark.browser

STORED = "auth-sandbox.session"  # the page's localStorage key
CAPABLE = strategies_where(cookie_capable=True)
EMPTY = "() => localStorage.length + sessionStorage.length"
# A variant that binds its tokens to the page's key cannot keep them in a cookie: its start
# is refused (test_a_bound_variant_refuses_the_cookie_in_one_line), so it is left out here.
IN_COOKIES = [
    pytest.param(name, settings, id=label, marks=pytest.mark.token_in_cookie)
    for label, (name, settings) in VARIANTS.items()
    if name in CAPABLE and "TOKEN_BINDING" not in settings
]
BOUND_VARIANTS = [
    pytest.param(name, settings, id=label)
    for label, (name, settings) in VARIANTS.items()
    if "TOKEN_BINDING" in settings
]


@pytest.fixture
def page_at(browser, make_app):
    with demo_page(browser, make_app()) as opened:
        yield opened


def log_in(page) -> None:
    page.fill("#username", DEMO_USERNAME)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login")


def sentences(text: str) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", text))


def reload(page) -> None:
    page.reload()
    page.wait_for_selector("body[data-ready=true]")


def test_the_page_says_where_it_keeps_the_token_and_what_that_costs(page_at):
    from playwright.sync_api import expect

    page, live, _seen = page_at
    assert live.facts["token_location"] == "header"
    expect(page.locator("#storage-memory")).to_be_checked()
    expect(page.locator("#storage-localStorage")).to_be_enabled()
    expect(page.locator("#storage-cookie")).to_be_disabled()  # the server's choice, not made
    expect(page.locator("#storage-availability")).to_contain_text("TOKEN_LOCATION=cookie")
    expect(page.locator("#storage-active")).to_have_text("memory")
    in_memory = page.text_content("#storage-tradeoff")
    assert sentences(in_memory) == 2

    page.check("#storage-localStorage")
    expect(page.locator("#storage-active")).to_have_text("localStorage")
    in_storage = page.text_content("#storage-tradeoff")
    assert sentences(in_storage) == 2 and in_storage != in_memory
    assert "reads it" in in_storage


def test_localStorage_keeps_the_token_and_every_call_reads_it_back(page_at):
    from playwright.sync_api import expect

    page, live, seen = page_at
    page.check("#storage-localStorage")
    log_in(page)
    expect(page.locator("#session")).to_be_visible()
    expect(page.locator("#token-kept")).to_contain_text("localStorage")
    token = page.text_content("#token").split(" ", 1)[1]
    stored = json.loads(page.evaluate(f"() => localStorage.getItem({STORED!r})"))
    assert stored["token"] == token

    # A reload finds it there: the login goes on.
    reload(page)
    expect(page.locator("#storage-active")).to_have_text("localStorage")
    expect(page.locator("#storage-localStorage")).to_be_checked()
    expect(page.locator("#session")).to_be_visible()
    page.click("#call")
    expect(page.locator("#result-status")).to_have_text("200")
    expect(page.locator("#sent-header")).to_contain_text(token)

    # Every call reads it from there: whatever changes it there changes what is sent.
    page.evaluate(f"() => localStorage.removeItem({STORED!r})")
    page.click("#call")
    expect(page.locator("#sent-header")).to_have_text("(no token held)")
    expect(page.locator("#result-status")).to_have_text("401")

    # Back to memory: nothing is left in storage.
    page.evaluate(f"(pair) => localStorage.setItem({STORED!r}, pair)", json.dumps(stored))
    page.check("#storage-memory")
    expect(page.locator("#session")).to_be_hidden()
    assert page.evaluate(EMPTY) == 0
    assert_clean(live, seen)


def test_memory_forgets_the_token_on_reload(page_at):
    from playwright.sync_api import expect

    page, _live, _seen = page_at
    log_in(page)
    expect(page.locator("#session")).to_be_visible()
    expect(page.locator("#token-kept")).to_contain_text("variable")
    assert page.evaluate(EMPTY) == 0
    reload(page)
    expect(page.locator("#storage-active")).to_have_text("memory")
    expect(page.locator("#session")).to_be_hidden()
    assert page.evaluate(EMPTY) + page.evaluate("() => document.cookie.length") == 0


# ---- TOKEN_LOCATION=cookie ------------------------------------------------------------


def cookies(page) -> dict[str, dict]:
    return {cookie["name"]: cookie for cookie in page.context.cookies()}


def requested(page, path: str, action) -> tuple[dict[str, str], str | None]:
    """The headers (cookies included) and body of the request to `path` that `action` makes."""
    with page.expect_request(lambda r: r.url.endswith(path), timeout=WAIT_MS) as request:
        action()
    return request.value.all_headers(), request.value.post_data


@pytest.mark.token_in_cookie
@pytest.mark.parametrize("strategy_name", CAPABLE)
def test_the_token_in_an_httponly_cookie_by_clicking(browser, make_app, screenshots):
    from playwright.sync_api import expect

    with demo_page(browser, make_app(TOKEN_LOCATION="cookie")) as (page, live, seen):
        assert live.facts["token_location"] == "cookie"
        expect(page.locator("#storage-cookie")).to_be_checked()
        expect(page.locator("#storage-cookie")).to_be_enabled()
        expect(page.locator("#storage-memory")).to_be_disabled()
        expect(page.locator("#storage-localStorage")).to_be_disabled()
        expect(page.locator("#storage-active")).to_have_text("cookie")
        assert sentences(page.text_content("#storage-tradeoff")) == 2

        with page.expect_response(lambda r: r.url.endswith("/token")) as answer:
            log_in(page)
        body = answer.value.json()
        assert body["token"] is None and body["token_type"] == "cookie"
        expect(page.locator("#session")).to_be_visible()
        expect(page.locator("#token")).to_contain_text("HttpOnly")
        expect(page.locator("#anatomy .part.cookie")).to_have_count(1)
        expect(page.locator("#tamper")).to_be_disabled()

        jar = cookies(page)
        access, csrf = jar["access_token"], jar["csrf_token"]
        assert (access["httpOnly"], access["sameSite"], access["path"]) == (True, "Strict", "/")
        assert (csrf["httpOnly"], csrf["sameSite"], csrf["path"]) == (False, "Strict", "/")
        assert csrf["value"] == body["csrf_token"]
        visible = page.evaluate("() => document.cookie")
        assert f"csrf_token={csrf['value']}" in visible and access["value"] not in visible

        # A call: the browser sends the cookie; the page sends no Authorization.
        headers, _ = requested(page, "/protected", lambda: page.click("#call"))
        assert "authorization" not in headers and access["value"] in headers["cookie"]
        expect(page.locator("#result-status")).to_have_text("200")
        expect(page.locator("#result-body")).to_contain_text(DEMO_USERNAME)
        page.screenshot(path=screenshots / f"demo-{live.facts['name']}-cookie.png", full_page=True)
        assert page.evaluate(EMPTY) == 0

        # A reload: the browser still holds the login.
        reload(page)
        expect(page.locator("#session")).to_be_visible()
        page.click("#call")
        expect(page.locator("#result-status")).to_have_text("200")

        # Logout carries the CSRF token; whatever the server revokes, the cookies go.
        headers, _ = requested(page, "/logout", lambda: page.click("#logout"))
        assert headers["x-csrf-token"] == csrf["value"]
        revocable = live.facts["revocable"]
        expect(page.locator("#result-status")).to_have_text("204" if revocable else "501")
        expect(page.locator("#logout-outcome")).to_contain_text(
            "The browser has dropped the login's cookies."
        )
        assert "access_token" not in cookies(page)
        page.click("#call")
        expect(page.locator("#result-status")).to_have_text("401")
        assert_clean(live, seen)


@pytest.mark.parametrize(("strategy_name", "settings"), IN_COOKIES)
def test_refresh_with_the_tokens_in_cookies(browser, make_app, settings):
    from playwright.sync_api import expect

    app = make_app(TOKEN_LOCATION="cookie", **settings)
    with demo_page(browser, app) as (page, live, seen):
        log_in(page)
        expect(page.locator("#refresh-held")).to_be_visible()
        expect(page.locator("#refresh-token")).to_contain_text("HttpOnly")
        before = cookies(page)
        refresh = before["refresh_token"]
        assert (refresh["httpOnly"], refresh["sameSite"], refresh["path"]) == (
            True,
            "Strict",
            "/token/refresh",
        )

        headers, body = requested(page, "/token/refresh", lambda: page.click("#refresh"))
        assert headers["x-csrf-token"] == before["csrf_token"]["value"]
        assert refresh["value"] in headers["cookie"] and not body
        expect(page.locator("#refresh-status")).to_have_text("200")
        after = cookies(page)
        assert after["access_token"]["value"] != before["access_token"]["value"]
        assert after["refresh_token"]["value"] != refresh["value"]
        assert after["csrf_token"]["value"] == before["csrf_token"]["value"]
        expect(page.locator("#replay")).to_be_disabled()  # the page never held the spent one
        page.click("#call")
        expect(page.locator("#result-status")).to_have_text("200")

        # Without the CSRF token, the cookie alone renews nothing.
        status = page.evaluate(
            """() => fetch("/token/refresh", {
                method: "POST", headers: { "X-Requested-With": "XMLHttpRequest" },
            }).then((response) => response.status)"""
        )
        assert status == 403
        assert cookies(page)["refresh_token"]["value"] == after["refresh_token"]["value"]

        # Logging out drops every cookie of the login, the refresh token's too.
        page.click("#logout")
        expect(page.locator("#logout-outcome")).to_contain_text("dropped the login's cookies")
        assert not {"access_token", "refresh_token", "csrf_token"} & set(cookies(page))
        page.click("#refresh")
        expect(page.locator("#refresh-status")).to_have_text("401")
        assert_clean(live, seen)


@pytest.mark.parametrize(("strategy_name", "settings"), BOUND_VARIANTS)
def test_a_bound_variant_refuses_the_cookie_in_one_line(make_app, settings):
    """Why IN_COOKIES leaves it out: the server's own refusal, which the attack matrix reports."""
    with pytest.raises(ConfigError) as refused:
        make_app(TOKEN_LOCATION="cookie", **settings)
    assert "TOKEN_BINDING=dpop needs TOKEN_LOCATION=header" in refused.value.message
