"""Markdown tables, written the same way by every generated part."""

from collections.abc import Iterable, Sequence


def cell(text: object) -> str:
    """One table cell: a pipe would end it, a line break would end the row."""
    return " ".join(str(text).split()).replace("|", "\\|")


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"]
    lines += [f"| {' | '.join(cell(value) for value in row)} |" for row in rows]
    return "\n".join(lines)


def code(text: object) -> str:
    return f"`{text}`"
