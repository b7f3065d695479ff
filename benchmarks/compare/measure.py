"""Measure one strategy through the app's real request path (Flask test client, in-process).

Every figure comes from running the strategy: nothing here asks which strategy it
measures, so a strategy added through the entry point is measured the same way.
"""

import base64
from collections.abc import Callable, Mapping
from typing import Any

from flask import jsonify

from benchmarks import anatomy, measurable
from benchmarks.compare.costs import costs
from benchmarks.compare.elsewhere import verified_elsewhere
from benchmarks.compare.forgery.leak import leak_yields
from benchmarks.compare.forgery.verifier import verifier_forgery
from benchmarks.compare.revocation import revocation
from benchmarks.compare.store_use import round_trips, store_use
from benchmarks.compare.subject import PROBE_PASSWORD, PROBE_USERNAME, Subject
from benchmarks.compare.token_attacks import (
    alg_none_token,
    leak,
    replay_from_another_client,
    tamper,
    unauthenticated,
)
from benchmarks.harness.dpop_client import TEST_ORIGIN
from benchmarks.harness.processes import free_port
from strategies import capabilities


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
            "scheme": subject.transport.scheme,
            # "dpop": every token is bound to the client's key, and each request proves it.
            "token_binding": subject.transport.binding,
            "stateful": strategy.stateful,
            "revocable": strategy.revocable,
            "refresh_tokens": strategy.refresh_tokens,
            "publishes_jwks": capabilities.jwks(strategy) is not None,
            "description": strategy.description,
        }
    }
    for section, run in sections:
        progress(f"{label}: {section.replace('_', ' ')}")
        result[section] = run()
    return result


def token_facts(subject: Subject) -> dict[str, Any]:
    token = subject.issued["token"]
    # Three logins of one user (the probe user: the demo user's would each pay its hash).
    logins = {subject.login()["token"] for _ in range(3)}
    reading = measurable.read_token(subject.strategy, token)
    key = subject.proof_key  # where tokens are bound to a key, a proof travels beside them
    proof = key.proof("GET", TEST_ORIGIN + "/protected", token) if key is not None else ""
    return {
        "example": anatomy.shorten(token),
        "bytes": len(token.encode()),
        "header_bytes": len(subject.header["Authorization"].encode()),
        "proof_bytes": len(proof.encode()),  # its DPoP header's value; 0: none is sent
        "kind": reading.kind,
        "alphabet": anatomy.alphabet(token),
        "new_each_login": len(logins) == 3,
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
    """What refresh tokens add to the body of the demo user's POST /token, and whether a
    refresh works (its round trips are counted with the others', in `round_trips`)."""
    body, sent = subject.issued, subject.issued_body
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
    # A login of its own: the demo user's tokens stay as the other measurements found them.
    own = subject.login().get("refresh_token")
    if own is None:
        status = subject.client.post("/token/refresh", json={"refresh_token": "none"}).status_code
        return result | {"status": status, "offered": False}
    first = subject.client.post("/token/refresh", json={"refresh_token": own})
    if first.status_code != 200:
        raise RuntimeError(f"a refresh failed with {first.status_code}")
    return result | {"status": first.status_code, "offered": True}


def measure_store_outage(subject: Subject) -> dict[str, Any]:
    """The same instance with its token store on a port where nothing listens."""
    closed = f"redis://127.0.0.1:{free_port()}/0"
    client = subject.make_app(REDIS_URL=closed, REDIS_CLUSTER=False).test_client()
    protected = subject.status(subject.header, client)
    login = client.post("/token", json={"username": PROBE_USERNAME, "password": PROBE_PASSWORD})
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
