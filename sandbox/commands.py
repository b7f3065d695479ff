"""`users` commands, shared by `flask --app sandbox users …` and `auth-sandbox users …`."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask.cli import with_appcontext

from sandbox import extensions
from sandbox.users import UserError


@contextmanager
def user_errors() -> Iterator[None]:
    """A user command's error as one line on stderr and exit status 1."""
    try:
        yield
    except UserError as error:
        raise click.ClickException(str(error)) from None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise click.ClickException("the password must not be empty")
    return password


password_stdin = click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input."
)


@click.group("users", help="Manage the users that can log in.")
def users_cli() -> None:
    pass


@users_cli.command("add")
@click.argument("name")
@password_stdin
@with_appcontext
def add(name: str, password_stdin: bool) -> None:
    """Add user NAME (the password is asked for)."""
    with user_errors():
        user = extensions.users().add(name, _read_password(password_stdin))
    click.echo(f"added user {user.username!r} (id {user.id})")


@users_cli.command("passwd")
@click.argument("name")
@password_stdin
@with_appcontext
def passwd(name: str, password_stdin: bool) -> None:
    """Change the password of user NAME."""
    with user_errors():
        extensions.users().set_password(name, _read_password(password_stdin))
    click.echo(f"changed the password of {name!r}")


@users_cli.command("delete")
@click.argument("name")
@with_appcontext
def delete(name: str) -> None:
    """Delete user NAME and revoke the tokens the strategy keeps for it.

    Tokens it cannot revoke (a JWT) are refused anyway: they name a user that no
    longer exists, and a user id is never reused.
    """
    with user_errors():
        user_id = extensions.users().delete(name)
    revoked = extensions.strategy().revoke_user(user_id)
    click.echo(f"deleted user {name!r}; revoked {revoked} stored token(s)")


@users_cli.command("list")
@with_appcontext
def list_users() -> None:
    """List the users."""
    for user in extensions.users().all():
        click.echo(f"{user.id}\t{user.username}")
