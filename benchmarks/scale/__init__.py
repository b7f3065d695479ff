"""`auth-sandbox scale`: what a stateful strategy costs its token store as the store grows.

Each stateful configuration (strategy and variant) fills a Redis through its own
`issue_many` (and `revoke_many` where its state is of revoked logins) to 10^3 … 10^6
tokens; at each size it measures the Redis bytes per token, the authenticate latency
and the fill rate. The modules: `sizes` (what to fill, and whether the machine can
hold it), `target` (which Redis), `store_bytes` (what the Redis holds), `fill`,
`latency`, `runner` (the run) and `report` (table, JSON, plot).
"""


class ScaleError(Exception):
    """What stops a scale run, as one line: a size too large, a Redis it must not fill."""
