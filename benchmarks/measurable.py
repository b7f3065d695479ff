"""What the measurements ask of a strategy beyond its core interface.

Small protocols a strategy (a plug-in too) may implement, each with the default that
serves one that does not. They live here, on the measuring side, because only the
measurements use them: a plug-in author reads `strategies.base` and
`strategies.capabilities`, and this module only to be measured better.

| protocol | who implements it | what the default does |
|---|---|---|
| `HasVariants` | basic (cache), jwt (denylist, refresh, key algorithms) | no variants |
| `ReadsTokens` | paseto | `anatomy.read`: Basic, JWT, digest or opaque |
| `Batches` | bearer, jwt | one `issue` (or `revoke`) per login |

The key families a strategy keeps (`store_keys`) are an app capability
(`strategies.capabilities.StoreKeys`): /openapi.json documents them too.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, NamedTuple, Protocol, cast, runtime_checkable

from benchmarks import anatomy
from strategies import registry
from strategies.base import IssuedToken, Strategy
from strategies.capabilities import KeyBinding
from strategies.users import User

Login = tuple[User, str]  # a user and the password the app has verified


@runtime_checkable
class HasVariants(Protocol):
    # Named setting overrides worth measuring side by side: "denylist": {"JWT_DENYLIST": True}.
    variants: ClassVar[Mapping[str, Mapping[str, Any]]]


@runtime_checkable
class ReadsTokens(Protocol):
    def read_token(self, token: str) -> anatomy.Reading:
        """What anyone who finds one of its tokens reads from it without a key."""


@runtime_checkable
class Batches(Protocol):
    """What fills a store at scale: many logins, or revocations, in few round trips."""

    def issue_many(self, logins: Sequence[Login], jkt: str | None = None) -> list[IssuedToken]: ...

    def revoke_many(self, tokens: Sequence[str]) -> None: ...


def variants(strategy_class: type[Strategy]) -> Mapping[str, Mapping[str, Any]]:
    return strategy_class.variants if isinstance(strategy_class, HasVariants) else {}


def read_token(strategy: Strategy, token: str) -> anatomy.Reading:
    """The strategy's reading of its token; the generic one where it gives none."""
    return strategy.read_token(token) if isinstance(strategy, ReadsTokens) else anatomy.read(token)


def issue_many(
    strategy: Strategy, logins: Sequence[Login], jkt: str | None = None
) -> list[IssuedToken]:
    """Tokens for many logins, bound to the key `jkt` where given (TOKEN_BINDING=dpop)."""
    if isinstance(strategy, Batches):
        return strategy.issue_many(logins, jkt)
    if jkt is not None:
        bound = cast(KeyBinding, strategy)
        return [bound.issue_bound(user, password, jkt) for user, password in logins]
    return [strategy.issue(user, password) for user, password in logins]


def revoke_many(strategy: Strategy, tokens: Sequence[str]) -> None:
    """Revoke the login of each access token, as `revoke` would in its own request."""
    if isinstance(strategy, Batches):
        strategy.revoke_many(tokens)
    else:
        for token in tokens:
            strategy.revoke(token)


class MeasuredConfiguration(NamedTuple):
    """A strategy as the measurements run it: its label, its name, its setting overrides."""

    label: str
    name: str
    settings: Mapping[str, Any]


def configurations(selected: Iterable[str]) -> list[MeasuredConfiguration]:
    """Each strategy, then each of its variants, labelled as the reports show them: "jwt",
    then "jwt + denylist" (the strategy, " + ", the variant)."""
    found: list[MeasuredConfiguration] = []
    for name in selected:
        found.append(MeasuredConfiguration(name, name, {}))
        found += [
            MeasuredConfiguration(f"{name} + {variant}", name, dict(settings))
            for variant, settings in variants(registry.load(name)).items()
        ]
    return found
