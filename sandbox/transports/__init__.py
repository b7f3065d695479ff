"""Where a token travels: how it arrives with a request and leaves with an answer.

A transport is the other half of an authentication backend (fastapi-users' Transport and
Strategy pair): it takes the token from a request and hands it to the strategy, puts what a
login issued into the answer, and says what a request that changes state must also prove.
The routes ask it, never which one it is. `TOKEN_LOCATION` picks it at start:

| transport | the token arrives | a state change also proves |
|---|---|---|
| `HeaderTransport` (`header`) | `Authorization: <scheme> <token>` | nothing more |
| `CookieTransport` (`cookie`) | an HttpOnly cookie the login set | the login's CSRF token |
"""

from collections.abc import Mapping
from typing import Any

from sandbox.transports.base import Transport
from sandbox.transports.cookie import CookieTransport
from sandbox.transports.header import HeaderTransport
from strategies.base import Strategy
from strategies.settings import Setting, one_of

TRANSPORTS: dict[str, type[Transport]] = {
    transport.location: transport for transport in (HeaderTransport, CookieTransport)
}

TOKEN_LOCATION = Setting(
    "TOKEN_LOCATION",
    "header",
    "header: the client sends the token in Authorization; cookie: the server sets it in an "
    "HttpOnly cookie, and requests that change state need the X-CSRF-Token header too",
    one_of(*TRANSPORTS),
)
# The app's setting that picks the transport, then each transport's own.
SETTINGS = (TOKEN_LOCATION, *(s for t in TRANSPORTS.values() for s in t.settings))


def make_transport(strategy: Strategy, config: Mapping[str, Any], instance_path: str) -> Transport:
    """The transport TOKEN_LOCATION names, for `strategy`, from the app's settings."""
    return TRANSPORTS[config[TOKEN_LOCATION.name]](strategy, config, instance_path)


__all__ = ["SETTINGS", "CookieTransport", "HeaderTransport", "Transport", "make_transport"]
