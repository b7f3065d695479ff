"""Two gunicorn workers: a token issued through one verifies on the other.

For jwt the development key made in the instance folder must be the same in both
workers; for bearer both must use the same (real) Redis.
"""

import os

import pytest
import requests

from tests.conftest import CHEAP_HASH
from tests.two_workers import from_both_workers, two_workers

pytestmark = [pytest.mark.redis, pytest.mark.subprocess]


def test_a_token_from_one_worker_verifies_on_the_other(
    strategy_name, tmp_path, redis_url, redis_prefix
):
    environment = {
        **os.environ,
        "AUTH_STRATEGY": strategy_name,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "PASSWORD_HASH_METHOD": CHEAP_HASH,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": redis_prefix,
    }
    environment.pop("JWT_SECRET_KEY", None)  # each worker must find the same generated key
    with two_workers(environment, tmp_path) as base:
        issued = requests.post(
            f"{base}/token", json={"username": "alesanchezr", "password": "12341234"}, timeout=5
        ).json()
        header = {"Authorization": f"{issued['token_type']} {issued['token']}"}

        answers = from_both_workers(
            lambda: requests.get(f"{base}/protected", headers=header, timeout=5)
        )
        assert {answer.status_code for answer in answers} == {200}
