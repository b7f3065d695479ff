"""Schemathesis hooks of tests/test_openapi.py's live run, which loads them in its subprocess.

The secured operations (`/protected`, `/logout`) get a real token from `POST /token`, sent as a
client would: `Authorization: <token_type> <token>`.
"""

import requests
import schemathesis

from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME


class Login:
    """The demo user logs in at the server under test."""

    def get(self, case, context) -> str:
        login = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
        response = requests.post(f"{case.operation.base_url}/token", json=login, timeout=10)
        response.raise_for_status()
        issued = response.json()
        return f"{issued['token_type']} {issued['token']}"

    def set(self, case, authorization: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": authorization}


# /logout revokes the token it is sent (where the strategy can): each of its cases logs in
# anew (no caching), so that the token /protected's cases share (cached for the run) stays
# valid, and /logout's 204 and its ignored_auth check are exercised with a live token too.
schemathesis.auth(refresh_interval=None).apply_to(path="/logout")(Login)
schemathesis.auth().apply_to(path="/protected")(Login)
