"""The comparison's topics: a table each, a row per strategy (and variant), a column per
measurement, and how each cell reads."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.compare.claims.weighing import keys, window
from benchmarks.compare.forgery.leak import SIGNING_KEY
from benchmarks.compare.restart import MODES, reading


def _ms(cost: dict, step: str) -> str:
    """The median and p95 of a whole request (`step` "request" or "refused"), and how many
    times the /public baseline's (a small ratio to two significant digits)."""
    timing, ratio = cost[step], cost[f"{step}_ratio"]
    times = f"{ratio:.2g}×" if ratio < 0.1 else f"{round(ratio, 2):g}×"
    return f"{timing['median_ms']:.3f} ms (p95 {timing['p95_ms']:.3f}), {times}"


def _part(cost: dict, step: str) -> str:
    """The median and p95 of a part of a request (`step` "sign" or "authenticate"): the time
    it adds, and its share of a whole /protected call."""
    timing, share = cost[step], cost[f"{step}_share"]
    percent = f"{share:.1%}" if share < 0.1 else f"{share:.0%}"
    return f"+{timing['median_ms']:.3f} ms (p95 {timing['p95_ms']:.3f}), {percent} of /protected"


def _kept(gain: dict, method: str) -> str:
    """Keys and bytes per login (store_use.py)."""
    if not gain["keys_per_token"]:
        return "nothing"
    estimate = " (estimate)" if method.startswith("estimate") else ""
    return f"{keys(gain['keys_per_token'])}, {gain['bytes_per_token']} B{estimate}"


def _store_revoked(store: dict) -> str:
    if store["revoked"] is None:
        return f"no logout ({store['logout_status']})"
    return _kept(store["revoked"], store["method"])


def _token_body(refresh: dict) -> str:
    added = refresh["refresh_adds_bytes"]
    return f"{refresh['token_body_bytes']} B" + (f" ({added} B)" if added else "")


def _trips(trips: dict) -> str:
    return f"{trips['redis']} Redis\n{trips['user_table']} SQL"


def _redis(trips: dict | None, missing: str) -> str:
    """Redis round trips: how many, then how many of each purpose and their commands."""
    if trips is None:
        return missing
    if not trips["redis"]:
        return "0"
    lines = []
    for purpose, count in trips["by_purpose"].items():
        sent = (t["commands"] for t in trips["trips"] if t["purpose"] == purpose)
        lines.append(f"{purpose} {count} ({'; '.join(dict.fromkeys(sent))})")
    return f"{trips['redis']}: " + "\n".join(lines)


def _store_down(down: dict) -> str:
    if down["keeps_working"]:
        return "keeps working"
    return f"/protected {down['protected_status']}, /token {down['login_status']}"


def _after(event: dict) -> str:
    """How long a login's tokens still worked after an event (revocation.py), on two lines."""
    if not event["applicable"]:
        return f"n/a ({event['status']})"
    status = f"{event['status']}: " if event["status"] is not None else ""
    text = f"{status}access {window(event['access'])}"
    if event["refresh"] is not None:
        text += f"\nrefresh {window(event['refresh'])}"
    return text


def _expiry(expiry: dict) -> str:
    refused = expiry["with_ttl_1s_refused_after_s"]
    if refused is None:
        return f"never (1 s TTL: still accepted at {expiry['watched_s']} s)"
    return f"{expiry['expires_in']} s (1 s TTL: refused at {refused} s)"


def _leak(leak: dict) -> str:
    if leak["decoded"] is None:
        return leak["reveals"]
    decoded = leak["decoded"]
    return f"{leak['reveals']}: {decoded if len(decoded) <= 60 else decoded[:57] + '...'}"


def _tamper(tamper: dict) -> str:
    text = f"{tamper['refused']}/{tamper['tried']} refused"
    if tamper["accepted"]:
        text += f"; {tamper['accepted']} accepted ({tamper['accepted_same_meaning']} same meaning)"
    return text


def _unauthenticated(answers: dict) -> str:
    return f"{answers['missing_status']} / {answers['invalid_status']}"


def _size(token: dict) -> str:
    text = f"{token['bytes']} B ({token['header_bytes']} B)"
    if token["proof_bytes"]:
        text += f"\n+ {token['proof_bytes']} B DPoP proof"
    signature = token["signature"]
    if signature is None:
        return text
    return f"{text}\n{signature['algorithm']}: {signature['bytes']} B signature"


def _forges(forgery: dict) -> str:
    """What a service that verifies holds, and whether a token it made was accepted."""
    if not forgery["measured"]:
        return f"not measured: {forgery['why']}"
    answer = "yes" if forgery["can_forge"] else "no"
    return f"{answer}: it holds {forgery['holds']}; {forgery['how']}"


