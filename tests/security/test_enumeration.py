"""No user enumeration (ASVS 5.0 V6): an unknown user and a wrong password look the same.

Same status, same body, and about the same time, with werkzeug's real default
hash: a relation between two arms sampled in turn, with a wide margin (the faster
median at least a third of the slower), never an absolute time.
"""

import base64
import statistics
import time
from pathlib import Path

import pytest

from benchmarks.compare.runner import UNLIMITED
from sandbox import create_app
from sandbox.config import DEMO_USERNAME
from strategies import registry
from tests.conftest import strategies_where

SAMPLES = 9


def scrypt_client(strategy: str, instance: Path):
    """An app with werkzeug's default hash (scrypt): the cost an attacker would time."""
    config = {
        "AUTH_STRATEGY": strategy,
        "INSTANCE_PATH": str(instance),
        "PASSWORD_HASH_METHOD": "scrypt",
        "REDIS_URL": None,
        "DATABASE_URL": None,
        "LOGIN_LIMIT_PER_USER": UNLIMITED,
        "LOGIN_LIMIT_PER_CLIENT": UNLIMITED,
    }
    return create_app(config).test_client()


def interleaved(arms: dict, samples: int = SAMPLES) -> dict[str, tuple[list[float], set]]:
    results: dict[str, tuple[list[float], set]] = {name: ([], set()) for name in arms}
    for _ in range(samples):
        for name, send in arms.items():
            started = time.perf_counter()
            response = send()
            results[name][0].append(time.perf_counter() - started)
            results[name][1].add((response.status_code, response.get_data()))
    return results


def assert_indistinguishable(results) -> None:
    (unknown_times, unknown_answers), (wrong_times, wrong_answers) = results.values()
    assert unknown_answers == wrong_answers and len(unknown_answers) == 1
    medians = sorted([statistics.median(unknown_times), statistics.median(wrong_times)])
    assert medians[0] >= medians[1] / 3, medians


@pytest.mark.measures
def test_post_token_answers_unknown_users_like_wrong_passwords(tmp_path):
    client = scrypt_client(registry.names()[0], tmp_path)
    unknown_user = {"username": "nobody-here", "password": "12341234"}
    wrong_password = {"username": DEMO_USERNAME, "password": "not-it"}
    attempts = {
        "unknown user": lambda: client.post("/token", json=unknown_user),
        "wrong password": lambda: client.post("/token", json=wrong_password),
    }
    assert_indistinguishable(interleaved(attempts))


def basic(credentials: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(credentials).decode()}


@pytest.mark.measures
@pytest.mark.parametrize("strategy", strategies_where(scheme="Basic"))
def test_basic_credentials_answer_unknown_users_like_wrong_passwords(strategy, tmp_path):
    client = scrypt_client(strategy, tmp_path)
    attempts = {
        "unknown user": lambda: client.get("/protected", headers=basic(b"nobody-here:12341234")),
        "wrong password": lambda: client.get("/protected", headers=basic(b"alesanchezr:not-it")),
    }
    assert_indistinguishable(interleaved(attempts))
