"""One locust user for every strategy: the lesson's client flow under load.

    locust -f benchmarks/load/locustfile.py --host http://127.0.0.1:8000            # web UI
    locust -f benchmarks/load/locustfile.py --host URL --headless -u 20 -t 30s --scenario login

Scenarios (`--scenario`, or AUTH_SANDBOX_SCENARIO), each one task that a user
repeats with no wait, so the number of users is the concurrency:

| scenario | one iteration                                                  | requests      |
|----------|----------------------------------------------------------------|---------------|
| steady   | GET /protected with the token from one login at start          | 1 (+1 login)  |
| login    | POST /token (a login storm)                                    | 1             |
| logout   | POST /token, GET /protected, POST /logout, reuse the token     | 4             |
| refresh  | GET /protected, or POST /token/refresh after N of them         | 1 (+1 login)  |
| public   | GET /public, no authentication: the baseline                   | 1             |

In `logout`, the reused token must get 401 from a strategy that revokes and 200
from one that cannot (whose logout answers 501, or 200 where it revokes the
login's refresh token only); anything else is a failure.

In `refresh`, a user makes `--refresh-every` N calls to /protected, then rotates
its pair with the refresh token it holds, and so on (N = 0: refreshes only). After
every `--reuse-every` M-th refresh (M = 0: never) it sends the refresh token it
has just spent again: that must be refused with 401 (a 200 is a failure), and it
revokes the login, so the user logs in again on its next turn. Each kind of
request has a name of its own in locust's statistics: `/protected`,
`/token/refresh`, `/token/refresh (reuse)` and `/token` (the logins, at start and
after each reuse), so that a refresh's figures hold refreshes only. A strategy
that issues no refresh tokens (`refresh_tokens` false in GET /strategy) cannot
run it: each user records one failure saying so and stops.

Users log in as `--usernames` (comma-separated, taken in turn) with `--password`;
the defaults are the lesson's demo user, seeded in development. `--protected-path`
names the authenticated route that steady and refresh call (default /protected):
the bench points it at a peer's route, e.g. benchmarks/load/peer_app.py's.

Where tokens are bound to a key (`token_binding` "dpop" in GET /strategy), each user makes
a key of its own at start and signs a fresh DPoP proof for every request it sends with a
token, and for its logins and refreshes, as a DPoP client does (RFC 9449); the time it
spends signing is the client's, outside the response times locust reports (the bench
reports it beside the server's, benchmarks/load/dpop_costs.py).
"""

import itertools
from typing import Any
from urllib.parse import urljoin

from locust import constant, events, task
from locust.argument_parser import LocustArgumentParser
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

SCENARIOS = ("steady", "login", "logout", "refresh", "public")
REFRESH_EVERY = 10  # /protected calls per refresh
REUSE_EVERY = 10  # refreshes per replay of a spent refresh token
_turns = itertools.count()


@events.init_command_line_parser.add_listener
def add_arguments(parser: LocustArgumentParser) -> None:
    parser.add_argument(
        "--scenario",
        choices=SCENARIOS,
        default="steady",
        env_var="AUTH_SANDBOX_SCENARIO",
        help="What each user repeats.",
    )
    parser.add_argument(
        "--refresh-every",
        type=int,
        default=REFRESH_EVERY,
        env_var="AUTH_SANDBOX_REFRESH_EVERY",
        help="refresh: calls to /protected between two refreshes (0: refreshes only).",
    )
    parser.add_argument(
        "--reuse-every",
        type=int,
        default=REUSE_EVERY,
        env_var="AUTH_SANDBOX_REUSE_EVERY",
        help="refresh: replay the spent refresh token after every Mth refresh (0: never).",
    )
    parser.add_argument(
        "--protected-path",
        default="/protected",
        env_var="AUTH_SANDBOX_PROTECTED_PATH",
        help="steady, refresh: the authenticated route to call.",
    )
    parser.add_argument(
        "--usernames",
        default="alesanchezr",
        env_var="AUTH_SANDBOX_USERNAMES",
        help="Comma-separated users to log in as, in turn.",
    )
    parser.add_argument(
        "--password",
        default="12341234",
        env_var="AUTH_SANDBOX_PASSWORD",
        is_secret=True,
        help="Their password.",
    )


class StrategyUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        options = self.environment.parsed_options
        usernames = options.usernames.split(",")
        self.credentials = {
            "username": usernames[next(_turns) % len(usernames)],
            "password": options.password,
        }
        # Each scenario is the method of its name; `login` is the storm itself.
        self.scenario = getattr(self, options.scenario)
        self.protected = options.protected_path
        with self.client.get("/strategy", catch_response=True) as response:
            facts = response.json()
            cannot_refresh = options.scenario == "refresh" and not facts.get("refresh_tokens")
            if cannot_refresh:  # decided by the configured strategy's fact, never by its name
                response.failure(f"{facts['name']} issues no refresh tokens: nothing to refresh")
        if cannot_refresh:
            raise StopUser()
        # A key of its own where tokens are bound to one (decided by the fact, as above).
        self.key: Any = None
        if facts.get("token_binding") == "dpop":
            # Imported here: the client brings the app's modules, a second of a locust
            # process's start that a run of unbound targets need not pay.
            from benchmarks.harness.dpop_client import ProofKey

            self.key = ProofKey()
        self.revocable = facts["revocable"]
        self.refresh_tokens = bool(facts.get("refresh_tokens"))
        self.header: dict[str, str] | None = None
        self.refresh_token: str | None = None
        if options.scenario == "refresh":
            self.refresh_every = max(options.refresh_every, 0)
            self.reuse_every = max(options.reuse_every, 0)
            self.calls = self.refreshes = 0
        if options.scenario in ("steady", "refresh"):
            self.header = self.login()

    def proved(self, method: str, path: str, headers: dict[str, str] | None = None) -> dict:
        """`headers`, and a fresh proof for this request where tokens are bound to a key."""
        if self.key is None:
            return headers or {}
        from benchmarks.harness.dpop_client import PROOF_HEADER, sent_token

        url = urljoin(self.host or "", path)
        token = sent_token((headers or {}).get("Authorization"))
        return {**(headers or {}), PROOF_HEADER: self.key.proof(method, url, token)}

    def login(self) -> dict[str, str] | None:
        with self.client.post(
            "/token",
            json=self.credentials,
            headers=self.proved("POST", "/token"),
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"login: {response.status_code}")
                return None
            return self.keep(response.json())

    def keep(self, body: dict[str, str]) -> dict[str, str]:
        """The access token's header; the refresh token, where there is one, for later."""
        self.refresh_token = body.get("refresh_token")
        return {"Authorization": f"{body['token_type']} {body['token']}"}

    @task
    def iteration(self) -> None:
        self.scenario()

    def steady(self) -> None:
        if self.header is None:  # the login at start failed; try again
            self.header = self.login()
            return
        self.client.get(self.protected, headers=self.proved("GET", self.protected, self.header))

    def public(self) -> None:
        self.client.get("/public")

    def refresh(self) -> None:
        if self.header is None or self.refresh_token is None:  # no login, or a revoked one
            self.header = self.login()
            return
        if self.calls < self.refresh_every:
            self.calls += 1
            self.client.get(self.protected, headers=self.proved("GET", self.protected, self.header))
            return
        self.calls = 0
        spent = self.refresh_token
        with self.client.post(
            "/token/refresh",
            json={"refresh_token": spent},
            headers=self.proved("POST", "/token/refresh"),
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"refresh: {response.status_code}")
                self.header = None  # log in again
                return
            self.header = self.keep(response.json())
        self.refreshes += 1
        if self.reuse_every and self.refreshes % self.reuse_every == 0:
            self.replay(spent)

    def replay(self, spent: str) -> None:
        """Send a spent refresh token again: 401, and the login is revoked (log in again)."""
        with self.client.post(
            "/token/refresh",
            json={"refresh_token": spent},
            headers=self.proved("POST", "/token/refresh"),
            name="/token/refresh (reuse)",
            catch_response=True,
        ) as response:
            if response.status_code == 401:
                response.success()
            else:
                response.failure(f"a spent refresh token got {response.status_code}, not 401")
        self.header = None

    def logout(self) -> None:
        header = self.login()
        if header is None:
            return
        self.client.get("/protected", headers=self.proved("GET", "/protected", header))
        # Not revocable: the access token lives on (with refresh tokens, 200: the rest is revoked).
        unrevoked = 200 if self.refresh_tokens else 501
        expected = (204, 401) if self.revocable else (unrevoked, 200)
        with self.client.post(
            "/logout", headers=self.proved("POST", "/logout", header), catch_response=True
        ) as response:
            if response.status_code == expected[0]:
                response.success()
            else:
                response.failure(f"logout: {response.status_code}, expected {expected[0]}")
        with self.client.get(
            "/protected",
            headers=self.proved("GET", "/protected", header),
            name="/protected (after logout)",
            catch_response=True,
        ) as response:
            if response.status_code == expected[1]:
                response.success()
            else:
                response.failure(f"reuse: {response.status_code}, expected {expected[1]}")
