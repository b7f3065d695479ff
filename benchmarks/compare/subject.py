"""One strategy's app and test client, with a token from a real login: what compare measures."""

from typing import Any, cast

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from benchmarks.harness.dpop_client import ProofKey, proving_client
from sandbox import create_app, extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME, THROWAWAY_HASH, configure
from sandbox.users import UserStore
from strategies.base import IssuedToken, Strategy
from strategies.capabilities import KeyBinding, PasswordCredentials
from strategies.users import User

# The users compare makes to probe an event (a login, a logout, a revocation, a forgery)
# are hashed with this: no figure times their logins, and the configured hash (scrypt, a
# tenth of a second) would make them half of compare's run. The demo user keeps the
# configured hash where every request checks a password (Basic's timed cells); elsewhere
# no figure times its login, and it is hashed as the probe users are.
PROBE_HASH = THROWAWAY_HASH
PROBE_USERNAME = "compare-probe"
# Its Basic credentials end in base64 padding, as the demo user's do (tamper reads them).
PROBE_PASSWORD = "compare-probe-pass"  # noqa: S105 - a throwaway instance's throwaway user


class Subject:
    """One strategy's app and test client, with a token from a real login of the demo user."""

    def __init__(self, config: dict[str, Any]):
        if not isinstance(configure(config).strategy, PasswordCredentials):
            config = {**config, "PASSWORD_HASH_METHOD": PROBE_HASH}
        self.config = config
        # Where tokens are bound to a key (TOKEN_BINDING=dpop), the demo user's client holds
        # one, and every client of the instance proves it on each request.
        self.proof_key: ProofKey | None = None
        self.app = self.make_app()
        self.transport = extensions.transport(self.app)
        if self.transport.binding == "dpop":
            self.proof_key = ProofKey()
            self.app.test_client_class = proving_client(self.proof_key)
        self.client = self.app.test_client()
        self.strategy = extensions.strategy(self.app)
        first = self._post_login(self.client, DEMO_USERNAME, DEMO_PASSWORD)
        self.issued, self.issued_body = first.get_json(), first.get_data()
        self.header = self.authorization(self.issued["token"])
        self.add_user(PROBE_USERNAME, PROBE_PASSWORD)

    def make_app(self, **overrides: Any) -> Flask:
        """An app of the same instance (same key, same users), with some settings changed."""
        app = create_app({**self.config, **overrides})
        if self.proof_key is not None:
            app.test_client_class = proving_client(self.proof_key)
        return app

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

    def issue(self, user: User, password: str, strategy: Strategy | None = None) -> IssuedToken:
        """What a login issues `user` (by `strategy`, this instance's by default): bound to the
        client's key where tokens are, as POST /token with its proof would bind it."""
        strategy = strategy or self.strategy
        if self.proof_key is None:
            return strategy.issue(user, password)
        return cast(KeyBinding, strategy).issue_bound(user, password, self.proof_key.jkt)

    def authorization(self, token: str) -> dict[str, str]:
        return {"Authorization": f"{self.transport.scheme} {token}"}

    def status(self, headers: dict[str, str], client: FlaskClient | None = None) -> int:
        return (client or self.client).get("/protected", headers=headers).status_code
