"""Measure one strategy through the app's real request path (Flask test client, in-process).

Every figure comes from running the strategy: nothing here asks which strategy it
measures, so a strategy added through the entry point is measured the same way.
"""

import base64
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import jsonify

from benchmarks import anatomy
from benchmarks.compare.elsewhere import verified_elsewhere
from benchmarks.compare.forgery.leak import leak_yields
from benchmarks.compare.forgery.verifier import verifier_forgery
from benchmarks.compare.revocation import revocation
from benchmarks.compare.store_use import round_trips, store_use
from benchmarks.compare.subject import Subject
from benchmarks.compare.timing import Timing, time_calls
from benchmarks.harness.processes import free_port
from sandbox import extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME

TAMPER_LIMIT = 48
SIGNER = "sign-cost"  # the user whose tokens the sign cost is timed on
SIGNER_PASSWORD = "sign-cost-probe-password"  # noqa: S105 - a throwaway instance's throwaway user
EXPIRY_WATCH_S = 2.5  # with TOKEN_TTL=1; a JWT's times have one-second resolution
EXPIRY_POLL_S = 0.1
# A client other than the one that logged in: another loopback address and agent.
ANOTHER_CLIENT = {"REMOTE_ADDR": "127.0.0.2", "HTTP_USER_AGENT": "someone-else/1.0"}


