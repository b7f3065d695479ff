"""STORE_CACHE=tracking: the per-request reads of the token store come from a cache in each
worker that Redis keeps exact. Two apps on one Redis play two workers: whatever one
revokes, the other refuses from its next request, through every fault the cache can meet."""

import signal
import time

import pytest
import redis

from sandbox import create_app
from sandbox.config import ConfigError
from sandbox.store_cache import InvalidationCache, TrackedStore
from tests.conftest import CHEAP_HASH, DEFAULTS, auth_header, login

pytestmark = pytest.mark.redis
# The configurations whose every request reads the store.
PER_REQUEST_READS = [
    {"AUTH_STRATEGY": "bearer"},
    {"AUTH_STRATEGY": "jwt", "JWT_DENYLIST": "true"},
]


def two_workers(tmp_path, url: str, prefix: str, settings: dict) -> tuple:
    """Two apps, one user table, one Redis: what two gunicorn workers share."""

    def worker(number: int):
        app = create_app(
            {
                **DEFAULTS,
                **settings,
                "REDIS_URL": url,
                "REDIS_KEY_PREFIX": prefix,
                "STORE_CACHE": "tracking",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'users.db'}",
                "INSTANCE_PATH": str(tmp_path / f"instance{number}"),
                "JWT_SECRET_KEY": "a shared key of at least thirty-two bytes",
                "PASSWORD_HASH_METHOD": CHEAP_HASH,
            }
        )
        return app.test_client()

    return worker(1), worker(2)


