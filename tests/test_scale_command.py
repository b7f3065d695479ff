"""`auth-sandbox scale`: a small run writes its table, JSON and plot, fills only the stateful
configurations through their own code and leaves no key behind; it refuses a Redis that holds
keys of others and a size the memory cannot hold, each with one line."""

import json
import sys
from pathlib import Path
from typing import Any, cast

import pytest
import redis
from click.testing import CliRunner, Result

from benchmarks import measurable
from benchmarks.harness.redis_server import RedisServer
from benchmarks.scale import ScaleError, latency
from benchmarks.scale.runner import plan
from benchmarks.scale.sizes import BYTES_PER_TOKEN_ESTIMATE, parse_sizes
from sandbox.cli import main
from tests.conftest import configured

PNG = b"\x89PNG\r\n\x1a\n"
# Every key costs Redis at least its entry, its name and its expiry's entry; no key of a
# 13-character prefix costs more than the refusal's conservative estimate.
PLAUSIBLE_BYTES = (60, BYTES_PER_TOKEN_ESTIMATE)


@pytest.fixture(autouse=True)
def short_timings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fewer authenticate calls a size than a real run's: the same code, a smaller sample."""
    monkeypatch.setattr(latency, "CALLS", 200)
    monkeypatch.setattr(latency, "ROUNDS", 4)


def scale(*args: str) -> Result:
    return CliRunner().invoke(main, ["scale", "--users", "20", *args])


def written(output: Path) -> dict[str, Any]:
    """The run's JSON, after checking that the table and the plot are there too."""
    assert (output / "scale.md").read_text().startswith("# auth-sandbox scale")
    assert (output / "scale.png").read_bytes().startswith(PNG)
    assert "data:image/png;base64," in (output / "scale.html").read_text()
    return json.loads((output / "scale.json").read_text())


def keys_of(server: RedisServer) -> int:
    client = redis.Redis.from_url(server.url)
    try:
        return cast(int, client.dbsize())
    finally:
        client.close()


