"""The command reference: `auth-sandbox` and its subcommands, as click declares them."""

from collections.abc import Iterator

import click

from reference.markdown import code, table
from sandbox.cli import main


def commands(group: click.Group, path: str) -> Iterator[tuple[str, click.Command]]:
    """Every command below `group`, with its full path, in the order `--help` lists them."""
    context = click.Context(group, info_name=path)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if command is None or command.hidden:
            continue
        if isinstance(command, click.Group):
            yield from commands(command, f"{path} {name}")
        else:
            yield f"{path} {name}", command


def usage(command: click.Command, path: str) -> str:
    pieces = command.collect_usage_pieces(click.Context(command, info_name=path))
    return " ".join([path, *pieces])


def default(parameter: click.Option) -> str:
    if parameter.is_flag or parameter.default is None or not parameter.show_default:
        return ""
    value = parameter.default
    return code(",".join(map(str, value)) if isinstance(value, list | tuple) else value)


def takes(parameter: click.Option) -> str:
    if isinstance(parameter.type, click.Choice):
        return "|".join(map(str, parameter.type.choices))
    return "" if parameter.type is click.STRING else parameter.type.name


def options(command: click.Command) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for parameter in command.params:
        if isinstance(parameter, click.Option):
            flags = ", ".join(code(flag) for flag in [*parameter.opts, *parameter.secondary_opts])
            kind = "" if parameter.is_flag else takes(parameter)
            rows.append(
                (flags, code(kind) if kind else "", default(parameter), parameter.help or "")
            )
    return rows


def reference() -> str:
    parts = []
    for path, command in commands(main, "auth-sandbox"):
        summary = (command.help or "").split("\n\n", 1)[0]
        lines = [f"### `{path}`", "", " ".join(summary.split()), "", f"    {usage(command, path)}"]
        if rows := options(command):
            lines += ["", table(("option", "takes", "default", "what it does"), rows)]
        parts.append("\n".join(lines))
    return "\n\n".join(parts)
