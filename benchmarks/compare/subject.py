"""One strategy's app and test client, with a token from a real login: what compare measures."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from sandbox import create_app, extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME


@contextmanager
def quiet(logger: logging.Logger) -> Iterator[None]:
    disabled, logger.disabled = logger.disabled, True
    try:
        yield
    finally:
        logger.disabled = disabled


class Subject:
    """One strategy's app and test client, with a token from a real login."""

    def __init__(self, config: dict[str, Any]):
        self.config = config
        self.app = self.make_app()
        self.client = self.app.test_client()
        self.strategy = extensions.strategy(self.app)
        self.issued = self.login()
        self.header = self.authorization(self.issued["token"])

    def make_app(self, **overrides: Any) -> Flask:
        """An app of the same instance (same key, same users), with some settings changed.

        Its start's warnings are not shown: the comparison's own Redis keeps nothing across
        a restart on purpose, and says so for every app of every configuration.
        """
        with quiet(logging.getLogger("sandbox")):
            return create_app({**self.config, **overrides})

    def login(
        self,
        client: FlaskClient | None = None,
        username: str = DEMO_USERNAME,
        password: str = DEMO_PASSWORD,
    ) -> dict:
        response = (client or self.client).post(
            "/token", json={"username": username, "password": password}
        )
        if response.status_code != 200:
            raise RuntimeError(f"login failed: {response.status_code} {response.get_json()}")
        return response.get_json()

    def add_user(self, username: str, password: str) -> None:
        """A user of this instance's user table, as `auth-sandbox users add` makes one."""
        with self.app.app_context():
            extensions.users(self.app).add(username, password)

    def authorization(self, token: str) -> dict[str, str]:
        return {"Authorization": f"{self.strategy.scheme} {token}"}

    def status(self, headers: dict[str, str], client: FlaskClient | None = None) -> int:
        return (client or self.client).get("/protected", headers=headers).status_code
