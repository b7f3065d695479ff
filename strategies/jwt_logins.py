"""The server state of jwt logins, in Redis: the refresh rotation and the denylist.

A login is one successful POST /token and every pair rotated from its refresh
token. Refresh tokens are signed JWTs that name their login (`sid`) and their place
in its chain (`rot`); Redis keeps one record per login holding the place of the one
refresh token that may still be used. Rotation is a compare-and-set of that record
in one script, so N concurrent refreshes of one token yield exactly one success.
A token whose place is behind the record's is spent: sent again, it reveals that
two parties hold it, and the script revokes the login in the same step. The
record keeps that evidence until the login's refresh lifetime ends; deleting a
spent token (GETDEL) would destroy it.

A race between two tabs of one browser looks exactly like a theft (the loser
sends a spent token), and is treated as one: the login is revoked. That is the
strict reading of OAuth 2.1 §6.1; a grace period would let a thief who is quick
enough keep a login alive.

The denylist holds revoked logins only, each for as long as the access tokens it
covers could still live. Both keys of a login share a hash tag (`{sid}`), so one
script can change both even on a Redis Cluster.
"""

from collections.abc import Sequence
from enum import Enum
from typing import cast

from redis.exceptions import NoScriptError

from strategies.token_store import Store, store_errors

REVOKED = "revoked"

# KEYS: the login's record, its denylist entry. ARGV: the place of the refresh token
# sent, the seconds the denylist entry lives (0: no denylist).
# Returns the place of the next refresh token, or a negative Outcome.
ROTATE = """
local place = redis.call('GET', KEYS[1])
if not place then return -1 end
if place == ARGV[3] then return -2 end
if place == ARGV[1] then
  local next_place = tonumber(place) + 1
  redis.call('SET', KEYS[1], next_place, 'KEEPTTL')
  return next_place
end
redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL')
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[2], 1, 'EX', ARGV[2]) end
return -3
"""

# KEYS: the login's record (if it has one), its denylist entry. ARGV: the seconds the
# denylist entry lives (0: no denylist). Both in one round trip.
REVOKE = """
redis.call('SET', KEYS[1], ARGV[2], 'XX', 'KEEPTTL')
if tonumber(ARGV[1]) > 0 then redis.call('SET', KEYS[2], 1, 'EX', ARGV[1]) end
return 1
"""


class Outcome(Enum):
    UNKNOWN = -1  # no record: the login's refresh lifetime is over (or it never existed)
    REVOKED = -2  # logged out, or revoked after a reuse
    REUSED = -3  # a spent refresh token: the login is revoked now


class LoginRecords:
    def __init__(self, store: Store, prefix: str):
        self.store = store
        self.record_prefix = prefix + "jwt-login:"
        self.denylist_prefix = prefix + "jwt-revoked:"
        # redis-py types register_script's self as Redis, though its cluster client has it too.
        self._rotate = store.register_script(ROTATE)  # type: ignore[misc]
        self._revoke = store.register_script(REVOKE)  # type: ignore[misc]

    def record_key(self, sid: str) -> str:
        return f"{self.record_prefix}{{{sid}}}"

    def denylist_key(self, sid: str) -> str:
        return f"{self.denylist_prefix}{{{sid}}}"

    def start(self, sids: Sequence[str], expires_at: int) -> None:
        """New logins, each of whose first refresh token has place 0 and expires at
        `expires_at`; in one round trip."""
        with store_errors():
            pipeline = self.store.pipeline(transaction=False)
            for sid in sids:
                pipeline.set(self.record_key(sid), 0, exat=expires_at)
            pipeline.execute()

    def rotate(self, sid: str, place: int, denylist_seconds: int) -> int | Outcome:
        """The place of the login's next refresh token, if `place` is its current one."""
        with store_errors():
            result = cast(int, self._rotate(self._keys(sid), [place, denylist_seconds, REVOKED]))
        return result if result >= 0 else Outcome(result)

    def revoke(self, sids: Sequence[str], denylist_seconds: int) -> None:
        """Revoke logins: one script call, or a batch of them in one round trip."""
        with store_errors():
            if len(sids) == 1:
                self._revoke(self._keys(sids[0]), [denylist_seconds, REVOKED])
                return
            try:
                self._revoke_batch(sids, denylist_seconds)
            except NoScriptError:  # a server that has not run it yet, or has restarted
                self.store.script_load(REVOKE)
                self._revoke_batch(sids, denylist_seconds)  # revoking again changes nothing

    def _revoke_batch(self, sids: Sequence[str], denylist_seconds: int) -> None:
        # EVALSHA queued as is: a Script in a pipeline would add a SCRIPT EXISTS round trip.
        pipeline = self.store.pipeline(transaction=False)
        for sid in sids:
            pipeline.evalsha(self._revoke.sha, 2, *self._keys(sid), denylist_seconds, REVOKED)
        pipeline.execute()

    def _keys(self, sid: str) -> list[str]:
        return [self.record_key(sid), self.denylist_key(sid)]

    def denied(self, sid: str) -> bool:
        with store_errors():
            return bool(self.store.exists(self.denylist_key(sid)))