def sent_commands(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every command written to a Redis socket from now on (one write, one round trip)."""
    sent: list[bytes] = []
    original = redis.connection.Connection.send_packed_command
    monkeypatch.setattr(
        redis.connection.Connection,
        "send_packed_command",
        lambda self, command, *a, **k: sent.append(command) or original(self, command, *a, **k),
    )
    return sent


def tracked_connections(url: str) -> list[int]:
    return [c["id"] for c in redis.Redis.from_url(url).client_list() if "t" in c["flags"]]


@pytest.mark.parametrize("settings", PER_REQUEST_READS, ids=lambda s: s["AUTH_STRATEGY"])
def test_a_logout_at_one_worker_is_refused_at_the_other_from_its_next_request(
    tmp_path, redis_url, redis_prefix, settings
):
    one, other = two_workers(tmp_path, redis_url, redis_prefix, settings)
    stale = 0
    for _ in range(200):
        issued = login(one)
        header = auth_header(issued)
        # Read (and cached, a hit from the second call on) by the other worker first.
        assert other.get("/protected", headers=header).status_code == 200
        assert other.get("/protected", headers=header).status_code == 200
        assert one.post("/logout", headers=header).status_code == 204
        stale += other.get("/protected", headers=header).status_code != 401
    assert stale == 0


def test_the_cache_answers_without_a_round_trip_once_it_holds_the_answer(
    tmp_path, redis_url, redis_prefix, monkeypatch
):
    one, _ = two_workers(tmp_path, redis_url, redis_prefix, PER_REQUEST_READS[0])
    header = auth_header(login(one))
    assert one.get("/protected", headers=header).status_code == 200  # a miss: read and kept
    sent = sent_commands(monkeypatch)
    assert one.get("/protected", headers=header).status_code == 200
    assert sent == []


def test_a_write_waits_one_more_round_trip_and_a_pipeline_of_reads_does_not(
    redis_url, redis_prefix, monkeypatch
):
    store = TrackedStore.from_url(redis_url).track()
    key = f"{redis_prefix}token"
    store.ping()  # its connection opened, its handshake not counted
    sent = sent_commands(monkeypatch)
    writing = store.pipeline(transaction=False)
    writing.set(key, b"value", ex=60)
    writing.execute()
    assert len(sent) == 2  # the SET, then the EXISTS that waits for its invalidations
    sent.clear()
    # Introspection's read: the value and its TTL, in one round trip, with nothing to flush.
    reading = store.pipeline(transaction=False)
    reading.get(key)
    reading.ttl(key)
    assert reading.execute()[0] == b"value"
    assert len(sent) == 1


@pytest.mark.parametrize("settings", PER_REQUEST_READS, ids=lambda s: s["AUTH_STRATEGY"])
def test_a_killed_tracking_connection_empties_the_cache_instead_of_going_stale(
    tmp_path, redis_url, redis_prefix, settings
):
    one, other = two_workers(tmp_path, redis_url, redis_prefix, settings)
    admin = redis.Redis.from_url(redis_url)
    for _ in range(20):
        header = auth_header(login(one))
        assert other.get("/protected", headers=header).status_code == 200
        assert other.get("/protected", headers=header).status_code == 200
        for tracked in tracked_connections(redis_url):  # redis/redis#11767: silence follows
            admin.client_kill_filter(_id=tracked)
        assert one.post("/logout", headers=header).status_code == 204
        assert other.get("/protected", headers=header).status_code == 401


def test_a_restarted_redis_empties_the_cache(tmp_path, private_redis, redis_prefix):
    one, other = two_workers(tmp_path, private_redis.url, redis_prefix, PER_REQUEST_READS[1])
    header = auth_header(login(one))
    assert other.get("/protected", headers=header).status_code == 200
    private_redis.stop()
    private_redis.start()  # no persistence: the denylist is empty, and so must the cache be
    time.sleep(0.05)
    assert one.post("/logout", headers=header).status_code == 204
    assert other.get("/protected", headers=header).status_code == 401


def test_a_paused_redis_is_waited_for_then_read_again(tmp_path, private_redis, redis_prefix):
    one, other = two_workers(tmp_path, private_redis.url, redis_prefix, PER_REQUEST_READS[0])
    header = auth_header(login(one))
    assert other.get("/protected", headers=header).status_code == 200
    private_redis.process.send_signal(signal.SIGSTOP)
    try:
        # A logout cannot be answered while Redis sleeps, so no answer said "revoked" yet.
        assert one.post("/logout", headers=header).status_code == 503
    finally:
        private_redis.process.send_signal(signal.SIGCONT)
    assert one.post("/logout", headers=header).status_code in (204, 401)
    assert other.get("/protected", headers=header).status_code == 401


def test_an_answer_invalidated_while_it_was_read_is_not_kept(redis_url, redis_prefix):
    writer = redis.Redis.from_url(redis_url)
    key = f"{redis_prefix}raced".encode()
    writer.set(key, b"before")
    pool = redis.ConnectionPool.from_url(redis_url)
    cache = InvalidationCache(lambda: pool.connection_class(**pool.connection_kwargs))
    assert cache.read(key, "GET", lambda: None) == b"before"  # tracking set up, key tracked
    writer.set(key, b"again")  # an invalidation, so that the next read is a miss
    reader = cache._reader
    answer = reader.read_response

    def reply_then_change(*args, **kwargs):
        # The key changes right after Redis answered the read, before it is kept.
        reply = answer(*args, **kwargs)
        if reply == b"again":
            writer.set(key, b"after")
            time.sleep(0.05)  # the invalidation is on the listener's socket
        return reply

    reader.read_response = reply_then_change
    assert cache.read(key, "GET", lambda: None) == b"again"
    reader.read_response = answer
    assert cache.read(key, "GET", lambda: None) == b"after"


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"REDIS_CLUSTER": "true"}, "not available with REDIS_CLUSTER=true"),
        ({"STORE_CACHE": "yes"}, "STORE_CACHE"),
    ],
)
def test_a_store_cache_that_cannot_keep_its_promise_stops_the_start(redis_url, settings, says):
    config = {**DEFAULTS, "AUTH_STRATEGY": "bearer", "REDIS_URL": redis_url}
    with pytest.raises(ConfigError, match=says):
        create_app({**config, "STORE_CACHE": "tracking", **settings})


def test_the_embedded_store_has_nothing_to_cache_and_says_so(tmp_path, caplog):
    config = {**DEFAULTS, "AUTH_STRATEGY": "bearer", "INSTANCE_PATH": str(tmp_path)}
    client = create_app({**config, "STORE_CACHE": "tracking"}).test_client()
    (line,) = [r.getMessage() for r in caplog.records if "STORE_CACHE" in r.getMessage()]
    assert line.startswith("STORE_CACHE=tracking has nothing to cache without REDIS_URL")
    header = auth_header(login(client))
    assert client.get("/protected", headers=header).status_code == 200
    assert client.post("/logout", headers=header).status_code == 204
    assert client.get("/protected", headers=header).status_code == 401


@pytest.mark.parametrize(
    ("settings", "kept"),
    [
        ({"AUTH_STRATEGY": "bearer"}, "tokens"),
        ({"AUTH_STRATEGY": "jwt", "JWT_DENYLIST": "true"}, "denylist"),
        ({"AUTH_STRATEGY": "jwt", "REFRESH_TOKEN_TTL": "3600"}, "refresh"),
        ({"AUTH_STRATEGY": "jwt"}, None),
    ],
)
def test_a_store_without_persistence_is_one_warning_at_start(
    tmp_path, private_redis, caplog, settings, kept
):
    def start() -> list[str]:
        caplog.clear()
        create_app(
            {
                **DEFAULTS,
                **settings,
                "REDIS_URL": private_redis.url,
                "INSTANCE_PATH": str(tmp_path),
                "PASSWORD_HASH_METHOD": CHEAP_HASH,
            }
        )
        return [r.getMessage() for r in caplog.records if "restart" in r.getMessage()]

    warned = start()  # the test's redis-server runs with --save "" --appendonly no
    if kept is None:  # a plain JWT keeps nothing in Redis: nothing to lose
        assert warned == []
        return
    (line,) = warned
    assert "keeps nothing across a restart (appendonly no, no save points)" in line
    assert kept in line and "\n" not in line
    store = redis.Redis.from_url(private_redis.url)
    store.config_set("save", "3600 1")
    assert start() == []  # it still starts, and says nothing once the store persists
    store.config_set("save", "")  # a quick stop: nothing to save
