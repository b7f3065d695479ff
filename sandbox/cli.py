"""The `auth-sandbox` console script."""

import click
from flask.cli import ScriptInfo

from sandbox import create_app
from sandbox.commands import users_cli
from strategies import registry


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """auth-sandbox: HTTP Basic, opaque Bearer tokens and JWT behind one Flask app."""
    # Commands that need the app (`users …`) load it the way `flask` does.
    ctx.obj = ScriptInfo(create_app=create_app, set_debug_flag=False)


@main.command()
@click.option("--strategy", type=click.Choice(registry.names()), help="Overrides AUTH_STRATEGY.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(strategy: str | None, host: str, port: int) -> None:
    """Serve the app with werkzeug's development server (use gunicorn for load)."""
    app = create_app({"AUTH_STRATEGY": strategy} if strategy else None)
    app.run(host=host, port=port)


main.add_command(users_cli)
