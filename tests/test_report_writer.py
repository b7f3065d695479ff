"""The shared report writer: each Markdown report is written again as one HTML page that
works offline, beside the texts and plots (compare, bench and scale all write through it)."""

import re

from benchmarks.harness.writer import write_report


def draw(colour: bytes):
    def plot(path):
        path.write_bytes(b"\x89PNG fake " + colour)

    return plot


def test_each_markdown_text_gets_a_page_beside_it_with_every_plot_inlined(tmp_path):
    texts = {
        "report.md": "# Run\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![shown](shown.png)\n",
        "report.json": "{}\n",
    }
    plots = {"shown.png": draw(b"red"), "unshown.png": draw(b"blue")}

    written = write_report(tmp_path, texts, plots)

    names = [path.name for path in written]
    assert names == ["report.md", "report.json", "shown.png", "unshown.png", "report.html"]
    page = (tmp_path / "report.html").read_text()
    assert "<table>" in page and "<td>1</td>" in page
    inlined = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(inlined) == 2  # the one the text shows, in place; the other at the end
    assert page.index("</table>") < page.index('alt="shown"') < page.index('alt="unshown"')
    # Nothing is fetched: no file, no network.
    assert 'src="shown.png"' not in page
    assert not re.search(r'(src|href)="(https?:|//|[^"#d])', page)


def test_text_that_looks_like_markup_is_shown_not_parsed(tmp_path):
    texts = {
        "r.md": "| header |\n|---|\n| Authorization: <token_type> <token> |\n\n<script>x</script>\n"
    }

    write_report(tmp_path, texts, {})

    page = (tmp_path / "r.html").read_text()
    assert "&lt;token_type&gt; &lt;token&gt;" in page
    assert "<script>" not in page
