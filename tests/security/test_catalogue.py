"""Every case of the catalogue against every target, through a live app over HTTP."""

import json

import pytest

from tests.security.catalogue import CATALOGUE, OUTAGE, Case
from tests.security.conftest import TARGET_PROPERTY, TARGETS, configured_as
from tests.security.live import Live

# Server errors a case may expect: the route is off for the target (501), its store is down (503).
DELIBERATE = frozenset({501, 503})


def check(live: Live, case: Case) -> None:
    fetched_before = live.spy.hits
    reply = case.send(live)

    assert reply.status in case.expect(live), (case.reference, reply.status, reply.body[:300])
    assert reply.status != 422 and (reply.status < 500 or reply.status in DELIBERATE)
    if reply.status >= 400:
        assert reply.headers["Content-Type"] == "application/json"
        assert json.loads(reply.body)["msg"]
    if reply.status == 401:
        assert 'realm="auth-sandbox"' in reply.headers["WWW-Authenticate"]
        assert reply.headers["WWW-Authenticate"].split(" ")[0] == live.scheme
    if reply.status == 503:
        assert int(reply.headers["Retry-After"]) > 0
    assert live.spy.hits == fetched_before, "the app fetched a URL named in a token"


@pytest.mark.parametrize("case", CATALOGUE, ids=lambda case: f"{case.group}: {case.name}")
def test_the_case_gets_its_answer(live_target: Live, case: Case, record_property):
    record_property(TARGET_PROPERTY, live_target.label)
    check(live_target, case)


@pytest.mark.redis
@pytest.mark.parametrize("case", OUTAGE, ids=lambda case: f"{case.group}: {case.name}")
def test_the_case_gets_its_answer_while_redis_is_down(
    live_without_redis: Live, case: Case, record_property
):
    record_property(TARGET_PROPERTY, live_without_redis.label)
    check(live_without_redis, case)


@pytest.mark.parametrize("fact", ["refresh_tokens", "revocable", "stateful"])
def test_the_cases_that_turn_on_a_fact_meet_targets_with_and_without_it(fact):
    """Else a case would only ever see its route off, or a store that is never asked."""
    assert {bool(getattr(configured_as(target), fact)) for target in TARGETS} == {True, False}
