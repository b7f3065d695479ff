"""The demo page where tokens are bound to its key (TOKEN_BINDING=dpop), in Chromium: it makes
a non-extractable P-256 key at load, signs a fresh proof for every request (login, call,
logout), sends `Authorization: DPoP <token>` beside it, and shows the proof.

Each proof the page sends is verified here as the server would (PyJWT, the key its header
carries), and its key is probed as an injected script would probe it.
"""

import json
import re
import time

import jwt as pyjwt
import pytest

from benchmarks.anatomy import decode_jwt
from benchmarks.browser.key_scripts import FORCE_EXTRACTABLE, KEY_PROBE, WRAP_SIGN
from benchmarks.browser.matrix import bound_variants
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from sandbox.dpop import token_hash
from strategies import registry
from strategies.jwt_keys import thumbprint
from tests.browser.pages import assert_clean, demo_page
from tests.browser.test_bound_matrix import SEALED_KEY

pytestmark = pytest.mark.browser

BOUND = {
    label: (name, settings)
    for name in registry.names()
    for label, settings in bound_variants(name).items()
}


@pytest.fixture(params=sorted(BOUND))
def label(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def strategy_name(label: str) -> str:
    """The variant's strategy: what make_app serves."""
    return BOUND[label][0]


@pytest.fixture
def page_at(browser, make_app, label):
    with demo_page(browser, make_app(**BOUND[label][1])) as opened:
        yield opened


def log_in(page) -> None:
    page.fill("#username", DEMO_USERNAME)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login")


def sent(page, path: str, action) -> dict[str, str]:
    """The headers of the request to `path` that `action` makes."""
    with page.expect_request(lambda r: r.url.endswith(path)) as request:
        action()
    return request.value.headers


def verified(proof: str, jwk: dict, method: str, url: str, token: str | None) -> dict:
    """The claims of `proof`, checked as the server checks them: signed by `jwk`, for this
    request, now, beside `token` (its hash) where one is sent."""
    header = pyjwt.get_unverified_header(proof)
    assert header == {"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk}
    claims = pyjwt.decode(proof, pyjwt.PyJWK(jwk, algorithm="ES256").key, algorithms=["ES256"])
    assert (claims["htm"], claims["htu"]) == (method, url)
    assert abs(claims["iat"] - time.time()) < 30 and claims["jti"]
    assert claims.get("ath") == (token_hash(token) if token else None)
    return claims


def test_every_request_carries_a_fresh_proof_of_the_pages_key(page_at, screenshots):
    from playwright.sync_api import expect

    page, live, seen = page_at
    base = f"http://127.0.0.1:{live.port}"
    expect(page.locator("#strategy-binding")).to_contain_text("DPoP")
    expect(page.locator("#key")).to_be_visible()
    expect(page.locator("#key-private")).to_contain_text("not extractable")
    expect(page.locator("#storage-cookie")).to_be_disabled()
    expect(page.locator("#storage-availability")).to_contain_text("No cookie here")
    jwk = json.loads(page.text_content("#key-public"))
    assert set(jwk) == {"kty", "crv", "x", "y"} and jwk["crv"] == "P-256"
    assert page.text_content("#key-thumbprint") == thumbprint(jwk)

    login = sent(page, "/token", lambda: log_in(page))
    verified(login["dpop"], jwk, "POST", f"{base}/token", None)
    expect(page.locator("#session")).to_be_visible()
    expect(page.locator("#token")).to_have_text(re.compile(r"^DPoP \S+$"))
    token = page.text_content("#token").split(" ", 1)[1]
    decoded = decode_jwt(token)
    if decoded is not None:  # a JWT names the key it is bound to
        assert decoded[1]["cnf"] == {"jkt": thumbprint(jwk)}
    expect(page.locator("#proof-for")).to_contain_text("POST /token")

    jtis = set()
    for _ in range(2):  # a fresh proof each time
        headers = sent(page, "/protected", lambda: page.click("#call"))
        assert headers["authorization"] == f"DPoP {token}"
        claims = verified(headers["dpop"], jwk, "GET", f"{base}/protected", token)
        jtis.add(claims["jti"])
        expect(page.locator("#result-status")).to_have_text("200")
        expect(page.locator("#result-body")).to_contain_text(DEMO_USERNAME)
        expect(page.locator("#proof-for")).to_contain_text(headers["dpop"])
        expect(page.locator("#proof .part.payload")).to_contain_text(claims["jti"])
    assert len(jtis) == 2
    expect(page.locator("#proof .part.payload")).to_contain_text('"ath"')
    page.screenshot(path=screenshots / f"demo-{live.facts['name']}-dpop.png", full_page=True)

    # A tampered token, however well proved, is still refused.
    page.click("#tamper")
    expect(page.locator("#result-status")).to_have_text("401")

    headers = sent(page, "/logout", lambda: page.click("#logout"))
    verified(headers["dpop"], jwk, "POST", f"{base}/logout", token)
    revocable = live.facts["revocable"]
    expect(page.locator("#result-status")).to_have_text("204" if revocable else "501")
    page.click("#call")
    expect(page.locator("#result-status")).to_have_text("401" if revocable else "200")
    assert page.evaluate("() => localStorage.length + sessionStorage.length") == 0
    assert_clean(live, seen)


def test_no_script_reads_the_pages_private_key(page_at):
    """What a script injected into the page holds once the page signs: a handle, never the
    key's bytes."""
    from playwright.sync_api import expect

    page, _live, seen = page_at
    log_in(page)
    expect(page.locator("#session")).to_be_visible()
    page.evaluate(WRAP_SIGN)
    page.click("#call")
    expect(page.locator("#result-status")).to_have_text("200")
    assert page.evaluate(KEY_PROBE) == SEALED_KEY
    expect(page.locator("#key-private")).to_contain_text("not extractable")

    # Unless a script ran before the page's own and had the key made extractable: the page
    # checks what exportKey answers, and says so.
    page.add_init_script(FORCE_EXTRACTABLE)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#key-private")).to_contain_text("EXTRACTABLE")
    assert page.evaluate(KEY_PROBE, True)["attempts"]["pkcs8"] == "exported"
    assert seen["errors"] == []


def test_a_reload_makes_a_new_key_and_drops_the_token_bound_to_the_old_one(page_at):
    from playwright.sync_api import expect

    page, _live, _seen = page_at
    page.check("#storage-localStorage")
    expect(page.locator("#storage-tradeoff")).to_contain_text("useless anywhere else")
    log_in(page)
    expect(page.locator("#session")).to_be_visible()
    before = page.text_content("#key-thumbprint")

    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#key-thumbprint")).not_to_have_text(before)
    expect(page.locator("#storage-localStorage")).to_be_checked()
    expect(page.locator("#session")).to_be_hidden()
    expect(page.locator("#storage-availability")).to_contain_text("it was dropped")
    assert page.evaluate("() => localStorage.length") == 0

    log_in(page)  # a new login binds a new token to the new key
    page.click("#call")
    expect(page.locator("#result-status")).to_have_text("200")
