"""The sizes `auth-sandbox scale` fills, and whether the memory at hand can hold the largest."""

import re
from pathlib import Path

from benchmarks.scale import ScaleError

DEFAULT_SIZES = "1000,10000,100000,1000000"
# Conservative: measured 105-185 B a key at 10^3-10^6 on Redis 7.0, and a login may leave
# two keys (refresh state and a denylist entry); the rest is the allocator's slack and a
# hash table that, while Redis grows it, exists twice.
BYTES_PER_TOKEN_ESTIMATE = 400
# Besides the tokens: the redis-server itself, a batch in its query buffer and in this
# process (a pair of JWTs is about 1 KB), the sample of tokens kept for the timings.
FIXED_BYTES_ESTIMATE = 64 * 2**20
# Of the memory available, what a run may take: the machine is shared.
USABLE_SHARE = 0.8
POWER = re.compile(r"10\^(\d+)")


class TooLarge(ScaleError):
    """A size the memory at hand cannot hold; one line, with the estimate."""


def parse_size(text: str) -> int:
    """One size: 1000000, 1_000_000, 1e6 or 10^6."""
    text = text.strip().replace("_", "")
    power = POWER.fullmatch(text)
    if power:
        return 10 ** int(power.group(1))
    if re.fullmatch(r"\d+(\.\d+)?[eE]\d+", text):
        number = float(text)
        if number.is_integer():
            return int(number)
    if text.isdigit():
        return int(text)
    raise ValueError(f"{text!r} is not a whole number (1000, 1e6 and 10^6 are)")


def parse_sizes(text: str) -> list[int]:
    """The sizes of --sizes, ascending, each once; ValueError for one that is no size."""
    sizes = sorted({parse_size(part) for part in text.split(",") if part.strip()})
    if not sizes:
        raise ValueError("no size given")
    if sizes[0] < 1:
        raise ValueError("a size is at least 1 token")
    return sizes


def shown(size: int) -> str:
    """10^6 for a power of ten, else the number with thousands separators."""
    power = len(str(size)) - 1
    return f"10^{power}" if size == 10**power and power >= 3 else f"{size:,}"


def human_bytes(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def needed_bytes(largest: int, reference: int = 0) -> int:
    """What a run whose largest size is `largest` needs at most: one configuration's tokens
    at a time (each is deleted before the next), and a reference store of `reference`."""
    return (largest + reference) * BYTES_PER_TOKEN_ESTIMATE + FIXED_BYTES_ESTIMATE


def _estimate(largest: int, need: int) -> str:
    return (
        f"{shown(largest)} tokens need about {human_bytes(need)} "
        f"({BYTES_PER_TOKEN_ESTIMATE} B a token, a conservative estimate, "
        f"+ {human_bytes(FIXED_BYTES_ESTIMATE)})"
    )


def mem_available(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """MemAvailable, in bytes; None where the kernel does not say (not Linux)."""
    try:
        text = meminfo.read_text()
    except OSError:
        return None
    found = re.search(r"^MemAvailable:\s+(\d+) kB$", text, re.MULTILINE)
    return int(found.group(1)) * 1024 if found else None


def check_machine(sizes: list[int], available: int | None) -> None:
    """TooLarge if this machine's available memory cannot hold the largest size."""
    need = needed_bytes(sizes[-1], sizes[0])
    if available is not None and need > available * USABLE_SHARE:
        raise TooLarge(
            f"refusing size {shown(sizes[-1])}: {_estimate(sizes[-1], need)}; this machine has "
            f"{human_bytes(available)} available (MemAvailable), of which scale uses at most "
            f"{USABLE_SHARE:.0%}"
        )


def check_maxmemory(sizes: list[int], maxmemory: int, used: int) -> None:
    """TooLarge if a Redis with a `maxmemory` limit cannot hold the largest size."""
    need = needed_bytes(sizes[-1], sizes[0])
    if maxmemory and used + need > maxmemory:
        raise TooLarge(
            f"refusing size {shown(sizes[-1])}: {_estimate(sizes[-1], need)}; the Redis has "
            f"maxmemory {human_bytes(maxmemory)}, of which it uses {human_bytes(used)}"
        )
