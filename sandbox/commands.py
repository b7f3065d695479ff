"""`users` commands, shared by `flask --app sandbox users …` and `auth-sandbox users …`."""

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from sandbox.users import UnknownUser, UserExists, UserStore


def _users() -> UserStore:
    return current_app.extensions["auth_sandbox.users"]


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
    try:
        user = _users().add(name, _read_password(password_stdin))
    except UserExists as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"added user {user.username!r} (id {user.id})")


@users_cli.command("passwd")
@click.argument("name")
@password_stdin
@with_appcontext
def passwd(name: str, password_stdin: bool) -> None:
    """Change the password of user NAME."""
    try:
        _users().set_password(name, _read_password(password_stdin))
    except UnknownUser as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"changed the password of {name!r}")


@users_cli.command("delete")
@click.argument("name")
@with_appcontext
def delete(name: str) -> None:
    """Delete user NAME; tokens that name the user are refused from then on."""
    try:
        _users().delete(name)
    except UnknownUser as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"deleted user {name!r}")


@users_cli.command("list")
@with_appcontext
def list_users() -> None:
    """List the users."""
    for user in _users().all():
        click.echo(f"{user.id}\t{user.username}")
