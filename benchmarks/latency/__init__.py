"""`auth-sandbox latency`: what a round trip to the token store, or to the sandbox, costs each
request, as the distance grows.

A private redis-server sits behind a delaying TCP proxy (benchmarks/harness/delay_proxy.py),
so that every Redis round trip of the app, its token store's and its failed-login limits',
pays the RTT it is given; the sandbox, served on a loopback port, sits behind a second one
for the resource servers that ask it (introspection) or fetch its keys (JWKS). For each RTT
and each configuration: GET /protected at the sandbox, and at a resource server each way it
can verify the tokens; what a logout leaves open at each; and where a stateless JWT's local
check starts to beat a configuration that asks Redis on every request. The modules: `timing`
(a cell, a fit, the proxy's calibration), `remote` (the resource servers), `runner` (the run),
`physics` (what the figures must obey, and the crossovers) and `report` (tables, JSON, plot).
"""

import math

DEFAULT_RTTS = "0,1,5,20"
MAX_RTT_MS = 1000.0  # a second each way is not a network this run is for


class LatencyError(Exception):
    """What stops a latency run, as one line: no redis-server to put behind the proxy."""


def parse_rtts(text: str) -> list[float]:
    """`0,1,5,20`: the RTTs in milliseconds, each 0 … MAX_RTT_MS, sorted, without repeats;
    ValueError (one line) for any other."""
    values: set[float] = set()
    for part in text.split(","):
        part = part.strip()
        try:
            value = float(part)
        except ValueError:
            raise ValueError(
                f"{part!r} is not a number of milliseconds (e.g. --rtt 0,1,5,20)"
            ) from None
        if not math.isfinite(value) or not 0 <= value <= MAX_RTT_MS:
            raise ValueError(f"{part!r}: an RTT is 0 to {MAX_RTT_MS:g} ms")
        values.add(value)
    return sorted(values)


def key(rtt: float) -> str:
    """An RTT as the JSON keys it: "0", "1", "2.5"."""
    return f"{rtt:g}"
