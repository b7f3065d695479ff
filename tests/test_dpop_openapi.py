"""/openapi.json of a configuration that binds its tokens to a key: the DPoP scheme, the proof
every request carries, the 400 of a login without one, and answers that conform."""

import jsonschema_rs
import pytest
import schemathesis

from benchmarks.harness.dpop_client import ProofKey
from tests.test_dpop import BOUND, LOGIN, URL, bound_app


@pytest.fixture(params=list(BOUND))
def app(request, tmp_path):
    name, settings = BOUND[request.param]
    return bound_app(tmp_path, name, **settings)


def resolved(document: dict, schema: dict) -> dict:
    """A schema with the document's components, so that its $refs resolve."""
    return {**schema, "components": document["components"]}


def test_the_document_names_the_dpop_scheme_and_the_proof_of_each_request(app):
    client = app.test_client()
    document = client.get("/openapi.json").get_json()
    schemathesis.openapi.from_dict(document).validate()
    schemes = document["components"]["securitySchemes"]
    assert {name: (s["type"], s["scheme"]) for name, s in schemes.items()} == {
        "dpop": ("http", "dpop")
    }
    paths = document["paths"]
    for path, method in [("/protected", "get"), ("/logout", "post"), ("/token", "post")]:
        (proof,) = paths[path][method]["parameters"]
        assert (proof["name"], proof["in"], proof["required"]) == ("DPoP", "header", True)
    assert "DPoP proof" in paths["/token"]["post"]["responses"]["400"]["description"]


def test_the_answers_conform_to_the_document(app):
    client = app.test_client()
    document = client.get("/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    key = ProofKey()
    issued = client.post("/token", json=LOGIN, headers=key.headers("POST", URL + "/token"))
    refused = client.post("/token", json=LOGIN)
    facts = client.get("/strategy").get_json()
    assert jsonschema_rs.validator_for(resolved(document, schemas["Token"])).is_valid(
        issued.get_json()
    )
    assert refused.status_code == 400
    assert jsonschema_rs.validator_for(resolved(document, schemas["Error"])).is_valid(
        refused.get_json()
    )
    strategy_schema = document["paths"]["/strategy"]["get"]["responses"]["200"]["content"]
    schema = strategy_schema["application/json"]["schema"]
    assert jsonschema_rs.validator_for(resolved(document, schema)).is_valid(facts)
    challenge = client.get("/protected").headers["WWW-Authenticate"]
    pattern = document["components"]["headers"]["WWW-Authenticate"]["schema"]["pattern"]
    assert jsonschema_rs.validator_for({"type": "string", "pattern": pattern}).is_valid(challenge)
