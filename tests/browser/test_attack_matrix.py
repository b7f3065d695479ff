"""The attack matrix in Chromium: where the demo page keeps the token, and what an injected
script and another origin then do with it (benchmarks/browser/ says how each is tried).

A cell per strategy whose token can travel in a cookie (the `cookie_capable` fact) and per
place: memory, localStorage, and an HttpOnly cookie (TOKEN_LOCATION=cookie, marked
`token_in_cookie`). Each cell asserts what was measured, every attack at once, and adds its
row to the table printed at the end of the run.
"""

import json

import pytest

from benchmarks.browser.attacks import PLACES, observe, user_page, verdict
from benchmarks.browser.matrix import attack_matrix, bound_variants
from benchmarks.browser.scripts import READ, STOLEN, USE, WRAP_FETCH
from benchmarks.browser.served_app import serve
from benchmarks.browser.summary import matrix_table
from sandbox import create_app
from strategies import registry
from tests.browser.expected import BOUND_PLACES, EXPECTED, FOREIGN, bound_expected
from tests.conftest import DEFAULTS, strategies_where

pytestmark = pytest.mark.browser

CAPABLE = strategies_where(cookie_capable=True)

CELLS = [
    pytest.param(
        name,
        place,
        id=f"{name}-{place}",
        marks=[pytest.mark.token_in_cookie] if place == "cookie" else [],
    )
    for name in CAPABLE
    for place in PLACES
]


def test_the_matrix_takes_the_strategies_whose_facts_say_cookie_capable(tmp_path):
    """The selection is the servers' own GET /strategy fact, for every registered strategy."""
    for name in registry.names():
        app = create_app({**DEFAULTS, "AUTH_STRATEGY": name, "INSTANCE_PATH": str(tmp_path)})
        facts = app.test_client().get("/strategy").get_json()
        assert facts["cookie_capable"] is (name in CAPABLE), name
    assert CAPABLE


@pytest.mark.parametrize(("strategy_name", "place"), CELLS)
def test_a_cell_of_the_attack_matrix(
    browser, make_app, place, attacker_origins, attack_cells, record_property
):
    location = "cookie" if place == "cookie" else "header"
    with serve(make_app(TOKEN_LOCATION=location)) as target:
        assert target.facts["cookie_capable"] is True
        assert target.facts["token_location"] == location
        cell = observe(browser, target, place, attacker_origins)
    attack_cells[(target.facts["name"], place)] = cell
    record_property("cell", json.dumps(cell))

    assert cell["page_errors"] == []
    if place == "localStorage":
        assert cell["read"][0] == 'localStorage["auth-sandbox.session"]'
    if place != "cookie":
        assert cell["captured"] == ["authorization of GET /protected"]
        assert cell["use"]["sent"] == "Authorization"
    else:
        assert cell["use"]["sent"] == "nothing of its own"
    # The demo page shows the token it holds, on purpose: a script reads the page's text.
    assert cell["in_page_text"] is (place != "cookie")
    assert verdict(cell) == EXPECTED[place]
    for attack, expected in FOREIGN[place].items():
        assert {k: v for k, v in cell[attack].items() if k != "origin"} == expected, attack


@pytest.mark.token_in_cookie
def test_attack_matrix_as_a_command_would_run_it(browser):
    """The runner for `compare --browser`: throwaway apps, the facts' selection, the strategy's
    variants that bind tokens to a key (their cookie left out, in the server's words), the
    tables."""
    others = [name for name in registry.names() if name not in CAPABLE]
    name = CAPABLE[0]
    bound = {label: s for n in [*others, name] for label, s in bound_variants(n).items()}
    assert bound_variants(name), f"{name} has no variant that binds its tokens to a key"
    matrix = attack_matrix([*others, name], browser=browser)
    assert set(matrix["left_out"]) == {*others, *(f"{label}, kept in a cookie" for label in bound)}
    for label in bound:
        refusal = matrix["left_out"][f"{label}, kept in a cookie"]
        assert refusal.startswith("TOKEN_BINDING=dpop needs TOKEN_LOCATION=header")
    assert matrix["verdicts"] == {name: EXPECTED} | {
        label: bound_expected(int(settings.get("REFRESH_TOKEN_TTL", 0)) > 0)
        for label, settings in bound.items()
    }
    rows = len(PLACES) + len(bound) * len(BOUND_PLACES)
    bound_rows = 2 + len(bound) * len(BOUND_PLACES)  # under a blank line, a title, a blank
    assert len(matrix_table(matrix)) == 2 + rows + 3 + bound_rows


# ---- the probes themselves find what is there -------------------------------------------

PLANT = """(token) => {
  window.someState = { user: { session: { token } } };
  sessionStorage.setItem("kept", JSON.stringify({ token }));
  /./.test(token);  // the last successful match's input: RegExp.input, RegExp.$_
}"""


@pytest.mark.parametrize("strategy_name", CAPABLE[:1])
def test_the_reader_finds_a_token_left_in_reach(browser, make_app):
    """ "Not readable" means the search found nothing, not that it could not look."""
    with serve(make_app()) as target, user_page(browser, target, "memory") as user:
        assert user.page.evaluate(READ, user.token) == []
        user.page.evaluate(PLANT, user.token)
        found = user.page.evaluate(READ, user.token)
    assert {
        'sessionStorage["kept"]',
        "window.sessionStorage.kept",
        "window.someState.user.session.token",
        "window.RegExp.input",
        "window.RegExp.$_",
    } <= set(found)


@pytest.mark.parametrize("strategy_name", CAPABLE[:1])
def test_the_wrapper_sees_what_a_fetch_sends(browser, make_app):
    with serve(make_app()) as target, user_page(browser, target, "memory") as user:
        user.page.evaluate(WRAP_FETCH)
        authorization = f"{target.facts['scheme']} {user.token}"
        status = user.page.evaluate(USE, authorization)
        stolen = user.page.evaluate(STOLEN)
    assert status == 200
    assert ["authorization", authorization] in stolen[0]["headers"]
