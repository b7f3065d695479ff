"""Whose password hash compare pays: the configured one wherever a figure times a password
check (Basic's requests, as the demo user), a cheap one for the users made only to probe."""

from typing import Any

import pytest

from benchmarks.compare import costs as costs_module
from benchmarks.compare.measure import measure
from benchmarks.compare.subject import PROBE_HASH, Subject
from sandbox import users as users_module
from sandbox.config import DEMO_USERNAME, throwaway_settings
from tests.conftest import CHEAP_HASH

CONFIGURED = "pbkdf2:sha256:2000"  # a configured hash that PROBE_HASH is not


@pytest.fixture
def subject_of(tmp_path, redis_url, redis_prefix):
    def make(name: str, **settings: Any) -> Subject:
        config = throwaway_settings(
            name,
            str(tmp_path / name),
            redis_url,
            redis_prefix,
            PASSWORD_HASH_METHOD=CONFIGURED,
            **settings,
        )
        return Subject(config)

    return make


def methods(subject: Subject) -> dict[str, str]:
    """Each user of the subject's instance, and the method of its password hash."""
    with subject.app.app_context():
        return {user.username: user.password_hash.split("$")[0] for user in subject.users().all()}


@pytest.mark.measures
@pytest.mark.parametrize(
    ("name", "settings", "demo_hash"),
    [
        # Every request checks the demo user's password: its timed cells pay the configured hash.
        ("basic", {}, CONFIGURED),
        # No figure times a login: the demo user is hashed as the probe users are.
        ("jwt", {"JWT_ALGORITHM": "RS256"}, PROBE_HASH),  # publishes keys: every section runs
    ],
)
def test_only_where_requests_check_a_password_does_the_demo_user_keep_the_configured_hash(
    subject_of, name, settings, demo_hash
):
    subject = subject_of(name, **settings)
    measure(subject, budget_s=0.01, progress=lambda _: None)
    hashed = methods(subject)
    assert hashed.pop(DEMO_USERNAME) == demo_hash
    # the probe user, the sign-cost user, the revocation users, and (for a JWT) the elsewhere
    # user and the forgery's
    assert len(hashed) >= 5
    assert set(hashed.values()) == {PROBE_HASH}


@pytest.mark.measures
def test_basic_s_timed_requests_check_the_configured_hash(subject_of, monkeypatch):
    subject = subject_of("basic")
    checked: list[str] = []
    check = users_module.check_password_hash

    def spy(password_hash: str, password: str) -> bool:
        checked.append(password_hash.split("$")[0])
        return check(password_hash, password)

    monkeypatch.setattr(users_module, "check_password_hash", spy)
    timed = costs_module.costs(subject, budget_s=0.01)
    assert len(checked) >= sum(
        timed[cell]["samples"] for cell in ("request", "authenticate", "refused")
    )
    assert set(checked) == {CONFIGURED}


@pytest.mark.measures
def test_the_environment_names_the_configured_hash_and_the_probe_users_own(comparison):
    environment = comparison["environment"]
    assert environment["password_hash"] == CHEAP_HASH  # what the fixture configures
    assert environment["probe_users_password_hash"] == PROBE_HASH
