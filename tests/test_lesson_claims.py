"""The lesson's claims (C1 to C11), then ours (A1 to A6; A7 is test_distance_claim's), one test
each, on a real comparison run.

Each test asserts the measured property as a relation, never a hard-coded figure,
and the verdict `auth-sandbox compare` gives. Strategies are picked by what their
tokens were measured to be and by their facts, as the comparison itself does.
"""

from typing import Any

import pytest

from benchmarks import measurable
from benchmarks.anatomy import ENCODED_CREDENTIALS, HEX_DIGEST, OPAQUE, SIGNED_JSON
from benchmarks.compare.claims import evaluate
from benchmarks.compare.claims.weighing import LESSON, OURS, bound, own
from benchmarks.compare.store_use import LIMITS
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from strategies import registry


def of_kind(comparison: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """Every measured strategy whose token is of `kind` (a plug-in or a variant may share one)."""
    found = [r for r in comparison["strategies"].values() if r["token"]["kind"] == kind]
    assert found, f"no strategy of kind {kind!r} was measured"
    return found


# Every test reads the `comparison` fixture: `auth-sandbox compare` over every strategy.
pytestmark = pytest.mark.measures

CLAIM_IDS = [f"C{i}" for i in range(1, 12)] + ["A1", "A2", "A3", "A4", "A5", "A6", "A7"]


def claim(comparison: dict[str, Any], claim_id: str) -> dict[str, str]:
    (found,) = [c for c in comparison["claims"] if c["id"] == claim_id]
    assert found["evidence"]
    return found


def verdict(comparison: dict[str, Any], claim_id: str) -> str:
    return claim(comparison, claim_id)["verdict"]


def test_every_strategy_and_every_claim_is_there(comparison):
    labels = [c.label for c in measurable.configurations(registry.names())]
    assert list(comparison["strategies"]) == labels
    assert [c["id"] for c in comparison["claims"]] == CLAIM_IDS
    verdicts = {c["verdict"] for c in comparison["claims"]}
    assert verdicts <= {"holds", "holds with a caveat", "wrong"}
    # Ours are marked as such, apart from the lesson's.
    assert {c["id"][0]: c["source"] for c in comparison["claims"]} == {"C": LESSON, "A": OURS}


def test_c1_no_token_is_a_hash_and_the_three_are_three_kinds(comparison):
    kinds = [r["token"]["kind"] for r in comparison["strategies"].values()]
    assert HEX_DIGEST not in kinds
    assert {ENCODED_CREDENTIALS, OPAQUE, SIGNED_JSON} <= set(kinds)
    assert verdict(comparison, "C1") == "wrong"


def test_c2_a_basic_token_is_base64_credentials_not_40_hex_characters(comparison):
    for basic in of_kind(comparison, ENCODED_CREDENTIALS):
        assert basic["token"]["alphabet"] != "hex"
        assert basic["token"]["bytes"] != 40
        assert basic["leak"]["decoded"] == f"{DEMO_USERNAME}:{DEMO_PASSWORD}"
    for opaque in of_kind(comparison, OPAQUE):
        assert opaque["token"]["alphabet"].startswith("base64")
    assert verdict(comparison, "C2") == "wrong"


def test_c3_the_jwt_is_longer_than_the_other_two(comparison):
    others = [r for r in comparison["strategies"].values() if r["token"]["kind"] != SIGNED_JSON]
    for jwt in of_kind(comparison, SIGNED_JSON):
        assert all(jwt["token"]["bytes"] > r["token"]["bytes"] for r in others)
        assert all(jwt["token"]["header_bytes"] > r["token"]["header_bytes"] for r in others)
    assert verdict(comparison, "C3") == "holds"


def test_c4_a_leaked_basic_token_is_the_password_and_has_no_integrity_check(comparison):
    for basic in of_kind(comparison, ENCODED_CREDENTIALS):
        assert basic["leak"]["reveals"] == "password"
        assert DEMO_PASSWORD in basic["leak"]["decoded"]
        assert not basic["token"]["new_each_login"]
        assert basic["expiry"]["with_ttl_1s_refused_after_s"] is None
        assert not basic["logout"]["revoked"]
        # a change in base64's unused padding bits decodes to the same credentials and gets in
        assert basic["tamper"]["accepted_same_meaning"] >= 1
        assert basic["tamper"]["accepted"] == basic["tamper"]["accepted_same_meaning"]
    assert verdict(comparison, "C4") == "holds with a caveat"


def test_c5_opaque_tokens_cost_a_stored_key_and_a_round_trip_and_buy_logout(comparison):
    for opaque in of_kind(comparison, OPAQUE):
        assert opaque["store"]["keys_per_token"] >= 1
        assert opaque["store"]["bytes_per_token"] > 0
        # Its token's look-up, on its first request at least (then maybe a cache's answer);
        # bound to a key, the proof's record too.
        first = own(opaque["round_trips"]["first_request"])
        assert sum(first.values()) == 1 + bound(opaque)
        assert opaque["store_down"]["protected_status"] == 503
        assert opaque["logout"]["revoked"]
    others = [r for r in comparison["strategies"].values() if not r["strategy"]["stateful"]]
    assert all(
        r["store"]["keys_per_token"] == 0 and r["store_down"]["keeps_working"] for r in others
    )
    assert verdict(comparison, "C5") == "holds with a caveat"


def named_before(evidence: str, finding: str) -> set[str]:
    """The configurations an evidence names before `finding`: "a, b: finding" names a and b."""
    return {
        name
        for sentence in evidence.split(". ")
        if finding in sentence
        for name in sentence.split(finding)[0].split(", ")
    }


def test_c6_a_jwt_needs_no_store_until_it_is_revocable_or_refreshed(comparison):
    stateless = [r for r in of_kind(comparison, SIGNED_JSON) if not r["strategy"]["stateful"]]
    stateful = [r for r in of_kind(comparison, SIGNED_JSON) if r["strategy"]["stateful"]]
    assert stateless and stateful
    for jwt in stateless:  # no store, but the route still reads the user table
        assert jwt["round_trips"]["request"]["redis"] == 0 and jwt["store"]["keys_per_token"] == 0
        assert jwt["round_trips"]["request"]["user_table"] >= 1
        # Its logins use Redis all the same, for the failed-login limits alone.
        assert set(jwt["round_trips"]["login"]["by_purpose"]) <= {LIMITS}
        assert jwt["store_down"]["keeps_working"]
        assert jwt["logout"]["status"] == 501 and not jwt["logout"]["revoked"]
    evidence = claim(comparison, "C6")["evidence"]
    for jwt in stateful:  # the denylist's and the refresh state's cost, measured and weighed
        store, revoked = jwt["store"], jwt["store"]["revoked"]
        assert store["keys_per_token"] or own(jwt["round_trips"]["first_request"])
        assert revoked["bytes_per_token"] > 0
        assert not jwt["store_down"]["keeps_working"]
        assert jwt["strategy"]["label"] in named_before(evidence, ": needs its token store")
        assert f"{revoked['bytes_per_token']} B per logged-out login" in evidence
    assert verdict(comparison, "C6") == "holds with a caveat"


def test_c7_anyone_reads_a_jwt_payload_without_the_key(comparison):
    for jwt in of_kind(comparison, SIGNED_JSON):
        assert jwt["leak"]["reveals"] == "claims"
        assert '"sub": "' in jwt["leak"]["decoded"]
    assert verdict(comparison, "C7") == "wrong"


def test_c8_a_jwt_has_a_header_a_payload_and_a_signature(comparison):
    for jwt in of_kind(comparison, SIGNED_JSON):
        structure = jwt["token"]["structure"]
        assert structure["parts"] == 3
        assert {"alg", "typ"} <= set(structure["header"])
        assert {"sub", "exp"} <= set(structure["payload"])
    assert verdict(comparison, "C8") == "holds"


def test_c9_every_change_to_a_jwt_is_refused_and_so_is_alg_none(comparison):
    for jwt in of_kind(comparison, SIGNED_JSON):
        assert jwt["tamper"]["tried"] > 10
        assert jwt["tamper"]["accepted_by_part"].get("0", 0) == 0
        assert jwt["tamper"]["accepted_by_part"].get("1", 0) == 0
        assert jwt["alg_none_status"] == 401
    assert verdict(comparison, "C9") == "holds"


def test_c10_missing_and_invalid_tokens_get_401_with_a_challenge_not_403(comparison):
    for result in comparison["strategies"].values():
        answers = result["unauthenticated"]
        assert answers["missing_status"] == answers["invalid_status"] == 401
        assert answers["missing_challenge"] and answers["invalid_challenge"]
    assert verdict(comparison, "C10") == "wrong"


def test_c11_a_token_works_from_any_client_that_holds_it(comparison):
    results = comparison["strategies"].values()
    assert all(r["replay_from_another_client"] == 200 for r in results if not bound(r))
    assert verdict(comparison, "C11") == "holds with a caveat"


def test_a6_a_token_bound_to_a_key_is_refused_from_a_client_without_it(comparison):
    results = comparison["strategies"]
    bound_labels = {label for label, r in results.items() if bound(r)}
    assert bound_labels == {"bearer + DPoP", "jwt + DPoP", "jwt + refresh + denylist + DPoP"}
    for label, r in results.items():
        assert r["replay_from_another_client"] == (401 if label in bound_labels else 200), label
        assert (r["token"]["proof_bytes"] > 0) == (label in bound_labels), label
        assert (r["cost"]["client_proof"] is not None) == (label in bound_labels), label
    assert verdict(comparison, "A6") == "holds with a caveat"


def test_claims_weigh_every_strategy_of_a_kind_and_tolerate_kinds_they_do_not_know(comparison):
    results = comparison["strategies"]
    jwt_name = next(n for n, r in results.items() if r["token"]["kind"] == SIGNED_JSON)
    unknown = {**results[jwt_name], "token": {**results[jwt_name]["token"], "kind": "a new kind"}}
    tampered = {**results[jwt_name], "leak": {"reveals": "nothing", "decoded": None}}
    widened = {**results, "jwt-again": results[jwt_name], "unknown": unknown, "sealed": tampered}

    claims = {claim["id"]: claim for claim in evaluate(widened)}
    assert [claim["id"] for claim in evaluate(widened)] == CLAIM_IDS
    assert "jwt-again" in claims["C7"]["evidence"] and "sealed" in claims["C7"]["evidence"]
    assert "unknown" not in claims["C7"]["evidence"]
    assert claims["C7"]["verdict"] == "holds with a caveat"  # readable in one, not in another
    assert "unknown" in claims["C3"]["evidence"]


def signed(comparison: dict[str, Any], revocable: bool, refresh_tokens: bool) -> list[dict]:
    """The JWT strategies (and variants) with these facts."""
    return [
        r
        for r in of_kind(comparison, SIGNED_JSON)
        if (r["strategy"]["revocable"], r["strategy"]["refresh_tokens"])
        == (revocable, refresh_tokens)
    ]


def test_a1_a_jwt_cannot_be_logged_out_unless_a_lookup_per_request_refuses_it(comparison):
    for jwt in signed(comparison, revocable=False, refresh_tokens=False):
        logout = jwt["revocation"]["logout"]
        assert logout["status"] == 501 and not logout["access"]["refused"]
        assert logout["access"]["window_s"] > 0 and logout["access"]["upper_bound"]
    for jwt in [*signed(comparison, True, False), *signed(comparison, True, True)]:
        logout = jwt["revocation"]["logout"]
        assert logout["status"] == 204 and logout["access"]["window_s"] == 0
        # The price: a store round trip per request (a token's first, where a cache answers)
        assert own(jwt["round_trips"]["first_request"])
    # Whatever the variant, a password change refuses every token at once.
    for jwt in of_kind(comparison, SIGNED_JSON):
        assert jwt["revocation"]["password_change"]["access"]["window_s"] == 0
    a1 = claim(comparison, "A1")
    assert "By strategy — holds: " in a1["evidence"] and "; wrong: " in a1["evidence"]
    assert a1["verdict"] == "holds with a caveat"  # true of a plain JWT, not with a denylist


def test_a2_refresh_tokens_are_revoked_at_once_but_not_their_access_tokens(comparison):
    refreshed = signed(comparison, revocable=False, refresh_tokens=True)
    assert refreshed
    for jwt in refreshed:
        assert jwt["round_trips"]["request"]["redis"] == 0
        for event in ("logout", "refresh_token_reuse"):
            after = jwt["revocation"][event]
            assert after["refresh"]["window_s"] == 0
            assert 0 < after["access"]["window_s"] <= jwt["expiry"]["expires_in"]
        # What they buy: a shorter access token than a JWT without them.
        plain = signed(comparison, revocable=False, refresh_tokens=False)
        assert all(jwt["expiry"]["expires_in"] < r["expiry"]["expires_in"] for r in plain)
    a2 = claim(comparison, "A2")
    assert f"≤{refreshed[0]['expiry']['expires_in']} s" in a2["evidence"]
    assert a2["verdict"] == "holds with a caveat"


def test_a3_a_denylist_stores_revoked_logins_not_issued_tokens(comparison):
    for jwt in signed(comparison, revocable=True, refresh_tokens=False):
        assert jwt["store"]["keys_per_token"] == 0
        assert jwt["store"]["revoked"]["keys_per_token"] == 1
    for opaque in of_kind(comparison, OPAQUE):
        assert opaque["store"]["keys_per_token"] >= 1
    assert verdict(comparison, "A3") == "wrong"


def test_a4_a_jwt_verifier_forges_with_a_shared_secret_not_with_public_keys(comparison):
    jwts = of_kind(comparison, SIGNED_JSON)
    shared = [r for r in jwts if not r["strategy"]["publishes_jwks"]]
    public = [r for r in jwts if r["strategy"]["publishes_jwks"]]
    assert shared and public
    for jwt in shared:  # what verifies it signs it: measured, a forged token was accepted
        forgery = jwt["verifier_forgery"]
        assert forgery["can_forge"] and forgery["tries"][0]["status"] == 200
    for jwt in public:  # the JWK Set's keys cannot sign, and no confusion got in
        forgery = jwt["verifier_forgery"]
        assert not forgery["can_forge"] and forgery["accepted"] == 0
        assert all(t["status"] in (None, 401) for t in forgery["tries"])
    for jwt in jwts:  # but whoever holds the signing key itself mints anyone's token
        assert jwt["leak_yields"]["yields_tokens"]
    a4 = claim(comparison, "A4")
    holds, wrong = a4["evidence"].split("; wrong: ")
    assert all(r["strategy"]["label"] in holds for r in shared)
    assert all(r["strategy"]["label"] in wrong.split(".")[0] for r in public)
    assert f"for {len(jwts)} of {len(jwts)}" in a4["evidence"]
    assert a4["verdict"] == "holds with a caveat"


def test_a5_a_private_key_s_jwt_is_bigger_and_slower_to_sign(comparison):
    jwts = of_kind(comparison, SIGNED_JSON)
    (reference,) = [
        r
        for r in jwts
        if not r["strategy"]["publishes_jwks"] and not r["strategy"]["stateful"] and not bound(r)
    ]
    public = [r for r in jwts if r["strategy"]["publishes_jwks"]]
    assert public
    slower = []
    for jwt in public:  # the size is deterministic: the signature and the kid
        assert jwt["token"]["bytes"] > reference["token"]["bytes"]
        assert jwt["token"]["signature"]["bytes"] > reference["token"]["signature"]["bytes"]
        slower.append(jwt["cost"]["sign"]["median_ms"] > reference["cost"]["sign"]["median_ms"])
    a5 = claim(comparison, "A5")
    assert a5["verdict"] == ("holds" if all(slower) else "holds with a caveat")
    assert f"Against {reference['strategy']['label']} (HS256, 32 B signature)" in a5["evidence"]
    rs256 = next(r for r in public if r["token"]["signature"]["algorithm"] == "RS256")
    smallest = min(public, key=lambda r: r["token"]["bytes"])
    gap = rs256["token"]["bytes"] - smallest["token"]["bytes"]
    assert gap > 200 and f"an RS256 token is {gap} B bigger than" in a5["evidence"]
    assert "EdDSA one" in a5["evidence"]  # as small as ES256: the same 64-byte signature


def test_claims_never_go_by_a_strategy_s_name(comparison):
    results = comparison["strategies"]
    renamed = {f"subject {i}": r for i, r in enumerate(results.values())}
    original, anonymous = evaluate(results), evaluate(renamed)
    assert [(c["id"], c["verdict"]) for c in anonymous] == [
        (c["id"], c["verdict"]) for c in original
    ]
