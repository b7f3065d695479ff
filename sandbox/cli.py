"""The `auth-sandbox` console script."""

from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import Any, TypeVar

import click
from flask.cli import ScriptInfo

from sandbox import create_app
from sandbox.commands import users_cli
from sandbox.keys import keys_cli
from sandbox.resource_server_cli import resource_server_cli
from strategies import registry

Decorated = TypeVar("Decorated", bound=Callable[..., Any])
# Commands from other packages, as flask's `flask.commands`: the measurements add theirs.
COMMANDS = "auth_sandbox.commands"


class CommandGroup(click.Group):
    """The app's commands, and those other packages register under `auth_sandbox.commands`
    (as flask's own group loads `flask.commands`), each imported only when it runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *plugged()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        point = plugged().get(name)
        return point.load() if point is not None else super().get_command(ctx, name)


def plugged() -> dict[str, EntryPoint]:
    return {point.name: point for point in entry_points(group=COMMANDS)}


@click.group(cls=CommandGroup)
@click.pass_context
def main(ctx: click.Context) -> None:
    """auth-sandbox: HTTP Basic, opaque Bearer tokens and JWT behind one Flask app."""
    # Commands that need the app (`users …`) load it the way `flask` does.
    ctx.obj = ScriptInfo(create_app=create_app, set_debug_flag=False)


def whole_number(flag: str, default: int, text: str) -> Callable[[Decorated], Decorated]:
    """A --flag taking a whole number: at least 0 where the default is 0, else at least 1."""
    return click.option(
        flag,
        type=click.IntRange(min=min(default, 1)),
        default=default,
        show_default=True,
        help=text,
    )


@main.command()
@click.option("--strategy", type=click.Choice(registry.names()), help="Overrides AUTH_STRATEGY.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def serve(strategy: str | None, host: str, port: int) -> None:
    """Serve the app with werkzeug's development server (use gunicorn for load)."""
    app = create_app({"AUTH_STRATEGY": strategy} if strategy else None)
    app.run(host=host, port=port)


main.add_command(users_cli)
main.add_command(keys_cli)
main.add_command(resource_server_cli)
