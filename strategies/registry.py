"""Strategies by name, from the entry-point group `auth_sandbox.strategies`.

The built-in strategies register there too (pyproject.toml), so a strategy from
another installed package plugs in the same way.
"""

from importlib.metadata import entry_points

from strategies.base import Strategy

GROUP = "auth_sandbox.strategies"


class UnknownStrategy(LookupError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(
            f"Unknown AUTH_STRATEGY {name!r}; the strategies that exist are: {', '.join(known)}"
        )


def names() -> list[str]:
    return sorted(point.name for point in entry_points(group=GROUP))


def load(name: str) -> type[Strategy]:
    points = entry_points(group=GROUP, name=name)
    if not points:
        raise UnknownStrategy(name, names())
    strategy = next(iter(points)).load()
    if not (isinstance(strategy, type) and issubclass(strategy, Strategy)):
        raise TypeError(f"entry point {name!r} in {GROUP} is not a Strategy subclass")
    return strategy
