"""JSON Web Tokens (RFC 7519), made and checked by flask-jwt-extended.

The token carries the user id and its expiry, signed — with HMAC-SHA256 under a
shared secret by default, or with a private key (JWT_ALGORITHM, see jwt_keys) whose
public half other services verify with — not encrypted: anyone can read the
payload. By default nothing is kept per token, so a token stays valid until it
expires. Two settings add server state, each at its price: JWT_DENYLIST (logout
revokes a login; one Redis round trip a request) and REFRESH_TOKEN_TTL (short
access tokens, renewed with rotating refresh tokens; state per login, see
jwt_logins). (The module is not named `jwt` so that it cannot shadow PyJWT.)
"""

import math
import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask
from flask_jwt_extended import create_access_token, create_refresh_token
from flask_jwt_extended.config import config as jwt_settings

from strategies.base import IssuedToken, Revocation, Strategy
from strategies.capabilities import TokenFacts
from strategies.errors import InvalidCredentials, NotRevocable, RefreshTokenReused, RevokedToken
from strategies.jwt_claims import decoding_errors, of_kind, required_claims
from strategies.jwt_flask import flask_jwt_extended
from strategies.jwt_keys import load_private_key_file, load_public_key_file
from strategies.jwt_logins import LoginRecords, Outcome
from strategies.jwt_settings import SETTINGS, VARIANTS, asymmetric
from strategies.jwt_verified import VerifiedTokens
from strategies.jwt_verify_keys import VerifyKeys, key_pair
from strategies.key_binding import bound_key, check_binding, confirmation
from strategies.settings import SettingError
from strategies.token_store import Store
from strategies.users import User, UserDirectory, token_user

SID_BYTES = 16  # a login's id: random, so that no one can name another's login
NOT_REVOCABLE = (
    "A JWT stays valid until it expires (TOKEN_TTL): the server keeps nothing it could delete. "
    "JWT_DENYLIST=true keeps revoked logins in Redis, which is server state again."
)


