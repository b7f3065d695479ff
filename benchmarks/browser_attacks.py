"""The demo page's token under attack in Chromium, for each place the page can keep it.

For every strategy whose token can travel in a cookie (GET /strategy's `cookie_capable`
fact) and each place (`memory`, `localStorage`, an HttpOnly `cookie`: the last one with
TOKEN_LOCATION=cookie, where it is the page's only choice), one login in the demo page,
then what each attacker observes:

- read: a script injected into the page searches localStorage, sessionStorage,
  document.cookie and the window's globals for the token's value;
- capture: it wraps window.fetch, and the user's next call goes through the wrapper;
- use: it calls GET /protected from the page's origin with what it read or captured, and
  whatever the browser attaches on its own (the cookies): the status answered;
- cross_site: a page of another site (`http://localhost:PORT2`, where the app is
  `http://127.0.0.1:PORT`) makes the browser fetch /protected with credentials and submit a
  form POST to /logout; then the user's own next call shows whether the login survived;
- same_site: the same from another port of the app's host (`http://127.0.0.1:PORT3`):
  another origin, the same site, which SameSite does not tell apart.

What the server answered is read at the server (a WSGI wrapper records each request's
status and whether the access-token cookie came with it): a cross-origin page cannot read the
answers it causes, and it needs none to act.

Everything listens on 127.0.0.1 only; `localhost` is the loopback's other name.
"""

import html
import http.server
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flask import Flask
from werkzeug.http import parse_cookie
from werkzeug.serving import WSGIRequestHandler, make_server

from sandbox import create_app
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME, throwaway_settings
from sandbox.cookies import ACCESS_COOKIE

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

PLACES = ("memory", "localStorage", "cookie")
FOREIGN = ("cross_site", "same_site")
WAIT_MS = 5_000  # every wait in a page is bounded
POLL_S = 0.02  # how often a server's loop looks for a shutdown
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class AttackSetupError(RuntimeError):
    """The page did not reach the state an attack starts from (not a measurement)."""


# ---- the app, served and watched ------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One request the app answered."""

    method: str
    path: str
    status: int
    cookie: bool  # the access-token cookie came with it
    origin: str  # its Origin header ("" when the browser sent none)


class Recorder:
    """The app as a WSGI callable that notes every request's answer."""

    def __init__(self, app: Flask):
        self.app = app
        self.hits: list[Hit] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        cookie = ACCESS_COOKIE in parse_cookie(environ.get("HTTP_COOKIE", ""))
        origin = environ.get("HTTP_ORIGIN", "")

        def recording(status: str, headers: list, exc_info: Any = None) -> Any:
            with self._lock:
                self.hits.append(Hit(method, path, int(status.split()[0]), cookie, origin))
            return start_response(status, headers, exc_info)

        return self.app(environ, recording)


@dataclass
class BrowserTarget:
    """An app served on a loopback port: its URL, its GET /strategy facts, what it answered."""

    url: str
    facts: dict[str, Any]
    recorder: Recorder

    def hits_since(self, mark: int) -> list[Hit]:
        return self.recorder.hits[mark:]


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *_args: Any) -> None:
        pass  # the Recorder keeps what matters


@contextmanager
def serve(app: Flask) -> Iterator[BrowserTarget]:
    """`app` on a loopback port of its own, until the block ends."""
    recorder = Recorder(app)
    server = make_server("127.0.0.1", 0, recorder, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, args=(POLL_S,), daemon=True)
    thread.start()
    try:
        facts = app.test_client().get("/strategy").get_json()
        yield BrowserTarget(f"http://127.0.0.1:{server.server_port}", facts, recorder)
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def cookie_capable(facts: Mapping[str, Any]) -> bool:
    """Whether the strategy's token can travel in a cookie: the server's own fact."""
    return bool(facts.get("cookie_capable"))


# ---- the other sites ------------------------------------------------------------------

# The attacker's page, served by the attacker's server: what any page of another origin,
# which the user visits while logged in, may do with the browser. Its two functions are
# called one after the other, so that each answer is observed apart.
ATTACKER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Another origin</title></head>
<body>
<p>A page of another origin, open in the same browser as the user's login: {label}.</p>
<script>
const target = new URLSearchParams(location.search).get("target");

// The browser attaches what it would attach on its own: cookies, where SameSite lets it.
// The answer is readable only if the app allows this origin (CORS): it allows none.
async function fetchProtected() {{
  try {{
    const response = await fetch(target + "/protected", {{ credentials: "include" }});
    return {{ readable: true, status: response.status }};
  }} catch (error) {{
    return {{ readable: false, error: String(error) }};
  }}
}}

