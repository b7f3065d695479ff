"""What a service that verifies the tokens elsewhere knows of a revocation: nothing.

Measured for every configuration that publishes its public keys
(`strategies.capabilities.PublishedKeys`): its app serves the JWK Set on a loopback port, a
resource server (the one of `auth-sandbox resource-server`, in-process) verifies with it, and a
login of a user
of its own is tried at both, before and right after a password change, and after a
logout where the configuration answers it. The sandbox reads the user's token
generation on every request; the resource server has only the token and the keys.
"""

import math
import time
from collections.abc import Callable
from typing import Any

from benchmarks import anatomy
from benchmarks.browser.served_app import serve
from benchmarks.compare.subject import Subject
from benchmarks.harness.dpop_client import proving_client
from sandbox.resource_server import create_resource_server
from strategies import capabilities

Headers = dict[str, str]
PASSWORD = "elsewhere-probe-password"  # noqa: S105 - a throwaway instance's throwaway user
NEW_PASSWORD = "elsewhere-other-password"  # noqa: S105


def verified_elsewhere(subject: Subject) -> dict[str, Any] | None:
    """The two answers after each event, or None where no public key is published."""
    if capabilities.jwks(subject.strategy) is None:
        return None
    with serve(subject.app) as served:
        results = {
            "password_change": _after(subject, served.url, "password-change", _change_password),
            "logout": _after(subject, served.url, "logout", _log_out),
        }
    return results


def _after(
    subject: Subject, base: str, event: str, happen: Callable[[Subject, str, Headers], int | None]
) -> dict[str, Any]:
    username = f"elsewhere-{event}"
    subject.add_user(username, PASSWORD)
    issued = subject.login(username=username, password=PASSWORD)
    issued_at = time.monotonic()
    # It expects what the token says of itself: who issued it, for whom (read without a key).
    decoded = anatomy.decode_jwt(issued["token"])
    claims = decoded[1] if decoded else {}
    resource_server = create_resource_server(
        f"{base}/.well-known/jwks.json", issuer=claims["iss"], audience=claims["aud"]
    )
    if subject.proof_key is not None:  # the client proves its key there too
        resource_server.test_client_class = proving_client(subject.proof_key)
    header = subject.authorization(issued["token"])
    elsewhere = resource_server.test_client()
    before = elsewhere.get("/protected", headers=header).status_code
    event_status = happen(subject, username, header)
    here = subject.status(header)
    there = elsewhere.get("/protected", headers=header).status_code
    left = max(0, math.ceil(issued["expires_in"] - (time.monotonic() - issued_at)))
    return {
        "event_status": event_status,
        "accepted_before": before == 200,
        "sandbox_after": here,
        "resource_server_after": there,
        # Still accepted there: until the token expires, an upper bound.
        "resource_server_window_s": left if there == 200 else 0,
    }


def _change_password(subject: Subject, username: str, _header: Headers) -> None:
    with subject.app.app_context():
        subject.users().set_password(username, NEW_PASSWORD)


def _log_out(subject: Subject, _username: str, header: Headers) -> int:
    return subject.client.post("/logout", headers=header).status_code