class JWTStrategy(Strategy):
    name = "jwt"
    scheme = "Bearer"
    cookie_capable = True
    description = (
        "JSON Web Token (RFC 7519): a signed, readable claim set (user id, expiry) that "
        "the server checks with its key alone; valid until it expires, unless a denylist "
        "in Redis (JWT_DENYLIST) holds its login. REFRESH_TOKEN_TTL adds rotating refresh "
        "tokens, whose reuse revokes the login."
    )
    settings = SETTINGS
    variants = VARIANTS  # measured side by side (benchmarks.measurable.HasVariants)

    def __init__(self, config: Mapping[str, Any]):
        super().__init__(config)
        self.ttl: int = config["TOKEN_TTL"]
        self.refresh_ttl: int = config["REFRESH_TOKEN_TTL"]
        if 0 < self.refresh_ttl < self.ttl:
            raise SettingError(
                f"REFRESH_TOKEN_TTL ({self.refresh_ttl} s) must not be shorter than TOKEN_TTL "
                f"({self.ttl} s): an access token would outlive the login that renews it"
            )
        # A denylist is server state (of revoked logins only) that buys logout; refresh
        # tokens keep one record per login, which buys rotation and reuse detection.
        self.revocable = config["JWT_DENYLIST"]
        self.refresh_tokens = self.refresh_ttl > 0
        self.stateful = self.revocable or self.refresh_tokens
        self.key_prefix: str = config["REDIS_KEY_PREFIX"]
        # With state, every token names its login (`sid`), so that logout can find it. `iss`,
        # `aud` and `type` keep a token where it was meant for (RFC 8725 §3.9).
        self.required_claims = required_claims(self.stateful)
        self.algorithm: str = config["JWT_ALGORITHM"]
        self.issuer: str = config["JWT_ISSUER"]
        self.audience: str = config["JWT_AUDIENCE"]
        self.asymmetric = asymmetric(config)
        key_file, old_files = config["JWT_PRIVATE_KEY_FILE"], config["JWT_VERIFY_KEY_FILES"] or ()
        if not self.asymmetric and (key_file or old_files):
            name = "JWT_PRIVATE_KEY_FILE" if key_file else "JWT_VERIFY_KEY_FILES"
            raise SettingError(
                f"{name} holds keys of RS256, ES256 or EdDSA; JWT_ALGORITHM is HS256, which signs "
                "with JWT_SECRET_KEY"
            )
        self.signing_key = (
            load_private_key_file("JWT_PRIVATE_KEY_FILE", key_file, self.algorithm)
            if key_file
            else None
        )
        self.old_keys = [
            load_public_key_file("JWT_VERIFY_KEY_FILES", path, self.algorithm) for path in old_files
        ]

    def init_app(self, app: Flask, users: UserDirectory, store: Store | None) -> None:
        super().init_app(app, users, store)
        self.logins = LoginRecords(store, self.key_prefix) if store is not None else None
        manager = flask_jwt_extended(app, self.algorithm, self.issuer, self.audience, self.ttl)
        if self.asymmetric:
            self.signing_key, self.keys = key_pair(
                app, manager, self.algorithm, self.signing_key, self.old_keys
            )
        else:
            app.config["JWT_SECRET_KEY"] = self.config["JWT_SECRET_KEY"]
            self.keys = VerifyKeys({None: self.config["JWT_SECRET_KEY"]})
        with app.app_context():
            self._leeway = jwt_settings.leeway
        self.verified = VerifiedTokens(self.config["JWT_VERIFIED_CACHE"], self._leeway)

    def jwks(self) -> dict[str, Any] | None:
        return {"keys": self.keys.jwks} if self.keys.jwks is not None else None

    def _records(self) -> LoginRecords:
        assert self.logins is not None  # stateful: create_app gave it the token store
        return self.logins

    def store_keys(self) -> Mapping[str, str]:
        if self.logins is None:
            return {}
        return {
            **({self.logins.record_prefix: "refresh state"} if self.refresh_tokens else {}),
            **({self.logins.denylist_prefix: "denylist"} if self.revocable else {}),
        }

    def issue(self, user: User, password: str) -> IssuedToken:
        return self.issue_many([(user, password)])[0]

    def issue_bound(self, user: User, password: str, jkt: str) -> IssuedToken:
        return self.issue_many([(user, password)], jkt)[0]

    def issue_many(
        self, logins: Sequence[tuple[User, str]], jkt: str | None = None
    ) -> list[IssuedToken]:
        users = [user for user, _password in logins]
        if not self.stateful:
            return [self._pair(user, confirmation(jkt)) for user in users]
        sids = [secrets.token_urlsafe(SID_BYTES) for _ in logins]
        if not self.refresh_tokens:
            return [
                self._pair(user, {"sid": sid, **confirmation(jkt)})
                for user, sid in zip(users, sids, strict=True)
            ]
        # The login's refresh lifetime is absolute: every rotated token keeps this `exp`.
        expires_at = int(time.time()) + self.refresh_ttl
        self._records().start(sids, expires_at)
        return [
            self._pair(user, {"sid": sid, **confirmation(jkt)}, 0, refresh_expires_at=expires_at)
            for user, sid in zip(users, sids, strict=True)
        ]

    def _pair(
        self,
        user: User,
        login: dict[str, Any],
        place: int | None = None,
        refresh_expires_at: int = 0,
    ) -> IssuedToken:
        """An access token (and a refresh token at `place` in the login's chain)."""
        claims = {"gen": user.token_generation, **login}
        access = create_access_token(identity=str(user.id), additional_claims=claims)
        if place is None:
            return IssuedToken(access, expires_in=self.ttl)
        refresh = create_refresh_token(
            identity=str(user.id),
            additional_claims={**claims, "rot": place, "exp": refresh_expires_at},
        )
        left = max(0, refresh_expires_at - int(time.time()))
        return IssuedToken(access, self.ttl, refresh_token=refresh, refresh_expires_in=left)

    def refresh(self, refresh_token: str) -> tuple[User, IssuedToken]:
        return self._refreshed(refresh_token, None)

    def refresh_bound(self, refresh_token: str, jkt: str) -> tuple[User, IssuedToken]:
        return self._refreshed(refresh_token, jkt)

    def _refreshed(self, refresh_token: str, jkt: str | None) -> tuple[User, IssuedToken]:
        claims = self._claims(refresh_token, "refresh")
        user = token_user(self.users, claims["sub"], claims.get("gen", 0))
        sid, place = claims["sid"], claims.get("rot")
        if not isinstance(place, int) or isinstance(place, bool):
            raise InvalidCredentials("Invalid token: its place in the login is not a number")
        bound = bound_key(claims)
        if jkt is not None and bound not in (None, jkt):
            # Whoever proves another key than the login's holds a copy: as a reuse, it
            # revokes the login.
            self._records().revoke([sid], self._denylist_seconds())
            raise RefreshTokenReused(
                "Refresh token sent with a proof of another key than its login's: its login "
                "is revoked"
            )
        check_binding(bound, jkt)
        outcome = self._records().rotate(sid, place, self._denylist_seconds())
        if outcome is Outcome.REUSED:
            raise RefreshTokenReused(
                RefreshTokenReused.default_message
                + (
                    ": every token of it is refused"
                    if self.revocable
                    else f": its refresh tokens are refused, its access tokens work until they "
                    f"expire (at most {self.ttl} s)"
                )
            )
        if outcome is Outcome.REVOKED:
            raise RevokedToken()
        if isinstance(outcome, Outcome):
            raise InvalidCredentials("Unknown or expired login")
        login = {"sid": sid, **confirmation(bound)}
        return user, self._pair(user, login, outcome, refresh_expires_at=claims["exp"])

    def authenticate(self, token: str) -> User:
        return self._authenticated(token, None)

    def authenticate_bound(self, token: str, jkt: str) -> User:
        return self._authenticated(token, jkt)

    def _authenticated(self, token: str, jkt: str | None) -> User:
        claims = self._claims(token, "access")
        check_binding(bound_key(claims), jkt)
        return self._holder(claims)

    def _holder(self, claims: dict[str, Any]) -> User:
        """The user of an access token's verified claims, unless its login is revoked."""
        user = token_user(self.users, claims["sub"], claims.get("gen", 0))
        if self.revocable and self._records().denied(claims["sid"]):
            raise RevokedToken()
        return user

    def introspect(self, token: str) -> TokenFacts:
        claims = self._claims(token, "access")
        user = self._holder(claims)
        return TokenFacts(user, claims["exp"], claims.get("iat"), bound_key(claims))

    def login_id(self, token: str) -> str:
        # A login with state is named by `sid`; one without is one token, named by `jti`.
        claims = self._verified(token)
        login = claims.get("sid") or claims.get("jti")
        if not isinstance(login, str) or not login:
            raise InvalidCredentials("Invalid token: it names no login (no sid, no jti)")
        return login

    def _claims(self, token: str, kind: str) -> dict[str, Any]:
        """The verified claims of a token of `kind` (access or refresh), or the AuthError."""
        claims = self._verified(token)
        of_kind(claims, kind)
        return claims

    def _verified(self, token: str) -> dict[str, Any]:
        """The claims of a token this server signed, access or refresh, or the AuthError."""
        remembered = self.verified.get(token)
        if remembered is not None:
            return remembered
        with decoding_errors():
            claims = self.keys.decoder.decode(
                token,
                self.keys.for_token(token),
                algorithms=[self.algorithm],
                leeway=self._leeway,
                issuer=self.issuer,
                audience=self.audience,
                # Without `require`, PyJWT checks `exp` only when present: a token
                # without one would never expire.
                options={"require": self.required_claims},
            )
        return self.verified.remember(token, claims)

    def _denylist_seconds(self) -> int:
        """How long a revoked login stays denied: as long as any of its access tokens lives."""
        return self.ttl + self._leeway if self.revocable else 0

    def revoke(self, token: str) -> Revocation:
        if not self.stateful:
            raise NotRevocable(NOT_REVOCABLE)
        claims = self._claims(token, "access")
        self._records().revoke([claims["sid"]], self._denylist_seconds())
        revoked = ("access_token",) * self.revocable + ("refresh_token",) * self.refresh_tokens
        if self.revocable:
            return Revocation(revoked)
        # Without a denylist nothing refuses the access token before its `exp`.
        return Revocation(revoked, access_token_valid_for=self._seconds_left(claims))

    def revoke_many(self, tokens: Sequence[str]) -> None:
        if not self.stateful:
            raise NotRevocable(NOT_REVOCABLE)
        sids = [self._claims(token, "access")["sid"] for token in tokens]
        self._records().revoke(sids, self._denylist_seconds())

    def _seconds_left(self, claims: dict[str, Any]) -> int:
        return max(0, math.ceil(claims["exp"] + self._leeway - time.time()))
