"""The configuration reference: every `Setting` the app and each registered strategy declare."""

from typing import Any

from reference.markdown import code, table
from sandbox.config import APP_SETTINGS
from strategies import registry
from strategies.settings import Setting

HEADER = ("variable", "default", "meaning", "production", "secret")


def default(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):  # as the environment spells it
        return code(str(value).lower())
    return code(value)


def production_rule(setting: Setting) -> str:
    if callable(setting.required_in_production):  # its meaning says with what
        return "required with some settings"
    return "required" if setting.required_in_production else ""


def rows(settings: tuple[Setting, ...]) -> list[tuple[str, ...]]:
    return [
        (
            code(s.name),
            default(s.default),
            s.meaning,
            production_rule(s),
            "yes" if s.secret else "",
        )
        for s in settings
    ]


def app_settings() -> str:
    return table(HEADER, rows(APP_SETTINGS))


def strategy_settings() -> str:
    """One table a strategy, in name order, the plug-ins' too (those installed here)."""
    loaded, _broken = registry.load_all()
    parts = []
    for name, strategy in loaded.items():
        title = f"### `{name}`\n\nDeclared in `{strategy.__module__}`."
        body = table(HEADER, rows(strategy.settings)) if strategy.settings else "No settings."
        parts.append(f"{title}\n\n{body}")
    return "\n\n".join(parts)
