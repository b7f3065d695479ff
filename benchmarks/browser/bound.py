"""A cell whose token is bound to the page's key (TOKEN_BINDING=dpop): what the injected
script does with that key inside the page, and what it carries out of the page is worth from
the attacker's own client.

Inside the page, binding changes nothing the script cannot do: it has the page's key sign
proofs of its own and calls the API as the user while the page is open. What it cannot do
is read the key (non-extractable, unless the script ran before the page made it), nor use
what it copied anywhere else: a captured proof is spent and names one method and URL, and
the token without a proof of the key is refused. Proofs the page's key signs for it, though,
work once each from anywhere while they are fresh (DPOP_PROOF_MAX_AGE): it acts through the
page, not instead of it.

The attacker's own client is a plain HTTP client outside the browser, with a key of its own.
"""

import http.client
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from benchmarks.browser.chromium import WAIT_MS
from benchmarks.browser.key_scripts import FORCE_EXTRACTABLE, KEY_PROBE, SIGN_FOR, USE_PROVED
from benchmarks.browser.scripts import IN_PAGE_TEXT, READ, STOLEN
from benchmarks.harness.dpop_client import PROOF_HEADER, ProofKey
from sandbox.transports.dpop import DPoPTransport

if TYPE_CHECKING:
    from benchmarks.browser.attacks import UserPage
    from benchmarks.browser.served_app import BrowserTarget

JSON = {"Content-Type": "application/json"}
PROTECTED = "/protected"
REFRESH = "/token/refresh"


def binds_tokens(facts: Mapping[str, Any]) -> bool:
    """Whether the target binds its tokens to the client's key: the server's own fact."""
    return facts.get("token_binding") == DPoPTransport.binding


def from_own_client(
    target: "BrowserTarget",
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: str | None = None,
) -> dict[str, Any]:
    """One request from the attacker's own client: the status, and what the server said."""
    parts = urlsplit(target.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=dict(headers))
        response = connection.getresponse()
        text = response.read().decode()
    finally:
        connection.close()
    try:
        msg = json.loads(text).get("msg", "") if text else ""
    except (ValueError, AttributeError):
        msg = text[:200]
    return {"status": response.status, "msg": msg}


def in_page_use(user: "UserPage", authorization: str | None) -> dict[str, Any]:
    """The injected script calls the API as the user: the token it captured and a proof it
    had the page's key sign (the key the page's next signature handed its wrapper)."""
    page = user.page
    url = user.target.url + PROTECTED
    proof = page.evaluate(SIGN_FOR, {"method": "GET", "url": url, "token": user.token})
    sent = "Authorization and a proof the page's key signed" if proof else "Authorization"
    status = page.evaluate(USE_PROVED, {"authorization": authorization, "proof": proof})
    return {"sent": sent, "status": status}


def captured_call(user: "UserPage") -> dict[str, str]:
    """The headers of the user's call to /protected that the fetch wrapper saw: the token
    and the proof the page sent, both already spent by that call."""
    url = user.target.url + PROTECTED
    for request in user.page.evaluate(STOLEN):
        headers = {name.lower(): value for name, value in request["headers"]}
        if request["url"] == url and PROOF_HEADER.lower() in headers:
            return {"Authorization": headers["authorization"], PROOF_HEADER: headers["dpop"]}
    raise RuntimeError("the fetch wrapper saw no call to /protected with a DPoP proof")


def bound_attacks(user: "UserPage") -> dict[str, Any]:
    """Against the page's key and from the attacker's own client; the refresh token last,
    since a thief's refresh revokes the login."""
    page, target, token = user.page, user.target, user.token
    url = target.url + PROTECTED
    captured = captured_call(user)
    authorization = captured["Authorization"]

    def send(method: str, path: str, headers: Mapping[str, str]) -> dict[str, Any]:
        return from_own_client(target, method, path, headers)

    elsewhere: dict[str, Any] = {
        "captured": send("GET", PROTECTED, captured),
        # The same proof to another method and URL: it names GET /protected.
        "captured_elsewhere": send("POST", "/logout", captured),
        "own_key": send(
            "GET",
            PROTECTED,
            {"Authorization": authorization, PROOF_HEADER: ProofKey().proof("GET", url, token)},
        ),
        "token_alone": send("GET", PROTECTED, {"Authorization": authorization}),
        "as_bearer": send("GET", PROTECTED, {"Authorization": f"Bearer {token}"}),
    }
    # A proof the page's key signs for the script, carried out and sent twice.
    minted = page.evaluate(SIGN_FOR, {"method": "GET", "url": url, "token": token})
    elsewhere["signed_by_the_page"] = [
        send("GET", PROTECTED, {"Authorization": authorization, PROOF_HEADER: minted})
        for _ in range(2)
    ]
    cell: dict[str, Any] = {
        "key": page.evaluate(KEY_PROBE),
        "key_if_first": key_if_first(user),
        "elsewhere": elsewhere,
        "user_call_after": user.call(),
    }
    cell["refresh"] = stolen_refresh(user) if user.refresh_token else None
    return cell


def key_if_first(user: "UserPage") -> dict[str, Any] | None:
    """The key of the page as a script that runs before the page's own finds it: in a
    browser profile of its own, since a bound page drops a stored token at load."""
    browser = user.context.browser
    if browser is None:  # a persistent context: no other profile to open
        return None
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.add_init_script(FORCE_EXTRACTABLE)
        page.goto(f"{user.target.url}/")
        page.wait_for_selector("body[data-ready=true]")
        return page.evaluate(KEY_PROBE, True)
    finally:
        context.close()


def stolen_refresh(user: "UserPage") -> dict[str, Any]:
    """The login's refresh token, unspent, from the attacker's own client: without a proof,
    then with one of its own key. Where the script finds it, too; then the user's next call."""
    page, target, refresh_token = user.page, user.target, user.refresh_token
    body = json.dumps({"refresh_token": refresh_token})
    proved = {**JSON, PROOF_HEADER: ProofKey().proof("POST", target.url + REFRESH)}
    return {
        "read": page.evaluate(READ, refresh_token),
        "in_page_text": page.evaluate(IN_PAGE_TEXT, refresh_token),
        "no_proof": from_own_client(target, "POST", REFRESH, JSON, body),
        "own_key": from_own_client(target, "POST", REFRESH, proved, body),
        "user_call_after": user.call(),
    }


def key_readable(key: Mapping[str, Any] | None) -> bool:
    """Whether WebCrypto gave the probed key's bytes out (None: no key was handed over)."""
    if key is None:
        return False
    outcomes = key["attempts"].values()
    return bool(key["extractable"]) or any(o in ("exported", "wrapped") for o in outcomes)


def bound_verdict(bound: Mapping[str, Any]) -> dict[str, bool]:
    """The bound cell in yes/no, beside `attacks.verdict`'s."""
    elsewhere = bound["elsewhere"]

    def accepted(*names: str) -> bool:
        return any(elsewhere[name]["status"] == 200 for name in names)

    found = {
        "key_readable": key_readable(bound["key"]),
        "key_readable_if_first": key_readable(bound["key_if_first"]),
        "replayable_elsewhere": accepted("captured", "captured_elsewhere"),
        "token_usable_elsewhere": accepted("own_key", "token_alone", "as_bearer"),
        "page_signs_for_elsewhere": elsewhere["signed_by_the_page"][0]["status"] == 200,
    }
    refresh = bound["refresh"]
    if refresh is not None:
        found["refresh_usable_elsewhere"] = 200 in (
            refresh["no_proof"]["status"],
            refresh["own_key"]["status"],
        )
    return found
