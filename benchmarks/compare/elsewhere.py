"""How another service verifies a configuration's tokens, what each way costs it per request,
and what it knows of a revocation.

Three ways, each the resource server of `auth-sandbox resource-server` (in-process), the
sandbox served on a loopback port: with the JWK Set where the configuration publishes its keys
(`strategies.capabilities.PublishedKeys`), verified locally; by introspection (RFC 7662, POST
/introspect) on every request; and by introspection with its answers reused for CACHE_TTL_S.
For each event (a password change, a logout), a login of a user of its own is tried at the
sandbox and at every way before and right after it: the window there is 0 where the way asks the
sandbox, else an upper bound (what was left of the token's life, or of the cached answer's),
never waited out.
"""

import math
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from benchmarks import anatomy
from benchmarks.browser.served_app import serve
from benchmarks.compare.subject import Subject
from benchmarks.harness.dpop_client import proving_client
from sandbox.introspection_client import Introspector
from sandbox.resource_server import create_resource_server
from strategies import capabilities

Headers = dict[str, str]
PASSWORD = "elsewhere-probe-password"  # noqa: S105 - a throwaway instance's throwaway user
NEW_PASSWORD = "elsewhere-other-password"  # noqa: S105
CACHE_TTL_S = 5.0  # the cached way's --cache-ttl
CLIENT_ID = "compare"
JWKS, INTROSPECTION, CACHED = "JWKS, locally", "introspection", "cached introspection"
REQUESTS = 2  # per way, after its first: its round trips to the sandbox per request


def introspection_client() -> str:
    """The INTROSPECTION_CLIENTS of compare's instances: one client, a secret of this run."""
    return f"{CLIENT_ID}:{secrets.token_urlsafe(48)}"


def verified_elsewhere(subject: Subject) -> dict[str, Any]:
    """Each way another service can verify the tokens: its round trips to the sandbox per
    request, and the answers after each event."""
    clients: Mapping[str, str] | None = subject.config.get("INTROSPECTION_CLIENTS")
    introspects = isinstance(subject.strategy, capabilities.Introspects) and bool(clients)
    publishes = capabilities.jwks(subject.strategy) is not None
    if not (introspects or publishes):
        return {}
    with serve(subject.app) as served:

        def ways(issued: dict[str, Any]) -> dict[str, tuple[FlaskClient, Introspector | None]]:
            found: dict[str, tuple[Flask, Introspector | None]] = {}
            if publishes:
                found[JWKS] = (_jwks_server(served.url, issued), None)
            if introspects and clients:
                for way, ttl in ((INTROSPECTION, 0.0), (CACHED, CACHE_TTL_S)):
                    url, secret = f"{served.url}/introspect", clients[CLIENT_ID]
                    asker = Introspector(url, CLIENT_ID, secret, ttl)
                    found[way] = (create_resource_server(None, introspection=asker), asker)
            for app, _asker in found.values():
                if subject.proof_key is not None:  # the client proves its key there too
                    app.test_client_class = proving_client(subject.proof_key)
            return {way: (app.test_client(), asker) for way, (app, asker) in found.items()}

        events = {
            "password_change": _after(subject, "password-change", _change_password, ways),
            "logout": _after(subject, "logout", _log_out, ways),
        }
    trips = "round_trips_per_request"
    return {
        way: {
            "cache_ttl_s": CACHE_TTL_S if way == CACHED else None,
            trips: events["logout"][way][trips],
            **{
                event: {name: value for name, value in answers[way].items() if name != trips}
                for event, answers in events.items()
            },
        }
        for way in events["logout"]
    }


def _jwks_server(base: str, issued: dict[str, Any]) -> Flask:
    # It expects what the token says of itself: who issued it, for whom (read without a key).
    decoded = anatomy.decode_jwt(issued["token"])
    claims = decoded[1] if decoded else {}
    return create_resource_server(
        f"{base}/.well-known/jwks.json", issuer=claims["iss"], audience=claims["aud"]
    )


def _after(
    subject: Subject,
    event: str,
    happen: Callable[[Subject, str, Headers], int | None],
    ways: Callable[[dict[str, Any]], dict[str, tuple[FlaskClient, Introspector | None]]],
) -> dict[str, Any]:
    username = f"elsewhere-{event}"
    subject.add_user(username, PASSWORD)
    issued = subject.login(username=username, password=PASSWORD)
    issued_at = time.monotonic()
    header = subject.authorization(issued["token"])
    there = ways(issued)
    before, trips = {}, {}
    for way, (client, asker) in there.items():
        before[way] = client.get("/protected", headers=header).status_code
        asked = asker.round_trips if asker else 0
        for _ in range(REQUESTS):
            client.get("/protected", headers=header)
        trips[way] = ((asker.round_trips if asker else 0) - asked) / REQUESTS
    event_status = happen(subject, username, header)
    here = subject.status(header)
    answers = {}
    for way, (client, _asker) in there.items():
        after = client.get("/protected", headers=header).status_code
        left = max(0, math.ceil(issued["expires_in"] - (time.monotonic() - issued_at)))
        window = min(left, math.ceil(CACHE_TTL_S)) if way == CACHED else left
        answers[way] = {
            "event_status": event_status,
            "accepted_before": before[way] == 200,
            "sandbox_after": here,
            "resource_server_after": after,
            # Still accepted there: until the token, or the cached answer, expires.
            "resource_server_window_s": window if after == 200 else 0,
            "round_trips_per_request": round(trips[way], 2),
        }
    return answers


def _change_password(subject: Subject, username: str, _header: Headers) -> None:
    with subject.app.app_context():
        subject.users().set_password(username, NEW_PASSWORD)


def _log_out(subject: Subject, _username: str, header: Headers) -> int:
    return subject.client.post("/logout", headers=header).status_code
