"""The files of a measurement's report, as compare, bench and scale write them: a folder, its
texts (Markdown, JSON), its plots (matplotlib PNGs), and beside each Markdown text the same
report as one HTML page that works offline."""

import base64
import html
from collections.abc import Callable, Mapping
from pathlib import Path

import markdown

Plot = Callable[[Path], None]  # draws one figure into the file at the path it is given

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px;
       padding: 0 1em; color: #1f2328; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; vertical-align: top; text-align: left; }
th { background: #f6f8fa; }
tr:nth-child(even) td { background: #fbfcfd; }
code { font-size: 12px; background: #f6f8fa; padding: 1px 3px; }
img { max-width: 100%; }
"""


def write_report(
    directory: Path, texts: Mapping[str, str], plots: Mapping[str, Plot]
) -> list[Path]:
    """Make `directory`, write each of `texts` into the file it is keyed by, draw each of
    `plots` into its own, then write each Markdown text again as HTML (`report.md`:
    `report.html`): the paths written, in that order."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in texts.items():
        path = directory / name
        path.write_text(text)
        written.append(path)
    for name, plot in plots.items():
        path = directory / name
        plot(path)
        written.append(path)
    for name, text in texts.items():
        if name.endswith(".md"):
            path = (directory / name).with_suffix(".html")
            path.write_text(page(Path(name).stem, text, [directory / p for p in plots]))
            written.append(path)
    return written


def page(title: str, text: str, plots: list[Path]) -> str:
    """The Markdown `text` as a page of its own: its plots inlined where it shows them (at
    the end where it does not), no script, nothing fetched."""
    converter = markdown.Markdown(extensions=["tables", "fenced_code"])
    # A measurement's text is never markup: "<token>" in a cell is shown, not parsed.
    converter.preprocessors.deregister("html_block")
    converter.inlinePatterns.deregister("html")
    body = converter.convert(text)
    for plot in plots:
        inlined = f'src="data:image/png;base64,{base64.b64encode(plot.read_bytes()).decode()}"'
        shown = f'src="{plot.name}"'
        if shown in body:
            body = body.replace(shown, inlined)
        else:
            body += f'\n<p><img alt="{html.escape(plot.stem)}" {inlined}></p>'
    return (
        f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>auth-sandbox: {html.escape(title)}</title>\n<style>{STYLE}</style>\n"
        f"</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def markdown_table(headers: list[str], cells: list[list[str]]) -> list[str]:
    """A markdown table's lines: its header row, its rule, a row per row of `cells`."""
    return [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
        *("| " + " | ".join(row) + " |" for row in cells),
    ]
