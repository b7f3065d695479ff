"""GET /protected at a resource server, the sandbox a round trip away: each way it can verify a
configuration's tokens, as compare's `elsewhere` names them (benchmarks/compare/elsewhere.py).

- JWKS, locally: where the configuration publishes its keys; the first request fetches the
  JWK Set (through the proxy), the others verify with the keys held.
- introspection (cache TTL 0): every request asks the sandbox, POST /introspect.
- cached introspection (CACHE_TTL_S): the first request asks, the others reuse its answer.

Each is a resource server of its own at each RTT (a new cache, a new fetch), in this process
(Flask's test client), asking through the HTTP proxy.
"""

import itertools
from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from benchmarks import anatomy
from benchmarks.compare.elsewhere import CACHE_TTL_S, CACHED, CLIENT_ID, INTROSPECTION, JWKS
from benchmarks.compare.subject import Subject
from benchmarks.harness import round_trips
from benchmarks.latency.timing import MAX_REQUESTS, time_cell
from sandbox.introspection_client import Introspector
from sandbox.resource_server import create_resource_server
from strategies import capabilities

TTLS = {INTROSPECTION: 0.0, CACHED: CACHE_TTL_S}


def ways(subject: Subject) -> list[str]:
    """The ways another service can verify this configuration's tokens."""
    found = []
    if capabilities.jwks(subject.strategy) is not None:
        found.append(JWKS)
    clients = subject.config.get("INTROSPECTION_CLIENTS")
    if isinstance(subject.strategy, capabilities.Introspects) and clients:
        found += [INTROSPECTION, CACHED]
    return found


def resource_server(way: str, subject: Subject, base: str) -> tuple[Flask, Introspector | None]:
    """A resource server that verifies by `way`, asking the sandbox at `base`."""
    if way == JWKS:
        # It expects what the token says of itself: who issued it, for whom (read without a key).
        decoded = anatomy.decode_jwt(subject.issued["token"])
        claims = decoded[1] if decoded else {}
        app = create_resource_server(
            f"{base}/.well-known/jwks.json",
            issuer=claims["iss"],
            audience=claims["aud"],
            fetch_now=False,  # the first request fetches, timed as the first
        )
        return app, None
    secret = subject.config["INTROSPECTION_CLIENTS"][CLIENT_ID]
    asker = Introspector(f"{base}/introspect", CLIENT_ID, secret, TTLS[way])
    return create_resource_server(None, introspection=asker), asker


def time_way(
    way: str, subject: Subject, base: str, headers: Iterator[Any], budget_s: float
) -> dict[str, Any]:
    """The first request (a fetch, a miss, an introspection like the others) timed alone, then
    a cell; where it introspects, the answers it reused (hits) and asked for (round trips)."""
    app, asker = resource_server(way, subject, base)
    try:
        cell = time_cell(protected(app.test_client(), headers, MAX_REQUESTS + 1), budget_s, True)
    finally:
        if asker is not None:
            asker.session.close()
    counts = {"hits": asker.hits, "asked": asker.round_trips} if asker is not None else {}
    return cell.as_dict() | counts


def count_introspection(subject: Subject, base: str, headers: Iterator[Any]) -> dict[str, Any]:
    """The Redis round trips the sandbox makes to answer one POST /introspect (the token's own
    check; a client with the right secret meets no failed-login check): counted in this process,
    where it is served.
    Ask at RTT 0."""
    app, asker = resource_server(INTROSPECTION, subject, base)
    client = app.test_client()
    try:
        client.get("/protected", headers=next(headers))  # its connections, its scripts: made
        with round_trips.counting({}) as counted:
            for _ in range(2):
                if client.get("/protected", headers=next(headers)).status_code != 200:
                    raise RuntimeError("the resource server refused a token it should accept")
    finally:
        assert asker is not None
        asker.session.close()
    commands = [" ".join(trip.commands) for trip in counted.trips[: len(counted.trips) // 2]]
    return {"redis_round_trips": len(counted.trips) / 2, "commands": commands}


def protected(client: FlaskClient, headers: Iterator[Any], count: int) -> Callable[[], int]:
    """GET /protected by `client`, its status; at most `count` times, with headers taken now."""
    sent = ahead(headers, count)
    return lambda: client.get("/protected", headers=next(sent)).status_code


def ahead(headers: Iterator[Any], count: int) -> Iterator[Any]:
    """`count` headers taken now: a DPoP configuration's proofs are signed before a cell, not
    in the request that happens to need a new batch."""
    return iter(list(itertools.islice(headers, count)))
