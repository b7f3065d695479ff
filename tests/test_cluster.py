"""A Redis Cluster as the token store (REDIS_CLUSTER=true): three masters on loopback ports.

Every key the app keeps lives in the cluster, and the contract holds there: the lesson's
flow, refresh rotation, logout, revoking all of a user's tokens, the failed-login limits
shared by every worker. With a master stopped, a request whose key lives on it answers 503
with Retry-After within about a second (fail closed), the others are served, never a 500;
`/healthz` says degraded, then down when no master answers; the failed-login counts fall
back to the process. When the master is back, the same app serves it again.

Which master a request needs is not guessed from the strategy's name: each request's keys
are read from the commands it sends (redis-py's own slot of each), and the slot's master
from the cluster.
"""

import hashlib
import json
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from redis.cluster import RedisCluster
from redis.exceptions import RedisClusterException

import sandbox.login_limits
from benchmarks import measurable
from benchmarks.harness.dpop_client import ProofKey, proving_client
from benchmarks.harness.processes import free_port
from benchmarks.harness.redis_server import RedisClusterServer, RedisServer
from benchmarks.measurable import MeasuredConfiguration as Configuration
from sandbox import create_app, extensions
from sandbox.cli import main
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME, ConfigError
from strategies import registry
from tests.conftest import (
    CHEAP_HASH,
    DEFAULTS,
    auth_header,
    configured,
    login,
    need_service,
    strategies_where,
)
from tests.test_openapi import answered

pytestmark = [pytest.mark.redis, pytest.mark.cluster]
PROMPT_S = 1.5  # "within about a second": the client gives up after 0.8 s on a hung master
RECOVERY_S = 5.0  # "within a few seconds" of the master being back
LOGINS = 9  # spread over three masters, so that some land on the stopped one and some not
STATEFUL = [
    configuration
    for configuration in measurable.configurations(registry.names())
    if configured(configuration.name, **configuration.settings).stateful
    # A cluster refuses STORE_CACHE=tracking at start (tests/test_store_cache.py; compare
    # says so below).
    and configuration.settings.get("STORE_CACHE") != "tracking"
]
WRONG = "not the password"
LOGIN = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
KEEPS_A_STORE, KEEPS_NONE = strategies_where(stateful=True)[0], strategies_where(stateful=False)[0]


@pytest.fixture(scope="session")
def cluster() -> Iterator[RedisClusterServer]:
    """Three masters without replicas, `cluster-require-full-coverage no`, for the session.

    A test that stops a master starts it again before it ends (see `stopped`).
    """
    if not RedisClusterServer.available():
        need_service("redis-server or redis-cli is not on the PATH")
    with RedisClusterServer() as servers:
        yield servers


# Where tokens are bound to a key, each request also records its proof's jti, a key of a
# slot of its own: a login's requests touch more than its own master (docs: Redis Cluster).
ONE_MASTER_PER_LOGIN = [c for c in STATEFUL if c.settings.get("TOKEN_BINDING") != "dpop"]


@pytest.fixture(params=STATEFUL, ids=lambda configuration: configuration.label)
def configuration(request: pytest.FixtureRequest) -> Configuration:
    return request.param


@pytest.fixture(params=ONE_MASTER_PER_LOGIN, ids=lambda configuration: configuration.label)
def on_one_master(request: pytest.FixtureRequest) -> Configuration:
    return request.param


@dataclass
class Deployment:
    """Apps of one configuration on the cluster, sharing a user table and a key prefix:
    each app is a worker of one deployment."""

    cluster: RedisClusterServer
    settings: dict
    # The client's key, where tokens are bound to one: every request of its proves it.
    key: ProofKey = field(default_factory=ProofKey)

    def app(self) -> Flask:
        app = create_app(self.settings)
        app.testing = True
        if extensions.transport(app).binding == "dpop":
            app.test_client_class = proving_client(self.key)
        return app

    def jkt(self, app: Flask) -> str | None:
        """The key its tokens are bound to, where they are."""
        return self.key.jkt if extensions.transport(app).binding == "dpop" else None

    def cli(self, *args: str, password: str | None = None, redis_url: str | None = None):
        """`auth-sandbox …` against this deployment, as an operator would run it (REDIS_URL
        may name another node: a start needs the one it names to answer)."""
        settings = {**self.settings, "REDIS_URL": redis_url or self.settings["REDIS_URL"]}
        env = {name: str(value) for name, value in settings.items() if value is not None}
        return CliRunner().invoke(main, list(args), input=password and password + "\n", env=env)


