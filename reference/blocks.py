"""Generated parts of hand-written pages, between two marker lines."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

REGENERATE = ".venv/bin/python -m reference"


def start(name: str) -> str:
    return f"<!-- generated: {name} (by {REGENERATE}; do not edit) -->"


def end(name: str) -> str:
    return f"<!-- /generated: {name} -->"


@dataclass(frozen=True)
class Block:
    page: Path
    name: str
    write: Callable[[], str]  # the part's Markdown, without the markers


class MissingMarkers(Exception):
    pass


def filled(text: str, contents: Mapping[str, str]) -> str:
    """`text` with each named part replaced; a part whose markers are missing is an error."""
    for name, content in contents.items():
        pattern = re.compile(
            re.escape(start(name)) + r"\n.*?" + re.escape(end(name)), flags=re.DOTALL
        )
        part = f"{start(name)}\n\n{content.strip()}\n\n{end(name)}"
        found = pattern.search(text)
        if found is None:
            raise MissingMarkers(f"no markers for the generated part {name!r}: {start(name)}")
        text = text[: found.start()] + part + text[found.end() :]
    return text


def by_page(blocks: list[Block]) -> dict[Path, dict[str, str]]:
    """Each page's parts, written once each (a part may take seconds: it builds apps)."""
    pages: dict[Path, dict[str, str]] = {}
    for block in blocks:
        pages.setdefault(block.page, {})[block.name] = block.write()
    return pages


def stale(blocks: list[Block]) -> list[Path]:
    """The pages whose generated parts differ from what the code declares now."""
    return [
        page
        for page, contents in by_page(blocks).items()
        if filled(page.read_text(), contents) != page.read_text()
    ]


def rewrite(blocks: list[Block]) -> list[Path]:
    """Rewrite every part; the pages that changed."""
    changed = []
    for page, contents in by_page(blocks).items():
        new = filled(page.read_text(), contents)
        if new != page.read_text():
            page.write_text(new)
            changed.append(page)
    return changed
