"""`auth-sandbox bench --locust-workers N`: locust's master and N workers, on loopback.

The bench runs as a subprocess, watched from here with psutil: the processes it starts,
their sockets, and whether any outlives it. The report alone cannot tell how many workers
ran its users: locust's own log says, through LOCUST_LOGFILE (the bench passes its
environment on to locust).
"""

import contextlib
import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

from benchmarks import measurable
from benchmarks.harness.processes import flags, free_port
from benchmarks.load import servers as processes
from benchmarks.load.plan import BASELINE
from benchmarks.load.servers import BenchError, Credentials, Load, run_locust
from tests.conftest import CHEAP_HASH
from tests.servers import BIN

pytestmark = pytest.mark.load
LOOPBACK = "127.0.0.1"
LOCUST_WORKERS = 2
USERS = 2  # one on each worker: locust shares the users out evenly


@dataclass
class Seen:
    """A process the bench started, as the watcher last saw it."""

    pid: int
    started: float  # its create_time: the same PID, started later, is another process
    command: list[str] = field(default_factory=list)
    listening: set[tuple[str, int]] = field(default_factory=set)
    peers: set[tuple[str, int]] = field(default_factory=set)  # the far ends of its connections

    def flag(self, name: str) -> str:
        return self.command[self.command.index(name) + 1]

    def alive(self) -> bool:
        try:
            process = psutil.Process(self.pid)
            if process.create_time() != self.started:
                return False
            return process.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:  # a zombie too: it has ended, unreaped
            return False


