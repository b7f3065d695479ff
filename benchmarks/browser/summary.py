"""The observed cells as Markdown tables: what the reports and the browser tests print. Every
cell in the first; the cells whose token is bound to the page's key (DPoP) in a second, for
what only they are asked."""

from collections.abc import Mapping
from typing import Any

from benchmarks.browser.attacks import PLACES

Cells = Mapping[tuple[str, str], Mapping[str, Any]]

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
BOUND_TITLE = "Tokens bound to the page's key (DPoP): the key, and what leaves the page"
BOUND_HEADINGS = (
    "configuration",
    "kept in",
    "injected script: reads the private key",
    "a script that runs before the page's: reads it",
    "calls as the user in the page",
    "its own client: the captured token and proof",
    "that proof to POST /logout",
    "the token, a proof of its own key",
    "the token alone; as Bearer",
    "a proof the page's key signed for it, sent twice",
    "a stolen refresh token: no proof, its own key's → user's next call",
)
# What the server said, in a word: the proof rule a refusal names.
REASONS = (
    ("replayed", "replayed"),
    ("htm is not", "another method"),
    ("htu is not", "another URL"),
    ("login is revoked", "another key: the login revoked"),
    ("another key", "another key"),
    ("Missing DPoP proof", "no proof"),
    ("'Authorization: DPoP <token>'", "not DPoP"),
    ("already used", "a reuse: the login revoked"),
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


def _yes(found: Any) -> str:
    return "yes" if found else "no"


def _ordered(cells: Cells) -> list[tuple[tuple[str, str], Mapping[str, Any]]]:
    return sorted(cells.items(), key=lambda k: (k[0][0], PLACES.index(k[0][1])))


def _row(values: tuple[str, ...]) -> str:
    return "| " + " | ".join(values) + " |"


def table(cells: Cells) -> list[str]:
    """The observed cells, by (strategy, place), as the lines of a Markdown table."""
    lines = [_row(HEADINGS), "|" + "---|" * len(HEADINGS)]
    for (name, place), cell in _ordered(cells):
        row = (
            name,
            place,
            _yes(cell["read"]),
            _yes(cell["captured"]),
            f"{cell['use']['status']} ({cell['use']['sent']})",
            _yes(cell["in_page_text"]),
            _foreign(cell["cross_site"]),
            _foreign(cell["same_site"]),
        )
        lines.append(_row(row))
    return lines


def _answer(seen: Mapping[str, Any]) -> str:
    reason = next((word for text, word in REASONS if text in seen["msg"]), "")
    return f"{seen['status']}" + (f" ({reason})" if reason and seen["status"] != 200 else "")


def _key(key: Mapping[str, Any] | None) -> str:
    if key is None:
        return "no key handed over"
    attempts = key["attempts"]
    given = [how for how, outcome in attempts.items() if outcome in ("exported", "wrapped")]
    if key["extractable"] or given:
        return f"yes (made extractable: {', '.join(given) or 'none tried'} gave it out)"
    errors = ", ".join(sorted(set(attempts.values())))
    return f"no (non-extractable: {', '.join(attempts)} threw {errors})"


def _refresh(refresh: Mapping[str, Any] | None) -> str:
    if refresh is None:
        return "— (no refresh tokens)"
    where = [*refresh["read"][:1], *(["page text"] if refresh["in_page_text"] else [])]
    found = f" (found in {', '.join(where)})" if where else ""
    return (
        f"{_answer(refresh['no_proof'])}, {_answer(refresh['own_key'])} → "
        f"{refresh['user_call_after']}{found}"
    )


def _in_page(status: int) -> str:
    return f"{status}, while the page is open (its key signs)" if status == 200 else f"{status}"


def bound_table(cells: Cells) -> list[str]:
    """The cells whose token is bound to the page's key, as the lines of a Markdown table;
    none where there are none."""
    bound = [(where, cell) for where, cell in _ordered(cells) if "bound" in cell]
    if not bound:
        return []
    lines = [_row(BOUND_HEADINGS), "|" + "---|" * len(BOUND_HEADINGS)]
    for (label, place), cell in bound:
        seen, elsewhere = cell["bound"], cell["bound"]["elsewhere"]
        first, again = elsewhere["signed_by_the_page"]
        row = (
            label,
            place,
            _key(seen["key"]),
            _key(seen["key_if_first"]),
            _in_page(cell["use"]["status"]),
            _answer(elsewhere["captured"]),
            _answer(elsewhere["captured_elsewhere"]),
            _answer(elsewhere["own_key"]),
            f"{_answer(elsewhere['token_alone'])}; {_answer(elsewhere['as_bearer'])}",
            f"{_answer(first)}, then {_answer(again)}",
            _refresh(seen["refresh"]),
        )
        lines.append(_row(row))
    return lines


def tables(cells: Cells) -> list[str]:
    """Both tables' lines, the second under its title where it has rows."""
    bound = bound_table(cells)
    return table(cells) + (["", f"**{BOUND_TITLE}**", "", *bound] if bound else [])


def matrix_table(matrix: Mapping[str, Any]) -> list[str]:
    """attack_matrix's result as the lines of Markdown tables."""
    return tables(
        {
            (name, place): cell
            for name, cells in matrix["strategies"].items()
            for place, cell in cells.items()
        }
    )
