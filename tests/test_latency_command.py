"""`auth-sandbox latency`: a small run obeys the physics (a request pays its round trips times
the RTT, a local check pays none), writes its table (within 120 columns), JSON, HTML and plot,
with the commit and the command; a bad --rtt is one line of click's, exit 2."""

import json
import statistics
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from benchmarks.harness.redis_server import RedisServer
from benchmarks.latency import parse_rtts
from sandbox.cli import main
from tests.conftest import need_service

PNG = b"\x89PNG\r\n\x1a\n"
CACHED, INTROSPECTION = "cached introspection", "introspection"


def latency(*args: str) -> Result:
    return CliRunner().invoke(main, ["latency", *args])


def grew(cells: dict[str, Any], field: str = "median_ms") -> float:
    """What a cell's figure gained from RTT 0 to RTT 5."""
    return cells["5"][field] - cells["0"][field]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    if not RedisServer.available():
        need_service("redis-server is not on the PATH")
    output = tmp_path_factory.mktemp("latency")
    typed = ["auth-sandbox", "latency", "--rtt", "0,5"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", typed)  # what the report says was run
        result = latency(
            "--rtt", "0,5", "--strategies", "bearer,jwt", "--budget", "0.1", "--output", str(output)
        )
    return result, output


@pytest.fixture(scope="module")
def measured(run: tuple[Result, Path]) -> dict[str, Any]:
    result, output = run
    assert result.exit_code == 0, result.output
    return json.loads((output / "latency.json").read_text())


@pytest.mark.measures
@pytest.mark.redis
def test_a_small_run_writes_its_table_json_html_and_plot(run: tuple[Result, Path]):
    result, output = run
    assert result.exit_code == 0, result.output
    assert (output / "latency.md").read_text().startswith("# auth-sandbox latency")
    assert (output / "latency.png").read_bytes().startswith(PNG)
    assert "data:image/png;base64," in (output / "latency.html").read_text()
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 120
    assert "GET /protected at the sandbox" in result.stdout and "Crossovers" in result.stdout
    assert "The proxies' own CPU" in result.stdout
    report = json.loads((output / "latency.json").read_text())
    assert report["environment"]["commit"]
    assert report["environment"]["command"] == "auth-sandbox latency --rtt 0,5"
    assert report["environment"]["rtts_ms"] == [0, 5]
    assert report["proxy_cpu"]["redis_s"] > 0 and report["proxy_cpu"]["http_s"] > 0


@pytest.mark.measures
@pytest.mark.redis
def test_the_proxy_adds_the_rtt_it_is_given(measured: dict[str, Any]):
    by_rtt = measured["calibration"]["by_rtt"]
    assert by_rtt["0"]["added_ms"] < 1
    assert by_rtt["5"]["added_ms"] == pytest.approx(5, abs=1)


@pytest.mark.measures
@pytest.mark.redis
def test_at_the_sandbox_each_redis_round_trip_pays_the_rtt(measured: dict[str, Any]):
    configurations = measured["configurations"]
    added = measured["calibration"]["by_rtt"]["5"]["added_ms"]
    bearer, jwt = configurations["bearer"], configurations["jwt"]
    assert bearer["redis_round_trips"] == 1 and bearer["redis_commands"] == ["GET"]
    assert grew(bearer["sandbox"]) == pytest.approx(added, abs=1.5)
    assert jwt["redis_round_trips"] == 0
    assert grew(jwt["sandbox"]) == pytest.approx(0, abs=1)
    # A tracked cache's hit asks Redis nothing: it pays no RTT.
    tracking = configurations["bearer + tracking"]
    assert tracking["redis_round_trips"] == 0
    assert grew(tracking["sandbox"]) == pytest.approx(0, abs=1)
    for label, result in configurations.items():
        expected = result["redis_round_trips"] * added
        assert grew(result["sandbox"]) == pytest.approx(expected, abs=1.5 + 0.1 * expected), label


@pytest.mark.measures
@pytest.mark.redis
def test_at_a_resource_server_introspection_pays_the_rtt_and_a_cache_does_not(
    measured: dict[str, Any],
):
    added = measured["calibration"]["by_rtt"]["5"]["added_ms"]

    def over_http(remote: dict[str, Any]) -> float:
        """What an introspection gained, less the Redis round trips the sandbox made to answer
        it: its own HTTP round trip."""
        asked = remote["ways"][INTROSPECTION]["cells"]
        return grew(asked) - remote["introspection_redis_round_trips"] * added

    remotes = [result["resource_server"] for result in measured["configurations"].values()]
    assert statistics.median(map(over_http, remotes)) == pytest.approx(5, abs=2)
    jwt = measured["configurations"]["jwt"]["resource_server"]
    # A client with the right secret meets no failed-login check: no Redis round trip.
    assert jwt["introspection_redis_round_trips"] == 0
    assert over_http(jwt) == pytest.approx(5, abs=3)
    cached = jwt["ways"][CACHED]["cells"]
    assert grew(cached) == pytest.approx(0, abs=1)
    # The miss asks: its round trip is a floor the delay cannot undercut (a single request at
    # RTT 0 can take longer than its median, so it is not the reference; the hits at 5 are).
    assert cached["5"]["first_ms"] - cached["5"]["median_ms"] > 5 - 1
    assert cached["5"]["asked"] == 1 and cached["5"]["hits"] == cached["5"]["samples"]
    # A logged-out token: refused where it is asked about, reused for the cache's TTL.
    bearer = measured["configurations"]["bearer"]["resource_server"]["ways"]
    assert bearer[INTROSPECTION]["revocation"]["logout"] == 0
    assert 0 < bearer[CACHED]["revocation"]["logout"] <= 5


@pytest.mark.measures
@pytest.mark.redis
def test_the_crossovers_weigh_speed_against_the_revocation_window(measured: dict[str, Any]):
    crossovers = measured["crossovers"]
    assert crossovers["baseline"] == "jwt"
    bearer = crossovers["rows"]["bearer"]
    assert bearer["redis_round_trips"] == 1
    assert bearer["crossover_rtt_ms"] is not None and bearer["crossover_rtt_ms"] < 5
    assert bearer["window"]["window_s"] == 0  # a logout ends its token at once
    assert bearer["baseline_window"]["upper_bound"]  # jwt's works on until its exp
    assert crossovers["rows"]["bearer + tracking"]["crossover_rtt_ms"] is None


@pytest.mark.parametrize("wrong", ["-1", "abc", "5,", "inf", "1e9"])
def test_a_bad_rtt_is_one_line_of_click(wrong: str):
    result = latency("--rtt", wrong)
    assert result.exit_code == 2
    assert "Invalid value for '--rtt'" in result.output
    assert "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if "Error" in line]) == 1


def test_rtts_are_sorted_without_repeats():
    assert parse_rtts("20, 0,5,5, 1") == [0, 1, 5, 20]
    assert parse_rtts("0.5") == [0.5]
