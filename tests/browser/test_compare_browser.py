"""`auth-sandbox compare --browser`: the attack matrix joins the comparison, and C11 weighs it."""

import pytest

from benchmarks.browser.summary import BOUND_TITLE
from benchmarks.compare.report import BROWSER_TITLE, to_markdown
from benchmarks.compare.runner import run_comparison
from tests.conftest import CHEAP_HASH

pytestmark = pytest.mark.browser


def test_compare_with_the_browser_measures_where_the_token_is_kept(monkeypatch, browser):
    monkeypatch.setenv("PASSWORD_HASH_METHOD", CHEAP_HASH)
    comparison = run_comparison(["basic", "jwt"], budget_s=0.05, browser=True, chromium=browser)
    browser = comparison["browser"]
    assert browser["measured"] is True
    # basic's password cannot travel in a cookie; jwt's variants that bind tokens to the
    # page's key are measured where such a token can be kept, and their cookie is left out.
    bound = ["jwt + DPoP", "jwt + refresh + denylist + DPoP"]
    assert list(browser["verdicts"]) == ["jwt", *bound]
    assert set(browser["left_out"]) == {"basic", *(f"{label}, kept in a cookie" for label in bound)}
    places = browser["verdicts"]["jwt"]
    assert places["localStorage"]["readable"] and not places["memory"]["readable"]
    assert not places["cookie"]["readable"] and not places["cookie"]["capturable"]
    assert places["cookie"]["cross_site_survives"] and places["cookie"]["same_site_survives"]
    for label in bound:
        assert set(browser["verdicts"][label]) == {"memory", "localStorage"}
        for seen in browser["verdicts"][label].values():
            assert seen["usable"] and seen["page_signs_for_elsewhere"]  # inside the page
            assert not seen["key_readable"] and seen["key_readable_if_first"]
            assert not seen["replayable_elsewhere"]
            assert not seen["token_usable_elsewhere"]
    (c11,) = (claim for claim in comparison["claims"] if claim["id"] == "C11")
    assert c11["evidence"].startswith(f"In Chromium, for jwt, {', '.join(bound)}: kept in")
    assert (
        f"Bound to the page's key (DPoP: {', '.join(bound)}), the injected script read the "
        "private key in 0/4 cases (one that ran before the page's own, in 4/4: it had the key "
        "made extractable), and what it captured or read worked from its own client in 0/4, a "
        "stolen refresh token in 0/2; yet it called the API as the user, the page's key "
        "signing, in 4/4"
    ) in c11["evidence"]
    assert c11["verdict"] == "wrong"  # the one place an injected script reads outright
    markdown = to_markdown(comparison)
    assert f"**{BROWSER_TITLE}**" in markdown
    assert "| jwt | cookie |" in markdown
    assert f"**{BOUND_TITLE}**" in markdown and "| jwt + DPoP | memory | no (" in markdown
