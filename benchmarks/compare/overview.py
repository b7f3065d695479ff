"""The comparison at a glance: a row per configuration, and only the columns a reader
decides by. Each cell is a shorter reading of a full table's (topics.py)."""

from collections.abc import Callable
from typing import Any

from benchmarks.compare.claims.weighing import window

TITLE = "auth-sandbox compare, at a glance"


def _size(r: dict[str, Any]) -> str:
    return f"{r['token']['bytes']} B"


def _trips(r: dict[str, Any]) -> str:
    """Round trips per request; a cache of the store's answers (STORE_CACHE) misses on a
    token's first request, which is shown beside."""
    steady, first = (r["round_trips"][when]["redis"] for when in ("request", "first_request"))
    return str(steady) if first == steady else f"{steady} ({first} first)"


def _cost(r: dict[str, Any]) -> str:
    ratio = r["cost"]["request_ratio"]
    return f"{ratio:.0f}×" if ratio >= 10 else f"{ratio:.1f}×"


def _kept(r: dict[str, Any]) -> str:
    store = r["store"]
    return f"{store['bytes_per_token']} B" if store["keys_per_token"] else "nothing"


def _store_down(r: dict[str, Any]) -> str:
    down = r["store_down"]
    if down["keeps_working"]:
        return "works"
    requests, logins = down["protected_status"] != 200, down["login_status"] != 200
    if requests and logins:
        return f"all {down['protected_status']}"
    if requests:
        return f"calls {down['protected_status']}"
    return f"logins {down['login_status']}"


def _stolen(r: dict[str, Any]) -> str:
    status = r["replay_from_another_client"]
    return "works" if status == 200 else str(status)


def _forges(r: dict[str, Any]) -> str:
    forgery = r["verifier_forgery"]
    if not forgery["measured"]:
        return "n/a"
    return "yes" if forgery["can_forge"] else "no"


# (header, what it reads, how a cell reads it): what a reader chooses a configuration by.
COLUMNS: list[tuple[str, str, Callable[[dict[str, Any]], str]]] = [
    ("token", "its size", _size),
    ("Redis/call", "Redis round trips per GET /protected (a token's first, if more)", _trips),
    ("cost", "its median, × /public's (no authentication)", _cost),
    ("kept/login", "store bytes per live login", _kept),
    (
        "after logout",
        "how long the token still works",
        lambda r: window(r["revocation"]["logout"]["access"]),
    ),
    ("store down", "what fails without the store", _store_down),
    ("verifier forges", "whether a service that verifies can make tokens", _forges),
    ("stolen token", "sent by another client (with DPoP, without the key)", _stolen),
]


def overview(comparison: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """The overview's headers, and a row per configuration: its label, then its cells."""
    headers = ["", *(header for header, _, _ in COLUMNS)]
    rows = [
        [label, *(cell(r) for _, _, cell in COLUMNS)]
        for label, r in comparison["strategies"].items()
    ]
    return headers, rows


def legend() -> str:
    return "; ".join(f"{header}: {meaning}" for header, meaning, _ in COLUMNS) + "."
