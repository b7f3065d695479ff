"""Strategies by name, from the entry-point group `auth_sandbox.strategies`.

The built-in strategies register there too (pyproject.toml), so a strategy from
another installed package plugs in the same way.
"""

import functools
import sys
from importlib.metadata import EntryPoints, entry_points

from strategies.base import Strategy

GROUP = "auth_sandbox.strategies"


class UnknownStrategy(LookupError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(
            f"Unknown AUTH_STRATEGY {name!r}; the strategies that exist are: {', '.join(known)}"
        )


class BrokenStrategy(ImportError):
    """An installed entry point that does not load: named, with its error on one line."""

    def __init__(self, name: str, error: Exception):
        reason = " ".join(str(error).split()) or type(error).__name__
        self.strategy = name
        super().__init__(
            f"strategy {name!r} ({GROUP}) cannot be loaded: {type(error).__name__}: {reason}"
        )


def _group() -> EntryPoints:
    return _group_on(tuple(sys.path))


@functools.lru_cache(maxsize=8)
def _group_on(path: tuple[str, ...]) -> EntryPoints:
    """The group's entry points, read once per `sys.path` (which decides them): importlib
    reads the metadata of every installed distribution on each call, tens of milliseconds,
    and each start reads the group several times (compare starts about a hundred apps)."""
    return entry_points(group=GROUP)


def names() -> list[str]:
    return sorted({point.name for point in _group()})


def load(name: str) -> type[Strategy]:
    points = _group().select(name=name)
    if not points:
        raise UnknownStrategy(name, names())
    try:
        strategy = next(iter(points)).load()
    except Exception as error:  # a plug-in's import may fail in any way; report which one
        raise BrokenStrategy(name, error) from error
    if not (isinstance(strategy, type) and issubclass(strategy, Strategy)):
        raise BrokenStrategy(name, TypeError("the entry point is not a Strategy subclass"))
    return strategy


def load_all() -> tuple[dict[str, type[Strategy]], list[BrokenStrategy]]:
    """Every registered strategy that loads, and the errors of those that do not."""
    loaded: dict[str, type[Strategy]] = {}
    broken: list[BrokenStrategy] = []
    for name in names():
        try:
            loaded[name] = load(name)
        except BrokenStrategy as error:
            broken.append(error)
    return loaded, broken
