"""How long a login's tokens still work after each event that should end them.

Each event happens to a login of a user made for it (so that changing its password
or deleting it disturbs no other measurement); right after it, every token of the
login is tried once, on the real request path. Refused: the window is 0 s, measured.
Still accepted: the window is what is left of the token's life (its expires_in or
refresh_expires_in), an upper bound, since nothing is waited out; a token that never
expires leaves no bound (None). A login without a refresh token has no refresh probe
(None); an event the strategy does not offer (a logout answering 501, a reuse where
there are no refresh tokens) is marked `applicable: False`, with why.
"""

import math
import time
from collections.abc import Callable
from typing import Any

from benchmarks.compare.subject import Subject
from sandbox import extensions

PASSWORD = "revocation-probe-password"  # noqa: S105 - a throwaway instance's throwaway user
NEW_PASSWORD = "another-probe-password"  # noqa: S105

Probe = dict[str, Any]


class Login:
    """One login of its own user: the tokens it holds, and when each was issued."""

    def __init__(self, subject: Subject, event: str):
        self.subject = subject
        self.username = f"revocation-{event.replace('_', '-')}"
        subject.add_user(self.username, PASSWORD)
        # (token, its life in seconds or None, when it was issued)
        self.access: list[tuple[str, int | None, float]] = []
        self.refresh: tuple[str, int | None, float] | None = None
        self.take(subject.login(username=self.username, password=PASSWORD))

    def take(self, body: dict[str, Any]) -> None:
        """The tokens of a POST /token or /token/refresh answer."""
        now = time.monotonic()
        self.access.append((body["token"], body["expires_in"], now))
        refresh = body.get("refresh_token")
        self.refresh = (refresh, body.get("refresh_expires_in"), now) if refresh else None

    def post_refresh(self, token: str) -> Any:
        return self.subject.client.post("/token/refresh", json={"refresh_token": token})

    def probes(self) -> dict[str, Probe | None]:
        """Every access token of the login tried once (the longest window counts), then
        its current refresh token (which a refresh that works spends)."""
        tried = [self._access_probe(token, life, at) for token, life, at in self.access]
        refresh = None
        if self.refresh is not None:
            token, life, at = self.refresh
            refresh = _window(self.post_refresh(token).status_code, life, at)
        return {"access": max(tried, key=_length), "refresh": refresh}

    def _access_probe(self, token: str, life: int | None, issued_at: float) -> Probe:
        return _window(self.subject.status(self.subject.authorization(token)), life, issued_at)


def _window(status: int, life: int | None, issued_at: float) -> Probe:
    if status == 401:
        return {"status_after": status, "refused": True, "window_s": 0, "upper_bound": False}
    if status != 200:  # neither refused nor accepted: the measurement itself went wrong
        raise RuntimeError(f"a token tried after an event got {status}")
    left = None if life is None else max(0, math.ceil(life - (time.monotonic() - issued_at)))
    return {"status_after": status, "refused": False, "window_s": left, "upper_bound": True}


def _length(probe: Probe) -> float:
    """How long a probe's token still works: a token that never expires, longest."""
    return math.inf if probe["window_s"] is None else probe["window_s"]


def logout(login: Login) -> dict[str, Any]:
    token = login.access[-1][0]
    response = login.subject.client.post("/logout", headers=login.subject.authorization(token))
    result: dict[str, Any] = {"status": response.status_code, "applicable": True}
    if response.status_code >= 300:
        result |= {"applicable": False, "why": f"logout answers {response.status_code}"}
    return result | login.probes()


def password_change(login: Login) -> dict[str, Any]:
    """What `auth-sandbox users passwd` does."""
    with login.subject.app.app_context():
        login.subject.users().set_password(login.username, NEW_PASSWORD)
    return {"status": None, "applicable": True} | login.probes()


def user_deletion(login: Login) -> dict[str, Any]:
    """What `auth-sandbox users delete` does: delete the user."""
    app = login.subject.app
    with app.app_context():
        extensions.users(app).delete(login.username)
    return {"status": None, "applicable": True} | login.probes()


def refresh_token_reuse(login: Login) -> dict[str, Any]:
    """A refresh token used once, then sent again (by a thief, or a tab that lost a race)."""
    if login.refresh is None:
        status = login.post_refresh("no-refresh-token").status_code
        why = f"no refresh token (POST /token/refresh answers {status})"
        return {"status": status, "applicable": False, "why": why, "access": None, "refresh": None}
    spent = login.refresh[0]
    rotated = login.post_refresh(spent)
    if rotated.status_code != 200:
        raise RuntimeError(f"a refresh failed with {rotated.status_code}")
    login.take(rotated.get_json())
    reused = login.post_refresh(spent)
    return {"status": reused.status_code, "applicable": True} | login.probes()


RUN: dict[str, Callable[[Login], dict[str, Any]]] = {
    "logout": logout,
    "password_change": password_change,
    "user_deletion": user_deletion,
    "refresh_token_reuse": refresh_token_reuse,
}


def revocation(subject: Subject) -> dict[str, dict[str, Any]]:
    """Each event, on a login of a user of its own."""
    return {event: run(Login(subject, event)) for event, run in RUN.items()}
