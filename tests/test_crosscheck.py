"""The wrk cross-check (benchmarks/load/crosscheck.py): its table, its refusals, wrk's output.

No speed is asserted: the machine is shared. The run checks the table's shape.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest

from benchmarks.harness.redis_server import RedisServer
from benchmarks.load.crosscheck import parse_wrk, resolve
from benchmarks.load.plan import BASELINE
from benchmarks.load.servers import BenchError
from tests.conftest import CHEAP_HASH, need_service

TARGET = "bearer + tracking"
ROW = re.compile(
    r"^(?P<label>.+?)\s+(?P<rps>[\d.]+)\s+(?P<cpu>[\d.]+)\s+(?P<r1>[\d.]+)x\s+(?P<r2>[\d.]+)x$"
)

WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:1/protected
  2 threads and 4 connections
  1234 requests in 1.00s, 300.00KB read
Requests/sec:   1230.50
Transfer/sec:    299.00KB
"""


def crosscheck(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.load.crosscheck", *args],
        env=env or {**os.environ, "PASSWORD_HASH_METHOD": CHEAP_HASH},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.redis
@pytest.mark.load
def test_the_crosscheck_prints_a_row_per_target_with_its_ratios():
    if shutil.which("wrk") is None:
        need_service("the cross-check needs wrk (apt-get install wrk)")
    if not os.environ.get("REDIS_URL") and not RedisServer.available():
        need_service("the cross-check needs REDIS_URL or redis-server")
    result = crosscheck(
        "--strategies", TARGET, "--duration", "2", "--rounds", "1", "--warmup", "1",
        "--connections", "4",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["target", "requests/s", "CPU"]
    rows = {m["label"]: m for m in map(ROW.match, lines[1:-1]) if m}
    assert list(rows) == [BASELINE, TARGET], result.stdout
    assert rows[BASELINE]["r1"] == rows[BASELINE]["r2"] == "1.00"
    assert float(rows[TARGET]["rps"]) > 0 and float(rows[TARGET]["cpu"]) > 0
    assert float(rows[TARGET]["r1"]) > 0 and float(rows[TARGET]["r2"]) > 0
    assert "[2/2] bearer + tracking" in result.stderr  # progress on stderr, not in the table


@pytest.mark.subprocess
def test_without_wrk_it_refuses_in_one_line(tmp_path):
    # A PATH with no wrk on it (the interpreter is named by its full path).
    result = crosscheck(env={**os.environ, "PATH": str(tmp_path)})
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "wrk is not on the PATH: install it (apt-get install wrk)"
    ]


def test_wrk_output_gives_the_requests_and_their_rate():
    assert parse_wrk(WRK_OUTPUT) == (1234, 1230.5)


def test_refused_requests_fail_the_run_rather_than_flatter_it():
    refused = WRK_OUTPUT.replace("Requests/sec", "  Non-2xx or 3xx responses: 12\nRequests/sec")
    with pytest.raises(BenchError, match="12 non-2xx"):
        parse_wrk(refused)
    broken = WRK_OUTPUT.replace(
        "Requests/sec", "  Socket errors: connect 0, read 3, write 0, timeout 0\nRequests/sec"
    )
    with pytest.raises(BenchError, match="socket errors"):
        parse_wrk(broken)


def test_labels_resolve_to_configurations_after_the_baseline():
    baseline, target = resolve([TARGET])
    assert (baseline.label, baseline.path) == (BASELINE, "/public")
    assert (target.strategy, dict(target.settings)) == ("bearer", {"STORE_CACHE": "tracking"})
    with pytest.raises(BenchError, match="unknown configuration bearer \\+ nothing"):
        resolve(["bearer + nothing"])