class Watcher(threading.Thread):
    """Samples a process's descendants until it exits: commands, listening sockets, peers."""

    INTERVAL_S = 0.1

    def __init__(self, root: subprocess.Popen):
        super().__init__(daemon=True)
        self.root = root
        self.seen: dict[tuple[int, float], Seen] = {}

    def run(self) -> None:
        while self.root.poll() is None:
            self.sample()
            time.sleep(self.INTERVAL_S)

    def sample(self) -> None:
        try:
            children = psutil.Process(self.root.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for child in children:
            try:
                key = (child.pid, child.create_time())
                seen = self.seen.setdefault(key, Seen(*key))
                # Read each time: between fork and exec a child still shows its parent's.
                seen.command = child.cmdline()
                for connection in child.net_connections("tcp"):
                    if connection.status == psutil.CONN_LISTEN:
                        seen.listening.add((connection.laddr.ip, connection.laddr.port))
                    elif connection.raddr:
                        seen.peers.add((connection.raddr.ip, connection.raddr.port))
            except (psutil.NoSuchProcess, psutil.AccessDenied):  # it ended meanwhile
                continue

    def locust(self, role: str) -> list[Seen]:
        return [seen for seen in self.seen.values() if role in seen.command]


def stop_leftovers(watcher: Watcher) -> list[Seen]:
    """The processes the bench started that outlived it, stopped here so that none lingers."""
    leftovers = [seen for seen in watcher.seen.values() if seen.alive()]
    running = []
    for seen in leftovers:
        with contextlib.suppress(psutil.NoSuchProcess):  # it ended in the meantime
            running.append(psutil.Process(seen.pid))
    for process in running:
        process.terminate()
    _, still = psutil.wait_procs(running, timeout=10)
    for process in still:
        process.kill()
    return leftovers


def run_bench(
    output: Path, redis_url: str, locust_log: Path
) -> tuple[subprocess.CompletedProcess, Watcher, list[Seen]]:
    """`auth-sandbox bench` on the smallest run that has locust workers, watched as it runs.

    Also the processes it started that outlived it, stopped here however the run ended.
    """
    # bearer has no variant and no peer: the baseline and itself, two targets.
    command = [str(BIN / "auth-sandbox"), "bench", "--strategies", "bearer"]
    options = {
        "--locust-workers": LOCUST_WORKERS,
        "--duration": 2,
        "--users": USERS,
        "--output": output,
    }
    bench = subprocess.Popen(
        [*command, *flags(options)],
        env={
            **os.environ,
            "PASSWORD_HASH_METHOD": CHEAP_HASH,
            # bearer keeps its tokens in Redis, shared by gunicorn's two workers.
            "REDIS_URL": redis_url,
            # Every locust process of the run, master and workers, logs there.
            "LOCUST_LOGFILE": str(locust_log),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watcher = Watcher(bench)
    watcher.start()
    try:
        # Longer than the bench's own bound on workers that never connect (a minute, and
        # a few seconds to stop them), so that it fails by itself, stopping what it started.
        stdout, stderr = bench.communicate(timeout=300)
    finally:
        if bench.poll() is None:
            bench.kill()
            bench.wait()
        watcher.join(10)
        leftovers = stop_leftovers(watcher)
    result = subprocess.CompletedProcess(bench.args, bench.returncode, stdout, stderr)
    return result, watcher, leftovers


@pytest.mark.redis
def test_locust_workers_carry_the_load_on_loopback_and_none_outlives_the_bench(tmp_path, redis_url):
    result, watcher, leftovers = run_bench(tmp_path / "out", redis_url, tmp_path / "locust.log")
    assert result.returncode == 0, result.stderr[-3000:]
    assert not leftovers, [seen.command for seen in leftovers]

    # Every server the bench started listened on loopback only: gunicorn and locust's master.
    listening = {address for seen in watcher.seen.values() for address in seen.listening}
    assert listening and {ip for ip, _ in listening} == {LOOPBACK}

    masters, workers = watcher.locust("--master"), watcher.locust("--worker")
    # One for each target: the baseline, and bearer with each of its variants.
    targets = 1 + len(measurable.configurations(["bearer"]))
    assert len(masters) == targets
    assert len(workers) == targets * LOCUST_WORKERS
    for master in masters:
        port = int(master.flag("--master-bind-port"))
        assert master.flag("--master-bind-host") == LOOPBACK
        assert master.flag("--expect-workers") == str(LOCUST_WORKERS)
        assert (LOOPBACK, port) in master.listening
        server = urlsplit(master.flag("--host"))
        assert server.hostname == LOOPBACK
        assert (LOOPBACK, server.port) in listening  # the bench's own gunicorn
        ours = [worker for worker in workers if worker.flag("--master-port") == str(port)]
        assert len(ours) == LOCUST_WORKERS
        for worker in ours:
            assert worker.flag("--master-host") == LOOPBACK
            assert (LOOPBACK, port) in worker.peers, worker.command  # it reached its master

    # Each master shared its users out among all its workers (locust's log says how many).
    log = (tmp_path / "locust.log").read_text()
    spawned = f"Sending spawn jobs of {USERS} users at {USERS:.2f} spawn rate to "
    assert log.count(spawned) == len(masters), log[-3000:]
    assert log.count(f"{spawned}{LOCUST_WORKERS} ready workers") == len(masters), log[-3000:]
    # and each worker quit when its master told it to, not when the bench stopped it.
    assert log.count("Got quit message from master") == len(workers), log[-3000:]

    (outdir,) = (tmp_path / "out").iterdir()
    bench = json.loads((outdir / "results.json").read_text())
    assert bench["options"]["locust_workers"] == LOCUST_WORKERS
    bearer = [c.label for c in measurable.configurations(["bearer"])]
    assert [target["target"] for target in bench["targets"]] == [BASELINE, *bearer]
    for target in bench["targets"]:
        # A master runs no users: each count is the sum of its workers' reports, every
        # user's first request included.
        assert target["endpoints"]["GET /strategy"]["requests"] == USERS, target
        assert target["requests"] > USERS
        assert target["failures"] == 0, target
        assert target["rps"] > 0
        assert target["p50_ms"] is not None
        assert target["server_cpu_ms_per_request"] > 0
        assert target["locust_cpu_s"] > 0  # the workers were waited for, so counted
    bearer = bench["targets"][1]["endpoints"]
    assert bearer["POST /token"]["requests"] == USERS  # each user logged in once, at start
    assert bearer["GET /protected"]["requests"] > 0
    assert "| bearer |" in result.stdout


def test_workers_that_never_reach_their_master_fail_the_run_and_are_stopped(tmp_path, monkeypatch):
    started: list[subprocess.Popen] = []
    popen = subprocess.Popen

    def astray(command: list[str], **options) -> subprocess.Popen:
        """Each worker pointed at a port where no master listens."""
        if "--worker" in command:
            at = command.index("--master-port") + 1
            command = [*command[:at], str(free_port()), *command[at + 1 :]]
        process = popen(command, **options)
        started.append(process)
        return process

    # The bench's bounds, shortened: the behaviour is the same, sooner.
    monkeypatch.setattr(processes, "WORKERS_WAIT_S", 2)
    monkeypatch.setattr(processes, "WORKERS_QUIT_S", 1)
    monkeypatch.setattr(subprocess, "Popen", astray)
    load = Load("public", 1, USERS, LOCUST_WORKERS)
    began = time.monotonic()
    with pytest.raises(BenchError, match="locust recorded no requests"):
        # No user ever runs, so no server is needed behind the URL.
        run_locust("http://127.0.0.1:9", load, Credentials(["u"], "p"), tmp_path / "astray")
    assert time.monotonic() - began < 60
    assert len(started) == 1 + LOCUST_WORKERS
    assert all(process.returncode is not None for process in started)
