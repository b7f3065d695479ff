"""The other origins of the attacks: another site, and the same site on another port, each a
tiny server of its own that serves the attacker's page."""

import html
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks.browser.served_app import POLL_S

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
