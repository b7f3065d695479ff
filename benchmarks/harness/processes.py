"""Starting and stopping the servers that measurements and tests run: loopback only."""

import socket
import subprocess
import time
import urllib.request
from collections.abc import Mapping


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flags(options: Mapping[str, object]) -> list[str]:
    """Command-line arguments from {"--flag": value}: ["--flag", "value", ...]."""
    return [str(part) for flag, value in options.items() for part in (flag, value)]


def stop(process: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout`."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_http(url: str, process: subprocess.Popen | None, timeout: float = 30.0) -> None:
    """Wait until `url` answers 200.

    RuntimeError if `process` exits first, TimeoutError after `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before it answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our loopback URL
                if response.status == 200:
                    return
        except OSError:  # refused, reset, timed out, or an HTTP error status
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f} s")
