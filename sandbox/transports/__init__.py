"""Where a token travels: how it arrives with a request and leaves with an answer.

A transport is the other half of an authentication backend (fastapi-users' Transport and
Strategy pair): it takes the token from a request and hands it to the strategy, puts what a
login issued into the answer, and says what a request that changes state must also prove.
The routes ask it, never which one it is. `TOKEN_LOCATION` picks it at start:

| transport | the token arrives | a state change also proves |
|---|---|---|
| `HeaderTransport` (`header`) | `Authorization: <scheme> <token>` | nothing more |
| `CookieTransport` (`cookie`) | an HttpOnly cookie the login set | the login's CSRF token |
| `DPoPTransport` (`TOKEN_BINDING=dpop`) | `Authorization: DPoP <token>` | nothing more |

Each DPoP request also proves, in its `DPoP` header, the key its token is bound to.
"""

from collections.abc import Mapping
from typing import Any

from sandbox.transports.base import Transport
from sandbox.transports.cookie import CookieTransport
from sandbox.transports.dpop import DPoPTransport
from sandbox.transports.header import HeaderTransport
from strategies.base import Strategy
from strategies.capabilities import KeyBinding
from strategies.settings import Setting, SettingError, one_of
from strategies.token_store import Store

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
TOKEN_BINDING = Setting(
    "TOKEN_BINDING",
    "none",
    "none: whoever holds a token can use it; dpop: tokens are bound to a key the client "
    "holds, and every request proves it with a DPoP proof (RFC 9449); bearer and jwt only, "
    "with TOKEN_LOCATION=header",
    one_of("none", DPoPTransport.binding),
)
# The app's settings that pick the transport, then each transport's own.
SETTINGS = (
    TOKEN_LOCATION,
    TOKEN_BINDING,
    *(s for t in TRANSPORTS.values() for s in t.settings),
    *DPoPTransport.settings,
)


def check_transport(strategy: Strategy, config: Mapping[str, Any]) -> None:
    """Refuse, with one line naming the setting, a transport the strategy cannot use."""
    if config[TOKEN_LOCATION.name] == "cookie" and not strategy.cookie_capable:
        raise SettingError(
            f"TOKEN_LOCATION=cookie: the {strategy.name!r} strategy's credentials cannot "
            "travel in a cookie (a password sent on every request, or a token it reads "
            "from the Authorization header only); use header"
        )
    if config[TOKEN_BINDING.name] != DPoPTransport.binding:
        return
    if not isinstance(strategy, KeyBinding):
        raise SettingError(
            f"TOKEN_BINDING=dpop: the {strategy.name!r} strategy's credentials cannot be bound "
            "to a key (bearer and jwt tokens can, and a plug-in that implements KeyBinding)"
        )
    if config[TOKEN_LOCATION.name] != "header":
        raise SettingError(
            "TOKEN_BINDING=dpop needs TOKEN_LOCATION=header: a DPoP token is sent with a proof "
            "signed for each request, which a cookie the browser attaches by itself is not"
        )


def make_transport(
    strategy: Strategy, config: Mapping[str, Any], instance_path: str, store: Store | None
) -> Transport:
    """The transport TOKEN_LOCATION and TOKEN_BINDING name, for `strategy`; `store` is the
    token store, where the strategy has one."""
    if config[TOKEN_BINDING.name] == DPoPTransport.binding:
        return DPoPTransport(strategy, config, instance_path, store)
    return TRANSPORTS[config[TOKEN_LOCATION.name]](strategy, config, instance_path, store)


__all__ = [
    "SETTINGS",
    "CookieTransport",
    "DPoPTransport",
    "HeaderTransport",
    "Transport",
    "check_transport",
    "make_transport",
]