// A form needs no permission at all: a top-level POST, cookies attached where SameSite lets.
function submitLogout() {{
  const form = document.createElement("form");
  form.method = "POST";
  form.action = target + "/logout";
  document.body.append(form);
  form.submit();
}}
document.body.dataset.ready = "true";
</script>
</body></html>
"""


class AttackerSite:
    """A tiny HTTP server on a loopback port of its own that serves ATTACKER_PAGE."""

    def __init__(self, label: str):
        page = ATTACKER_PAGE.format(label=html.escape(label)).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.startswith("/favicon"):
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the measurement reports what matters

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(
            target=self.server.serve_forever, args=(POLL_S,), daemon=True
        )

    def __enter__(self) -> "AttackerSite":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self._thread.join()
        self.server.server_close()


@contextmanager
def attacker_origins() -> Iterator[dict[str, str]]:
    """The two other origins, by attack: another site, and the same site on another port.

    `localhost` and `127.0.0.1` are different sites (different hosts); `127.0.0.1` on
    another port is another origin of the same site as the app.
    """
    with AttackerSite("another site") as other, AttackerSite("the same site") as same:
        yield {
            "cross_site": f"http://localhost:{other.port}",
            "same_site": f"http://127.0.0.1:{same.port}",
        }


# ---- the injected scripts -------------------------------------------------------------

# Every place a script of the page can look without knowing the page's code: the storages,
# the cookies it may read, and the window's globals a few levels down, their getters too
# (RegExp.input, RegExp.$_: the input of the last successful match, whatever string it was).
# The value sought is given, to observe whether the token is there; an attacker would take
# every string.
READ = """(token) => {
  const found = [];
  const look = (where, text) => {
    if (typeof text === "string" && text.includes(token)) found.push(where);
  };
  const storages = [["localStorage", localStorage], ["sessionStorage", sessionStorage]];
  for (const [name, storage] of storages) {
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      look(`${name}[${JSON.stringify(key)}]`, key + "\\n" + storage.getItem(key));
    }
  }
  look("document.cookie", document.cookie);
  const visited = new Set();
  let budget = 200000;
  const walk = (where, value, depth) => {
    if (budget-- <= 0 || value === null || value === undefined) return;
    if (typeof value === "string") return look(where, value);
    if (typeof value !== "object" && typeof value !== "function") return;
    if (depth === 0 || visited.has(value) || value === window || value instanceof Node) return;
    visited.add(value);
    let keys;
    try { keys = Object.getOwnPropertyNames(value); } catch (_) { return; }
    for (const key of keys) {
      let inner;
      try { inner = value[key]; } catch (_) { continue; } // a getter of a prototype throws
      // ... or answers a rejected promise: handled here, not reported as the page's error.
      if (inner instanceof Promise) inner.catch(() => {});
      walk(`${where}.${key}`, inner, depth - 1);
    }
  };
  for (const key of Object.getOwnPropertyNames(window)) {
    let value;
    try { value = window[key]; } catch (_) { continue; }
    walk(`window.${key}`, value, 3);
  }
  return found;
}"""

IN_PAGE_TEXT = "(token) => document.documentElement.textContent.includes(token)"

# Wrap fetch: every call the page makes from now on shows its URL, headers and body.
WRAP_FETCH = """() => {
  const original = window.fetch;
  const seen = [];
  window.fetch = function (input, init) {
    const request = new Request(input, init);
    const body = init && typeof init.body === "string" ? init.body : "";
    seen.push({ url: request.url, method: request.method, headers: [...request.headers], body });
    return original.apply(this, arguments);
  };
  Object.defineProperty(window, "__stolenRequests", { value: () => seen });
}"""

STOLEN = "() => window.__stolenRequests()"

# The API as the user: from the page's origin, with what was stolen, if anything, and the
# browser's own cookies.
USE = """async (authorization) => {
  const headers = { "X-Requested-With": "XMLHttpRequest" };
  if (authorization) headers.Authorization = authorization;
  const response = await fetch("/protected", { credentials: "include", headers });
  return response.status;
}"""


# ---- one cell -------------------------------------------------------------------------


@dataclass
class UserPage:
    """The demo page, as the user left it, logged in with the token kept in `place`."""

    page: "Page"
    context: "BrowserContext"
    target: BrowserTarget
    place: str
    token: str = ""
    errors: list[str] = field(default_factory=list)

    def log_in(self) -> None:
        page = self.page
        page.fill("#username", DEMO_USERNAME)
        page.fill("#password", DEMO_PASSWORD)
        with page.expect_response(
            lambda r: r.url == f"{self.target.url}/token" and r.request.method == "POST"
        ) as answer:
            page.click("#login")
        if answer.value.status != 200:
            raise AttackSetupError(f"the login answered {answer.value.status}")
        page.wait_for_selector("#session", state="visible")
        body = answer.value.json()
        if body.get("token"):
            self.token = body["token"]
            return
        # TOKEN_LOCATION=cookie: the token is in the browser's cookie jar, which only the
        # observer reads (Playwright, not the page).
        jar = {c["name"]: c["value"] for c in self.context.cookies(self.target.url)}
        if ACCESS_COOKIE not in jar:
            raise AttackSetupError("the login answered no token and set no access-token cookie")
        self.token = jar[ACCESS_COOKIE]

    def call(self) -> int:
        """The user clicks "Call /protected": what the server answered."""
        url = f"{self.target.url}/protected"
        with self.page.expect_response(lambda r: r.url == url) as answer:
            self.page.click("#call")
        return answer.value.status


@contextmanager
def user_page(browser: "Browser", target: BrowserTarget, place: str) -> Iterator[UserPage]:
    """A fresh browser profile, the demo page open, the token kept in `place`, logged in."""
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        user = UserPage(page, context, target, place)
        page.on("pageerror", lambda error: user.errors.append(str(error)))
        page.goto(f"{target.url}/")
        page.wait_for_selector("body[data-ready=true]")
        if page.is_enabled(f"#storage-{place}"):
            page.check(f"#storage-{place}")
        active = page.get_attribute("body", "data-storage")
        if active != place:
            raise AttackSetupError(f"the page keeps the token in {active}, not in {place}")
        user.log_in()
        yield user
    finally:
        context.close()


def injected(user: UserPage) -> dict[str, Any]:
    """What a script injected into the user's page reads, captures and does."""
    page, token = user.page, user.token
    places = page.evaluate(READ, token)
    shown = page.evaluate(IN_PAGE_TEXT, token)

    page.evaluate(WRAP_FETCH)
    user.call()  # the user's next call, through the wrapper
    stolen = page.evaluate(STOLEN)
    captured = [
        f"{name} of {request['method']} {request['url'].removeprefix(user.target.url)}"
        for request in stolen
        for name, text in [*request["headers"], ("body", request["body"])]
        if token in text
    ]
    # What it sends: the Authorization it captured, else the token it read with the scheme
    # of the facts, else nothing (the browser attaches what it attaches).
    authorization = next(
        (
            value
            for request in stolen
            for name, value in request["headers"]
            if name.lower() == "authorization" and token in value
        ),
        f"{user.target.facts['scheme']} {token}" if places else None,
    )
    return {
        "read": places,
        "in_page_text": shown,
        "captured": captured,
        "use": {
            "sent": "Authorization" if authorization else "nothing of its own",
            "status": page.evaluate(USE, authorization),
        },
    }


