"""Run the scale measurement: each stateful configuration in turn, each from an empty store.

A configuration is a throwaway instance (compare's): development, an instance folder
of its own, the run's Redis under the run's key prefix. Its tokens live a day
(TOKEN_TTL), so that none expires during the run; a key's bytes do not depend on its
TTL. The users live in one SQLite file that every instance of the run shares.
"""

import os
import platform
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any, Protocol

from redis import Redis

from benchmarks import measurable
from benchmarks.harness import provenance
from benchmarks.harness.redis_server import delete_keys
from benchmarks.scale import ScaleError, latency, store_bytes
from benchmarks.scale.fill import SAMPLE_TOKENS, Fill, add_users
from benchmarks.scale.sizes import check_machine, check_maxmemory, mem_available, shown
from benchmarks.scale.store_bytes import Snapshot
from benchmarks.scale.target import ScaleTarget, info, is_local, run_prefix, scale_redis
from benchmarks.scale.targets import weigh
from sandbox import create_app
from sandbox.config import THROWAWAY_HASH, configure, throwaway_settings
from strategies import capabilities

RUN_TOKEN_TTL = 86_400
STATELESS = "stateless: keeps nothing in the token store"


class Progress(Protocol):
    def note(self, text: str) -> None:
        """A line worth keeping in the log: a size reached, a configuration done."""

    def filling(self, label: str, done: int, total: int) -> None:
        """`done` of `total` tokens of `label` are in its store."""


class Quiet:
    def note(self, text: str) -> None:
        pass

    def filling(self, label: str, done: int, total: int) -> None:
        pass


def plan(names: list[str]) -> tuple[list[measurable.MeasuredConfiguration], dict[str, str]]:
    """The configurations of `names` that keep state in the token store, by their facts;
    and the others, with why they are left out."""
    stateful, skipped = [], {}
    with tempfile.TemporaryDirectory(prefix="auth-sandbox-scale-plan-") as folder:
        for configuration in measurable.configurations(names):
            settings = throwaway_settings(
                configuration.name, folder, None, "plan:", **configuration.settings
            )
            if configure(settings).strategy.stateful:
                stateful.append(configuration)
            else:
                skipped[configuration.label] = STATELESS
    if not stateful:
        raise ScaleError(
            "none of the strategies asked for keeps state in the token store: nothing to fill"
        )
    return stateful, skipped


