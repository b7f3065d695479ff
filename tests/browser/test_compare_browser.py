"""`auth-sandbox compare --browser`: the attack matrix joins the comparison, and C11 weighs it."""

import pytest

from benchmarks.compare.report import BROWSER_TITLE, to_markdown
from benchmarks.compare.runner import run_comparison
from tests.conftest import CHEAP_HASH

pytestmark = pytest.mark.browser


def test_compare_with_the_browser_measures_where_the_token_is_kept(monkeypatch, browser):
    monkeypatch.setenv("PASSWORD_HASH_METHOD", CHEAP_HASH)
    comparison = run_comparison(["basic", "jwt"], budget_s=0.05, browser=True, chromium=browser)
    browser = comparison["browser"]
    assert browser["measured"] is True
    assert set(browser["verdicts"]) == {"jwt"}  # basic's password cannot travel in a cookie
    places = browser["verdicts"]["jwt"]
    assert places["localStorage"]["readable"] and not places["memory"]["readable"]
    assert not places["cookie"]["readable"] and not places["cookie"]["capturable"]
    assert places["cookie"]["cross_site_survives"] and places["cookie"]["same_site_survives"]
    (c11,) = (claim for claim in comparison["claims"] if claim["id"] == "C11")
    assert c11["evidence"].startswith("In Chromium, for jwt: kept in localStorage")
    assert c11["verdict"] == "wrong"  # the one place an injected script reads outright
    markdown = to_markdown(comparison)
    assert f"**{BROWSER_TITLE}**" in markdown
    assert "| jwt | cookie |" in markdown
