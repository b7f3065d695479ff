"""The observed cells as a Markdown table: what the reports and the browser tests print."""

from collections.abc import Mapping
from typing import Any

from benchmarks.browser.attacks import PLACES

HEADINGS = (
    "strategy",
    "kept in",
    "injected script: reads it",
    "captures it",
    "calls as the user",
    "page text shows it",
    "another site: /protected, /logout → user's next call",
    "same site, other port: /protected, /logout → user's next call",
)


def _foreign(seen: Mapping[str, Any]) -> str:
    def answer(status: int | None, cookie: bool, readable: bool = False) -> str:
        if status is None:
            return "never sent"
        notes = [note for note, yes in (("cookie sent", cookie), ("read", readable)) if yes]
        return f"{status}" + (f" ({', '.join(notes)})" if notes else "")

    protected = answer(seen["protected"], seen["protected_cookie_sent"], seen["protected_readable"])
    logout = answer(seen["logout"], seen["logout_cookie_sent"])
    return f"{protected}, {logout} → {seen['user_call_after']}"


def table(cells: Mapping[tuple[str, str], Mapping[str, Any]]) -> list[str]:
    """The observed cells, by (strategy, place), as the lines of a Markdown table."""

    def yes(found: Any) -> str:
        return "yes" if found else "no"

    lines = ["| " + " | ".join(HEADINGS) + " |", "|" + "---|" * len(HEADINGS)]
    for (name, place), cell in sorted(
        cells.items(), key=lambda k: (k[0][0], PLACES.index(k[0][1]))
    ):
        row = (
            name,
            place,
            yes(cell["read"]),
            yes(cell["captured"]),
            f"{cell['use']['status']} ({cell['use']['sent']})",
            yes(cell["in_page_text"]),
            _foreign(cell["cross_site"]),
            _foreign(cell["same_site"]),
        )
        lines.append("| " + " | ".join(row) + " |")
    return lines


def matrix_table(matrix: Mapping[str, Any]) -> list[str]:
    """attack_matrix's result as the lines of a Markdown table."""
    return table(
        {
            (name, place): cell
            for name, cells in matrix["strategies"].items()
            for place, cell in cells.items()
        }
    )
