"""What a token gives away and withstands: what a leak of it reveals without a key,
one-character changes, a missing or invalid token, a replay from another client, an
unsigned JWT (`alg: none`)."""

import base64
import json
import time
from functools import partial
from typing import Any

from benchmarks import anatomy, measurable
from benchmarks.compare.subject import PROBE_HASH, Subject
from benchmarks.harness.dpop_client import PROOF_HEADER, TEST_ORIGIN, ProofKey

TAMPER_LIMIT = 48
# A client other than the one that logged in: another loopback address and agent.
ANOTHER_CLIENT = {"REMOTE_ADDR": "127.0.0.2", "HTTP_USER_AGENT": "someone-else/1.0"}


def leak(subject: Subject) -> dict[str, Any]:
    found = measurable.read_token(subject.strategy, subject.issued["token"]).leak
    return {"reveals": found.reveals, "decoded": found.decoded}


def tamper(subject: Subject) -> dict[str, Any]:
    """Change one character at a time across the token; does the server notice?

    Every change is tried, however slow the strategy (a password hash each for Basic):
    the count depends on the token alone, at most TAMPER_LIMIT, never on the time budget.
    What a change does depends on the strategy, not on the user nor on the hash of its
    password: so the token is the probe user's, tried at an app of the same instance whose
    own hash is the probe users' too, which a Basic guess at an unknown name pays.
    """
    token = subject.login()["token"]
    reader = partial(measurable.read_token, subject.strategy)
    changes = anatomy.changes(token, TAMPER_LIMIT, reader)
    client = subject.make_app(PASSWORD_HASH_METHOD=PROBE_HASH).test_client()
    tried = [
        (change, subject.status(subject.authorization(change.token), client)) for change in changes
    ]
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
    """The status of the logged-in token, sent by another client: a thief who holds the token
    but not the key it is bound to (where tokens are), so proves a key of its own."""
    headers: dict[str, str] = dict(subject.header)
    if subject.proof_key is not None:
        url = TEST_ORIGIN + "/protected"
        headers[PROOF_HEADER] = ProofKey().proof("GET", url, subject.issued["token"])
    client = subject.client
    return client.get("/protected", headers=headers, environ_base=ANOTHER_CLIENT).status_code


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
