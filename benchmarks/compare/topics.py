"""The comparison's topics: a table each, a row per strategy (and variant), a column per
measurement; how each cell reads a measurement is cells.py's."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.compare.cells import (
    after,
    beaten,
    client_proof,
    distance_cost,
    elsewhere,
    expiry,
    forges,
    kept,
    leak,
    leak_yields,
    ms,
    part,
    redis,
    size,
    speed_price,
    store_down,
    store_revoked,
    tamper,
    token_body,
    trips,
    unauthenticated,
    ways,
)
from benchmarks.compare.restart import MODES, reading

Cell = Callable[[dict[str, Any]], str]


def _restarted(mode: str) -> Cell:
    return lambda r: reading(r["restart"], mode)


@dataclass(frozen=True)
class Topic:
    """One table: a row per strategy (and variant), a column per measurement."""

    title: str
    columns: list[tuple[str, Cell]]
    note: str = ""


TOPICS = [
    Topic(
        "The token",
        [
            ("token", lambda r: r["token"]["example"]),
            ("size (header)", lambda r: size(r["token"])),
            ("what it is", lambda r: f"{r['token']['kind']}, {r['token']['alphabet']}"),
            ("new per login", lambda r: "yes" if r["token"]["new_each_login"] else "no"),
            ("expires", lambda r: expiry(r["expiry"])),
        ],
    ),
    Topic(
        "What a request costs",
        [
            ("round trips", lambda r: trips(r["round_trips"]["request"])),
            ("GET /protected", lambda r: ms(r["cost"], "request")),
            ("sign: issue()", lambda r: part(r["cost"], "sign")),
            ("verify: authenticate", lambda r: part(r["cost"], "authenticate")),
            ("a refused guess", lambda r: ms(r["cost"], "refused")),
            ("client: a proof", lambda r: client_proof(r["cost"]["client_proof"])),
        ],
        "Medians (p95). A whole request, × the /public baseline: the same route without "
        "authentication. Sign: the strategy's issue() alone (POST /token without its password "
        "check); verify: its authenticate step alone; each the time it adds to a request, and "
        "its share of a whole /protected call (with DPoP, the proof's checks and replay record "
        "included). Round trips: Redis round trips (every client's, the failed-login limits' "
        "too) and user-table (SQL) queries of one request. Client: what a DPoP client pays to "
        "sign the proof each request carries.",
    ),
    Topic(
        "Redis round trips, by purpose",
        [
            ("a request (GET /protected)", lambda r: redis(r["round_trips"]["request"], "")),
            ("a login (POST /token)", lambda r: redis(r["round_trips"]["login"], "")),
            (
                "a refresh",
                lambda r: redis(
                    r["round_trips"]["refresh"], f"no refresh ({r['refresh']['status']})"
                ),
            ),
            (
                "a logout",
                lambda r: redis(r["round_trips"]["logout"], f"no logout ({r['logout']['status']})"),
            ),
        ],
        "Every round trip any Redis client of the app makes (the token store's, the "
        "failed-login limits'), counted where redis-py writes to the socket: a command, a "
        "pipeline or a script call is one. Each is named by the keys it touches (the "
        "strategy's key prefixes, the limits'); other: none of them. Counted the second time "
        "each is made, once connections are open, scripts loaded and, with a credential "
        "cache, the credentials remembered.",
    ),
    Topic(
        "What the server keeps",
        [
            ("per live login", lambda r: kept(r["store"], r["store"]["method"])),
            ("per logged-out login", lambda r: store_revoked(r["store"])),
            ("POST /token body (refresh's part)", lambda r: token_body(r["refresh"])),
            ("token store down", lambda r: store_down(r["store_down"])),
        ],
        "Keys and bytes a login adds to the token store (Redis MEMORY USAGE, or an estimate "
        "without a real Redis), averaged over many logins. A refresh token's part of the "
        "login's answer: its two fields, refresh_token and refresh_expires_in.",
    ),
    Topic(
        "After a restart of the token store",
        [(mode, _restarted(mode)) for mode in MODES],
        "A redis-server of the comparison's own (never REDIS_URL), restarted: one login left "
        "live and one logged out before, each tried after. Without persistence a restart "
        "forgets every key; with appendonly yes it reads them back.",
    ),
    Topic(
        "How long a login's tokens still work after…",
        [
            ("logout", lambda r: after(r["revocation"]["logout"])),
            ("password change", lambda r: after(r["revocation"]["password_change"])),
            ("user deletion", lambda r: after(r["revocation"]["user_deletion"])),
            ("refresh-token reuse", lambda r: after(r["revocation"]["refresh_token_reuse"])),
        ],
        "Each token tried on the request right after the event. 0 s: refused. ≤N s: still "
        "accepted, N is what was left of its life (an upper bound: nothing was waited out). "
        "No end: it never expires. n/a: no such event there (the status it answered).",
    ),
    Topic(
        "Who can make a token",
        [
            ("a service that verifies can also forge", lambda r: forges(r["verifier_forgery"])),
            ("what a leaked signing key yields", lambda r: leak_yields(r["leak_yields"])),
        ],
        "Tried in-process: a token made with what a verifier holds, or with what leaked, sent "
        "to /protected (200: accepted). A verifier holds the published JWK Set, else the key "
        "that verifies a token, else the token store or the password hashes it checks against. "
        "A leaked key: each key file of the server, alone, in an app of the attacker's own.",
    ),
    Topic(
        "Verified elsewhere",
        [
            (
                "ways: round trips to the sandbox per request",
                lambda r: ways(r["verified_elsewhere"]),
            ),
            ("after a logout", lambda r: elsewhere(r["verified_elsewhere"], "logout")),
            (
                "after a password change",
                lambda r: elsewhere(r["verified_elsewhere"], "password_change"),
            ),
        ],
        "Another service (`auth-sandbox resource-server`) verifies the same token: with the JWK "
        "Set, locally, where keys are published; by asking the sandbox (POST /introspect) on "
        "every request; or with each answer reused for 5 s. Right after each event, the token "
        "at this app (here) and at each: refused, or ≤N s more, what was left of the token's "
        "life or of the cached answer's, an upper bound.",
    ),
    Topic(
        "As Redis moves to another machine",
        [
            (
                "Redis round trips per request",
                lambda r: str(r["at_a_distance"]["redis_round_trips"]),
            ),
            ("GET /protected adds", lambda r: distance_cost(r["at_a_distance"])),
            ("a stateless token is faster", lambda r: beaten(r["at_a_distance"])),
            ("a logged-out token works", lambda r: speed_price(r["at_a_distance"])),
        ],
        "Derived from this run's figures, not timed again: what GET /protected adds to /public "
        "here, plus k × RTT for its k Redis round trips (`auth-sandbox latency` measures that "
        "through a delaying proxy). RTTs: Redis on the same network (0.2 ms), another zone "
        "(1 ms), farther (5, 20 ms). Against the first configuration whose token is checked "
        "with its key alone and binds it as this one does: from which RTT it is faster, and "
        "what that speed costs, how long a logged-out token still works on each side.",
    ),
    Topic(
        "Attacks and mistakes",
        [
            ("a leak reveals", lambda r: leak(r["leak"])),
            ("one-character changes", lambda r: tamper(r["tamper"])),
            ("no / bad token", lambda r: unauthenticated(r["unauthenticated"])),
            ("replayed elsewhere", lambda r: str(r["replay_from_another_client"])),
        ],
        "Replayed elsewhere: the logged-in token sent by another client; where tokens are "
        "bound to a key (DPoP), that client has the token but not the key, and signs its proof "
        "with a key of its own.",
    ),
]


def tables(comparison: dict[str, Any]) -> list[tuple[Topic, list[list[str]]]]:
    """Each topic's rows: the strategy's label, then its cells."""
    strategies = comparison["strategies"]
    return [
        (
            topic,
            [[label, *(cell(r) for _, cell in topic.columns)] for label, r in strategies.items()],
        )
        for topic in TOPICS
    ]
