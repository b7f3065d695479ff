"""`GET /openapi.json`: the HTTP contract as OpenAPI 3.1, for every strategy.

It is valid, it documents exactly the app's routes, it states the configured strategy's
answers, and a live server keeps it: schemathesis, every check on, against each strategy.
"""

import base64
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path

import jsonschema_rs
import pytest
import schemathesis
from flask.testing import FlaskClient
from schemathesis import checks

from benchmarks.compare.runner import UNLIMITED
from benchmarks.harness.processes import free_port
from sandbox import extensions
from sandbox.config import DEMO_PASSWORD, DEMO_USERNAME
from sandbox.openapi import takes_password
from strategies import capabilities
from tests.conftest import production_values, strategies_declaring
from tests.security.live import Live, serve

WITH_REFRESH = strategies_declaring("REFRESH_TOKEN_TTL")
SECURED = {("/protected", "get"), ("/logout", "post")}
# Flask answers these on every route by itself; the document gives each route's own methods.
IMPLICIT_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def document(client: FlaskClient) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def operations(document: dict) -> dict[tuple[str, str], dict]:
    return {
        (path, method): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    schemathesis.openapi.from_dict(document).validate()  # the OpenAPI 3.1 meta-schema
    for name, schema in document["components"]["schemas"].items():
        assert jsonschema_rs.meta.is_valid(schema), name  # JSON Schema 2020-12


def test_every_route_is_documented_with_its_methods_and_nothing_else(app, document):
    routes = {
        (rule.rule, method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in (rule.methods or set()) - IMPLICIT_METHODS
    }
    assert set(operations(document)) == routes


def test_the_secured_operations_use_the_strategys_scheme(app, document):
    scheme = extensions.strategy(app).scheme  # "Basic" or "Bearer"
    schemes = document["components"]["securitySchemes"]
    assert {name: (s["type"], s["scheme"]) for name, s in schemes.items()} == {
        scheme.lower(): ("http", scheme.lower())
    }
    for key, operation in operations(document).items():
        assert operation.get("security") == ([{scheme.lower(): []}] if key in SECURED else None)


def test_the_answers_follow_the_strategys_facts(app, document):
    active = extensions.strategy(app)
    statuses = {key: set(operation["responses"]) for key, operation in operations(document).items()}
    assert_logout_and_refresh_follow_the_facts(active, statuses)
    assert ("200" in statuses["/.well-known/jwks.json", "get"]) is (
        capabilities.jwks(active) is not None
    )
    for key in [("/token", "post"), ("/healthz", "get"), *SECURED]:
        assert ("503" in statuses[key]) is active.stateful, key
    assert statuses["/token", "post"] >= {"200", "400", "401", "405", "413", "415", "429"}
    token = document["paths"]["/token"]["post"]["responses"]["200"]
    assert token["headers"] == {"Cache-Control": {"$ref": "#/components/headers/Cache-Control"}}
    for key in SECURED:
        assert statuses[key] >= {"401", "405"}, key
        assert ("429" in statuses[key]) is takes_password(active), key


def assert_logout_and_refresh_follow_the_facts(active, statuses: dict) -> None:
    logout, refresh = statuses["/logout", "post"], statuses["/token/refresh", "post"]
    assert ("204" in logout) is active.revocable
    assert ("200" in logout) is (active.refresh_tokens and not active.revocable)
    assert ("501" in logout) is not (active.revocable or active.refresh_tokens)
    assert ("501" in refresh) is not active.refresh_tokens
    assert ("200" in refresh) is active.refresh_tokens


@pytest.mark.parametrize("strategy_name", WITH_REFRESH)
@pytest.mark.parametrize("denylist", [False, True], ids=["refresh", "refresh + denylist"])
def test_with_refresh_tokens_the_document_has_the_refresh_and_partial_logout(make_app, denylist):
    app = make_app(TOKEN_TTL=300, REFRESH_TOKEN_TTL=3600, JWT_DENYLIST=denylist)
    document = app.test_client().get("/openapi.json").get_json()
    statuses = {key: set(operation["responses"]) for key, operation in operations(document).items()}
    assert_logout_and_refresh_follow_the_facts(extensions.strategy(app), statuses)
    token = document["components"]["schemas"]["Token"]
    assert {"refresh_token", "refresh_expires_in"} <= set(token["required"])
    body = document["components"]["schemas"]["Refresh"]["properties"]["refresh_token"]
    assert body["maxLength"] == 4096


def test_the_info_names_the_version_and_the_strategy(app, document):
    assert document["info"]["version"] == version("auth-sandbox")
    assert repr(extensions.strategy(app).name) in document["info"]["description"]


def test_the_demo_page_links_the_document(client):
    assert 'href="/openapi.json"' in client.get("/").get_data(as_text=True)


# The answers that the live run below cannot provoke (an outage, spent limits, production,
# an oversized body), each checked against the document as schemathesis checks a response.
CONFORMANCE = [
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]


def answered(client: FlaskClient, method: str, path: str, **request):
    """The app's response, after schemathesis found that the document allows it."""
    response = client.open(path, method=method, **request)
    schema = schemathesis.openapi.from_dict(client.get("/openapi.json").get_json())
    schema[path][method].Case().validate_response(response, checks=CONFORMANCE)
    return response


def test_an_outage_of_the_token_store_answers_as_documented(make_app):
    client = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0").test_client()
    facts = client.get("/strategy").get_json()
    login = {"username": DEMO_USERNAME, "password": DEMO_PASSWORD}
    some_token = {"Authorization": f"{facts['scheme']} c29tZSB0b2tlbg"}
    assert (answered(client, "GET", "/healthz").status_code == 503) is facts["stateful"]
    assert (answered(client, "POST", "/token", json=login).status_code == 503) is facts["stateful"]
    answered(client, "GET", "/protected", headers=some_token)
    answered(client, "POST", "/logout", headers=some_token)


def test_spent_failed_login_limits_answer_as_documented(make_app):
    client = make_app(LOGIN_LIMIT_PER_USER="1 per hour").test_client()
    wrong = {"username": DEMO_USERNAME, "password": "wrong"}
    assert answered(client, "POST", "/token", json=wrong).status_code == 401
    assert answered(client, "POST", "/token", json=wrong).status_code == 429
    password = base64.b64encode(f"{DEMO_USERNAME}:wrong".encode()).decode()
    scheme = client.get("/strategy").get_json()["scheme"]
    answered(client, "GET", "/protected", headers={"Authorization": f"{scheme} {password}"})


def test_production_and_an_oversized_body_answer_as_documented(make_app, strategy_name):
    client = make_app(
        SANDBOX_ENV="production",
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        **production_values(strategy_name),
    ).test_client()
    assert answered(client, "GET", "/public").status_code == 404
    body = json.dumps({"username": "x", "password": "y", "padding": "p" * 16 * 1024})
    response = answered(client, "POST", "/token", data=body, content_type="application/json")
    assert response.status_code == 413
    token = client.get("/openapi.json").get_json()["paths"]["/token"]["post"]["requestBody"]
    assert "example" not in token["content"]["application/json"]  # no demo user to log in as


# The live run: werkzeug's server on a loopback port, and schemathesis's command line against
# it. (Its pytest loader for a fixture's schema, `schemathesis.pytest.from_fixture`, fails on
# pytest 9.2: "'Function' object has no attribute '_nodeid'"; its module-level loader would
# need the server while the tests are being collected.) The secured operations get real tokens
# from tests/schemathesis_hooks.py, /logout a fresh one for each case: it revokes the token it
# is sent, which would otherwise leave /protected's cases nothing but 401s to check.
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
# Fuzzed cases per operation, generated deterministically (the same run each time); the
# coverage phase adds its boundary and wrong-method cases. A run takes 2 to 4 s a strategy;
# the subprocess's timeout bounds it (--max-time would fuzz until that time is spent).
MAX_EXAMPLES = 25
# Schemathesis takes any 5xx for a server error; 501 is /logout's documented answer where the
# strategy cannot revoke, and /token/refresh's where it issues no refresh tokens
# (docs/reference/http.md), so that one is expected there.
CONFIG = """
hooks = {hooks}

[[operations]]
include-path = "/logout"
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", 501]

[[operations]]
include-path = "/token/refresh"
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", 501]
"""


@pytest.fixture
def live(make_app) -> Iterator[Callable[..., Live]]:
    stops = []

    def start(**settings) -> Live:
        # The fuzzer sends bad credentials by the hundred; the limits have tests of their own.
        unlimited = {"LOGIN_LIMIT_PER_USER": UNLIMITED, "LOGIN_LIMIT_PER_CLIENT": UNLIMITED}
        server, stop = serve(make_app(**unlimited, **settings))
        stops.append(stop)
        return server

    yield start
    for stop in stops:
        stop()


@pytest.mark.subprocess  # schemathesis's command line
def test_a_live_server_keeps_the_contract(live, strategy_name, tmp_path, record_property):
    """Every operation, every check (ignored_auth included), real tokens on the secured ones."""
    keeps_the_contract(live(), strategy_name, tmp_path, record_property)


@pytest.mark.subprocess  # schemathesis's command line
@pytest.mark.parametrize("strategy_name", WITH_REFRESH)
def test_a_live_server_with_refresh_tokens_keeps_the_contract(
    live, strategy_name, tmp_path, record_property
):
    server = live(TOKEN_TTL=300, REFRESH_TOKEN_TTL=3600, JWT_DENYLIST=True)
    keeps_the_contract(server, f"{strategy_name} + refresh + denylist", tmp_path, record_property)


def keeps_the_contract(live: Live, label: str, tmp_path: Path, record_property) -> None:
    document = tmp_path / "openapi.json"  # from a file: from its URL, schemathesis skips it
    document.write_bytes(live.send("GET", "/openapi.json").body)
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(hooks=json.dumps(str(HOOKS))))
    report = tmp_path / "report.json"
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file", config, "--no-color"),
        *("run", document, "--url", f"http://127.0.0.1:{live.port}", "--checks", "all"),
        *("--max-examples", MAX_EXAMPLES, "--generation-deterministic", "--request-timeout", 10),
        *("--report", "json", "--report-json-path", report),
    ]
    run = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    output = run.stdout + run.stderr  # schemathesis's report: each finding, and its curl
    assert report.exists(), output
    results = json.loads(report.read_text())
    tested, cases = results["operations"], results["test_cases"]
    summary = (
        f"schemathesis, {label}: {cases['generated']} cases generated, "
        f"{cases['unique_failures']} failures, {tested['tested']}/{tested['total']} operations, "
        f"checks: all {len(checks.CHECKS.get_all_names())}, {results['running_time']:.1f} s"
    )
    record_property("schemathesis", summary)
    print(summary)
    assert run.returncode == 0, output
    assert tested["tested"] == len(json.loads(document.read_text())["paths"]), output
    # Every secured operation answered the token at least once: none was revoked under them.
    assert results["warnings"].get("missing_auth", []) == [], output
