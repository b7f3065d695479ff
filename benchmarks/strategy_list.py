"""`auth-sandbox strategies`: every registered strategy, its facts, settings and variants.

Facts are those of the strategy as the current settings configure it (a fact may
depend on a setting). Only declarations are shown: no setting's value, so no secret.
A plug-in that does not load, or that the current settings do not configure, is
reported in one line and the others are listed as usual.
"""

from typing import Any

from benchmarks import measurable
from sandbox.config import ConfigError, configure
from strategies import registry
from strategies.settings import Setting


def _setting(setting: Setting) -> dict[str, Any]:
    return {
        "name": setting.name,
        "default": setting.default,
        "meaning": setting.meaning,
        # A rule that depends on other settings counts: its meaning says when.
        "required_in_production": bool(setting.required_in_production),
        "secret": setting.secret,
    }


def describe_all() -> tuple[list[dict[str, Any]], list[str]]:
    """(one description per usable strategy, one line per strategy that is not)."""
    loaded, broken = registry.load_all()
    problems = [str(error) for error in broken]
    described = []
    for name, strategy_class in loaded.items():
        try:
            strategy = configure({"AUTH_STRATEGY": name, "SANDBOX_ENV": "development"}).strategy
        except ConfigError as error:
            problems.append(f"strategy {name!r} is not configured by the current settings: {error}")
            continue
        described.append(
            {
                "name": name,
                "scheme": strategy.scheme,
                "stateful": strategy.stateful,
                "revocable": strategy.revocable,
                "refresh_tokens": strategy.refresh_tokens,
                "description": strategy.description,
                "module": strategy_class.__module__,
                "settings": [_setting(s) for s in strategy_class.settings],
                "variants": {
                    label: dict(values)
                    for label, values in measurable.variants(strategy_class).items()
                },
            }
        )
    return described, problems


def as_text(described: list[dict[str, Any]]) -> list[str]:
    lines = []
    for strategy in described:
        facts = [
            f"scheme {strategy['scheme']}",
            "stateful" if strategy["stateful"] else "stateless",
            "revocable" if strategy["revocable"] else "not revocable",
            *(["refresh tokens"] if strategy["refresh_tokens"] else []),
        ]
        lines += [f"{strategy['name']}  ({', '.join(facts)}; {strategy['module']})"]
        lines += [f"  {strategy['description']}"]
        for setting in strategy["settings"]:
            rules = [rule for rule in ("required_in_production", "secret") if setting[rule]]
            extra = f" [{', '.join(rule.replace('_', ' ') for rule in rules)}]" if rules else ""
            default = "unset" if setting["default"] is None else repr(setting["default"])
            lines += [f"  {setting['name']} (default {default}){extra}: {setting['meaning']}"]
        for label, values in strategy["variants"].items():
            settings = " ".join(f"{name}={value}" for name, value in values.items())
            lines += [f"  variant {strategy['name']} + {label}: {settings}"]
        lines += [""]
    return lines[:-1]
