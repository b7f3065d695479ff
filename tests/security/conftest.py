"""A live app per strategy for the adversarial suite, and its count of cases per strategy."""

from collections import Counter
from collections.abc import Iterator

import pytest

from sandbox import create_app
from sandbox.compare.runner import UNLIMITED
from sandbox.config import throwaway_settings
from strategies import registry
from tests.conftest import CHEAP_HASH
from tests.security.live import Live, Spy, serve


@pytest.fixture(scope="session")
def spy() -> Iterator[Spy]:
    watcher = Spy()
    yield watcher
    watcher.close()


@pytest.fixture(scope="module", params=registry.names())
def live(request, tmp_path_factory, spy) -> Iterator[Live]:
    settings = throwaway_settings(
        request.param,
        str(tmp_path_factory.mktemp(request.param)),
        None,  # the embedded fakeredis
        "catalogue:",
        PASSWORD_HASH_METHOD=CHEAP_HASH,
        # The catalogue sends bad credentials by the dozen; the limits have tests of their own.
        LOGIN_LIMIT_PER_USER=UNLIMITED,
        LOGIN_LIMIT_PER_CLIENT=UNLIMITED,
    )
    app = create_app(settings)
    server, stop = serve(app, spy)
    yield server
    stop()


def pytest_terminal_summary(terminalreporter) -> None:
    counts: Counter = Counter()
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            properties = dict(getattr(report, "user_properties", []))
            if "catalogue_strategy" in properties:
                counts[(properties["catalogue_strategy"], outcome)] += 1
    strategies = sorted({strategy for strategy, _ in counts})
    if strategies:
        terminalreporter.write_line(
            "adversarial catalogue: "
            + ", ".join(
                f"{s} {counts[(s, 'passed')]} passed, {counts[(s, 'failed')]} failed"
                for s in strategies
            )
        )
