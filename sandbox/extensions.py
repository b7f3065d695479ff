"""What `create_app` keeps on the app for its routes and commands, read through typed accessors.

Each takes an app, or the current one inside an app or request context.
"""

from dataclasses import dataclass

from flask import Flask, current_app

from sandbox.login_limits import LoginLimits
from sandbox.transports import Transport
from sandbox.users import UserStore
from strategies.base import Strategy
from strategies.capabilities import PasswordCredentials
from strategies.token_store import Store

KEY = "auth_sandbox"


@dataclass(frozen=True)
class Parts:
    strategy: Strategy
    users: UserStore
    login_limits: LoginLimits
    transport: Transport  # TOKEN_LOCATION
    store: Store | None  # the token store, where the strategy is stateful
    # The strategy, where its token is a password (each request a login attempt): asked once.
    password_credentials: PasswordCredentials | None


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


def transport(app: Flask | None = None) -> Transport:
    return parts(app).transport
