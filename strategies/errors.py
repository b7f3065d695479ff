"""What can go wrong when a request is authenticated, as types.

Strategies raise these; the app turns each into its HTTP response in one place
(`sandbox.errors`). `status` is the HTTP status, `token_sent` says whether the
client sent credentials at all (RFC 6750 §3 adds `error="invalid_token"` to the
challenge only then).
"""


class AuthError(Exception):
    status = 401
    token_sent = True
    retry_after: int | None = None  # seconds, sent as Retry-After when set
    default_message = "Authentication failed"

    def __init__(self, message: str | None = None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message


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


class StoreUnavailable(AuthError):
    status = 503
    retry_after = 5
    default_message = "The token store cannot be reached; try again shortly"


class NotRevocable(AuthError):
    status = 501
    default_message = "This strategy cannot revoke a token"
