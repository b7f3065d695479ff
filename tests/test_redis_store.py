"""The token store against a real Redis over TCP: expiry and what is kept at rest.

Outages are in test_outage.py.
"""

import time

import pytest
import redis

from strategies.bearer import packed_user, token_digest, unpacked_user
from tests.conftest import auth_header, login, strategies_where

pytestmark = pytest.mark.redis


# The strategies that keep a token store.
stateful = pytest.mark.parametrize("strategy_name", strategies_where(stateful=True))


@pytest.mark.waits
@stateful
def test_a_token_expires_with_its_redis_ttl(make_app, redis_url, redis_prefix):
    client = make_app(REDIS_URL=redis_url, REDIS_KEY_PREFIX=redis_prefix, TOKEN_TTL=1).test_client()
    header = auth_header(login(client))
    assert client.get("/protected", headers=header).status_code == 200
    time.sleep(1.5)
    assert client.get("/protected", headers=header).status_code == 401


@stateful
def test_redis_holds_a_digest_of_the_token_never_the_token(make_app, redis_url, redis_prefix):
    client = make_app(REDIS_URL=redis_url, REDIS_KEY_PREFIX=redis_prefix).test_client()
    issued = login(client)
    store = redis.Redis.from_url(redis_url, decode_responses=True)
    dump = {key: store.dump(key) for key in store.scan_iter(match=redis_prefix + "*")}
    assert dump and not any(
        issued["token"] in key or issued["token"].encode() in value for key, value in dump.items()
    )
    (key,) = store.scan_iter(match=redis_prefix + "token:*")
    assert key.endswith(token_digest(issued["token"]))
    # The user, and its token generation (0: no password change yet), packed in one integer.
    assert unpacked_user(store.get(key).encode()) == (issued["user_id"], 0, None)
    assert 0 < store.ttl(key) <= 900
    # Replaying what a copy of Redis holds gets nobody in.
    for leaked in (key, key.removeprefix(redis_prefix + "token:")):
        header = {"Authorization": f"Bearer {leaked}"}
        assert client.get("/protected", headers=header).status_code == 401


@stateful
def test_a_revoked_token_stays_refused_until_its_key_expires(make_app, redis_url, redis_prefix):
    client = make_app(REDIS_URL=redis_url, REDIS_KEY_PREFIX=redis_prefix).test_client()
    header = auth_header(login(client))
    assert client.post("/logout", headers=header).status_code == 204
    response = client.get("/protected", headers=header)
    assert response.status_code == 401
    store = redis.Redis.from_url(redis_url)
    (key,) = store.scan_iter(match=redis_prefix + "token:*")
    assert 0 < store.ttl(key) <= 900  # the revocation mark does not outlive the token


def test_a_token_value_packs_the_user_and_its_generation_in_one_integer():
    class Someone:
        id, token_generation = 4_294_967_295, 7  # the largest id, and a generation beside it

    assert unpacked_user(str(packed_user(Someone())).encode()) == (4_294_967_295, 7, None)


def test_a_user_id_that_does_not_fit_the_value_is_never_packed_as_another_user():
    class Huge:
        id, token_generation = 1 << 32 | 5, 0  # would read as user 5, generation 1

    with pytest.raises(OverflowError):
        packed_user(Huge())
