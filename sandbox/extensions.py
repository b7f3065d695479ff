"""What `create_app` keeps on the app for its routes and commands, read through typed accessors.

Each takes an app, or the current one inside an app or request context.
"""

from dataclasses import dataclass

from flask import Flask, current_app

from sandbox.cookies import CookieTransport
from sandbox.login_limits import LoginLimits
from sandbox.users import UserStore
from strategies.base import Strategy

KEY = "auth_sandbox"


@dataclass(frozen=True)
class Parts:
    strategy: Strategy
    users: UserStore
    login_limits: LoginLimits
    cookies: CookieTransport | None  # TOKEN_LOCATION=cookie


def install(app: Flask, parts: Parts) -> None:
    app.extensions[KEY] = parts


def parts(app: Flask | None = None) -> Parts:
    return (app or current_app).extensions[KEY]


def strategy(app: Flask | None = None) -> Strategy:
    return parts(app).strategy


def users(app: Flask | None = None) -> UserStore:
    return parts(app).users


def login_limits(app: Flask | None = None) -> LoginLimits:
    return parts(app).login_limits


def cookies(app: Flask | None = None) -> CookieTransport | None:
    return parts(app).cookies