def run_scale(
    configurations: list[measurable.MeasuredConfiguration],
    sizes: list[int],
    *,
    users: int = 1000,
    batch: int = 10_000,
    redis_url: str | None = None,
    allow_foreign_keys: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Fill and measure each configuration at each size; the run as the reports read it.

    ScaleError (TooLarge, RefusedRedis) before anything is filled, for a size the memory
    cannot hold or a Redis that must not be filled.
    """
    progress = progress or Quiet()
    # Read before the run, which takes minutes: the commit measured, not a later one.
    commit, command = provenance.commit(), provenance.command()
    if redis_url is None or is_local(redis_url):
        check_machine(sizes, mem_available())
    prefix = run_prefix()
    results: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory(prefix="auth-sandbox-scale-") as workdir,
        scale_redis(redis_url, allow_foreign_keys) as target,
    ):
        client = _client(target.url)
        memory = info(client, "memory")
        check_maxmemory(sizes, int(memory["maxmemory"]), int(memory["used_memory"]))
        version = info(client, "server")["redis_version"]
        client.close()
        database = "sqlite:///" + os.path.join(workdir, "users.sqlite3")
        for number, configuration in enumerate(configurations):
            config = throwaway_settings(
                configuration.name,
                os.path.join(workdir, str(number)),
                target.url,
                prefix,
                DATABASE_URL=database,
                PASSWORD_HASH_METHOD=THROWAWAY_HASH,  # never checked during a run
                REDIS_CLUSTER=False,  # one Redis, whatever the environment says
                **{**configuration.settings, "TOKEN_TTL": RUN_TOKEN_TTL},
            )
            if number == 0:
                add_users(create_app(config), users)
            results[configuration.label] = _configuration(
                configuration, config, target, prefix, sizes, batch, progress
            )
    return {
        "environment": {
            "commit": commit,
            "command": command,
            "python": platform.python_version(),
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
            "token_store": f"{target.label}, Redis {version}",
            "foreign_keys": target.foreign_keys,
            "key_prefix": f"{prefix} ({len(prefix)} characters, as the default REDIS_KEY_PREFIX's)",
            "users": users,
            "user_table": "SQLite (temporary file)",
            "token_ttl_s": RUN_TOKEN_TTL,
            "batch": batch,
            "sizes": sizes,
            "bytes_method": "used_memory gained since the empty store, less the clients' "
            "buffers (INFO memory mem_clients_normal), ÷ N; MEMORY USAGE averaged over "
            f"up to {store_bytes.SAMPLE_KEYS} keys (SCAN order), × keys per token",
            "authenticate_method": latency.METHOD,
            "authenticate_sample": f"{latency.CALLS} calls a size on random tokens of a "
            f"sample of {SAMPLE_TOKENS} (chosen at random over every token filled)",
            "p50_reference": (
                f"interleaved: the same configuration at {shown(sizes[0])} in database 1 of "
                "the same redis-server, timed call by call in alternation; the ratio is the "
                f"median over {latency.ROUNDS} rounds"
                if target.reference_url
                else f"sequential: p50 at {shown(sizes[0])}, timed when the store held that"
            ),
        },
        "configurations": results,
    }


def _client(url: str) -> Redis:
    return Redis.from_url(url)


@contextmanager
def _emptied(client: Redis, prefix: str, result: dict[str, Any]) -> Iterator[None]:
    """Its keys under `prefix` deleted afterwards, also after an error or Ctrl-C."""
    try:
        yield
    finally:
        deleted = delete_keys(client, prefix)
        result["keys_deleted"] = result.get("keys_deleted", 0) + deleted
        result["keys_left"] = result.get("keys_left", 0) + store_bytes.keys_left(client, prefix)


def _configuration(
    configuration: measurable.MeasuredConfiguration,
    config: Mapping[str, Any],
    target: ScaleTarget,
    prefix: str,
    sizes: list[int],
    batch: int,
    progress: Progress,
) -> dict[str, Any]:
    """One configuration from an empty store to the largest size, its keys deleted after."""
    client = _client(target.url)
    fill = Fill(create_app(config), client, prefix, batch)
    strategy = fill.strategy
    result: dict[str, Any] = {
        "strategy": configuration.name,
        "settings": dict(configuration.settings),
        "facts": {
            "stateful": strategy.stateful,
            "revocable": strategy.revocable,
            "refresh_tokens": strategy.refresh_tokens,
        },
        # What each key family holds, named without the run's prefix: "token:" → "tokens".
        "store_keys": {
            family.removeprefix(prefix): held
            for family, held in capabilities.store_keys(strategy).items()
        },
    }
    with ExitStack() as cleanup:
        cleanup.enter_context(_emptied(client, prefix, result))
        reference = None
        if target.reference_url:
            reference_client = _client(target.reference_url)
            cleanup.enter_context(_emptied(reference_client, prefix, result))
            reference_app = create_app({**config, "REDIS_URL": target.reference_url})
            reference = Fill(reference_app, reference_client, prefix, batch)
            reference.grow_to(sizes[0])
        result["rows"] = _grow(configuration.label, fill, reference, sizes, progress)
    assert fill.counts is not None  # known from the first batch on
    result["counts"] = fill.counts.value
    result["targets"] = weigh(result["rows"])
    progress.note(f"{configuration.label}: done, {result['keys_deleted']} keys deleted")
    return result


def _grow(
    label: str, fill: Fill, reference: Fill | None, sizes: list[int], progress: Progress
) -> list[dict[str, Any]]:
    """Grow `fill` through `sizes`, measured at each; its store is empty to begin with."""
    # After the reference's fill (the same server's memory) and the last configuration's
    # delete: both settled.
    empty = store_bytes.settled(fill.client)
    rows: list[dict[str, Any]] = []
    for size in sizes:
        before_size, before_seconds = fill.filled, fill.seconds
        fill.grow_to(size, lambda done: progress.filling(label, done, sizes[-1]))
        row = _measure(fill, reference, empty)
        row["fill_rate_per_s"] = round((size - before_size) / (fill.seconds - before_seconds))
        rows.append(row)
        progress.note(
            f"{label}: {shown(size)} {fill.counts.value if fill.counts else ''} in "
            f"{fill.seconds:.1f} s; {row['bytes_per_token']} B a token, authenticate p50 "
            f"{row['p50_ms']:.3f} ms"
        )
    if reference is None:  # the ratio to the smallest size, timed back then
        for row in rows:
            row["p50_ratio"] = round(row["p50_ms"] / rows[0]["p50_ms"], 3)
    return rows


def _measure(fill: Fill, reference: Fill | None, empty: Snapshot) -> dict[str, Any]:
    """The store's bytes and authenticate's latency at `fill`'s size."""
    size = fill.filled
    now = store_bytes.settled(fill.client)
    keys = now.keys - empty.keys
    sample = store_bytes.sample_keys(fill.client, fill.prefix)
    per_key = store_bytes.mean_memory_usage(fill.client, sample)
    timed = latency.time_authenticate(fill, reference)
    return {
        "size": size,
        "keys": keys,
        "keys_per_token": round(keys / size, 3),
        "used_memory_gained": now.gained_since(empty),
        "bytes_per_token": round(now.gained_since(empty) / size, 1),
        "memory_usage_per_key": None if per_key is None else round(per_key, 1),
        "memory_usage_per_token": None if per_key is None else round(per_key * keys / size, 1),
        "memory_usage_keys_sampled": len(sample),
        "p50_ms": round(timed.p50_ms, 4),
        "p95_ms": round(timed.p95_ms, 4),
        "authenticate_calls": timed.calls,
        "reference_p50_ms": None
        if timed.reference_p50_ms is None
        else round(timed.reference_p50_ms, 4),
        "p50_ratio": None if timed.p50_ratio is None else round(timed.p50_ratio, 3),
        "round_ratios": timed.round_ratios,
        "fill_s": round(fill.seconds, 2),
    }
