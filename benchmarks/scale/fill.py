"""Filling a token store through a strategy's own batch operations.

A batch is one `issue_many` (one store round trip); where issuing leaves nothing in
the store (a denylist keeps revoked logins only), the batch is then revoked with one
`revoke_many`, and the store fills with revoked logins instead. Which of the two is
seen in the store after the first batch, never read from the strategy's name. Only a
sample of the tokens stays in this process, chosen at random over all of them.
"""

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from flask import Flask
from redis import Redis

from benchmarks import measurable
from benchmarks.harness.dpop_client import ProofKey
from benchmarks.scale import ScaleError
from sandbox import extensions
from sandbox.users import UserRow
from strategies.base import IssuedToken

USER_PASSWORD = "scale-user-password"  # noqa: S105 - a throwaway instance's throwaway users
USERNAME = "scale-user-{:05d}"
SAMPLE_TOKENS = 2000


class Counts(Enum):
    """What a store's N tokens are."""

    LIVE = "live logins"  # issuing a login leaves state: a token, a refresh record
    REVOKED = "revoked logins"  # issuing leaves nothing; the state is of revoked logins


@dataclass(frozen=True)
class Sampled:
    token: str
    user_id: int


def add_users(app: Flask, count: int) -> None:
    """`count` users, through the app's user store (and its hash, a cheap one for scale)."""
    with app.app_context():
        users = extensions.users(app)
        for number in range(count):
            users.add(USERNAME.format(number), USER_PASSWORD)


class Fill:
    """One store, grown batch by batch through the app's strategy.

    `seconds` is the wall clock of the filling so far: batches built, issued (and
    revoked) and sampled.
    """

    def __init__(
        self, app: Flask, client: Redis, prefix: str, batch: int, sample_size: int = SAMPLE_TOKENS
    ):
        self.app, self.client, self.prefix = app, client, prefix
        self.strategy = extensions.strategy(app)
        # Where tokens are bound to a key (DPoP), each names one client's: a store's value
        # keeps its thumbprint, as a login with a proof would leave it.
        self.jkt = ProofKey().jkt if extensions.transport(app).binding == "dpop" else None
        self.batch, self.sample_size = batch, sample_size
        self.filled = 0
        self.seconds = 0.0
        self.counts: Counts | None = None  # known after the first batch
        self.sample: list[Sampled] = []
        self._seen = 0
        self._random = random.Random()  # noqa: S311 - which tokens to time, not a secret

    def grow_to(self, size: int, on_batch: Callable[[int], None] = lambda _done: None) -> None:
        started = time.perf_counter()
        with self.app.app_context():
            users = extensions.users(self.app).all()
            while self.filled < size:
                count = min(self.batch, size - self.filled)
                logins = [
                    (users[(self.filled + i) % len(users)], USER_PASSWORD) for i in range(count)
                ]
                issued = measurable.issue_many(self.strategy, logins, self.jkt)
                if self.counts is None:
                    self.counts = self._what_counts()
                if self.counts is Counts.REVOKED:
                    measurable.revoke_many(self.strategy, [token.token for token in issued])
                else:
                    self._keep(issued, logins)
                self.filled += count
                on_batch(self.filled)
            self.seconds += time.perf_counter() - started
            if self.counts is Counts.REVOKED and not self.sample:
                # Live tokens to authenticate with, among the revoked logins: issued apart,
                # leaving nothing in the store, and not part of the fill.
                live = [(users[i % len(users)], USER_PASSWORD) for i in range(self.sample_size)]
                self._keep(measurable.issue_many(self.strategy, live, self.jkt), live)

    def _what_counts(self) -> Counts:
        """After the first batch: did issuing leave state in the store?"""
        if next(self.client.scan_iter(match=self.prefix + "*", count=1000), None) is not None:
            return Counts.LIVE
        if not self.strategy.revocable:
            raise ScaleError(
                f"the {self.strategy.name!r} strategy is stateful, but issuing leaves nothing in "
                "its store and it cannot revoke: nothing fills its store"
            )
        return Counts.REVOKED

    def _keep(self, issued: Sequence[IssuedToken], logins: Sequence[tuple[UserRow, str]]) -> None:
        """Reservoir sampling (Algorithm R): each token so far is in the sample with the
        same chance, whatever the batch it came in."""
        for token, (user, _password) in zip(issued, logins, strict=True):
            self._seen += 1
            if len(self.sample) < self.sample_size:
                self.sample.append(Sampled(token.token, user.id))
                continue
            place = self._random.randrange(self._seen)
            if place < self.sample_size:
                self.sample[place] = Sampled(token.token, user.id)
