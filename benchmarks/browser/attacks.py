"""One cell: the demo page logged in with the token kept in one place, under every attack
(an injected script; a page of another site, and of the same site on another port; where the
token is bound to the page's key, that key's too: `bound`)."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from benchmarks.browser.bound import binds_tokens, bound_attacks, bound_verdict, in_page_use
from benchmarks.browser.chromium import WAIT_MS
from benchmarks.browser.key_scripts import WRAP_SIGN
from benchmarks.browser.scripts import IN_PAGE_TEXT, READ, STOLEN, USE, WRAP_FETCH
from benchmarks.browser.served_app import BrowserTarget
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from sandbox.transports.cookie import ACCESS_COOKIE

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page


PLACES = ("memory", "localStorage", "cookie")
FOREIGN = ("cross_site", "same_site")


class AttackSetupError(RuntimeError):
    """The page did not reach the state an attack starts from (not a measurement)."""


@dataclass
class UserPage:
    """The demo page, as the user left it, logged in with the token kept in `place`."""

    page: "Page"
    context: "BrowserContext"
    target: BrowserTarget
    place: str
    token: str = ""
    refresh_token: str = ""  # where the configuration issues one
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
            self.refresh_token = body.get("refresh_token") or ""
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
    bound = binds_tokens(user.target.facts)
    if bound:  # the page's next proof hands its key to the script
        page.evaluate(WRAP_SIGN)
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
    # A token bound to the page's key goes with a proof: the script has the page's key sign it.
    use = (
        in_page_use(user, authorization)
        if bound
        else {
            "sent": "Authorization" if authorization else "nothing of its own",
            "status": page.evaluate(USE, authorization),
        }
    )
    return {"read": places, "in_page_text": shown, "captured": captured, "use": use}


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
        if binds_tokens(target.facts):
            cell["bound"] = bound_attacks(user)
        for attack in FOREIGN:
            if user.call() != 200:  # a previous attack ended the login: start from a new one
                user.log_in()
            cell[attack] = foreign(user, origins[attack])
        cell["page_errors"] = user.errors
    return cell


def verdict(cell: Mapping[str, Any]) -> dict[str, bool]:
    """A cell in yes/no: what the summary tables show."""
    found = {
        "readable": bool(cell["read"]),
        "capturable": bool(cell["captured"]),
        "usable": cell["use"]["status"] == 200,
        **{
            f"{attack}_survives": cell[attack]["user_call_after"] == 200
            and cell[attack]["logout"] not in (200, 204)
            for attack in FOREIGN
        },
    }
    return found | (bound_verdict(cell["bound"]) if "bound" in cell else {})