@pytest.fixture
def deploy(cluster: RedisClusterServer, tmp_path: Path) -> Iterator[Callable[..., Deployment]]:
    prefix = f"auth-sandbox-test:{uuid.uuid4().hex}:"

    def make(name: str = KEEPS_A_STORE, **settings) -> Deployment:
        return Deployment(
            cluster,
            {
                **DEFAULTS,
                "AUTH_STRATEGY": name,
                "INSTANCE_PATH": str(tmp_path / "instance"),
                "PASSWORD_HASH_METHOD": CHEAP_HASH,
                "REDIS_URL": cluster.url,
                "REDIS_CLUSTER": True,
                "REDIS_KEY_PREFIX": prefix,
                **settings,
            },
        )

    yield make
    client = RedisCluster.from_url(cluster.url)
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)
    client.close()


@contextmanager
def stopped(cluster: RedisClusterServer, *masters: int) -> Iterator[None]:
    """These masters stopped (by PID) for the block, then started again with their slots."""
    cluster.stop_masters(*masters)
    try:
        yield
    finally:
        cluster.start_masters(*masters)


@contextmanager
def masters_touched(app: Flask, cluster: RedisClusterServer) -> Iterator[set[int]]:
    """The masters that hold the keys the app's token store sends commands for, inside the
    block: each keyed command's slot, alone or in a pipeline (redis-py's cluster client
    sends even a single EXISTS through one)."""
    store = extensions.strategy(app).store
    assert isinstance(store, RedisCluster)
    masters: set[int] = set()

    def recording(send: Callable) -> Callable:
        def recorded(*args, **options):
            with suppress(RedisClusterException):  # no key: SCRIPT LOAD on every master
                masters.add(cluster.node_of_slot(store.determine_slot(*args)))
            return send(*args, **options)

        return recorded

    def pipeline(*args, **options):
        made = make_pipeline(*args, **options)
        made.execute_command = recording(made.execute_command)
        return made

    make_pipeline = store.pipeline
    store.execute_command = recording(store.execute_command)  # type: ignore[method-assign]
    store.pipeline = pipeline  # type: ignore[method-assign]
    try:
        yield masters
    finally:
        del store.execute_command, store.pipeline


@dataclass
class Login:
    issued: dict  # the body of the latest POST /token or /token/refresh
    protected: set[int]  # the masters GET /protected needs
    refreshed: set[int]  # the masters POST /token/refresh needs

    @property
    def header(self) -> dict[str, str]:
        return auth_header(self.issued)

    @property
    def needs(self) -> set[int]:  # what its logout needs too: the same keys
        return self.protected | self.refreshed


def probed_login(
    client: FlaskClient, cluster: RedisClusterServer, username=DEMO_USERNAME, password=None
) -> Login:
    """A login, and the masters its requests need, read while every master is up."""
    app = client.application
    issued = login(client, username, password or DEMO_PASSWORD)
    with masters_touched(app, cluster) as protected:
        assert client.get("/protected", headers=auth_header(issued)).status_code == 200
    refreshed: set[int] = set()
    if extensions.strategy(app).refresh_tokens:
        with masters_touched(app, cluster) as refreshed:
            response = refresh(client, issued)
        assert response.status_code == 200, response.get_json()
        issued = response.get_json()
    return Login(issued, protected, refreshed)


def refresh(client: FlaskClient, issued: dict):
    return client.post("/token/refresh", json={"refresh_token": issued["refresh_token"]})


