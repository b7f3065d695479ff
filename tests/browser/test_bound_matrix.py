"""The attack matrix's cells whose token is bound to the page's key (TOKEN_BINDING=dpop), in
Chromium: what an injected script does inside the page, whether it reads the key, and what
what it took is worth from the attacker's own client (benchmarks/browser/bound.py says how).

A cell per variant of a registered strategy that binds its tokens (bearer + DPoP, jwt + DPoP,
jwt + refresh + denylist + DPoP) and per place a DPoP token can be kept in: memory and
localStorage. The cookie is left out: the server refuses it at start (test_storage_page).
Each cell asserts what was measured and adds its row to the tables printed at the end.
"""

import json

import pytest

from benchmarks.browser.attacks import observe, verdict
from benchmarks.browser.matrix import bound_variants
from benchmarks.browser.served_app import serve
from strategies import registry
from strategies.errors import BoundTokenWithoutProof
from tests.browser.expected import BOUND_PLACES, FOREIGN, bound_expected

pytestmark = pytest.mark.browser

BOUND = {
    label: (name, settings)
    for name in registry.names()
    for label, settings in bound_variants(name).items()
}
CELLS = [
    pytest.param(name, label, place, id=f"{label}-{place}")
    for label, (name, _settings) in BOUND.items()
    for place in BOUND_PLACES
]
# What the key probe finds: a handle to sign with, whose bytes no WebCrypto call gives out.
SEALED_KEY = {
    "type": "private",
    "extractable": False,
    "algorithm": "ECDSA P-256",
    "usages": ["sign"],
    "attempts": dict.fromkeys(("pkcs8", "jwk", "wrapKey"), "InvalidAccessError"),
}
STORED = 'localStorage["auth-sandbox.session"]'


def refused(seen: dict, status: int, says: str) -> bool:
    return seen["status"] == status and says in seen["msg"]


def test_every_strategy_that_binds_tokens_has_a_variant_here():
    assert {name for name, _ in BOUND.values()} >= {"bearer", "jwt"}
    assert any(int(s.get("REFRESH_TOKEN_TTL", 0)) > 0 for _, s in BOUND.values())


@pytest.mark.parametrize(("strategy_name", "label", "place"), CELLS)
def test_a_bound_cell_of_the_attack_matrix(
    browser, make_app, label, place, attacker_origins, attack_cells, record_property
):
    with serve(make_app(**BOUND[label][1])) as target:
        assert target.facts["token_binding"] == "dpop" and target.facts["scheme"] == "DPoP"
        cell = observe(browser, target, place, attacker_origins)
    attack_cells[(label, place)] = cell
    record_property("cell", json.dumps(cell))
    assert cell["page_errors"] == []

    # Inside the page: the token is as reachable as a bearer token there, and the page's key
    # signs for the script, which calls as the user.
    assert cell["read"][:1] == ([STORED] if place == "localStorage" else [])
    assert cell["captured"] == ["authorization of GET /protected"]
    assert cell["use"] == {"sent": "Authorization and a proof the page's key signed", "status": 200}
    bound = cell["bound"]
    assert bound["key"] == SEALED_KEY
    # Non-extractable holds against a script that comes after the key was made, not before.
    first = bound["key_if_first"]
    assert first["extractable"] is True
    assert first["attempts"] == {"pkcs8": "exported", "jwk": "exported", "wrapKey": "wrapped"}

    # From the attacker's own client: a captured proof is spent and names one request; the
    # token needs a proof of the page's key; proofs that key signs for it work once each.
    elsewhere = bound["elsewhere"]
    assert refused(elsewhere["captured"], 401, "replayed")
    assert refused(elsewhere["captured_elsewhere"], 401, "htm is not this request's method")
    assert refused(elsewhere["own_key"], 401, "another key than the one its token is bound to")
    assert refused(elsewhere["token_alone"], 401, "Missing DPoP proof")
    assert refused(elsewhere["as_bearer"], 401, BoundTokenWithoutProof.default_message)
    once, again = elsewhere["signed_by_the_page"]
    assert once["status"] == 200 and refused(again, 401, "replayed")
    assert bound["user_call_after"] == 200  # none of it ended the user's login

    refresh_tokens = target.facts["refresh_tokens"]
    if refresh_tokens:
        stolen = bound["refresh"]
        assert stolen["read"] == cell["read"] and stolen["in_page_text"] is True
        assert refused(stolen["no_proof"], 400, "Missing DPoP proof")
        # A proof of another key than the login's is a reuse: the thief ends the user's login.
        assert refused(stolen["own_key"], 401, "its login is revoked")
        assert stolen["user_call_after"] == (401 if target.facts["revocable"] else 200)
    else:
        assert bound["refresh"] is None

    assert verdict(cell) == bound_expected(refresh_tokens)[place]
    for attack, expected in FOREIGN[place].items():
        assert {k: v for k, v in cell[attack].items() if k != "origin"} == expected, attack
