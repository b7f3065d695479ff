"""`auth-sandbox bench` end to end for a few seconds: real gunicorn, locust and Redis.

No speed is asserted: the machine is shared. The test checks that every target ran,
and that the report holds each of them against the baseline.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.cpu import steady_window
from benchmarks.report import summarize
from benchmarks.runner import BASELINE, BenchError, Options, check_store, plan
from sandbox.processes import free_port, stop, wait_for_http
from sandbox.redis_server import MeasurementRedis, RedisServer
from strategies import registry
from tests.conftest import CHEAP_HASH, configured, need_service

BIN = Path(sys.executable).parent


@pytest.mark.redis
def test_the_bench_runs_every_strategy_and_the_baseline(tmp_path):
    if not os.environ.get("REDIS_URL") and not RedisServer.available():
        need_service("the bench needs REDIS_URL or redis-server")
    command = [BIN / "auth-sandbox", "bench", "--duration", "3", "--users", "4"]
    result = subprocess.run(
        [*command, "--output", str(tmp_path)],
        env={**os.environ, "PASSWORD_HASH_METHOD": CHEAP_HASH},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (outdir,) = tmp_path.iterdir()
    bench = json.loads((outdir / "results.json").read_text())
    labels = [target["target"] for target in bench["targets"]]
    assert labels == [t.label for t in plan(Options(strategies=registry.names()))]
    assert labels[0] == BASELINE
    for target in bench["targets"]:
        assert target["requests"] > 0
        assert target["failures"] == 0, target
        assert target["server_cpu_ms_per_request"] > 0
        assert target["locust_cpu_s"] >= 0
    report = (outdir / "report.md").read_text()
    assert all(f"| {label} |" in report for label in labels)
    assert f"Commit {bench['environment']['commit']}; regenerate with `auth-sandbox bench" in report
    assert all(f"| {label} |" in result.stdout for label in labels)
    for plot in ("throughput.png", "latency.png"):
        assert (outdir / plot).read_bytes().startswith(b"\x89PNG")
    assert list((outdir / "raw" / "round1").glob("*_stats.csv"))


def test_variants_run_beside_their_strategy():
    targets = plan(Options(strategies=["basic", "jwt"]))
    assert [t.label for t in targets] == [
        BASELINE,
        "basic",
        "basic + cache",
        "jwt",
        "jwt + denylist",
        "jwt + refresh",
        "jwt + refresh + denylist",
    ]
    assert targets[0].scenario == "public"
    assert targets[2].settings == {"BASIC_AUTH_CACHE_TTL": 300}
    deployment = plan(Options(strategies=["basic"], host="http://127.0.0.1:8000"))
    assert [t.label for t in deployment] == [BASELINE, "basic"]  # its settings are its own


def test_without_a_shared_redis_a_stateful_strategy_refuses_several_workers():
    no_redis = MeasurementRedis(None, "fakeredis")
    bearer = {"bearer": configured("bearer")}
    with pytest.raises(BenchError, match="bearer keeps tokens in a store"):
        check_store(no_redis, 2, bearer)
    check_store(no_redis, 1, bearer)
    check_store(no_redis, 2, {"jwt": configured("jwt"), "basic": configured("basic")})
    check_store(MeasurementRedis("redis://127.0.0.1:6379/0", "Redis"), 2, bearer)


def test_the_steady_window_skips_the_warm_up(tmp_path):
    history = tmp_path / "run_stats_history.csv"
    rows = ["Timestamp,User Count,Name,Total Request Count"]
    rows += [
        f"{100 + s},{0 if s == 0 else 4},Aggregated,{s * 10 if s < 3 else 30 + (s - 3) * 100}"
        for s in range(10)
    ]
    history.write_text("\n".join(rows) + "\n")
    assert steady_window(tmp_path / "run", users=4, warmup_s=2) == ((103, 30), (109, 630))
    assert steady_window(tmp_path / "run", users=4, warmup_s=60) is None


def test_rounds_are_summarized_by_their_median_ratios():
    def run(target: str, rps: float, cpu: float) -> dict:
        return {
            "target": target,
            "requests": 10,
            "failures": 0,
            "steady_rps": rps,
            "server_cpu_ms_per_request": cpu,
            "locust_cpu_per_process": 0.5,
        }

    rounds = [
        [run(BASELINE, 100, 1.0), run("jwt", 90, 1.1)],
        [run(BASELINE, 50, 2.0), run("jwt", 45, 2.4)],  # a slow spell: both arms slower
        [run(BASELINE, 100, 1.0), run("jwt", 80, 1.3)],
    ]
    summary = summarize({"rounds": rounds})["targets"]
    jwt = summary[1]
    assert jwt["requests"] == 30
    assert jwt["rps_ratio"] == 0.9  # the median of 0.9, 0.9 and 0.8
    assert jwt["cpu_ratio"] == 1.2  # the median of 1.1, 1.2 and 1.3


def test_the_bench_loads_an_existing_deployment(tmp_path):
    port = free_port()
    environment = {
        **os.environ,
        "PASSWORD_HASH_METHOD": CHEAP_HASH,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "REDIS_URL": "",
    }
    server = subprocess.Popen(
        [BIN / "auth-sandbox", "serve", "--strategy", "jwt", "--port", str(port)],
        env=environment,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", server)
        command = [BIN / "auth-sandbox", "bench", "--host", f"http://127.0.0.1:{port}"]
        options = ["--duration", "2", "--users", "2", "--output", str(tmp_path / "out")]
        result = subprocess.run(
            [*command, *options],
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        stop(server)
    assert result.returncode == 0, result.stderr[-3000:]
    (outdir,) = (tmp_path / "out").iterdir()
    bench = json.loads((outdir / "results.json").read_text())
    assert [t["target"] for t in bench["targets"]] == [BASELINE, "jwt"]
    assert all(
        t["requests"] > 0 and t["server_cpu_ms_per_request"] is None for t in bench["targets"]
    )
    report = (outdir / "report.md").read_text()
    assert f"the deployment at http://127.0.0.1:{port}" in report
    assert "password hash" not in report  # the deployment's own, which cannot be seen from here
    assert "log-scaled" not in result.stderr  # no chart of a CPU that was not measured
    assert "| jwt |" in result.stdout  # the table is printed, as compare's is