def timed(call: Callable[[], object]):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def assert_answers(call: Callable, expected: int | set[int], what: str):
    """The response of `call`: one of `expected`, within PROMPT_S, a 503 with Retry-After."""
    response, waited = timed(call)
    allowed = {expected} if isinstance(expected, int) else expected
    assert response.status_code in allowed, (what, response.status_code, response.get_json())
    assert waited < PROMPT_S, (what, waited)
    if response.status_code == 503:
        assert response.headers["Retry-After"].isdigit(), what
        assert response.get_json()["msg"], what
    return response


def wait_for(condition: Callable[[], bool], seconds: float = RECOVERY_S) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "did not recover in time"
        time.sleep(0.1)
    return time.monotonic() - started


def test_the_lessons_flow_holds_on_a_cluster(deploy, cluster, on_one_master):
    deployment = deploy(on_one_master.name, **on_one_master.settings)
    client = deployment.app().test_client()
    active = extensions.strategy(client.application)
    logins = [probed_login(client, cluster) for _ in range(LOGINS)]
    # The logins' keys are spread over the masters, each request on one.
    assert all(len(each.needs) <= 1 for each in logins)
    assert len(set().union(*(each.needs for each in logins))) > 1

    for each in logins:
        assert client.get("/protected", headers=each.header).status_code == 200
    if active.refresh_tokens:
        spent = logins[0].issued
        assert refresh(client, spent).status_code == 200
        assert refresh(client, spent).status_code == 401  # a reuse: the login is revoked
    logged_out = logins[1]
    response = client.post("/logout", headers=logged_out.header)
    assert response.status_code == (204 if active.revocable else 200)
    after = client.get("/protected", headers=logged_out.header)
    assert after.status_code == (401 if active.revocable else 200)
    if active.refresh_tokens:
        assert refresh(client, logged_out.issued).status_code == 401
    for each in logins[2:]:  # the other logins are untouched
        assert client.get("/protected", headers=each.header).status_code == 200


def test_a_password_change_and_a_deletion_revoke_tokens_on_every_master(
    deploy, cluster, configuration
):
    deployment = deploy(configuration.name, **configuration.settings)
    client = deployment.app().test_client()
    added = deployment.cli("users", "add", "carol", "--password-stdin", password="carol's first")
    assert added.exit_code == 0, added.output
    logins = [probed_login(client, cluster, "carol", "carol's first") for _ in range(LOGINS)]
    assert len(set().union(*(each.needs for each in logins))) > 1

    changed = deployment.cli("users", "passwd", "carol", "--password-stdin", password="carol's 2nd")
    assert changed.exit_code == 0, changed.output
    for each in logins:
        assert client.get("/protected", headers=each.header).status_code == 401
        if "refresh_token" in each.issued:
            assert refresh(client, each.issued).status_code == 401

    kept = [probed_login(client, cluster, "carol", "carol's 2nd") for _ in range(LOGINS)]
    deleted = deployment.cli("users", "delete", "carol")
    assert deleted.exit_code == 0, deleted.output
    for each in kept:
        assert client.get("/protected", headers=each.header).status_code == 401


def test_a_batch_of_logins_is_issued_and_revoked_on_every_master(deploy, cluster, configuration):
    """issue_many and revoke_many (what fills a store at scale): one pipeline each, whose
    commands redis-py's cluster client sends to each key's master."""
    deployment = deploy(configuration.name, **configuration.settings)
    app = deployment.app()
    client = app.test_client()
    active, scheme = extensions.strategy(app), extensions.transport(app).scheme
    with app.app_context():
        user = extensions.users(app).find(DEMO_USERNAME)
        logins = [(user, DEMO_PASSWORD)] * 30
        issued = measurable.issue_many(active, logins, deployment.jkt(app))
    headers = [{"Authorization": f"{scheme} {each.token}"} for each in issued]
    with masters_touched(app, cluster) as masters:
        assert {client.get("/protected", headers=h).status_code for h in headers} == {200}
        for each in issued[:10]:
            if each.refresh_token:
                body = {"refresh_token": each.refresh_token}
                assert client.post("/token/refresh", json=body).status_code == 200
    assert len(masters) > 1
    measurable.revoke_many(active, [each.token for each in issued])
    after = {client.get("/protected", headers=h).status_code for h in headers}
    assert after == ({401} if active.revocable else {200})
    for each in issued[10:]:
        if each.refresh_token:
            body = {"refresh_token": each.refresh_token}
            assert client.post("/token/refresh", json=body).status_code == 401


