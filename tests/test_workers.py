"""Two gunicorn workers: a token issued through one verifies on the other.

For jwt the development key made in the instance folder must be the same in both
workers; for bearer both must use the same (real) Redis.
"""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from sandbox.processes import free_port, stop, wait_for_http
from tests.conftest import CHEAP_HASH

pytestmark = pytest.mark.redis

TESTS = Path(__file__).parent


def test_a_token_from_one_worker_verifies_on_the_other(
    strategy_name, tmp_path, redis_url, redis_prefix
):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "AUTH_STRATEGY": strategy_name,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "PASSWORD_HASH_METHOD": CHEAP_HASH,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": redis_prefix,
    }
    environment.pop("JWT_SECRET_KEY", None)  # each worker must find the same generated key
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*gunicorn, "--pythonpath", str(TESTS), "worker_app:app"],
        env=environment,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_http(f"{base}/healthz", server)
        issued = requests.post(
            f"{base}/token", json={"username": "alesanchezr", "password": "12341234"}, timeout=5
        ).json()
        header = {"Authorization": f"{issued['token_type']} {issued['token']}"}

        def call(_: int) -> requests.Response:
            return requests.get(f"{base}/protected", headers=header, timeout=5)

        # A worker that is still starting leaves the other to answer all: call until both did.
        workers: set[str] = set()
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(20):
                responses = list(pool.map(call, range(40)))
                assert [r.status_code for r in responses] == [200] * len(responses)
                workers |= {r.headers["X-Worker-Pid"] for r in responses}
                if len(workers) == 2:
                    break
        assert len(workers) == 2
    finally:
        stop(server)
    assert "Traceback" not in server.stderr.read()
