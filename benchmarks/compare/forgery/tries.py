"""A token made as a forger would, sent to /protected, and how the tries read."""

import base64
from collections.abc import Callable
from typing import Any

from benchmarks.compare.subject import Subject


def _try(
    subject: Subject, how: str, make: Callable[..., str], *args: Any, cannot: str = ""
) -> dict[str, Any]:
    """A forged token, `make(*args)`, sent to /protected; if it cannot be made, why: `cannot`,
    said for a reader, else the error's own message."""
    try:
        forged = make(*args)
    except Exception as error:  # what stops a forger is the finding
        message = str(error).strip().splitlines()
        why = cannot or (message[0] if message else "it could not be made")
        return {"how": how, "status": None, "error": why}
    return {"how": how, "status": subject.status(subject.authorization(forged)), "error": None}


def _basic(username: str, password: str) -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode()


def _outcomes(tries: list[dict[str, Any]]) -> str:
    """Each try's status, or the error that stopped the token being made."""
    return ", ".join(
        str(t["status"]) if t["error"] is None else f"cannot ({t['error']})" for t in tries
    )


def _count(number: int, thing: str, things: str = "") -> str:
    return f"{number} {thing if number == 1 else things or thing + 's'}"
