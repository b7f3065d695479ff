"""compare's restart rows: a redis-server of its own restarted without persistence, then
with appendonly yes; what each configuration's live and logged-out logins do after."""

import pytest

from benchmarks.compare.restart import MODES

pytestmark = pytest.mark.measures
LOST, KEPT = "without persistence", "appendonly yes"


def after(comparison, label: str, mode: str) -> dict:
    restart = comparison["strategies"][label]["restart"]
    assert restart["measured"], restart
    return restart[mode]


def test_a_store_that_keeps_nothing_is_not_restarted(comparison):
    for r in comparison["strategies"].values():
        if not r["strategy"]["stateful"]:
            assert r["restart"] == {
                "measured": False,
                "why": "keeps nothing in Redis: a restart changes nothing",
            }


def test_without_persistence_bearer_fails_closed_and_the_denylist_fails_open(comparison):
    bearer = after(comparison, "bearer", LOST)
    assert bearer["live_access"] == 401 and bearer["logged_out_after"] == 401
    denylist = after(comparison, "jwt + denylist", LOST)
    assert denylist["logged_out_refused_before"] and denylist["logged_out_after"] == 200
    refresh = after(comparison, "jwt + refresh", LOST)
    assert refresh["live_access"] == 200 and refresh["live_refresh"] == 401


def test_with_appendonly_every_login_and_revocation_survives(comparison):
    assert set(MODES) == {LOST, KEPT}
    for label, r in comparison["strategies"].items():
        if r["restart"]["measured"]:
            kept = r["restart"][KEPT]
            assert kept["live_access"] == 200, label
            assert kept["live_refresh"] in (None, 200), label
            assert not kept["logged_out_refused_before"] or kept["logged_out_after"] == 401
