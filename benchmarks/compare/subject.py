"""One strategy's app and test client, with a token from a real login: what compare measures."""

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from sandbox import create_app, extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME, THROWAWAY_HASH
from sandbox.users import UserStore

# The users compare makes to probe an event (a login, a logout, a revocation, a forgery)
# are hashed with this: no figure times their logins, and the configured hash (scrypt, a
# tenth of a second) would make them half of compare's run. The demo user keeps the
# configured hash, since Basic's timed cells check its password on every request.
PROBE_HASH = THROWAWAY_HASH
PROBE_USERNAME = "compare-probe"
# Its Basic credentials end in base64 padding, as the demo user's do (tamper reads them).
PROBE_PASSWORD = "compare-probe-pass"  # noqa: S105 - a throwaway instance's throwaway user


class Subject:
    """One strategy's app and test client, with a token from a real login of the demo user."""

    def __init__(self, config: dict[str, Any]):
        self.config = config
        self.app = self.make_app()
        self.client = self.app.test_client()
        self.strategy = extensions.strategy(self.app)
        first = self._post_login(self.client, DEMO_USERNAME, DEMO_PASSWORD)
        self.issued, self.issued_body = first.get_json(), first.get_data()
        self.header = self.authorization(self.issued["token"])
        self.add_user(PROBE_USERNAME, PROBE_PASSWORD)

    def make_app(self, **overrides: Any) -> Flask:
        """An app of the same instance (same key, same users), with some settings changed."""
        return create_app({**self.config, **overrides})

    def login(
        self,
        client: FlaskClient | None = None,
        username: str = PROBE_USERNAME,
        password: str = PROBE_PASSWORD,
    ) -> dict:
        """POST /token's answer; by default for the probe user, whose hash is cheap."""
        return self._post_login(client or self.client, username, password).get_json()

    def _post_login(self, client: FlaskClient, username: str, password: str) -> TestResponse:
        response = client.post("/token", json={"username": username, "password": password})
        if response.status_code != 200:
            raise RuntimeError(f"login failed: {response.status_code} {response.get_json()}")
        return response

    def users(self) -> UserStore:
        """This instance's user table as `auth-sandbox users` changes it, but new passwords
        hashed with PROBE_HASH; in an app context."""
        return UserStore(PROBE_HASH, production=self.config["SANDBOX_ENV"] == "production")

    def add_user(self, username: str, password: str) -> None:
        """A user of this instance's user table, as `auth-sandbox users add` makes one, but
        with PROBE_HASH."""
        with self.app.app_context():
            self.users().add(username, password)

    def authorization(self, token: str) -> dict[str, str]:
        return {"Authorization": f"{self.strategy.scheme} {token}"}

    def status(self, headers: dict[str, str], client: FlaskClient | None = None) -> int:
        return (client or self.client).get("/protected", headers=headers).status_code
