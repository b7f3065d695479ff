"""The round-trip counter sees every send of every redis-py client in the process: a pipeline
is one round trip, with or without MULTI; a script is one once loaded, three before; the
failed-login limits' own client counts too; and each is named by the keys it touches."""

import fakeredis
import pytest
import redis
from redis.connection import AbstractConnection

from benchmarks.compare.store_use import LIMITS
from benchmarks.harness.round_trips import OTHER, counting
from sandbox.login_limits import LoginLimits


@pytest.fixture
def store(redis_url: str):
    client = redis.Redis.from_url(redis_url)
    client.ping()  # its connection is open before any count
    yield client
    client.close()


@pytest.mark.redis
def test_a_pipeline_is_one_round_trip_with_or_without_a_transaction(store, redis_prefix):
    with counting({redis_prefix + "token:": "tokens"}) as trips:
        for transaction in (False, True):
            pipeline = store.pipeline(transaction=transaction)
            pipeline.set(redis_prefix + "token:a", 1)
            pipeline.set(redis_prefix + "token:b", 2)
            pipeline.execute()
    assert trips.summary() == {
        "redis": 2,
        "by_purpose": {"tokens": 2},
        "trips": [
            {"purpose": "tokens", "commands": "SET ×2"},
            {"purpose": "tokens", "commands": "MULTI, SET ×2, EXEC"},
        ],
    }


@pytest.mark.redis
def test_a_script_is_one_round_trip_once_loaded_and_three_before(store, redis_prefix):
    # A script of the test's own (its prefix in a comment), which no one has loaded yet.
    script = store.register_script(f"-- {redis_prefix}\nreturn redis.call('GET', KEYS[1])")
    key, purposes = redis_prefix + "token:a", {redis_prefix + "token:": "tokens"}
    with counting(purposes) as first:
        script([key])
    with counting(purposes) as second:
        script([key])
    # Refused (NOSCRIPT), loaded, run: the load touches no key.
    assert first.summary()["trips"] == [
        {"purpose": "tokens", "commands": "EVALSHA"},
        {"purpose": OTHER, "commands": "SCRIPT LOAD"},
        {"purpose": "tokens", "commands": "EVALSHA"},
    ]
    assert second.summary()["trips"] == [{"purpose": "tokens", "commands": "EVALSHA"}]


@pytest.mark.redis
def test_the_failed_login_limits_own_client_is_counted(redis_url, redis_prefix):
    limits = LoginLimits("5 per minute", "5 per minute", redis_url, redis_prefix)
    purposes = {redis_prefix + "token:": "tokens", limits.key_prefix: LIMITS}
    # Its connection opened and its script loaded first, on another username.
    limits.check("warm-up", "127.0.0.1")
    limits.failed("warm-up", "127.0.0.1")
    with counting(purposes) as checked:
        limits.check("someone", "127.0.0.1")
    with counting(purposes) as failed:
        limits.failed("someone", "127.0.0.1")
    # Two checks (per username, per client), then two counts of the failure, one script each.
    assert checked.summary()["by_purpose"] == {LIMITS: 2}
    assert [trip["commands"] for trip in checked.summary()["trips"]] == ["GET", "GET"]
    assert failed.summary()["by_purpose"] == {LIMITS: 2}
    assert [trip["commands"] for trip in failed.summary()["trips"]] == ["EVALSHA", "EVALSHA"]


def test_fakeredis_and_a_new_connections_handshake_are_counted_too():
    fake = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    with counting({"k:": "tokens"}) as trips:
        fake.set("k:a", 1)
        fake.ping()
    purposes = [trip["purpose"] for trip in trips.summary()["trips"]]
    # The connection's handshake first (CLIENT SETINFO…), then the SET and the PING.
    assert purposes[-2:] == ["tokens", OTHER] and set(purposes[:-2]) <= {OTHER}


def test_a_round_trip_touching_two_kinds_of_keys_is_named_by_both():
    fake = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    fake.ping()
    purposes = {"login:": "refresh state", "revoked:": "denylist", "login:x:": "longer"}
    with counting(purposes) as trips:
        fake.delete("login:a", "revoked:a")
        fake.get("login:x:1")  # the longest prefix names a key
    assert trips.summary()["by_purpose"] == {"refresh state + denylist": 1, "longer": 1}


def test_counts_overlap_and_the_connection_class_gets_its_own_send_back_even_on_error():
    own = AbstractConnection.send_packed_command
    fake = fakeredis.FakeRedis(server=fakeredis.FakeServer())
    fake.ping()
    with pytest.raises(RuntimeError), counting({}) as outer:
        fake.ping()
        with counting({}) as inner:
            fake.ping()
            raise RuntimeError("inside the count")
    assert (outer.summary()["redis"], inner.summary()["redis"]) == (2, 1)
    assert AbstractConnection.send_packed_command is own
    fake.ping()
    assert outer.summary()["redis"] == 2  # nothing counted after the count
