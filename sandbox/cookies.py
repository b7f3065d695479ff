"""TOKEN_LOCATION=cookie: the token travels in an HttpOnly cookie, guarded by a CSRF token.

One transport for every strategy whose token can travel in a cookie
(`Strategy.cookie_capable`): before each request the cookie's token is handed to
the strategy as the `Authorization` header it reads anyway (a header the client
sent is dropped: in cookie mode the cookie alone authenticates), so no strategy
knows where its token came from.

A script cannot read an HttpOnly cookie, but the browser attaches it to every
request to the site, a forged one included. A request that changes state must
therefore also carry `X-CSRF-Token` (double submit): the value the login's answer
gave, also kept in a cookie that scripts of the page can read after a reload. It
is an HMAC of the login's id (`Strategy.login_id`) under a server key, so nothing
is stored per login, and it stays the same when the refresh token rotates.
"""

import base64
import hashlib
import hmac
from typing import Any

from flask import Flask, Response, g, request

from strategies.base import IssuedToken, Strategy
from strategies.errors import CSRFFailed, MissingCredentials
from strategies.settings import HOW_TO_MAKE_A_SECRET, Setting, one_of, random_secret

ACCESS_COOKIE = "access_token"
REFRESH_COOKIE = "refresh_token"
CSRF_COOKIE = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
REFRESH_PATH = "/token/refresh"  # the refresh cookie goes to the one route that reads it


def cookie_mode(settings: Any) -> bool:
    return settings["TOKEN_LOCATION"] == "cookie"


SETTINGS = (
    Setting(
        "TOKEN_LOCATION",
        "header",
        "header: the client sends the token in Authorization; cookie: the server sets it in an "
        "HttpOnly cookie, and requests that change state need the X-CSRF-Token header too",
        one_of("header", "cookie"),
    ),
    Setting(
        "CSRF_SECRET_KEY",
        None,
        "the key of the CSRF tokens' HMAC with TOKEN_LOCATION=cookie; required in production "
        "with it; unset in development: a random key made once in the instance folder",
        required_in_production=cookie_mode,
        secret=True,
        make=random_secret,
        how=HOW_TO_MAKE_A_SECRET,
    ),
)


class CookieTransport:
    def __init__(self, strategy: Strategy, secret: str, secure: bool):
        self.strategy = strategy
        self.secret = secret.encode()
        self.secure = secure  # production: sent over HTTPS only

    def install(self, app: Flask) -> None:
        app.before_request(self._cookie_as_header)
        app.after_request(self._forget_after_logout)

    def _cookie_as_header(self) -> None:
        environ = request.environ
        environ.pop("HTTP_AUTHORIZATION", None)
        token = request.cookies.get(ACCESS_COOKIE)
        if token:
            environ["HTTP_AUTHORIZATION"] = f"{self.strategy.scheme} {token}"

    def csrf_token(self, token: str) -> str:
        """The CSRF token of the login that `token` (access or refresh) belongs to."""
        login = self.strategy.login_id(token).encode()
        digest = hmac.new(self.secret, login, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def check_csrf(self, token: str) -> None:
        """CSRFFailed unless the request's X-CSRF-Token is that of `token`'s login."""
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), self.csrf_token(token).encode()):
            raise CSRFFailed()

    def access_token(self) -> str:
        token = request.cookies.get(ACCESS_COOKIE)
        if not token:
            raise MissingCredentials("Missing access_token cookie")
        return token

    def refresh_token(self) -> str:
        token = request.cookies.get(REFRESH_COOKIE)
        if not token:
            raise MissingCredentials("Missing refresh_token cookie")
        return token

    def body(self, issued: IssuedToken) -> dict[str, Any]:
        """What replaces the tokens in the JSON body: none of them, and the CSRF token."""
        refresh = {"refresh_token": None} if issued.refresh_token else {}
        return {
            "token": None,
            "token_type": "cookie",
            "csrf_token": self.csrf_token(issued.token),
            **refresh,
        }

    def set_cookies(self, response: Response, issued: IssuedToken) -> None:
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
        csrf, lives = self.csrf_token(issued.token), issued.refresh_expires_in or issued.expires_in
        self._set(response, CSRF_COOKIE, csrf, lives, httponly=False)

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

    def forget_after_this_request(self) -> None:
        """Expire the cookies when this request ends, whatever it answers."""
        g.forget_cookies = True

    def _forget_after_logout(self, response: Response) -> Response:
        if g.get("forget_cookies"):
            for name, path, httponly in (
                (ACCESS_COOKIE, "/", True),
                (REFRESH_COOKIE, REFRESH_PATH, True),
                (CSRF_COOKIE, "/", False),
            ):
                response.delete_cookie(
                    name, path=path, secure=self.secure, httponly=httponly, samesite="Strict"
                )
        return response