def test_the_failed_login_counts_are_shared_by_the_workers(deploy, cluster):
    deployment = deploy(LOGIN_LIMIT_PER_USER="3 per minute")
    first, second = deployment.app().test_client(), deployment.app().test_client()
    wrong = {"username": DEMO_USERNAME, "password": WRONG}
    for client in (first, first, second):
        assert client.post("/token", json=wrong).status_code == 401
    for client in (first, second):
        refused = client.post("/token", json=wrong)
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) >= 1
    # The counts are keys in the cluster, under the app's prefix.
    store = RedisCluster.from_url(cluster.url)
    counts = list(store.scan_iter(match=deployment.settings["REDIS_KEY_PREFIX"] + "failed-*"))
    store.close()
    assert counts


def test_a_master_down_refuses_its_keys_only_and_recovers_without_a_restart(
    deploy, cluster, on_one_master
):
    deployment = deploy(on_one_master.name, **on_one_master.settings)
    client = deployment.app().test_client()
    active = extensions.strategy(client.application)
    logins = [probed_login(client, cluster) for _ in range(LOGINS)]
    down = next(iter(logins[0].needs))
    up = next(master for master in range(len(cluster.nodes)) if master != down)
    assert any(down not in each.needs for each in logins)  # some keys live elsewhere
    added = deployment.cli("users", "add", "carol", "--password-stdin", password="carol's first")
    assert added.exit_code == 0, added.output
    carol = [probed_login(client, cluster, "carol", "carol's first") for _ in range(LOGINS)]

    with stopped(cluster, down):
        health = answered(client, "GET", "/healthz")  # as the OpenAPI document says
        assert (health.status_code, health.get_json()["store"]) == (200, "degraded")
        for each in logins:
            assert_answers(
                lambda each=each: client.get("/protected", headers=each.header),
                503 if down in each.protected else 200,
                "/protected",
            )
            if active.refresh_tokens:
                response = assert_answers(
                    lambda each=each: refresh(client, each.issued),
                    503 if down in each.refreshed else 200,
                    "/token/refresh",
                )
                if response.status_code == 200:
                    each.issued = response.get_json()
        for each in logins[:4]:
            assert_answers(
                lambda each=each: client.post("/logout", headers=each.header),
                503 if down in each.needs else {200, 204},
                "/logout",
            )
        issued = [
            assert_answers(lambda: client.post("/token", json=LOGIN), {200, 503}, "/token")
            for _ in range(LOGINS)
        ]
        assert 200 in {response.status_code for response in issued}
        # A password change needs no master (the user table refuses the tokens): it
        # succeeds, and a token whose key is on the stopped master is refused too, by the
        # user table where the strategy reads it first, else by the 503: never a 200.
        changed = deployment.cli(
            "users",
            "passwd",
            "carol",
            "--password-stdin",
            password="c" * 15,
            redis_url=cluster.nodes[up].url,
        )
        assert changed.exit_code == 0, changed.output
        for each in carol:
            assert_answers(
                lambda each=each: client.get("/protected", headers=each.header),
                {401, 503} if down in each.protected else 401,
                "/protected after users passwd",
            )

    # The same app, not restarted: within a few seconds the master serves again, and
    # logins whose keys land on it work (what it held is gone: it runs without persistence).
    wait_for(lambda: client.get("/healthz").get_json()["store"] == "ok")
    for each in carol:
        assert client.get("/protected", headers=each.header).status_code == 401
    assert any(down in probed_login(client, cluster).needs for _ in range(30))


