"""Where the time of a request with a token bound to a key (DPoP) goes: the client's signing
of its proof, and the server's steps, each timed alone in-process on the configuration the
bench serves (the same Redis): the proof's signature verified (PyJWT, with the key its
header carries: it parses the proof twice, its header first, and checks each segment's
alphabet in Python), the key's RFC 7638 thumbprint, the replay record (Redis's SET NX, or
the process's cache), and the whole check of a request's proof: all of them, and its claims.
"""

import uuid
from collections.abc import Mapping
from typing import Any

from benchmarks.compare.timing import time_calls
from benchmarks.harness.dpop_client import TEST_ORIGIN, ProofKey
from benchmarks.load.servers import bench_app
from sandbox import extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from sandbox.transports.dpop import DPoPTransport
from strategies.jwt_keys import thumbprint

BUDGET_S = 0.5  # per step: at most MAX_RUNS runs each


def dpop_costs(config: Mapping[str, Any], budget_s: float = BUDGET_S) -> dict[str, Any] | None:
    """Each step's median and p95 (ms) for the configuration `config`; None where its tokens
    are bound to no key."""
    app = bench_app(config)
    transport = extensions.transport(app)
    if not isinstance(transport, DPoPTransport):
        return None
    key, checker = ProofKey(), transport.proofs
    login = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
    answer = app.test_client().post(
        "/token", json=login, headers=key.headers("POST", TEST_ORIGIN + "/token")
    )
    if answer.status_code != 200:
        raise RuntimeError(f"a DPoP login failed with {answer.status_code}: {answer.get_json()}")
    token, url = answer.get_json()["token"], TEST_ORIGIN + "/protected"
    # Signed ahead: each timed server step gets a fresh proof, as a request would.
    proofs = iter([key.proof("GET", url, token) for _ in range(600)])

    def whole_check() -> None:
        checker.key_of([next(proofs)], "GET", url, token)

    steps = {
        "client_sign": time_calls(lambda: key.proof("GET", url, token), budget_s),
        "verify_signature": time_calls(lambda: checker.verified(next(proofs)), budget_s),
        "thumbprint": time_calls(lambda: thumbprint(key.jwk), budget_s),
        "replay_record": time_calls(lambda: checker.replays.first_use(uuid.uuid4().hex), budget_s),
        "proof_check": time_calls(whole_check, budget_s),
    }
    return {
        "replay_cache": checker.replays.where,
        "proof_algorithm": key.algorithm,
        **{step: timing.as_dict() for step, timing in steps.items()},
    }


STEPS = {
    "client_sign": "client: sign a proof",
    "verify_signature": "server: its signature (PyJWT)",
    "thumbprint": "thumbprint",
    "replay_record": "replay record",
    "proof_check": "the whole proof check",
}


def dpop_lines(bench: dict[str, Any]) -> list[str]:
    """The report's section: each bound target's steps, medians (p95) in ms."""
    costs = bench.get("dpop_costs") or {}
    if not costs:
        return []
    lines = [
        "",
        "## Where a DPoP request's time goes",
        "",
        "Each step alone, in-process, on the target's configuration and Redis (medians, p95, "
        "ms): the client's signing is outside the server's CPU above; the server's steps are "
        "inside it, beside the token's own check.",
        "",
        "| target | replay cache | " + " | ".join(STEPS.values()) + " |",
        "|---|---|" + "---|" * len(STEPS),
    ]
    for label, steps in costs.items():
        cells = [f"{steps[s]['median_ms']:.3f} ({steps[s]['p95_ms']:.3f})" for s in STEPS]
        lines.append(f"| {label} | {steps['replay_cache']} | " + " | ".join(cells) + " |")
    return lines