def foreign(user: UserPage, origin: str) -> dict[str, Any]:
    """A page of `origin` open in the user's browser: a fetch of /protected with
    credentials, then a form POST to /logout; then the user's own next call."""
    target = user.target
    mark = len(target.recorder.hits)
    attacker = user.context.new_page()
    attacker.set_default_timeout(WAIT_MS)
    try:
        attacker.goto(f"{origin}/?target={quote(target.url, safe='')}")
        attacker.wait_for_selector("body[data-ready=true]")
        fetched = attacker.evaluate("fetchProtected()")
        with attacker.expect_navigation(url=f"{target.url}/logout"):
            attacker.evaluate("setTimeout(submitLogout)")
    finally:
        attacker.close()
    hits = target.hits_since(mark)
    # None: the request never reached the app (the browser stopped it first).
    protected = next((hit for hit in hits if hit.path == "/protected"), None)
    logout = next((hit for hit in hits if hit.path == "/logout"), None)
    return {
        "origin": origin,
        "protected": protected and protected.status,
        "protected_cookie_sent": bool(protected and protected.cookie),
        "protected_readable": fetched["readable"],
        "logout": logout and logout.status,
        "logout_cookie_sent": bool(logout and logout.cookie),
        "user_call_after": user.call(),
    }


def observe(
    browser: "Browser", target: BrowserTarget, place: str, origins: Mapping[str, str]
) -> dict[str, Any]:
    """One cell: the token kept in `place` on `target`'s demo page, under every attack."""
    with user_page(browser, target, place) as user:
        cell: dict[str, Any] = {"token_location": target.facts.get("token_location", "header")}
        cell |= injected(user)
        for attack in FOREIGN:
            if user.call() != 200:  # a previous attack ended the login: start from a new one
                user.log_in()
            cell[attack] = foreign(user, origins[attack])
        cell["page_errors"] = user.errors
    return cell