def test_a_hung_master_costs_a_request_under_a_second(deploy, cluster):
    client = deploy().app().test_client()
    logins = [probed_login(client, cluster) for _ in range(LOGINS)]
    hung = next(iter(logins[0].needs))
    process = cluster.nodes[hung].process
    assert process is not None
    os.kill(process.pid, signal.SIGSTOP)  # accepts connections, answers nothing
    try:
        for each in logins:
            assert_answers(
                lambda each=each: client.get("/protected", headers=each.header),
                503 if hung in each.needs else 200,
                "/protected",
            )
    finally:
        os.kill(process.pid, signal.SIGCONT)
    wait_for(lambda: client.get("/protected", headers=logins[0].header).status_code == 200)


def test_healthz_is_ok_then_degraded_then_down_and_the_stateless_keep_serving(deploy, cluster):
    keeper = deploy().app().test_client()
    stateless = deploy(KEEPS_NONE).app().test_client()
    header = auth_header(login(keeper))
    stateless_header = auth_header(login(stateless))
    assert keeper.get("/healthz").get_json()["store"] == "ok"
    with stopped(cluster, 0):
        assert answered(keeper, "GET", "/healthz").get_json()["store"] == "degraded"
        with stopped(cluster, 1, 2):
            health = answered(keeper, "GET", "/healthz")
            assert (health.status_code, health.get_json()["store"]) == (503, "down")
            assert health.headers["Retry-After"].isdigit()
            assert_answers(lambda: keeper.get("/protected", headers=header), 503, "/protected")
            assert_answers(lambda: keeper.post("/token", json=LOGIN), 503, "/token")
            # A strategy that keeps no store serves on (its failed-login counts in the process).
            assert stateless.get("/healthz").get_json()["store"] == "none"
            assert_answers(lambda: stateless.post("/token", json=LOGIN), 200, "/token")
            wrong = {"username": DEMO_USERNAME, "password": WRONG}
            assert_answers(lambda: stateless.post("/token", json=wrong), 401, "/token")
            assert_answers(
                lambda: stateless.get("/protected", headers=stateless_header), 200, "/protected"
            )
    wait_for(lambda: keeper.get("/healthz").get_json()["store"] == "ok")
    assert keeper.get("/protected", headers=auth_header(login(keeper))).status_code == 200


def count_key(app: Flask, scope: str, key: str) -> str:
    """The key of a failed-login count in the cluster, as `limits` names it."""
    limits = extensions.login_limits(app)
    assert limits.shared is not None
    return limits.shared.storage.prefixed_key(limits.limits[scope].key_for(scope, key))


def test_the_failed_login_counts_fall_back_to_the_process_while_their_master_is_down(
    deploy, cluster, monkeypatch
):
    monkeypatch.setattr(sandbox.login_limits, "FALLBACK_SECONDS", 0.5)
    deployment = deploy(LOGIN_LIMIT_PER_USER="3 per minute")
    first, second = deployment.app(), deployment.app()
    down = 0
    # A user whose count lives on the master that will stop, from a client whose count does not.
    # The names end in a digest: "user-0" … "user-199" differ in a few characters only, and
    # CRC16 being linear, for some key prefixes none of them lands on a given master.
    names = (f"user-{hashlib.sha256(str(n).encode()).hexdigest()[:12]}" for n in range(200))
    user = next(name for name in names if cluster.node_of(count_key(first, "user", name)) == down)
    address = next(
        address
        for address in (f"127.0.0.{n}" for n in range(2, 200))
        if cluster.node_of(count_key(first, "client", address)) != down
    )
    wrong = {"username": user, "password": WRONG}

    def fail(app: Flask):
        client = app.test_client()
        return client.post("/token", json=wrong, environ_base={"REMOTE_ADDR": address})

    with stopped(cluster, down):
        for _ in range(3):
            assert_answers(lambda: fail(first), 401, "a failed login")
        assert_answers(lambda: fail(first), 429, "over the limit, counted in the process")
        assert_answers(lambda: fail(second), 401, "another worker counts on its own")
    # Back: the counts are shared again once the fallback ends; the stopped master's are gone.
    time.sleep(0.6)
    for app in (first, second, first):
        assert fail(app).status_code == 401
    assert fail(second).status_code == 429


