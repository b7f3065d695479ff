"""`users` commands, shared by `flask --app sandbox users …` and `auth-sandbox users …`."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import with_appcontext

from sandbox import extensions
from sandbox.store import shown
from sandbox.users import UserError
from strategies.errors import StoreUnavailable


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
    """Delete user NAME and revoke the tokens the strategy keeps for it in Redis.

    Says which store it reached, and why every token of the user is refused from
    then on: it names a user that no longer exists, and a user id is never reused.
    """
    # Deleted first, revoked after: no login can get a new token in between.
    with user_errors():
        user_id = extensions.users().delete(name)
    click.echo(f"deleted user {name!r} (id {user_id})")
    for line in _revoke_stored_tokens(name, user_id):
        click.echo(line)


def _revoke_stored_tokens(name: str, user_id: int) -> list[str]:
    """Revoke what the strategy keeps in the store this command can reach; what it did."""
    active, redis_url = extensions.strategy(), current_app.config["REDIS_URL"]
    refused = f"from the next request every token issued to {name!r} is refused"
    gone = "it names a user that no longer exists (a user id is never reused)"
    if not active.stateful:
        return [
            f"token store: none; the {active.name!r} strategy keeps no tokens",
            f"{refused}: {gone}",
        ]
    if redis_url is None:
        # This command's app made a fakeredis of its own; a server's lives in the server.
        return [
            "token store: none reached; REDIS_URL is unset, so a server keeps its tokens in "
            "its own process (an in-process fakeredis), out of this command's reach",
            f"{refused}: {gone}",
        ]
    where = f"Redis at {shown(redis_url)}"
    try:
        revoked = active.revoke_user(user_id)
    except StoreUnavailable:
        raise click.ClickException(
            f"{where} cannot be reached, so no stored token was revoked; {refused}: {gone}"
        ) from None
    return [
        f"token store: {where}; revoked {revoked} stored token(s) of {name!r} there",
        f"{refused}: the revoked ones as revoked, any other because {gone}",
    ]


@users_cli.command("list")
@with_appcontext
def list_users() -> None:
    """List the users."""
    for user in extensions.users().all():
        click.echo(f"{user.id}\t{user.username}")