def verdict(cell: Mapping[str, Any]) -> dict[str, bool]:
    """A cell in yes/no: what the summary table shows."""
    return {
        "readable": bool(cell["read"]),
        "capturable": bool(cell["captured"]),
        "usable": cell["use"]["status"] == 200,
        **{
            f"{attack}_survives": cell[attack]["user_call_after"] == 200
            and cell[attack]["logout"] not in (200, 204)
            for attack in FOREIGN
        },
    }


# ---- the matrix -----------------------------------------------------------------------


@contextmanager
def chromium() -> Iterator["Browser"]:
    """Chromium driven by Playwright: the system's (CHROMIUM), else Playwright's own."""
    from playwright.sync_api import sync_playwright

    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def throwaway_app(name: str, instance_path: str, location: str) -> Flask:
    """The strategy's app in a folder of its own, its token store in the process (fakeredis),
    the token in `location` (TOKEN_LOCATION: header or cookie)."""
    prefix = f"auth-sandbox-browser:{uuid.uuid4().hex[:8]}:"
    overrides = {"TOKEN_LOCATION": location}
    return create_app(throwaway_settings(name, instance_path, None, prefix, **overrides))


def attack_matrix(
    strategy_names: list[str],
    browser: "Browser | None" = None,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Every cookie-capable strategy of `strategy_names` by every place, seen in Chromium.

    {"strategies": {name: {place: cell}}, "left_out": {name: why}, "verdicts": {name:
    {place: verdict}}}; a cell as `observe` returns it.
    """
    result: dict[str, Any] = {"strategies": {}, "left_out": {}, "verdicts": {}}
    with ExitStack() as stack:
        if browser is None:
            browser = stack.enter_context(chromium())
        workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="auth-sandbox-browser-"))
        origins = stack.enter_context(attacker_origins())
        for name in strategy_names:
            cells: dict[str, Any] = {}
            folder = os.path.join(workdir, name)
            with serve(throwaway_app(name, folder, "header")) as target:
                if not cookie_capable(target.facts):
                    result["left_out"][name] = "its credentials cannot travel in a cookie"
                    continue
                for place in PLACES[:2]:
                    progress(f"{name}: the token in {place}")
                    cells[place] = observe(browser, target, place, origins)
            progress(f"{name}: the token in an HttpOnly cookie")
            with serve(throwaway_app(name, folder, "cookie")) as target:
                cells["cookie"] = observe(browser, target, "cookie", origins)
            result["strategies"][name] = cells
            result["verdicts"][name] = {place: verdict(cell) for place, cell in cells.items()}
    return result


# ---- the summary ----------------------------------------------------------------------

HEADINGS = (
    "strategy",
    "kept in",
    "injected script: reads it",
    "captures it",
    "calls as the user",
    "page text shows it",
    "another site: /protected, /logout → user's next call",
    "same site, other port: /protected, /logout → user's next call",
)


def _foreign(seen: Mapping[str, Any]) -> str:
    def answer(status: int | None, cookie: bool, readable: bool = False) -> str:
        if status is None:
            return "never sent"
        notes = [note for note, yes in (("cookie sent", cookie), ("read", readable)) if yes]
        return f"{status}" + (f" ({', '.join(notes)})" if notes else "")

    protected = answer(seen["protected"], seen["protected_cookie_sent"], seen["protected_readable"])
    logout = answer(seen["logout"], seen["logout_cookie_sent"])
    return f"{protected}, {logout} → {seen['user_call_after']}"


def table(cells: Mapping[tuple[str, str], Mapping[str, Any]]) -> list[str]:
    """The observed cells, by (strategy, place), as the lines of a Markdown table."""

    def yes(found: Any) -> str:
        return "yes" if found else "no"

    lines = ["| " + " | ".join(HEADINGS) + " |", "|" + "---|" * len(HEADINGS)]
    for (name, place), cell in sorted(
        cells.items(), key=lambda k: (k[0][0], PLACES.index(k[0][1]))
    ):
        row = (
            name,
            place,
            yes(cell["read"]),
            yes(cell["captured"]),
            f"{cell['use']['status']} ({cell['use']['sent']})",
            yes(cell["in_page_text"]),
            _foreign(cell["cross_site"]),
            _foreign(cell["same_site"]),
        )
        lines.append("| " + " | ".join(row) + " |")
    return lines


def matrix_table(matrix: Mapping[str, Any]) -> list[str]:
    """attack_matrix's result as the lines of a Markdown table."""
    return table(
        {
            (name, place): cell
            for name, cells in matrix["strategies"].items()
            for place, cell in cells.items()
        }
    )