def test_a_restarted_master_reloads_the_scripts_while_another_is_down(deploy, cluster):
    """A master that restarted has lost its scripts; the first call there loads them again,
    which must not need the masters that are down."""
    with_refresh = next(
        each for each in STATEFUL if configured(each.name, **each.settings).refresh_tokens
    )
    deployment = deploy(with_refresh.name, **with_refresh.settings)
    client = deployment.app().test_client()
    store = RedisCluster.from_url(cluster.url)
    prefix = deployment.settings["REDIS_KEY_PREFIX"]

    def login_whose_keys_are_on(master: int) -> dict:
        for _ in range(30):
            before = set(store.scan_iter(match=prefix + "*"))
            issued = login(client)
            added = set(store.scan_iter(match=prefix + "*")) - before
            if added and {cluster.node_of(key) for key in added} == {master}:
                return issued
        raise AssertionError(f"no login's keys landed on master {master}")

    with stopped(cluster, 0):  # it comes back without the scripts it held
        pass
    issued = login_whose_keys_are_on(0)
    with stopped(cluster, 1):
        assert_answers(lambda: refresh(client, issued), 200, "/token/refresh")
    store.close()


def test_a_start_against_the_wrong_kind_of_redis_stops_with_one_line(deploy, cluster):
    def start_error(**settings) -> str:
        with pytest.raises(ConfigError) as stopped_start:
            deploy(**settings).app()
        message = str(stopped_start.value)
        assert "\n" not in message
        return message

    with RedisServer() as plain:
        message = start_error(REDIS_URL=plain.url)
    assert "REDIS_CLUSTER=true" in message and "without cluster support" in message
    message = start_error(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    assert "REDIS_CLUSTER=true" in message and "nothing answers" in message
    message = start_error(REDIS_CLUSTER=False)
    assert "is a node of a Redis Cluster" in message and "REDIS_CLUSTER=true" in message
    for prefix in ("{app}:", "app{:"):  # all keys in one slot; a login's keys split
        message = start_error(REDIS_KEY_PREFIX=prefix)
        assert "REDIS_KEY_PREFIX must hold no brace with REDIS_CLUSTER=true" in message
    result = deploy(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0").cli("users", "list")
    assert result.exit_code == 1
    assert "REDIS_URL" in result.output and len(result.output.strip().splitlines()) == 1


def test_the_openapi_document_names_the_cluster_and_its_key_layout(deploy):
    document = deploy().app().test_client().get("/openapi.json").get_json()
    store = document["info"]["x-token-store"]
    assert (store["kind"], store["redis_cluster"]) == ("redis-cluster", True)
    assert "{sid}" in store["key_layout"]
    assert any("failed-logins" in family for family in store["keys"])
    healthz = document["paths"]["/healthz"]["get"]["responses"]["200"]
    schema = healthz["content"]["application/json"]["schema"]
    assert schema["properties"]["store"] == {"enum": ["ok", "degraded"]}


def test_compare_measures_on_the_cluster_and_leaves_no_key(cluster, tmp_path, monkeypatch):
    """compare takes the cluster through the same settings; its keys go on every master and
    are gone afterwards."""
    monkeypatch.setenv("PASSWORD_HASH_METHOD", CHEAP_HASH)
    monkeypatch.setenv("REDIS_CLUSTER", "true")
    monkeypatch.setenv("REDIS_URL", cluster.url)
    compare = ["compare", "--format", "json", "--strategies", KEEPS_A_STORE, "--budget", "0.05"]
    result = CliRunner().invoke(main, [*compare, "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.stdout)
    assert "Redis Cluster" in parsed["environment"]["token_store"]
    # A variant the cluster refuses is not measured, and the reason is its start's line.
    for label, why in parsed["not_measured"].items():
        assert "tracking" in label and "not available with REDIS_CLUSTER=true" in why
    assert parsed["not_measured"]
    for r in parsed["strategies"].values():
        assert r["store"]["keys_per_token"] >= 1 or not r["strategy"]["stateful"]
        assert r["store_down"]["protected_status"] in (200, 503)
    client = RedisCluster.from_url(cluster.url)
    try:
        assert not list(client.scan_iter(match="auth-sandbox-compare*"))
    finally:
        client.close()
