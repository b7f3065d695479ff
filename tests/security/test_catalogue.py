"""Each case of the catalogue against each target it means something to, through a live app
over HTTP."""

import json

import pytest

from tests.security.catalogue import CATALOGUE, NEEDS, OUTAGE, Case, cases_for
from tests.security.conftest import TARGET_PROPERTY, TARGETS, configured_as, profile
from tests.security.live import Live

# Server errors a case may expect: the route is off for the target (501), its store is down (503).
DELIBERATE = frozenset({501, 503})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Pairs each target with its cases (catalogue.cases_for), in target order: each target's
    app is served once, for all of its cases."""
    if metafunc.definition.name == "test_the_case_gets_its_answer":
        pairs = [(target, case) for target in TARGETS for case in cases_for(profile(target))]
        metafunc.parametrize(
            ("live_target", "case"),
            pairs,
            indirect=["live_target"],
            ids=lambda value: value.id if isinstance(value, Case) else value.label,
        )


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


def test_the_case_gets_its_answer(live_target: Live, case: Case, record_property):
    record_property(TARGET_PROPERTY, live_target.label)
    check(live_target, case)


@pytest.mark.redis
@pytest.mark.parametrize("case", OUTAGE, ids=lambda case: case.id)
def test_the_case_gets_its_answer_while_redis_is_down(
    live_without_redis: Live, case: Case, record_property
):
    record_property(TARGET_PROPERTY, live_without_redis.label)
    check(live_without_redis, case)


@pytest.mark.parametrize("fact", ["refresh_tokens", "revocable", "stateful"])
def test_the_cases_that_turn_on_a_fact_meet_targets_with_and_without_it(fact):
    """Else a case would only ever see its route off, or a store that is never asked."""
    assert {bool(getattr(configured_as(target), fact)) for target in TARGETS} == {True, False}


@pytest.mark.parametrize("need", NEEDS, ids=lambda need: need.what)
def test_what_a_case_needs_some_targets_have_and_the_others_are_asked_for_once(need):
    """The cases that need it run somewhere; a target without it still gets the one case that
    asks for it, needing nothing, and answers it as a target without it does (501, 404, 401)."""
    needing = [case for case in CATALOGUE if case.needs is need]
    assert needing
    assert {need.met(profile(target)) for target in TARGETS} == {True, False}
    (asked_by,) = [case for case in CATALOGUE if case.id == need.asked_by]
    assert asked_by.needs is None
    assert asked_by.group == needing[0].group
