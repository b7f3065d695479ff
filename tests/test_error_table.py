"""The error table as a whole: every error type answers, through a live request, as listed."""

import inspect

import pytest
from flask import Flask

from sandbox import extensions
from sandbox.errors import ANSWERS
from strategies import errors
from strategies.errors import AuthError, StoreDown, TooManyFailedLogins

# How to make one error of each type (the others take a message or nothing).
EXAMPLES: dict[type[AuthError], AuthError] = {
    TooManyFailedLogins: TooManyFailedLogins(retry_after=42),
    StoreDown: StoreDown("some-strategy"),
}


def example(kind: type[AuthError]) -> AuthError:
    return EXAMPLES.get(kind) or kind()


def raising(app: Flask, error: AuthError) -> Flask:
    @app.get("/raise")
    def raise_it():
        raise error

    return app


def test_every_error_type_is_in_the_table():
    declared = {
        kind
        for _, kind in inspect.getmembers(errors, inspect.isclass)
        if issubclass(kind, AuthError)
    }
    assert declared == set(ANSWERS)


@pytest.mark.parametrize("kind", list(ANSWERS), ids=lambda kind: kind.__name__)
def test_each_error_answers_as_the_table_says(make_app, kind):
    error, answer = example(kind), ANSWERS[kind]
    app = raising(make_app(), error)
    response = app.test_client().get("/raise")

    assert response.status_code == answer.status
    assert response.get_json() == {"msg": error.message, **error.fields}
    challenge = response.headers.get("WWW-Authenticate")
    if answer.challenge:
        assert challenge == extensions.strategy(app).challenge(error)
    else:
        assert challenge is None
    retry_after = getattr(error, "retry_after", answer.retry_after)
    assert response.headers.get("Retry-After") == (
        None if retry_after is None else str(retry_after)
    )


def test_an_error_type_of_a_plug_in_answers_as_its_nearest_listed_base(make_app):
    class Refused(errors.RevokedToken):
        default_message = "refused by a plug-in"

    response = raising(make_app(), Refused()).test_client().get("/raise")
    assert response.status_code == ANSWERS[errors.RevokedToken].status
    assert response.get_json() == {"msg": "refused by a plug-in"}
    assert "WWW-Authenticate" in response.headers
