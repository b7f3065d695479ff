"""What can go wrong when a request is authenticated, as types.

Strategies raise these; the app turns each into its HTTP response through one
table (`sandbox.errors.ANSWERS`): status, challenge, Retry-After. A type says only
what happened: its message, whether the client sent credentials at all (RFC 6750 §3
adds `error="invalid_token"` to the challenge only then), and any fields the body
carries beside `msg`.
"""

from typing import Any


class AuthError(Exception):
    token_sent = True
    default_message = "Authentication failed"
    # The scheme its challenge names, where not the one the app's transport takes.
    scheme: str | None = None

    def __init__(self, message: str | None = None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message

    @property
    def fields(self) -> dict[str, Any]:
        """What the JSON body carries beside `msg`."""
        return {}


class MissingCredentials(AuthError):
    token_sent = False
    default_message = "Missing Authorization header"


class InvalidCredentials(AuthError):
    default_message = "Invalid credentials"


class BadLogin(AuthError):
    """A failed `POST /token`: the same message for an unknown user and a wrong password."""

    token_sent = False
    default_message = "Bad username or password"


class ExpiredToken(AuthError):
    default_message = "Token has expired"


class RevokedToken(AuthError):
    default_message = "Token has been revoked"


class TooManyFailedLogins(AuthError):
    token_sent = False
    default_message = "Too many failed logins; try again later"

    def __init__(self, retry_after: int):
        super().__init__()
        self.retry_after = retry_after  # seconds until the window that is spent ends


class StoreUnavailable(AuthError):
    default_message = "The token store cannot be reached; try again shortly"


class StoreDown(StoreUnavailable):
    """`/healthz` while the strategy's store is unreachable."""

    def __init__(self, strategy: str):
        super().__init__("The token store cannot be reached")
        self.strategy = strategy

    @property
    def fields(self) -> dict[str, Any]:
        return {"status": "unavailable", "strategy": self.strategy, "store": "down"}


class NotRevocable(AuthError):
    default_message = "This strategy cannot revoke a token"


class NoRefreshTokens(AuthError):
    default_message = "This configuration issues no refresh tokens: log in again at POST /token"


class RefreshTokenReused(RevokedToken):
    """A spent refresh token sent again: one of its two holders is a thief."""

    default_message = (
        "Refresh token already used: one of its holders must be a thief, so its login is revoked"
    )


class CSRFFailed(AuthError):
    """A state-changing request with the login's cookie but not its CSRF token (403)."""

    token_sent = False
    default_message = "Missing or wrong X-CSRF-Token header: send the login's csrf_token"


class BoundTokenWithoutProof(InvalidCredentials):
    """A token bound to a key, sent as a bearer token (a downgrade): answered with a DPoP
    challenge wherever bearer tokens are also taken."""

    default_message = (
        "Token is bound to a key: send it as 'Authorization: DPoP <token>' with a DPoP proof "
        "signed by that key"
    )


class InvalidDPoPProof(AuthError):
    """A request to a configuration that binds tokens to a key, without a valid proof of it
    (RFC 9449): refused with a DPoP challenge naming the error (401)."""

    default_message = "Invalid DPoP proof"
    error_code = "invalid_dpop_proof"

    @property
    def fields(self) -> dict[str, Any]:
        return {"error": self.error_code}


class BadDPoPGrant(InvalidDPoPProof):
    """A login or refresh without a valid proof: no token is issued (400, RFC 9449 §5)."""

    token_sent = False


class BadIntrospectionClient(AuthError):
    """POST /introspect without the Basic credentials of one of INTROSPECTION_CLIENTS (401):
    whatever the strategy, its challenge is Basic's."""

    token_sent = False
    scheme = "Basic"
    default_message = (
        "Introspection needs the Basic credentials of a client of INTROSPECTION_CLIENTS"
    )