def measure(
    subject: Subject,
    budget_s: float,
    progress: Callable[[str], None],
    label: str | None = None,
    variant: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Every measurement of one strategy but its expiry (`expiry`, for all at once).

    `label` names it in the reports (a variant's: "jwt + denylist"), `variant` is the
    settings its variant overrides; both are only reported.
    """
    strategy = subject.strategy
    label = label or strategy.name
    sections: list[tuple[str, Callable[[], Any]]] = [
        ("token", lambda: token_facts(subject)),
        ("store", lambda: store_use(subject)),
        ("round_trips", lambda: round_trips(subject)),
        ("refresh", lambda: refresh(subject)),
        ("cost", lambda: costs(subject, budget_s)),
        ("store_down", lambda: measure_store_outage(subject)),
        ("logout", lambda: logout(subject)),
        ("revocation", lambda: revocation(subject)),
        ("leak", lambda: leak(subject)),
        ("verifier_forgery", lambda: verifier_forgery(subject)),
        ("leak_yields", lambda: leak_yields(subject)),
        ("verified_elsewhere", lambda: verified_elsewhere(subject)),
        ("tamper", lambda: tamper(subject)),
        ("unauthenticated", lambda: unauthenticated(subject)),
        ("replay_from_another_client", lambda: replay_from_another_client(subject)),
        ("alg_none_status", lambda: subject.status(subject.authorization(alg_none_token(subject)))),
    ]
    result: dict[str, Any] = {
        "strategy": {
            "name": strategy.name,
            "label": label,
            "variant_settings": dict(variant or {}),
            "scheme": strategy.scheme,
            "stateful": strategy.stateful,
            "revocable": strategy.revocable,
            "refresh_tokens": strategy.refresh_tokens,
            "publishes_jwks": strategy.jwks() is not None,
            "description": strategy.description,
        }
    }
    for section, run in sections:
        progress(f"{label}: {section.replace('_', ' ')}")
        result[section] = run()
    return result


def token_facts(subject: Subject) -> dict[str, Any]:
    token = subject.issued["token"]
    second, third = subject.login()["token"], subject.login()["token"]
    reading = subject.strategy.read_token(token)
    return {
        "example": anatomy.shorten(token),
        "bytes": len(token.encode()),
        "header_bytes": len(subject.header["Authorization"].encode()),
        "kind": reading.kind,
        "alphabet": anatomy.alphabet(token),
        "new_each_login": len({token, second, third}) == 3,
        "structure": reading.structure,
        "signature": signature(token),
    }


def signature(token: str) -> dict[str, Any] | None:
    """A JWT's algorithm (its header's `alg`) and the bytes of its signature; None for others."""
    parts = anatomy.decode_jwt(token)
    if parts is None:
        return None
    encoded = token.rsplit(".", 1)[1]
    signed = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    return {"algorithm": parts[0].get("alg"), "bytes": len(signed)}


REFRESH_FIELDS = ("refresh_token", "refresh_expires_in")  # in POST /token's body, if issued


def refresh(subject: Subject) -> dict[str, Any]:
    """What refresh tokens add to POST /token's body, and whether a refresh works (its round
    trips are counted with the others', in `round_trips`)."""
    login = subject.client.post(
        "/token", json={"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
    )
    body, sent = login.get_json(), login.get_data()
    without = {field: value for field, value in body.items() if field not in REFRESH_FIELDS}
    with subject.app.app_context():  # the same JSON, as the app writes it, without them
        bare = jsonify(without).get_data()
    token = body.get("refresh_token")
    result: dict[str, Any] = {
        "token_body_bytes": len(sent),
        "refresh_adds_bytes": len(sent) - len(bare),
        "refresh_token_bytes": len(token.encode()) if token else 0,
        "refresh_expires_in": body.get("refresh_expires_in"),
    }
    if token is None:
        status = subject.client.post("/token/refresh", json={"refresh_token": "none"}).status_code
        return result | {"status": status, "offered": False}
    first = subject.client.post("/token/refresh", json={"refresh_token": token})
    if first.status_code != 200:
        raise RuntimeError(f"a refresh failed with {first.status_code}")
    return result | {"status": first.status_code, "offered": True}


def refused_token(subject: Subject) -> str:
    """A token one character away from the logged-in one, that the server refuses: a guess."""
    token = subject.issued["token"]
    for change in anatomy.changes(token, TAMPER_LIMIT, subject.strategy.read_token):
        if not change.same_meaning and subject.status(subject.authorization(change.token)) == 401:
            return change.token
    raise RuntimeError("every one-character change of the token was accepted")


def costs(subject: Subject, budget_s: float) -> dict[str, Any]:
    """Median and p95 of /public (the baseline), /protected, the strategy's issue() alone
    (signing), its authenticate step alone (verifying), and /protected with a refused token
    (what a guess costs the server)."""
    app, client, header = subject.app, subject.client, subject.header
    refused_header = subject.authorization(refused_token(subject))

    def authenticate_once() -> None:
        # A fresh request context each time, as in a real request (no cached user).
        with app.test_request_context("/protected", headers=header):
            subject.strategy.authenticate()

    public = time_calls(lambda: client.get("/public"), budget_s)
    request = time_calls(lambda: client.get("/protected", headers=header), budget_s)
    authenticate = time_calls(authenticate_once, budget_s)
    sign = sign_cost(subject, budget_s)
    refused = time_calls(lambda: client.get("/protected", headers=refused_header), budget_s)
    return {
        "public": public.as_dict(),
        "request": request.as_dict(),
        "sign": sign.as_dict(),
        "authenticate": authenticate.as_dict(),
        "refused": refused.as_dict(),
        "request_ratio": round(request.ratio_to(public), 2),
        "sign_ratio": round(sign.ratio_to(public), 4),  # issue() alone may cost a hundredth
        "authenticate_ratio": round(authenticate.ratio_to(public), 2),
        "refused_ratio": round(refused.ratio_to(public), 2),
    }


def sign_cost(subject: Subject, budget_s: float) -> Timing:
    """The strategy's issue() alone, in an app context: POST /token without its password
    check (a hash that would drown it) or its HTTP. For a user of its own, whose keys in the
    token store (a stateful strategy's) are deleted afterwards."""
    app, strategy, store = subject.app, subject.strategy, subject.strategy.store
    pattern = subject.config["REDIS_KEY_PREFIX"] + "*"
    before = set(store.scan_iter(match=pattern)) if store is not None else set()
    subject.add_user(SIGNER, SIGNER_PASSWORD)
    with app.app_context():
        user = extensions.users(app).find(SIGNER)
        assert user is not None
        timing = time_calls(lambda: strategy.issue(user, SIGNER_PASSWORD), budget_s)
    if store is not None:
        added = list(set(store.scan_iter(match=pattern)) - before)
        for start in range(0, len(added), 500):
            store.delete(*added[start : start + 500])
    return timing


def measure_store_outage(subject: Subject) -> dict[str, Any]:
    """The same instance with its token store on a port where nothing listens."""
    closed = f"redis://127.0.0.1:{free_port()}/0"
    client = subject.make_app(REDIS_URL=closed, REDIS_CLUSTER=False).test_client()
    protected = subject.status(subject.header, client)
    login = client.post("/token", json={"username": DEMO_USERNAME, "password": DEMO_PASSWORD})
    return {
        "protected_status": protected,
        "login_status": login.status_code,
        "keeps_working": protected == 200 and login.status_code == 200,
    }


def logout(subject: Subject) -> dict[str, Any]:
    """Log out a fresh token, then use it on the very next request."""
    header = subject.authorization(subject.login()["token"])
    response = subject.client.post("/logout", headers=header)
    after = subject.status(header)
    return {
        "status": response.status_code,
        "revoked": after == 401,  # refused from the very next request on
        "status_after": after,
        "message": (response.get_json() or {}).get("msg"),
    }


class ExpiryWatch:
    """A token from an app of the subject's instance with TOKEN_TTL=1, tried every
    EXPIRY_POLL_S until it is refused or EXPIRY_WATCH_S have passed."""

    def __init__(self, subject: Subject):
        self.subject = subject
        self.client = subject.make_app(TOKEN_TTL=1).test_client()
        self.header = subject.authorization(subject.login(self.client)["token"])
        self.started = self.next_try = time.monotonic()
        self.refused_after: float | None = None

    def watching(self) -> bool:
        return self.refused_after is None and time.monotonic() - self.started < EXPIRY_WATCH_S

    def try_now(self) -> None:
        if time.monotonic() < self.next_try:
            return
        waited = time.monotonic() - self.started
        if self.subject.status(self.header, self.client) == 401:
            self.refused_after = round(waited, 2)
        self.next_try = time.monotonic() + EXPIRY_POLL_S

    def result(self) -> dict[str, Any]:
        return {
            "expires_in": self.subject.issued["expires_in"],
            "with_ttl_1s_refused_after_s": self.refused_after,
            "watched_s": EXPIRY_WATCH_S,
        }


def expiry(subjects: Mapping[str, Subject]) -> dict[str, dict[str, Any]]:
    """When a token stops working, for every subject at once: their short-lived tokens are
    issued one after the other and watched side by side, so that the waits overlap."""
    watches = {label: ExpiryWatch(subject) for label, subject in subjects.items()}
    while watching := [watch for watch in watches.values() if watch.watching()]:
        for watch in watching:
            watch.try_now()
        time.sleep(EXPIRY_POLL_S / 10)
    return {label: watch.result() for label, watch in watches.items()}


def leak(subject: Subject) -> dict[str, Any]:
    found = subject.strategy.read_token(subject.issued["token"]).leak
    return {"reveals": found.reveals, "decoded": found.decoded}


def tamper(subject: Subject) -> dict[str, Any]:
    """Change one character at a time across the token; does the server notice?

    Every change is tried, however slow the strategy (a password hash each for Basic):
    the count depends on the token alone, at most TAMPER_LIMIT, never on the time budget.
    """
    token, reader = subject.issued["token"], subject.strategy.read_token
    changes = anatomy.changes(token, TAMPER_LIMIT, reader)
    tried = [(change, subject.status(subject.authorization(change.token))) for change in changes]
    accepted = [change for change, status in tried if status == 200]
    return {
        "tried": len(tried),
        "refused": sum(status == 401 for _, status in tried),
        "accepted": len(accepted),
        "accepted_same_meaning": sum(change.same_meaning for change in accepted),
        "accepted_changes": [
            {
                "position": c.position,
                "part": c.part,
                "old": c.old,
                "new": c.new,
                "same_meaning": c.same_meaning,
            }
            for c in accepted[:5]
        ],
        "accepted_by_part": {
            str(part): sum(c.part == part for c in accepted) for part in {c.part for c in accepted}
        },
    }


def unauthenticated(subject: Subject) -> dict[str, Any]:
    missing = subject.client.get("/protected")
    invalid = subject.client.get("/protected", headers=subject.authorization("not-a-valid-token"))
    return {
        "missing_status": missing.status_code,
        "missing_challenge": missing.headers.get("WWW-Authenticate"),
        "invalid_status": invalid.status_code,
        "invalid_challenge": invalid.headers.get("WWW-Authenticate"),
    }


def replay_from_another_client(subject: Subject) -> int:
    """The status of the logged-in token, sent by another client."""
    header, client = subject.header, subject.client
    return client.get("/protected", headers=header, environ_base=ANOTHER_CLIENT).status_code


def alg_none_token(subject: Subject) -> str:
    """An unsigned JWT (`alg: none`) naming the logged-in user."""

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    claims = {
        "sub": str(subject.issued["user_id"]),
        "type": "access",
        "exp": int(time.time()) + 600,
    }
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."
