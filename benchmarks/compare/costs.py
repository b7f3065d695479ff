"""What a request costs: /public (the baseline), /protected, the strategy's issue() alone
(signing), its authenticate step alone (verifying), and a refused guess; timed in-process.

Where tokens are bound to a key (DPoP), each timed request carries a proof signed before the
loop, so that its time is the server's; the client's signing of a proof is timed apart."""

import itertools
from collections.abc import Iterator
from functools import partial
from typing import Any

from benchmarks import anatomy, measurable
from benchmarks.compare.subject import Subject
from benchmarks.compare.timing import Timing, time_calls, time_in_turn
from benchmarks.compare.token_attacks import TAMPER_LIMIT
from benchmarks.harness.dpop_client import TEST_ORIGIN, proofs_ahead
from sandbox import extensions

SIGNER = "sign-cost"  # the user whose tokens the sign cost is timed on
SIGNER_PASSWORD = "sign-cost-probe-password"  # noqa: S105 - a throwaway instance's throwaway user


def refused_token(subject: Subject) -> str:
    """A token one character away from the logged-in one, that the server refuses: a guess."""
    token = subject.issued["token"]
    for change in anatomy.changes(
        token, TAMPER_LIMIT, partial(measurable.read_token, subject.strategy)
    ):
        if not change.same_meaning and subject.status(subject.authorization(change.token)) == 401:
            return change.token
    raise RuntimeError("every one-character change of the token was accepted")


def costs(subject: Subject, budget_s: float) -> dict[str, Any]:
    """Median and p95 of /public (the baseline), /protected, the strategy's issue() alone
    (signing), its authenticate step alone (verifying), and /protected with a refused token
    (what a guess costs the server)."""
    app, client, token = subject.app, subject.client, subject.issued["token"]
    headers, refused_headers = sent(subject, subject.header), sent(subject, refused_header(subject))

    def authenticate_once() -> None:
        # A fresh request context each time, as in a real request (no cached user); the
        # transport's step, which checks a proof where tokens are bound to a key.
        with app.test_request_context("/protected", headers=next(headers)):
            subject.transport.authenticate(token)

    # In turn: the ratio of the two holds through a slow spell of the machine.
    public, request = time_in_turn(
        [lambda: client.get("/public"), lambda: client.get("/protected", headers=next(headers))],
        budget_s,
    )
    authenticate = time_calls(authenticate_once, budget_s)
    sign = sign_cost(subject, budget_s)
    refused = time_calls(lambda: client.get("/protected", headers=next(refused_headers)), budget_s)
    key = subject.proof_key
    proof = (
        time_calls(lambda: key.proof("GET", TEST_ORIGIN + "/protected", token), budget_s)
        if key is not None
        else None
    )
    return {
        "public": public.as_dict(),
        "request": request.as_dict(),
        "sign": sign.as_dict(),
        "authenticate": authenticate.as_dict(),
        "refused": refused.as_dict(),
        "request_ratio": round(request.ratio_to(public), 2),
        # Parts of a request, as a share of a whole /protected call: a part divided by the
        # whole /public call would read as "cheaper than no authentication".
        "sign_share": round(sign.ratio_to(request), 4),  # issue() alone may cost a hundredth
        "authenticate_share": round(authenticate.ratio_to(request), 2),
        "refused_ratio": round(refused.ratio_to(public), 2),
        # What a DPoP client pays to sign a proof for each request; None: no proof is sent.
        "client_proof": proof.as_dict() if proof is not None else None,
    }


def refused_header(subject: Subject) -> dict[str, str]:
    return subject.authorization(refused_token(subject))


def sent(subject: Subject, headers: dict[str, str]) -> Iterator[Any]:
    """The headers of each timed request to /protected: with a proof signed ahead, where
    tokens are bound to a key; as they are, otherwise."""
    if subject.proof_key is None:
        return itertools.repeat(headers)
    return proofs_ahead(subject.proof_key, "GET", "/protected", headers)


def sign_cost(subject: Subject, budget_s: float) -> Timing:
    """The strategy's issue() alone, in an app context: POST /token without its password
    check (a hash that would drown it) or its HTTP. For a user of its own, whose keys in the
    token store (a stateful strategy's) are deleted afterwards."""
    app, store = subject.app, subject.strategy.store
    pattern = subject.config["REDIS_KEY_PREFIX"] + "*"
    before = set(store.scan_iter(match=pattern)) if store is not None else set()
    subject.add_user(SIGNER, SIGNER_PASSWORD)
    with app.app_context():
        user = extensions.users(app).find(SIGNER)
        assert user is not None
        timing = time_calls(lambda: subject.issue(user, SIGNER_PASSWORD), budget_s)
    if store is not None:
        added = list(set(store.scan_iter(match=pattern)) - before)
        for start in range(0, len(added), 500):
            store.delete(*added[start : start + 500])
    return timing
