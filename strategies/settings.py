"""Settings, declared beside the code that reads them.

The app declares the settings every strategy shares (`sandbox.config`); a strategy
declares its own in `Strategy.settings`. One loader (`sandbox.config.configure`)
reads them all from the same sources, parses each value with its declared parser,
enforces the production and secret rules, and hands the strategy its values as a
whole, so that it can refuse a combination (`SettingError`).

A parser takes the raw value (a string from the environment, or a Python value
given to `create_app`) and returns the parsed one, or raises ValueError with what
is allowed; the loader puts the setting's name in front.
"""

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Parser = Callable[[Any], Any]

MIN_SECRET_BYTES = 32
WELL_KNOWN_SECRETS = frozenset(
    {
        "super-secret",
        "secret",
        "changeme",
        "change-me",
        "changeit",
        "password",
        "jwt-secret",
        "your-secret-key",
        "secret-key",
        "mysecret",
        "my-secret",
        "supersecret",
        "dev",
        "test",
    }
)
HOW_TO_MAKE_A_SECRET = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"


class SettingError(ValueError):
    """A value, or a combination of values, that stops the start; one line, naming the setting."""


def text(value: Any) -> str:
    return str(value)


def whole_number(minimum: int, unit: str) -> Parser:
    def parse(value: Any) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"must be a whole number of {unit}, not {value!r}") from None
        if number < minimum:
            raise ValueError(f"must be at least {minimum} {unit}")
        return number

    return parse


TRUE, FALSE = ("true", "1", "yes"), ("false", "0", "no")


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    spelled = str(value).strip().lower()
    if spelled not in TRUE + FALSE:
        raise ValueError(f"must be one of {', '.join(TRUE + FALSE)} (any case), not {value!r}")
    return spelled in TRUE


def one_of(*choices: str) -> Parser:
    def parse(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, not {value!r}")
        return str(value)

    return parse


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any  # None: unset (what that means is the setting's meaning)
    meaning: str  # one line, shown by `auth-sandbox strategies`
    parse: Parser = text
    # In production the start stops while it is unset; a callable decides from the other
    # settings (e.g. a key needed only by some algorithms).
    required_in_production: bool | Callable[[Mapping[str, Any]], bool] = False
    secret: bool = False  # checked for strength when set, never printed
    # Makes a good value: unset in development, the value is made once in the instance
    # folder (`development_value`), so that every worker reads the same.
    make: Callable[[], str] | None = None
    how: str = ""  # how a user makes a good value, for the error messages

    def read(self, raw: Any) -> Any:
        """The parsed value of `raw` (None stays unset); SettingError names the setting."""
        if raw is None:
            return None
        if self.secret:
            check_secret(self.name, str(raw), self.how or HOW_TO_MAKE_A_SECRET)
        try:
            return self.parse(raw)
        except ValueError as error:
            message = str(error)
            if self.secret:  # a parser may quote the value; a secret's is never printed
                message = message.replace(repr(raw), "the value given").replace(str(raw), "…")
            raise SettingError(f"{self.name} {message}") from None

    def required(self, settings: Mapping[str, Any]) -> bool:
        """Whether production needs a value, given the other settings."""
        rule = self.required_in_production
        return rule(settings) if callable(rule) else rule

    def development_value(self, instance_path: str) -> str:
        """The value `make` made once in the instance folder (a file named for the setting)."""
        assert self.make is not None, f"{self.name} has no development default"
        filename = self.name.lower().replace("_", "-")
        return development_secret(instance_path, filename, self.make)


def with_made_values(
    declared: tuple[Setting, ...], config: Mapping[str, Any], instance_path: str
) -> dict[str, Any]:
    """`config`, where a declared setting left unset can make its own value (`Setting.make`,
    development only: production requires it), with the value made in the instance folder."""
    made = {
        s.name: s.development_value(instance_path)
        for s in declared
        if s.make and config[s.name] is None
    }
    return {**config, **made}


def check_secret(name: str, secret: str, how: str = HOW_TO_MAKE_A_SECRET) -> None:
    """A secret of at least 256 bits and not a well-known value; never echoes it."""
    if secret.strip().lower() in WELL_KNOWN_SECRETS:
        raise SettingError(f"{name} is a well-known value; {how}")
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise SettingError(
            f"{name} is shorter than {MIN_SECRET_BYTES} bytes: a secret needs at least 256 bits "
            f"(RFC 7518 §3.2 asks as many of an HS256 key); {how}"
        )


def random_secret() -> str:
    return secrets.token_urlsafe(48)


def development_secret(instance_path: str, filename: str, make: Callable[[], str]) -> str:
    """A secret kept in the instance folder, made once: every worker that starts reads the same.

    The development default of a secret setting. The draft is linked into place,
    which is atomic and fails if another worker made the file first.
    """
    path = Path(instance_path) / filename
    if not path.exists():
        draft = path.with_name(f"{filename}.{os.getpid()}.{secrets.token_hex(4)}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(make())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