@pytest.mark.measures
def test_a_small_run_writes_table_json_and_plot_and_deletes_its_keys(
    private_redis: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    typed = ["auth-sandbox", "scale", "--sizes", "100,1000"]
    monkeypatch.setattr(sys, "argv", typed)  # what the report says was run
    result = scale(
        "--sizes",
        "100,1000",
        "--strategies",
        "bearer",
        "--redis-url",
        private_redis.url,
        "--output",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    assert "auth-sandbox scale" in result.stdout and "bearer" in result.stdout
    run = written(tmp_path)
    assert run["environment"]["commit"]
    assert run["environment"]["command"] == "auth-sandbox scale --sizes 100,1000"
    assert run["environment"]["p50_reference"].startswith("sequential")
    bearer = run["configurations"]["bearer"]
    assert [row["size"] for row in bearer["rows"]] == [100, 1000]
    assert bearer["counts"] == "live logins"
    largest = bearer["rows"][-1]
    assert largest["keys"] == 1000 and largest["keys_per_token"] == 1.0
    assert PLAUSIBLE_BYTES[0] < largest["bytes_per_token"] < PLAUSIBLE_BYTES[1]
    assert PLAUSIBLE_BYTES[0] < largest["memory_usage_per_key"] < PLAUSIBLE_BYTES[1]
    assert largest["memory_usage_keys_sampled"] == 1000
    assert 0 < largest["p50_ms"] <= largest["p95_ms"]
    assert largest["authenticate_calls"] == 200
    assert bearer["rows"][0]["p50_ratio"] == 1.0  # the smallest size is its own reference
    assert bearer["keys_deleted"] == 1000 and bearer["keys_left"] == 0
    assert keys_of(private_redis) == 0


@pytest.mark.measures
def test_a_private_server_fills_only_the_stateful_configurations_by_their_facts(tmp_path: Path):
    if not RedisServer.available():
        pytest.skip("redis-server is not on the PATH")
    result = scale("--sizes", "200", "--strategies", "jwt", "--output", str(tmp_path))
    assert result.exit_code == 0, result.output
    run = written(tmp_path)
    labels = [c.label for c in measurable.configurations(["jwt"])]
    stateful = [
        c.label
        for c in measurable.configurations(["jwt"])
        if configured(c.name, **c.settings).stateful
    ]
    assert list(run["configurations"]) == stateful
    assert set(run["skipped"]) == set(labels) - set(stateful)
    assert (
        "not filled: jwt, " in result.stdout
        and "Not filled: jwt, " in (tmp_path / "scale.md").read_text()
    )
    assert run["environment"]["p50_reference"].startswith("interleaved")
    for label, filled in run["configurations"].items():
        facts = filled["facts"]
        # A jwt login leaves state only with refresh tokens: with a denylist alone (revocable,
        # no refresh tokens) its store fills with revoked logins.
        revoked = facts["revocable"] and not facts["refresh_tokens"]
        assert filled["counts"] == ("revoked logins" if revoked else "live logins"), label
        row = filled["rows"][0]
        assert row["keys"] == 200, label
        assert PLAUSIBLE_BYTES[0] < row["bytes_per_token"] < PLAUSIBLE_BYTES[1], label
        assert row["reference_p50_ms"] > 0 and row["p50_ratio"] > 0, label
        # The growing store and the reference store (database 1) are both emptied.
        assert filled["keys_deleted"] == 400 and filled["keys_left"] == 0, label


@pytest.mark.measures
def test_keys_are_deleted_when_a_measurement_fails(
    private_redis: RedisServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    def broken(*_args: object) -> None:
        raise RuntimeError("a measurement failed")

    monkeypatch.setattr(latency, "time_authenticate", broken)
    result = scale(
        "--sizes",
        "500",
        "--strategies",
        "bearer",
        "--redis-url",
        private_redis.url,
        "--output",
        str(tmp_path),
    )
    assert isinstance(result.exception, RuntimeError)
    assert keys_of(private_redis) == 0


@pytest.mark.measures
def test_a_redis_holding_keys_of_others_is_refused_unless_allowed(
    private_redis: RedisServer, tmp_path: Path
):
    client = redis.Redis.from_url(private_redis.url)
    client.set("someone-else:session", "theirs")
    refused = scale("--sizes", "100", "--strategies", "bearer", "--redis-url", private_redis.url)
    assert refused.exit_code == 1
    assert "refusing to fill" in refused.output and "--allow-foreign-keys" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    assert keys_of(private_redis) == 1

    allowed = scale(
        "--sizes",
        "100",
        "--strategies",
        "bearer",
        "--redis-url",
        private_redis.url,
        "--allow-foreign-keys",
        "--output",
        str(tmp_path),
    )
    assert allowed.exit_code == 0, allowed.output
    assert written(tmp_path)["environment"]["foreign_keys"] == 1
    assert client.get("someone-else:session") == b"theirs"
    assert keys_of(private_redis) == 1


def test_a_size_the_machine_cannot_hold_is_refused_with_an_estimate(private_redis: RedisServer):
    result = scale(
        "--sizes", "1000,10^10", "--strategies", "bearer", "--redis-url", private_redis.url
    )
    assert result.exit_code == 1
    line = result.output.strip()
    assert len(line.splitlines()) == 1
    assert "refusing size 10^10" in line and "need about" in line
    assert "MemAvailable" in line
    assert keys_of(private_redis) == 0


def test_a_size_beyond_the_redis_maxmemory_is_refused(private_redis: RedisServer):
    client = redis.Redis.from_url(private_redis.url)
    client.config_set("maxmemory", "20mb")
    result = scale("--sizes", "10^5", "--strategies", "bearer", "--redis-url", private_redis.url)
    assert result.exit_code == 1
    assert "refusing size 10^5" in result.output and "maxmemory 20.0 MiB" in result.output
    assert keys_of(private_redis) == 0


@pytest.mark.parametrize(
    ("given", "sizes"),
    [("1000,10000", [1000, 10000]), ("10^6, 1e3,1_000", [1000, 10**6]), ("100", [100])],
)
def test_sizes_are_read_as_whole_numbers_in_ascending_order(given: str, sizes: list[int]):
    assert parse_sizes(given) == sizes


@pytest.mark.parametrize("given", ["many", "2.5", "0", "1000,-5"])
def test_sizes_that_are_no_whole_numbers_are_refused(given: str):
    result = scale("--sizes", given)
    assert result.exit_code == 2
    assert "--sizes" in result.output


def test_a_redis_url_that_is_no_redis_url_is_refused():
    result = scale("--sizes", "100", "--strategies", "bearer", "--redis-url", "localhost:6379")
    assert result.exit_code == 2
    assert "--redis-url" in result.output and "is not a Redis URL" in result.output


def test_strategies_that_keep_no_state_leave_nothing_to_fill():
    with pytest.raises(ScaleError, match="nothing to fill"):
        plan(["basic"])
    result = scale("--sizes", "100", "--strategies", "basic")
    assert result.exit_code == 1 and "nothing to fill" in result.output
