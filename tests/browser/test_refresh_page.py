"""The demo page's refresh tokens in a real browser, for every variant that issues them.

Renew the pair, replay the spent refresh token (reuse detection revokes the login), log out
and read what was revoked. The variants are the registry's: a strategy that declares
REFRESH_TOKEN_TTL names the settings that turn them on ("refresh", "refresh + denylist").
"""

import re

import pytest

from benchmarks import measurable
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from strategies import registry
from tests.browser.pages import assert_clean, demo_page
from tests.conftest import DEFAULTS, strategies_declaring

pytestmark = pytest.mark.browser

WITH_REFRESH = strategies_declaring("REFRESH_TOKEN_TTL")
VARIANTS = {
    f"{name} + {label}": (name, settings)
    for name in WITH_REFRESH
    for label, settings in measurable.variants(registry.load(name)).items()
    if int(settings.get("REFRESH_TOKEN_TTL", 0)) > 0
}


@pytest.fixture(params=sorted(VARIANTS))
def variant(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def strategy_name(variant: str) -> str:
    """The variant's strategy: what make_app serves."""
    return VARIANTS[variant][0]


@pytest.fixture
def page_at(browser, make_app, variant):
    with demo_page(browser, make_app(**VARIANTS[variant][1])) as opened:
        yield opened


def log_in(page) -> None:
    page.fill("#username", DEMO_USERNAME)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login")


def held(page) -> tuple[str, str]:
    """The access token and the refresh token the page shows it holds."""
    return page.text_content("#token").split(" ", 1)[1], page.text_content("#refresh-token")


def test_every_strategy_with_refresh_tokens_has_a_variant_here():
    assert {name for name, _settings in VARIANTS.values()} == set(WITH_REFRESH)


def test_refresh_then_replay_the_spent_refresh_token(page_at, variant, screenshots):
    from playwright.sync_api import expect

    page, live, seen = page_at
    assert live.facts["refresh_tokens"] is True
    log_in(page)
    expect(page.locator("#renew")).to_be_visible()
    expect(page.locator("#refresh-held")).to_be_visible()
    expect(page.locator("#replay")).to_be_disabled()  # nothing is spent yet
    access, refresh = held(page)
    assert refresh

    # Refresh: a new pair, which the page keeps; the refresh token sent is spent.
    page.click("#refresh")
    expect(page.locator("#refresh-status")).to_have_text("200")
    expect(page.locator("#refresh-sent")).to_contain_text(refresh)
    new_access, new_refresh = held(page)
    assert new_access != access and new_refresh != refresh
    expect(page.locator("#refresh-body")).to_contain_text(new_refresh)
    expect(page.locator("#replay")).to_be_enabled()
    page.click("#call")
    expect(page.locator("#result-status")).to_have_text("200")
    expect(page.locator("#sent-header")).to_contain_text(new_access)

    # Replay the spent one: reuse detected, the login revoked; /protected shows what still works.
    page.click("#replay")
    revocable = live.facts["revocable"]
    verdict = page.locator("#replay-verdict")
    expect(verdict).to_contain_text("It is refused too" if revocable else "It still works")
    expect(page.locator("#refresh-sent")).to_contain_text(refresh)
    expect(page.locator("#refresh-status")).to_have_text("401")
    expect(page.locator("#refresh-body")).to_contain_text("Refresh token already used")
    expect(page.locator("#result-status")).to_have_text("401" if revocable else "200")
    expect(page.locator("#sent-header")).to_contain_text(new_access)
    assert held(page) == (new_access, new_refresh)
    name = variant.replace(" + ", "-").replace(" ", "")
    page.screenshot(path=screenshots / f"demo-{name}-replay.png", full_page=True)

    # The newest refresh token belongs to the revoked login: refused.
    page.click("#refresh")
    expect(page.locator("#refresh-status")).to_have_text("401")
    expect(page.locator("#refresh-sent")).to_contain_text(new_refresh)
    assert held(page) == (new_access, new_refresh)

    # A new login starts over, untouched by the old one's revocation.
    log_in(page)
    expect(page.locator("#replay")).to_be_disabled()
    expect(verdict).to_be_empty()
    page.click("#refresh")
    expect(page.locator("#refresh-status")).to_have_text("200")

    # Both tokens lived in JavaScript memory alone.
    stored = "() => localStorage.length + sessionStorage.length + document.cookie.length"
    assert page.evaluate(stored) == 0
    assert_clean(live, seen)


def test_logout_says_what_it_revoked(page_at, variant):
    from playwright.sync_api import expect

    page, live, seen = page_at
    log_in(page)
    page.click("#logout")
    outcome = page.locator("#logout-outcome")
    revocable = live.facts["revocable"]
    if revocable:
        expect(page.locator("#result-status")).to_have_text("204")
        expect(outcome).to_have_text(
            "Logged out: the whole login is revoked, every token it was given."
        )
    else:
        expect(page.locator("#result-status")).to_have_text("200")
        shown = re.compile(r"^Revoked: refresh token; access token still valid for (\d+) s ")
        expect(outcome).to_have_text(shown)
        seconds = int(shown.match(outcome.text_content()).group(1))
        token_ttl = int(VARIANTS[variant][1].get("TOKEN_TTL", DEFAULTS["TOKEN_TTL"]))
        assert 0 < seconds <= token_ttl

    page.click("#call")
    expect(page.locator("#result-status")).to_have_text("401" if revocable else "200")
    page.click("#refresh")  # the login's refresh tokens are revoked either way
    expect(page.locator("#refresh-status")).to_have_text("401")
    assert_clean(live, seen)
