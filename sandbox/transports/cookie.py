"""TOKEN_LOCATION=cookie: the token travels in an HttpOnly cookie, guarded by a CSRF token.

One transport for every strategy whose token can travel in a cookie
(`Strategy.cookie_capable`). The cookie alone authenticates: an `Authorization` header
the client also sends is not read.

A script cannot read an HttpOnly cookie, but the browser attaches it to every
request to the site, a forged one included. A request that changes state must
therefore also carry `X-CSRF-Token` (double submit): the value the login's answer
gave, also kept in a cookie that scripts of the page can read after a reload. It
is an HMAC of the login's id (`strategies.capabilities.login_id`) under a server key,
so nothing is stored per login, and it stays the same when the refresh token rotates.
"""

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify, request

from sandbox.transports.base import Transport
from sandbox.transports.header import token68
from strategies.base import IssuedToken, Strategy
from strategies.capabilities import login_id
from strategies.errors import CSRFFailed, MissingCredentials
from strategies.settings import HOW_TO_MAKE_A_SECRET, Setting, random_secret, with_made_values
from strategies.token_store import Store

ACCESS_COOKIE = "access_token"
REFRESH_COOKIE = "refresh_token"
CSRF_COOKIE = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
REFRESH_PATH = "/token/refresh"  # the refresh cookie goes to the one route that reads it


def cookie_mode(settings: Mapping[str, Any]) -> bool:
    return settings["TOKEN_LOCATION"] == "cookie"


class CookieTransport(Transport):
    location = "cookie"
    settings = (
        Setting(
            "CSRF_SECRET_KEY",
            None,
            "the key of the CSRF tokens' HMAC with TOKEN_LOCATION=cookie; required in "
            "production with it; unset in development: a random key made once in the "
            "instance folder",
            required_in_production=cookie_mode,
            secret=True,
            make=random_secret,
            how=HOW_TO_MAKE_A_SECRET,
        ),
    )

    def __init__(
        self,
        strategy: Strategy,
        config: Mapping[str, Any],
        instance_path: str,
        store: Store | None = None,
    ):
        super().__init__(strategy, config, instance_path, store)
        config = with_made_values(self.settings, config, instance_path)
        self.secret = config["CSRF_SECRET_KEY"].encode()
        self.secure = config["SANDBOX_ENV"] == "production"  # sent over HTTPS only

    def token(self) -> str:
        token = request.cookies.get(ACCESS_COOKIE)
        if not token:
            raise MissingCredentials()
        return token68(token.strip(), self.strategy.scheme)

    def refresh_token(self) -> str:
        token = request.cookies.get(REFRESH_COOKIE)
        if not token:
            raise MissingCredentials("Missing refresh_token cookie")
        return token

    def prove_state_change(self, token: str) -> None:
        """CSRFFailed unless the request's X-CSRF-Token is that of `token`'s login."""
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), self.csrf_token(token).encode()):
            raise CSRFFailed()

    def csrf_token(self, token: str) -> str:
        """The CSRF token of the login that `token` (access or refresh) belongs to."""
        login = login_id(self.strategy, token).encode()
        digest = hmac.new(self.secret, login, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def issued(self, body: dict[str, Any], issued: IssuedToken) -> Response:
        # The tokens travel in cookies, never in the body: the body has the CSRF token.
        refresh = {"refresh_token": None} if issued.refresh_token else {}
        csrf = self.csrf_token(issued.token)
        response = jsonify(
            body | {"token": None, "token_type": "cookie", "csrf_token": csrf, **refresh}
        )
        self._set(response, ACCESS_COOKIE, issued.token, issued.expires_in)
        if issued.refresh_token:
            self._set(
                response,
                REFRESH_COOKIE,
                issued.refresh_token,
                issued.refresh_expires_in,
                path=REFRESH_PATH,
            )
        # Readable by the page's scripts (not HttpOnly), so that a reloaded page still has it,
        # for as long as the login can still be refreshed or used.
        lives = issued.refresh_expires_in or issued.expires_in
        self._set(response, CSRF_COOKIE, csrf, lives, httponly=False)
        return response

    def _set(
        self,
        response: Response,
        name: str,
        value: str,
        max_age: int | None,
        path: str = "/",
        httponly: bool = True,
    ) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path=path,
            secure=self.secure,
            httponly=httponly,
            samesite="Strict",
        )

    def forget(self, response: Response) -> Response:
        for name, path, httponly in (
            (ACCESS_COOKIE, "/", True),
            (REFRESH_COOKIE, REFRESH_PATH, True),
            (CSRF_COOKIE, "/", False),
        ):
            response.delete_cookie(
                name, path=path, secure=self.secure, httponly=httponly, samesite="Strict"
            )
        return response
