"""How each cell of the comparison's topics reads a measurement (topics.py lays them out)."""

from benchmarks.compare.claims.weighing import keys, window
from benchmarks.compare.forgery.leak import SIGNING_KEY


def ms(cost: dict, step: str) -> str:
    """The median and p95 of a whole request (`step` "request" or "refused"), and how many
    times the /public baseline's (a small ratio to two significant digits)."""
    timing, ratio = cost[step], cost[f"{step}_ratio"]
    times = f"{ratio:.2g}×" if ratio < 0.1 else f"{round(ratio, 2):g}×"
    return f"{timing['median_ms']:.3f} ms (p95 {timing['p95_ms']:.3f}), {times}"


def part(cost: dict, step: str) -> str:
    """The median and p95 of a part of a request (`step` "sign" or "authenticate"): the time
    it adds, and its share of a whole /protected call."""
    timing, share = cost[step], cost[f"{step}_share"]
    percent = f"{share:.1%}" if share < 0.1 else f"{share:.0%}"
    return f"+{timing['median_ms']:.3f} ms (p95 {timing['p95_ms']:.3f}), {percent} of /protected"


def kept(gain: dict, method: str) -> str:
    """Keys and bytes per login (store_use.py)."""
    if not gain["keys_per_token"]:
        return "nothing"
    estimate = " (estimate)" if method.startswith("estimate") else ""
    return f"{keys(gain['keys_per_token'])}, {gain['bytes_per_token']} B{estimate}"


def store_revoked(store: dict) -> str:
    if store["revoked"] is None:
        return f"no logout ({store['logout_status']})"
    return kept(store["revoked"], store["method"])


def token_body(refresh: dict) -> str:
    added = refresh["refresh_adds_bytes"]
    return f"{refresh['token_body_bytes']} B" + (f" ({added} B)" if added else "")


def trips(trips: dict) -> str:
    return f"{trips['redis']} Redis\n{trips['user_table']} SQL"


def redis(trips: dict | None, missing: str) -> str:
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


def store_down(down: dict) -> str:
    if down["keeps_working"]:
        return "keeps working"
    return f"/protected {down['protected_status']}, /token {down['login_status']}"


def after(event: dict) -> str:
    """How long a login's tokens still worked after an event (revocation.py), on two lines."""
    if not event["applicable"]:
        return f"n/a ({event['status']})"
    status = f"{event['status']}: " if event["status"] is not None else ""
    text = f"{status}access {window(event['access'])}"
    if event["refresh"] is not None:
        text += f"\nrefresh {window(event['refresh'])}"
    return text


def expiry(expiry: dict) -> str:
    refused = expiry["with_ttl_1s_refused_after_s"]
    if refused is None:
        return f"never (1 s TTL: still accepted at {expiry['watched_s']} s)"
    return f"{expiry['expires_in']} s (1 s TTL: refused at {refused} s)"


def leak(leak: dict) -> str:
    if leak["decoded"] is None:
        return leak["reveals"]
    decoded = leak["decoded"]
    return f"{leak['reveals']}: {decoded if len(decoded) <= 60 else decoded[:57] + '...'}"


def tamper(tamper: dict) -> str:
    text = f"{tamper['refused']}/{tamper['tried']} refused"
    if tamper["accepted"]:
        text += f"; {tamper['accepted']} accepted ({tamper['accepted_same_meaning']} same meaning)"
    return text


def unauthenticated(answers: dict) -> str:
    return f"{answers['missing_status']} / {answers['invalid_status']}"


def size(token: dict) -> str:
    text = f"{token['bytes']} B ({token['header_bytes']} B)"
    if token["proof_bytes"]:
        text += f"\n+ {token['proof_bytes']} B DPoP proof"
    signature = token["signature"]
    if signature is None:
        return text
    return f"{text}\n{signature['algorithm']}: {signature['bytes']} B signature"


def forges(forgery: dict) -> str:
    """What a service that verifies holds, and whether a token it made was accepted."""
    if not forgery["measured"]:
        return f"not measured: {forgery['why']}"
    answer = "yes" if forgery["can_forge"] else "no"
    return f"{answer}: it holds {forgery['holds']}; {forgery['how']}"


def leak_yields(leak: dict) -> str:
    if leak["leaked"] != SIGNING_KEY:
        return f"no signing key. A dump of {leak['leaked']}: {leak['how']}"
    if not leak["measured"]:
        return f"not measured: {leak['how']}"
    if leak["yields_tokens"]:
        return f"every user's identity until the key is rotated: {leak['how']}"
    return f"no token: {leak['how']}"


NOWHERE = "nowhere: no key published, no introspection"


def ways(elsewhere: dict) -> str:
    """How another service can verify, and its round trips to the sandbox per request."""
    lines = [f"{way}: {way_of['round_trips_per_request']:g}" for way, way_of in elsewhere.items()]
    return "\n".join(lines) or NOWHERE


def elsewhere(elsewhere: dict, event: str) -> str:
    """The sandbox's answer right after the event, then each way's."""
    if not elsewhere:
        return NOWHERE
    first = next(iter(elsewhere.values()))[event]
    status = "" if first["event_status"] is None else f"{first['event_status']}, "
    lines = [f"{status}here {first['sandbox_after']}"]
    for way, way_of in elsewhere.items():
        after = way_of[event]
        lines.append(
            f"{way}: ≤{after['resource_server_window_s']} s more"
            if after["resource_server_after"] == 200
            else f"{way}: refused ({after['resource_server_after']})"
        )
    return "\n".join(lines)


def client_proof(timing: dict | None) -> str:
    if timing is None:
        return "no proof"
    return f"{timing['median_ms']:.3f} ms (p95 {timing['p95_ms']:.3f})"


def distance_cost(row: dict) -> str:
    """What a request adds here, then at each RTT of a Redis on another machine."""
    rtts = " / ".join(row["added_at_rtt_ms"])
    added = " / ".join(f"+{ms:.2f}" for ms in row["added_at_rtt_ms"].values())
    return f"+{row['added_ms']:.2f} ms here\nat {rtts} ms: {added} ms"


def beaten(row: dict) -> str:
    """From which RTT the baseline's local check is faster."""
    if not row["compared"]:
        return f"— ({row['why']})"
    return f"{row['baseline']}: {row['why']}"


def speed_price(row: dict) -> str:
    """How long a logged-out token works here, and at the baseline."""
    here = f"here {window(row['window_after_logout'])}"
    if not row["compared"]:
        return here
    return f"{here}\n{row['baseline']} {window(row['baseline_window_after_logout'])}"
