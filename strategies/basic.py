"""HTTP Basic (RFC 7617): the token is the password, base64-encoded.

Nothing is kept per token; every request carries the password and pays for one
password-hash check. `POST /token` returns the encoded credentials only so that
every strategy shares one client flow.
"""

from base64 import b64encode

from strategies.base import REALM, IssuedToken, User
from strategies.errors import AuthError, NotRevocable
from strategies.httpauth import HTTPAuthStrategy, StrictBasicAuth


class BasicStrategy(HTTPAuthStrategy):
    name = "basic"
    scheme = "Basic"
    stateful = False
    revocable = False
    description = (
        "HTTP Basic (RFC 7617): base64 of username:password on every request; "
        "the password hash is checked each time."
    )
    refusal = "Bad username or password"

    def make_http_auth(self) -> StrictBasicAuth:
        auth = StrictBasicAuth(realm=REALM)
        auth.verify_password(self.users.verify)
        return auth

    def issue(self, user: User, password: str) -> IssuedToken:
        credentials = f"{user.username}:{password}".encode()
        return IssuedToken(b64encode(credentials).decode("ascii"), expires_in=None)

    def revoke(self) -> None:
        raise NotRevocable(
            "Basic credentials are the password itself: there is no token to revoke. "
            "Change the password (auth-sandbox users passwd NAME) to stop them working."
        )

    def challenge(self, error: AuthError) -> str:
        return f'Basic realm="{REALM}", charset="UTF-8"'
