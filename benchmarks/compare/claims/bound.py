"""A claim of our own about where a token is kept safe: A6, weighed on every configuration."""

from dataclasses import replace
from typing import Any

from benchmarks.compare.claims.weighing import HOLDS, OURS, WRONG, Claim, Results, each_of


def a6(results: Results) -> Claim | None:
    def weigh(r: dict[str, Any]) -> tuple[str, str]:
        status = r["replay_from_another_client"]
        if status == 200:
            return "sent by another client, the token alone was accepted (200).", HOLDS
        proof = r["token"]["proof_bytes"]
        return (
            f"the token is bound to the client's key (DPoP): another client that holds it but "
            f"not the key got {status}. Each request carries a {proof} B proof signed by the "
            "key, and a script injected into the page can still call the API with it while the "
            "page is open.",
            WRONG,
        )

    def reason(weighed: Results) -> str:
        bound = [r for r in weighed.values() if r["replay_from_another_client"] != 200]
        verify = max((r["cost"]["authenticate"]["median_ms"] for r in bound), default=0)
        return (
            f"{len(weighed) - len(bound)} of {len(weighed)} accept a stolen token from any client; "
            f"{len(bound)} bound to a key (DPoP) refuse it, for a proof per request "
            f"(verify ≤{verify:.2f} ms)."
        )

    claim = each_of(
        results, "A6", "A stolen access token lets the thief act as the user.", weigh, reason
    )
    return claim and replace(claim, source=OURS)
