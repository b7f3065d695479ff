"""What a restart of the token store does to logins: measured on a redis-server of the
comparison's own (never the user's REDIS_URL), once without persistence and once with
`appendonly yes`.

For each configuration that keeps something in Redis: one login left live and one logged
out, the store restarted, then each tried again. A live login is kept or lost (its access
token, and its refresh token where it has one); a logged-out one stays refused, or is
accepted again (a denylist that forgot it: fail open).
"""

from collections.abc import Mapping
from typing import Any

from flask.testing import FlaskClient

from benchmarks.compare.subject import Subject
from benchmarks.harness.redis_server import RedisServer
from strategies.capabilities import store_keys

MODES = {"without persistence": False, "appendonly yes": True}
NO_SERVER = "not measured: no redis-server on the PATH to restart"


def restarts(subjects: Mapping[str, Subject]) -> dict[str, dict[str, Any]]:
    """Per configuration label, per mode: what survived the restart (or why not measured)."""
    kept = {label: s for label, s in subjects.items() if store_keys(s.strategy)}
    server = RedisServer.available()

    def start(label: str) -> dict[str, Any]:
        if label not in kept:
            return {"measured": False, "why": "keeps nothing in Redis: a restart changes nothing"}
        return {"measured": True} if server else {"measured": False, "why": NO_SERVER}

    results = {label: start(label) for label in subjects}
    if not kept or not server:
        return results
    for mode, appendonly in MODES.items():
        with RedisServer(appendonly=appendonly) as restarted:
            probes = {label: Probe(subject, restarted.url) for label, subject in kept.items()}
            restarted.stop()
            restarted.start()
            for label, probe in probes.items():
                results[label][mode] = probe.after_restart()
    return results


class Probe:
    """A live login and a logged-out one of a subject's instance, on another Redis."""

    def __init__(self, subject: Subject, redis_url: str):
        self.subject = subject
        # A Redis of its own, never a cluster: REDIS_CLUSTER may name the one compare runs on.
        own = subject.make_app(REDIS_URL=redis_url, REDIS_CLUSTER=False)
        self.client: FlaskClient = own.test_client()
        self.live = subject.login(self.client)
        self.out = subject.login(self.client)
        logout = self.client.post("/logout", headers=self.header(self.out))
        self.logout_status = logout.status_code
        self.out_refused_before = self.status(self.out) == 401

    def header(self, issued: dict[str, Any]) -> dict[str, str]:
        return self.subject.authorization(issued["token"])

    def status(self, issued: dict[str, Any]) -> int:
        return self.subject.status(self.header(issued), self.client)

    def after_restart(self) -> dict[str, Any]:
        refresh = self.live.get("refresh_token")
        refreshed = (
            self.client.post("/token/refresh", json={"refresh_token": refresh}).status_code
            if refresh
            else None
        )
        out = self.status(self.out)
        return {
            "live_access": self.status(self.live),
            "live_refresh": refreshed,
            "logout_status": self.logout_status,
            "logged_out_refused_before": self.out_refused_before,
            "logged_out_after": out,
        }


def reading(result: dict[str, Any], mode: str) -> str:
    """A cell: what the restart did to a live login, then to a logged-out one."""
    if not result["measured"]:
        return result["why"]
    after = result[mode]
    live = "live login kept" if after["live_access"] == 200 else "live login lost"
    if after["live_refresh"] is not None and after["live_refresh"] != 200:
        live = "access kept, refresh lost" if after["live_access"] == 200 else live
    if not after["logged_out_refused_before"]:
        out = f"logout {after['logout_status']}: nothing was refused"
    elif after["logged_out_after"] == 200:
        out = "logged-out login accepted again"
    else:
        out = "logged-out login still refused"
    return f"{live}; {out}"
