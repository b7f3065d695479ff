"""flask-httpauth, made strict and wired to the typed errors.

flask-httpauth gives the request check its shape: `login_required` reads the
credentials (`get_auth`), hands them to the callback a strategy registers
(`verify_password` / `verify_token`), and calls `error_handler` when that
callback returns no user. Two changes fit it to the contract: `get_auth` reads
the header strictly (see `strategies.headers`), and the error handler raises a
typed error instead of building a response, so the app answers every
authentication failure in one place.
"""

from abc import abstractmethod
from typing import ClassVar, NoReturn

from flask import Flask
from flask_httpauth import HTTPAuth, HTTPBasicAuth, HTTPTokenAuth
from werkzeug.datastructures import Authorization

from strategies.base import Store, Strategy, User, UserDirectory
from strategies.errors import InvalidCredentials, MissingCredentials
from strategies.headers import decode_basic, request_credentials


class StrictBasicAuth(HTTPBasicAuth):
    def get_auth(self) -> Authorization:
        username, password = decode_basic(request_credentials(self.scheme))
        return Authorization("basic", {"username": username, "password": password})


class StrictTokenAuth(HTTPTokenAuth):
    def get_auth(self) -> Authorization:
        return Authorization(self.scheme.lower(), token=request_credentials(self.scheme))


class HTTPAuthStrategy(Strategy):
    """A strategy whose request check is flask-httpauth's `login_required`."""

    refusal: ClassVar[str]  # the 401 message when the verify callback finds no user

    def init_app(self, app: Flask, users: UserDirectory, store: Store | None) -> None:
        super().init_app(app, users, store)
        self.http_auth = self.make_http_auth()
        self.http_auth.error_handler(self._refuse)
        self._current_user = self.http_auth.login_required(self.http_auth.current_user)

    @abstractmethod
    def make_http_auth(self) -> HTTPAuth:
        """The flask-httpauth object, with this strategy's verify callback registered."""

    def authenticate(self) -> User:
        user = self._current_user()
        if user is None:  # login_required lets OPTIONS through without checking
            raise MissingCredentials()
        return user

    def _refuse(self, status: int) -> NoReturn:
        raise InvalidCredentials(self.refusal)