def _leak_yields(leak: dict) -> str:
    if leak["leaked"] != SIGNING_KEY:
        return f"no signing key. A dump of {leak['leaked']}: {leak['how']}"
    if not leak["measured"]:
        return f"not measured: {leak['how']}"
    if leak["yields_tokens"]:
        return f"every user's identity until the key is rotated: {leak['how']}"
    return f"no token: {leak['how']}"


def _elsewhere(elsewhere: dict | None, event: str) -> str:
    """The sandbox's answer and a resource server's, right after the event."""
    if elsewhere is None:
        return "no public key published"
    after = elsewhere[event]
    status = "" if after["event_status"] is None else f"{after['event_status']}: "
    there = (
        f"≤{after['resource_server_window_s']} s more"
        if after["resource_server_after"] == 200
        else f"refused ({after['resource_server_after']})"
    )
    return f"{status}here {after['sandbox_after']}; there {there}"


def _client_proof(timing: dict | None) -> str:
    if timing is None:
        return "no proof"
    return f"{timing['median_ms']:.3f} ms (p95 {timing['p95_ms']:.3f})"


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
            ("size (header)", lambda r: _size(r["token"])),
            ("what it is", lambda r: f"{r['token']['kind']}, {r['token']['alphabet']}"),
            ("new per login", lambda r: "yes" if r["token"]["new_each_login"] else "no"),
            ("expires", lambda r: _expiry(r["expiry"])),
        ],
    ),
    Topic(
        "What a request costs",
        [
            ("round trips", lambda r: _trips(r["round_trips"]["request"])),
            ("GET /protected", lambda r: _ms(r["cost"], "request")),
            ("sign: issue()", lambda r: _part(r["cost"], "sign")),
            ("verify: authenticate", lambda r: _part(r["cost"], "authenticate")),
            ("a refused guess", lambda r: _ms(r["cost"], "refused")),
            ("client: a proof", lambda r: _client_proof(r["cost"]["client_proof"])),
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
            ("a request (GET /protected)", lambda r: _redis(r["round_trips"]["request"], "")),
            ("a login (POST /token)", lambda r: _redis(r["round_trips"]["login"], "")),
            (
                "a refresh",
                lambda r: _redis(
                    r["round_trips"]["refresh"], f"no refresh ({r['refresh']['status']})"
                ),
            ),
            (
                "a logout",
                lambda r: _redis(
                    r["round_trips"]["logout"], f"no logout ({r['logout']['status']})"
                ),
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
            ("per live login", lambda r: _kept(r["store"], r["store"]["method"])),
            ("per logged-out login", lambda r: _store_revoked(r["store"])),
            ("POST /token body (refresh's part)", lambda r: _token_body(r["refresh"])),
            ("token store down", lambda r: _store_down(r["store_down"])),
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
            ("logout", lambda r: _after(r["revocation"]["logout"])),
            ("password change", lambda r: _after(r["revocation"]["password_change"])),
            ("user deletion", lambda r: _after(r["revocation"]["user_deletion"])),
            ("refresh-token reuse", lambda r: _after(r["revocation"]["refresh_token_reuse"])),
        ],
        "Each token tried on the request right after the event. 0 s: refused. ≤N s: still "
        "accepted, N is what was left of its life (an upper bound: nothing was waited out). "
        "No end: it never expires. n/a: no such event there (the status it answered).",
    ),
    Topic(
        "Who can make a token",
        [
            ("a service that verifies can also forge", lambda r: _forges(r["verifier_forgery"])),
            ("what a leaked signing key yields", lambda r: _leak_yields(r["leak_yields"])),
            (
                "verified elsewhere, after a password change",
                lambda r: _elsewhere(r["verified_elsewhere"], "password_change"),
            ),
            ("… after a logout", lambda r: _elsewhere(r["verified_elsewhere"], "logout")),
        ],
        "Tried in-process: a token made with what a verifier holds, or with what leaked, sent "
        "to /protected (200: accepted). A verifier holds the published JWK Set, else the key "
        "that verifies a token, else the token store or the password hashes it checks against. "
        "A leaked key: each key file of the server, alone, in an app of the attacker's own. "
        "Verified elsewhere: the same token at this app (here) and at a resource server that "
        "verifies with its JWK Set (there, `auth-sandbox resource-server`), right after the "
        "event; ≤N s: what was left of its life, an upper bound.",
    ),
    Topic(
        "Attacks and mistakes",
        [
            ("a leak reveals", lambda r: _leak(r["leak"])),
            ("one-character changes", lambda r: _tamper(r["tamper"])),
            ("no / bad token", lambda r: _unauthenticated(r["unauthenticated"])),
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
