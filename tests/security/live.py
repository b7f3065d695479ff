"""A live app per strategy (werkzeug's server on a loopback port) and raw HTTP to it."""

import base64
import hashlib
import hmac
import http.client
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from tests.conftest import hs256_key

POLL_S = 0.02  # how often the server's loop looks for a shutdown


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Spy:
    """A loopback port that counts the connections made to it: the app must make none."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.hits = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._count, daemon=True)
        self._thread.start()

    def _count(self) -> None:
        while not self._done.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.hits += 1
            connection.close()

    def close(self) -> None:
        self._done.set()
        self._thread.join()
        self.listener.close()


@dataclass
class Live:
    app: Flask
    port: int
    spy: Spy | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    issued: dict[str, Any] = field(default_factory=dict)
    label: str = ""  # what the catalogue's summary calls it: "jwt + refresh"

    @property
    def spy_url(self) -> str:
        assert self.spy is not None, "this live app has no spy"
        return self.spy.url

    @property
    def key(self) -> str:
        return hs256_key(self.app)

    @property
    def scheme(self) -> str:
        return self.facts["scheme"]

    def send(
        self,
        method: str,
        path: str,
        headers: list[tuple[str, str | bytes]] = (),
        body: bytes | None = None,
    ) -> Reply:
        """One request with exactly these headers, bytes and duplicates included."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.putrequest(method, path)
            for name, value in headers:
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return Reply(response.status, dict(response.getheaders()), response.read())
        finally:
            connection.close()

    def protected(self, authorization: str | bytes | None, path: str = "/protected") -> Reply:
        headers = [] if authorization is None else [("Authorization", authorization)]
        return self.send("GET", path, headers)

    def login(self, username: str = DEMO_USERNAME, password: str = DEMO_PASSWORD) -> dict:
        body = json.dumps({"username": username, "password": password}).encode()
        reply = self.send("POST", "/token", [("Content-Type", "application/json")], body)
        assert reply.status == 200, reply.body
        return reply.json()

    def refresh(self, refresh_token: str) -> Reply:
        body = json.dumps({"refresh_token": refresh_token}).encode()
        return self.send("POST", "/token/refresh", [("Content-Type", "application/json")], body)

    def logout(self, issued: dict) -> Reply:
        authorization = f"{issued['token_type']} {issued['token']}"
        return self.send("POST", "/logout", [("Authorization", authorization)])


def serve(app: Flask, spy: Spy | None = None) -> tuple[Live, Callable[[], None]]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # shutdown() waits for the loop's next poll: 0.5 s by default, for every app a suite serves.
    thread = threading.Thread(target=server.serve_forever, args=(POLL_S,), daemon=True)
    thread.start()
    live = Live(app, server.server_port, spy)
    live.facts = live.send("GET", "/strategy").json()
    live.issued = live.login()

    def stop() -> None:
        server.shutdown()
        thread.join()

    return live, stop


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict, payload: dict, key: bytes | None) -> str:
    """A JWT made by hand: HMAC-signed with `key` for HS256/HS512, unsigned for anything else."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}.get(header.get("alg", ""))
    signature = (
        b""
        if key is None or digest is None
        else hmac.new(key, signing_input.encode(), digest).digest()
    )
    return f"{signing_input}.{b64url(signature)}"


def claims(user_id: int, **changes) -> dict:
    now = int(time.time())
    payload = {
        "sub": str(user_id),
        "type": "access",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "forged",
        "fresh": False,
        **changes,
    }
    return {name: value for name, value in payload.items() if value is not None}
