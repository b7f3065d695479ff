"""A cache of verified Basic credentials, so that not every request pays the password hash.

Like Apache httpd's mod_authn_socache: off by default (`BASIC_AUTH_CACHE_TTL` = 0).
Entries are keyed by an HMAC of the credentials under a key made at start, so the
cache holds no password and nothing to test guesses against. Each entry remembers
a digest of the password hash it was verified against: a hit counts only while the
user's current hash still matches, so a password change drops it at once, in
every worker (the hash is read from the user table, which the request reads anyway).
Only successful checks are cached; a failure always pays the full hash.
"""

import hashlib
import hmac
import secrets
import threading

from cachetools import TTLCache

MAX_ENTRIES = 10_000


def _digest(password_hash: str) -> bytes:
    return hashlib.sha256(password_hash.encode()).digest()


class CredentialCache:
    def __init__(self, ttl_seconds: int):
        self._key = secrets.token_bytes(32)
        self._entries: TTLCache[bytes, tuple[int, bytes]] = TTLCache(MAX_ENTRIES, ttl_seconds)
        self._lock = threading.Lock()  # TTLCache is not thread-safe; gunicorn may run threads

    def _slot(self, username: str, password: str) -> bytes:
        credentials = f"{len(username)}:{username}:{password}".encode()
        return hmac.digest(self._key, credentials, "sha256")

    def lookup(self, username: str, password: str) -> tuple[int, bytes] | None:
        """(user id, digest of the password hash it was verified against), if cached."""
        with self._lock:
            return self._entries.get(self._slot(username, password))

    def still_valid(self, entry: tuple[int, bytes], password_hash: str) -> bool:
        return hmac.compare_digest(entry[1], _digest(password_hash))

    def remember(self, username: str, password: str, user_id: int, password_hash: str) -> None:
        with self._lock:
            self._entries[self._slot(username, password)] = (user_id, _digest(password_hash))

    def forget(self, username: str, password: str) -> None:
        with self._lock:
            self._entries.pop(self._slot(username, password), None)
