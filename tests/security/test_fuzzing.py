"""Property-based fuzzing of `POST /token` bodies and `Authorization` headers, every strategy.

No response is a 5xx (the token store is up here, so not even the outage 503), and
no forged input gets a 200.
"""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.live import Live

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
login_bodies = (
    st.dictionaries(
        st.sampled_from(["username", "password", "$ne", "x"]), json_values, max_size=3
    ).map(lambda body: json.dumps(body).encode())
    | json_values.map(lambda value: json.dumps(value).encode())
    | st.binary(max_size=300)
)
schemes = st.sampled_from(["Basic", "Bearer", "basic", "BEARER", "Token", "", "Digest"])
credentials = st.text(max_size=120) | st.binary(max_size=120).map(lambda b: b.decode("latin-1"))
headers = st.tuples(schemes, st.sampled_from([" ", "  ", "\t", ""]), credentials).map("".join)


@FUZZ
@given(body=login_bodies, content_type=st.sampled_from(["application/json", "text/plain"]))
def test_no_login_body_breaks_the_app_or_logs_in(live: Live, body: bytes, content_type: str):
    reply = live.send("POST", "/token", [("Content-Type", content_type)], body)
    assert reply.status < 500
    assert reply.status != 200  # no user named by a fuzzer exists with that password


@FUZZ
@given(header=headers)
def test_no_authorization_header_breaks_the_app_or_gets_in(live: Live, header: str):
    value = header.encode("latin-1", errors="replace").replace(b"\r", b"").replace(b"\n", b"")
    reply = live.protected(value)
    assert reply.status < 500
    assert reply.status in (400, 401)
