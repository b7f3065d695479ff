"""Every case of the catalogue against every strategy, through a live app over HTTP."""

import json

import pytest

from tests.security.catalogue import CATALOGUE, Case
from tests.security.live import Live


@pytest.mark.parametrize("case", CATALOGUE, ids=lambda case: f"{case.group}: {case.name}")
def test_the_case_gets_its_answer(live: Live, case: Case, record_property):
    record_property("catalogue_strategy", live.facts["name"])
    fetched_before = live.spy.hits
    reply = case.send(live)

    assert reply.status in case.expect(live), (case.reference, reply.status, reply.body[:300])
    assert reply.status < 500 and reply.status != 422
    if reply.status >= 400:
        assert reply.headers["Content-Type"] == "application/json"
        assert json.loads(reply.body)["msg"]
    if reply.status == 401:
        assert 'realm="auth-sandbox"' in reply.headers["WWW-Authenticate"]
        assert reply.headers["WWW-Authenticate"].split(" ")[0] == live.scheme
    assert live.spy.hits == fetched_before, "the app fetched a URL named in a token"
