"""What whoever gets the server's keys, or a copy of its data, can do with them: a Basic
server's user table, an opaque token's store, or else each key file of its instance folder,
alone, in an app of the attacker's own."""

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy.engine import make_url

from benchmarks import measurable
from benchmarks.anatomy import ENCODED_CREDENTIALS, OPAQUE
from benchmarks.compare.forgery.tries import _basic, _count, _outcomes, _try
from benchmarks.compare.subject import Subject
from sandbox import create_app, extensions
from sandbox.config import THROWAWAY_HASH
from sandbox.users import db
from strategies import capabilities
from strategies.base import Store

NEVER_LOGGED_IN = "never-logged-in"
PASSWORD = "never-used-probe-password"  # noqa: S105 - a throwaway instance's throwaway user
MAX_DUMP_TRIES = 1000
# What leaks, by the strategy's facts.
SIGNING_KEY, TOKEN_STORE, USER_TABLE = "its signing key", "its token store", "its user table"


@dataclass
class Someone:
    """A user as an attacker names one in a token: an id and a generation, nothing else."""

    id: int
    username: str
    token_generation: int
    password_hash: str = ""


def leak_yields(subject: Subject) -> dict[str, Any]:
    """What whoever gets the server's keys, or a copy of its data, can do with them."""
    token, strategy = subject.issued["token"], subject.strategy
    kind = measurable.read_token(strategy, token).kind
    if kind == ENCODED_CREDENTIALS:
        return _user_table_dump(subject)
    if kind == OPAQUE and strategy.stateful and strategy.store is not None:
        return _store_dump(subject, strategy.store)
    return _leaked_key_files(subject)


def _leak_result(leaked: str, tries: list[dict[str, Any]], how: str) -> dict[str, Any]:
    accepted = sum(t["status"] == 200 for t in tries)
    return {
        "measured": bool(tries),
        "leaked": leaked,
        "yields_tokens": accepted > 0,
        "tried": len(tries),
        "accepted": accepted,
        "tries": tries,
        "how": how,
    }


def _refused(tries: list[dict[str, Any]]) -> str:
    accepted = sum(t["status"] == 200 for t in tries)
    if all(t["status"] == 401 for t in tries):
        return "all refused"
    return f"{accepted} accepted" if accepted else f"answered {_outcomes(tries)}"


def _user_table_dump(subject: Subject) -> dict[str, Any]:
    """Every user's password hash, sent as that user's password."""
    with subject.app.app_context():
        rows = [(u.username, u.password_hash) for u in extensions.users(subject.app).all()]
    tries = [
        _try(
            subject,
            f"{username}'s hash as the password",
            _basic,
            username,
            password_hash,
        )
        for username, password_hash in rows
    ]
    return _leak_result(
        USER_TABLE,
        tries,
        f"{_count(len(tries), 'hash', 'hashes')} sent as passwords: {_refused(tries)}",
    )


def _dump(store: Store, prefix: str) -> Iterator[str]:
    """Every key under the prefix, its last segment, and every value it holds, as text."""
    for raw in store.scan_iter(match=prefix + "*"):
        key = raw.decode(errors="replace")
        yield key
        yield key.rsplit(":", 1)[-1]
        kind = store.type(raw)
        if kind == b"string":
            values = [cast(bytes, store.get(raw))]
        elif kind == b"set":
            values = list(cast(set[bytes], store.smembers(raw)))
        elif kind == b"hash":
            values = list(cast(dict[bytes, bytes], store.hgetall(raw)).values())
        elif kind == b"list":
            values = cast(list[bytes], store.lrange(raw, 0, -1))
        else:
            values = []
        yield from (value.decode(errors="replace") for value in values if value)


def _store_dump(subject: Subject, store: Store) -> dict[str, Any]:
    """Every key and value of the strategy's token store, sent as a token: the keys it keeps
    (`store_keys`), not the counts or replay records the app keeps beside them."""
    families = capabilities.store_keys(subject.strategy) or {subject.config["REDIS_KEY_PREFIX"]: ""}
    items = list(dict.fromkeys(item for family in families for item in _dump(store, family)))
    tried = items[:MAX_DUMP_TRIES]
    tries = [_try(subject, "a key or value of the store", str, item) for item in tried]
    of = f" (of {len(items)})" if len(items) > len(tried) else ""
    return _leak_result(
        TOKEN_STORE,
        tries,
        f"{_count(len(tries), 'key or value', 'keys and values')}{of} sent as tokens: "
        + _refused(tries),
    )


def _key_files(subject: Subject) -> list[Path]:
    """The files of the instance folder but the user table's: the keys the server made."""
    folder = Path(subject.app.instance_path)
    database = make_url(subject.app.config["SQLALCHEMY_DATABASE_URI"]).database or ""
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and not (database and path.name.startswith(Path(database).name))
    )


def _never_logged_in(subject: Subject) -> Someone:
    """A user of the server's own who has never logged in, named as a token names one."""
    users = subject.users()
    with subject.app.app_context():
        if users.find(NEVER_LOGGED_IN) is None:
            users.add(NEVER_LOGGED_IN, PASSWORD)
        user = users.find(NEVER_LOGGED_IN)
        assert user is not None
        return Someone(user.id, user.username, user.token_generation)


def _attacker_mint(subject: Subject, files: list[Path], user: Someone) -> str:
    """A token for `user`, issued by an app of the attacker's own: the same code and public
    settings, copies of `files` in its instance folder, its own user table and store keys."""
    with tempfile.TemporaryDirectory(prefix="auth-sandbox-attacker-") as folder:
        for path in files:
            shutil.copy(path, folder)
        app = create_app(
            {
                **subject.config,
                "INSTANCE_PATH": folder,
                "DATABASE_URL": None,
                # The attacker's own user table holds no one who matters.
                "PASSWORD_HASH_METHOD": THROWAWAY_HASH,
                "REDIS_KEY_PREFIX": subject.config["REDIS_KEY_PREFIX"] + "attacker:",
            }
        )
        with app.app_context():
            # Bound, where tokens are, to a key the attacker holds: the client's stands in.
            token = subject.issue(user, "", extensions.strategy(app)).token
            db.engine.dispose()  # its SQLite file goes with the folder
        return token


def _leaked_key_files(subject: Subject) -> dict[str, Any]:
    """Each key file alone in an attacker's app: which makes a token that is accepted?

    Where each file alone made one, an app with none of them is tried too (the control):
    else the refused file was the control, an app without the file that signs.
    """
    files, user = _key_files(subject), _never_logged_in(subject)
    if not files:
        return _leak_result(SIGNING_KEY, [], "no key file in its instance folder")
    tries = [_try(subject, path.name, _attacker_mint, subject, [path], user) for path in files]
    signing = [t["how"] for t in tries if t["status"] == 200]
    controls = [f"{t['how']} alone: {_outcomes([t])}" for t in tries if t["status"] != 200]
    control_status = None
    if len(signing) == len(tries):
        control = _try(subject, "no key file", _attacker_mint, subject, [], user)
        control_status = control["status"]
        controls.append(f"no key file: {_outcomes([control])}")
    made = f"made with {' or '.join(signing)} alone: 200" if signing else "no key file made one"
    how = f"a token for a user who never logged in, {made} ({'; '.join(controls)})"
    result = _leak_result(SIGNING_KEY, tries, how)
    return result | {"signing_files": signing, "control_status": control_status}
