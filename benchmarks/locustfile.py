"""One locust user for every strategy: the lesson's client flow under load.

    locust -f benchmarks/locustfile.py --host http://127.0.0.1:8000            # web UI
    locust -f benchmarks/locustfile.py --host URL --headless -u 20 -t 30s --scenario login

Scenarios (`--scenario`, or AUTH_SANDBOX_SCENARIO), each one task that a user
repeats with no wait, so the number of users is the concurrency:

| scenario | one iteration                                                  | requests      |
|----------|----------------------------------------------------------------|---------------|
| steady   | GET /protected with the token from one login at start          | 1 (+1 login)  |
| login    | POST /token (a login storm)                                    | 1             |
| logout   | POST /token, GET /protected, POST /logout, reuse the token     | 4             |
| public   | GET /public, no authentication: the baseline                   | 1             |

In `logout`, the reused token must get 401 from a strategy that revokes and 200
from one that cannot (whose logout answers 501); anything else is a failure.
Users log in as `--usernames` (comma-separated, taken in turn) with `--password`;
the defaults are the lesson's demo user, seeded in development.
"""

import itertools

from locust import constant, events, task
from locust.argument_parser import LocustArgumentParser
from locust.contrib.fasthttp import FastHttpUser

SCENARIOS = ("steady", "login", "logout", "public")
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
        self.revocable = self.client.get("/strategy").json()["revocable"]
        self.header = self.login() if options.scenario == "steady" else None

    def login(self) -> dict[str, str] | None:
        with self.client.post("/token", json=self.credentials, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"login: {response.status_code}")
                return None
            body = response.json()
            return {"Authorization": f"{body['token_type']} {body['token']}"}

    @task
    def iteration(self) -> None:
        self.scenario()

    def steady(self) -> None:
        if self.header is None:  # the login at start failed; try again
            self.header = self.login()
            return
        self.client.get("/protected", headers=self.header)

    def public(self) -> None:
        self.client.get("/public")

    def logout(self) -> None:
        header = self.login()
        if header is None:
            return
        self.client.get("/protected", headers=header)
        expected = (204, 401) if self.revocable else (501, 200)
        with self.client.post("/logout", headers=header, catch_response=True) as response:
            if response.status_code == expected[0]:
                response.success()
            else:
                response.failure(f"logout: {response.status_code}, expected {expected[0]}")
        with self.client.get(
            "/protected", headers=header, name="/protected (after logout)", catch_response=True
        ) as response:
            if response.status_code == expected[1]:
                response.success()
            else:
                response.failure(f"reuse: {response.status_code}, expected {expected[1]}")
