"""Tokens bound to a key the client holds (TOKEN_BINDING=dpop, RFC 9449), as a strategy
sees them: each token names the RFC 7638 thumbprint (`jkt`) of its key, and a request's
token is accepted only beside a proof signed by that key. The app verifies the proof and
hands the strategy the thumbprint it proved (`sandbox.dpop`); the strategy compares it with
the one its token names (`strategies.capabilities.KeyBinding`).
"""

from typing import Any

from strategies.errors import BoundTokenWithoutProof, InvalidCredentials, InvalidDPoPProof


def check_binding(bound: str | None, proved: str | None) -> None:
    """Refuse a token bound to `bound` (None: to no key) in a request that proves `proved`."""
    if bound == proved:
        return
    if proved is None:  # a bound token sent as a bearer token: a downgrade
        raise BoundTokenWithoutProof()
    if bound is None:
        raise InvalidCredentials(
            "Token is not bound to a key, and this server takes only bound ones"
        )
    raise InvalidDPoPProof("DPoP proof signed by another key than the one its token is bound to")


def confirmation(jkt: str | None) -> dict[str, Any]:
    """The claims that bind a JWT to the key whose thumbprint is `jkt` (RFC 9449 §6.1)."""
    return {} if jkt is None else {"cnf": {"jkt": jkt}}


def bound_key(claims: dict[str, Any]) -> str | None:
    """The thumbprint a verified JWT's claims bind it to; None where they bind it to none."""
    cnf = claims.get("cnf")
    if cnf is None:
        return None
    jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
    if not isinstance(jkt, str) or not jkt:
        raise InvalidCredentials("Invalid token: its cnf names no key thumbprint (jkt)")
    return jkt
