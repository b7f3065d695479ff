"""When a token stops working: a token of TOKEN_TTL=1 from each strategy, watched side by
side until each is refused."""

import time
from collections.abc import Mapping
from typing import Any

from benchmarks.compare.subject import Subject

EXPIRY_WATCH_S = 2.5  # with TOKEN_TTL=1; a JWT's times have one-second resolution
EXPIRY_POLL_S = 0.1


class ExpiryWatch:
    """A token from an app of the subject's instance with TOKEN_TTL=1, tried every
    EXPIRY_POLL_S until it is refused or EXPIRY_WATCH_S have passed."""

    def __init__(self, subject: Subject):
        self.subject = subject
        self.client = subject.make_app(TOKEN_TTL=1).test_client()
        self.header = subject.authorization(subject.login(self.client)["token"])
        self.started = self.next_try = time.monotonic()
        self.refused_after: float | None = None

    def watching(self) -> bool:
        return self.refused_after is None and time.monotonic() - self.started < EXPIRY_WATCH_S

    def try_now(self) -> None:
        if time.monotonic() < self.next_try:
            return
        waited = time.monotonic() - self.started
        if self.subject.status(self.header, self.client) == 401:
            self.refused_after = round(waited, 2)
        self.next_try = time.monotonic() + EXPIRY_POLL_S

    def result(self) -> dict[str, Any]:
        return {
            "expires_in": self.subject.issued["expires_in"],
            "with_ttl_1s_refused_after_s": self.refused_after,
            "watched_s": EXPIRY_WATCH_S,
        }


def expiry(subjects: Mapping[str, Subject]) -> dict[str, dict[str, Any]]:
    """When a token stops working, for every subject at once: their short-lived tokens are
    issued one after the other and watched side by side, so that the waits overlap."""
    watches = {label: ExpiryWatch(subject) for label, subject in subjects.items()}
    while watching := [watch for watch in watches.values() if watch.watching()]:
        for watch in watching:
            watch.try_now()
        time.sleep(EXPIRY_POLL_S / 10)
    return {label: watch.result() for label, watch in watches.items()}
