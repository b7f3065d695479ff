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
        # A password piped in is not echoed anyway: hiding it would go through getpass, whose
        # fallback off a terminal prints a GetPassWarning.
        hide = sys.stdin.isatty()
        password = click.prompt("Password", hide_input=hide, confirmation_prompt=True)
    return password  # checked by the user store, as every password it hashes


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
        generation = extensions.users().set_password(name, _read_password(password_stdin))
    click.echo(
        f"changed the password of {name!r}; from the next request every token issued to it "
        f"before, access and refresh tokens alike, is refused in every worker: a token "
        f"carries its user's token generation, now {generation} (and a password sent on every "
        f"request no longer matches); none stays valid at this app"
    )


@users_cli.command("delete")
@click.argument("name")
@with_appcontext
def delete(name: str) -> None:
    """Delete user NAME: every token issued to it is refused from the next request."""
    with user_errors():
        user_id = extensions.users().delete(name)
    click.echo(f"deleted user {name!r} (id {user_id})")
    # Nothing in the token store changes: the user table, which every request reads,
    # is where a token's user is looked up, so the command reaches every worker and
    # every store (the embedded one inside a server's process, a cluster's every node).
    click.echo(
        f"from the next request every token issued to {name!r} is refused, in every worker: "
        "it names a user that no longer exists (a user id is never reused); what a token "
        "store keeps of its tokens expires with them"
    )


@users_cli.command("list")
@with_appcontext
def list_users() -> None:
    """List the users."""
    for user in extensions.users().all():
        click.echo(f"{user.id}\t{user.username}")
