"""compare's HTML report, opened in Chromium: one page, offline, without a console error,
naming every configuration and every claim."""

import pytest

from benchmarks.compare.report import write_outputs

pytestmark = pytest.mark.browser


def test_the_comparison_page_opens_offline_and_names_everything(
    comparison, browser, tmp_path, screenshots
):
    write_outputs(comparison, tmp_path)
    context = browser.new_context(offline=True)  # a request for anything would fail and show
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))

    page.goto((tmp_path / "comparison.html").as_uri())

    assert problems == []
    text = page.inner_text("body")
    for label in comparison["strategies"]:
        assert page.locator("td", has_text=label).count() > 0, label
    for claim in comparison["claims"]:
        assert claim["claim"] in text and claim["reason"] in text
    images = page.locator("img")
    assert images.count() == 1
    assert images.evaluate("image => image.naturalWidth") > 0  # drawn from the page itself
    page.screenshot(path=screenshots / "comparison-html.png", full_page=False)
    context.close()
