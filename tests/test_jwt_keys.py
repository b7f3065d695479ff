"""JWT_ALGORITHM and the keys: asymmetric tokens name their key by `kid`, the public keys are
published as a JWK Set, a rotation keeps the old public key, a compromise removes it."""

import json
from pathlib import Path

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import RSAAlgorithm
from jwt.exceptions import InvalidKeyError

from sandbox.config import ConfigError
from strategies.jwt_keys import KEY_TYPES, private_pem, public_jwk, public_pem
from strategies.jwt_verify_keys import CheckedSecret
from tests.conftest import auth_header, login, strategies_declaring
from tests.security.live import forge

ASYMMETRIC = list(KEY_TYPES)  # RS256, ES256, EdDSA
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k"}


@pytest.fixture(params=strategies_declaring("JWT_ALGORITHM"))
def strategy_name(request: pytest.FixtureRequest) -> str:
    return request.param


def key_files(folder: Path, algorithm: str, name: str = "key") -> tuple[str, str]:
    """A new private key of `algorithm` and its public key, as PEM files: their paths."""
    key = KEY_TYPES[algorithm].make()
    private, public = folder / f"{name}.pem", folder / f"{name}.pem.pub"
    private.write_text(private_pem(key))
    public.write_text(public_pem(key.public_key()))
    return str(private), str(public)


def test_the_thumbprint_is_rfc_7638s():
    # RFC 7638 §3.1: the example RSA key and its thumbprint.
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJ"
        "ECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW"
        "2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQ"
        "Fh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )
    key = RSAAlgorithm.from_jwk({"kty": "RSA", "n": n, "e": "AQAB"})
    assert public_jwk(key, "RS256")["kid"] == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


@pytest.mark.parametrize("algorithm", ["none", "HS512", "RS512", "hs256", "ES384"])
def test_an_unknown_algorithm_stops_the_start_with_one_line(make_app, algorithm):
    with pytest.raises(ConfigError, match=r"^JWT_ALGORITHM must be one of HS256, RS256") as stop:
        make_app(JWT_ALGORITHM=algorithm)
    assert "\n" not in str(stop.value)


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
def test_every_token_names_its_key_and_the_jwks_publishes_it(make_app, algorithm):
    client = make_app(JWT_ALGORITHM=algorithm).test_client()
    issued = login(client)
    header = pyjwt.get_unverified_header(issued["token"])
    assert header["alg"] == algorithm
    published = client.get("/.well-known/jwks.json")
    assert published.status_code == 200
    assert "max-age" in published.headers["Cache-Control"]
    (key,) = published.get_json()["keys"]
    assert {key["kid"], key["alg"], key["use"]} == {header["kid"], algorithm, "sig"}
    assert not PRIVATE_MEMBERS & set(key)  # public parameters only
    # What another service does with it: verify with the published key alone.
    verified = pyjwt.decode(
        issued["token"],
        pyjwt.PyJWK(key).key,
        algorithms=[algorithm],
        audience="auth-sandbox-api",
        issuer="auth-sandbox",
    )
    assert verified["type"] == "access"
    assert client.get("/protected", headers=auth_header(issued)).status_code == 200


def test_hs256_publishes_nothing(make_app):
    answer = make_app().test_client().get("/.well-known/jwks.json")
    assert answer.status_code == 404
    assert "never published" in answer.get_json()["msg"]


@pytest.mark.parametrize("strategy_name", ["basic", "bearer"])
def test_a_strategy_that_is_not_a_jwt_publishes_nothing(client):
    assert client.get("/.well-known/jwks.json").status_code == 404


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
def test_workers_of_one_instance_share_the_development_key(make_app, algorithm):
    kids = {
        make_app(JWT_ALGORITHM=algorithm)
        .test_client()
        .get("/.well-known/jwks.json")
        .get_json()["keys"][0]["kid"]
        for _ in range(2)
    }
    assert len(kids) == 1


def test_production_requires_the_private_key_file(make_app):
    with pytest.raises(ConfigError, match=r"^JWT_PRIVATE_KEY_FILE is required in production"):
        make_app(SANDBOX_ENV="production", JWT_ALGORITHM="EdDSA")


def test_production_with_a_key_file_needs_no_hs256_secret(make_app, tmp_path):
    private, _public = key_files(tmp_path, "ES256")
    app = make_app(SANDBOX_ENV="production", JWT_ALGORITHM="ES256", JWT_PRIVATE_KEY_FILE=private)
    assert app.test_client().get("/.well-known/jwks.json").status_code == 200


def wrong_type(folder: Path) -> str:
    path = folder / "ec.pem"
    path.write_text(private_pem(ec.generate_private_key(ec.SECP256R1())))
    return str(path)


def short_rsa(folder: Path) -> str:
    path = folder / "rsa-1024.pem"
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - refused
    path.write_text(private_pem(key))
    return str(path)


def public_only(folder: Path) -> str:
    path = folder / "public.pem"
    path.write_text(public_pem(rsa.generate_private_key(65537, 2048).public_key()))
    return str(path)


def not_a_key(folder: Path) -> str:
    path = folder / "notes.txt"
    path.write_text("not a key\n")
    return str(path)


def missing(folder: Path) -> str:
    return str(folder / "missing.pem")


@pytest.mark.parametrize(
    ("make_file", "message"),
    [
        (wrong_type, r"ec\.pem is not an RSA key \(private\), which JWT_ALGORITHM=RS256 needs$"),
        (short_rsa, r"is an RSA key of 1024 bits; at least 2048 are needed$"),
        (public_only, r"public\.pem is a public key; the private key that signs is needed"),
        (not_a_key, r"notes\.txt is not an unencrypted PEM private key$"),
        (
            lambda folder: str(folder / "missing.pem"),
            r"missing\.pem cannot be read: No such file or directory$",
        ),
    ],
)
def test_a_bad_private_key_file_stops_the_start_with_one_line(
    make_app, tmp_path, make_file, message
):
    with pytest.raises(ConfigError, match=r"^JWT_PRIVATE_KEY_FILE: .*" + message) as stop:
        make_app(JWT_ALGORITHM="RS256", JWT_PRIVATE_KEY_FILE=make_file(tmp_path))
    assert "\n" not in str(stop.value)


def test_a_verify_key_of_another_type_stops_the_start(make_app, tmp_path):
    private, _ = key_files(tmp_path, "EdDSA", "current")
    _, other = key_files(tmp_path, "ES256", "older")
    with pytest.raises(ConfigError, match=r"^JWT_VERIFY_KEY_FILES: .* is not an Ed25519 key"):
        make_app(JWT_ALGORITHM="EdDSA", JWT_PRIVATE_KEY_FILE=private, JWT_VERIFY_KEY_FILES=other)


def test_hs256_refuses_key_files(make_app, tmp_path):
    private, _ = key_files(tmp_path, "EdDSA")
    with pytest.raises(ConfigError, match=r"^JWT_PRIVATE_KEY_FILE holds keys of RS256, ES256"):
        make_app(JWT_PRIVATE_KEY_FILE=private)


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
def test_a_rotation_keeps_old_tokens_until_they_expire_and_a_compromise_does_not(
    make_app, tmp_path, algorithm
):
    old_private, old_public = key_files(tmp_path, algorithm, "old")
    new_private, _ = key_files(tmp_path, algorithm, "new")
    before = make_app(JWT_ALGORITHM=algorithm, JWT_PRIVATE_KEY_FILE=old_private)
    old_token = login(before.test_client())

    rotated = make_app(
        JWT_ALGORITHM=algorithm,
        JWT_PRIVATE_KEY_FILE=new_private,
        JWT_VERIFY_KEY_FILES=f" {old_public} ,",
    ).test_client()
    assert rotated.get("/protected", headers=auth_header(old_token)).status_code == 200
    new_token = login(rotated)
    old_kid = pyjwt.get_unverified_header(old_token["token"])["kid"]
    new_kid = pyjwt.get_unverified_header(new_token["token"])["kid"]
    assert new_kid != old_kid
    published = [key["kid"] for key in rotated.get("/.well-known/jwks.json").get_json()["keys"]]
    assert published == [new_kid, old_kid]  # the signing key first

    # After a compromise the old public key goes at once: whatever it signed is refused.
    compromised = make_app(JWT_ALGORITHM=algorithm, JWT_PRIVATE_KEY_FILE=new_private)
    refused = compromised.test_client().get("/protected", headers=auth_header(old_token))
    assert refused.status_code == 401
    assert refused.get_json()["msg"] == "Invalid token: its kid names no key of this server"


def test_a_token_without_a_kid_is_refused(make_app):
    app = make_app(JWT_ALGORITHM="EdDSA")
    client = app.test_client()
    issued = login(client)
    claims = pyjwt.decode(issued["token"], options={"verify_signature": False})
    key = app.config["JWT_PRIVATE_KEY"]
    unnamed = pyjwt.encode(claims, key, algorithm="EdDSA")  # signed by the right key, no kid
    refused = client.get("/protected", headers={"Authorization": f"Bearer {unnamed}"})
    assert refused.status_code == 401
    assert refused.get_json()["msg"] == "Invalid token: no kid in its header"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"aud": "another-api"}, "Invalid token: Audience doesn't match"),
        ({"iss": "someone-else"}, "Invalid token: Invalid issuer"),
        ({"aud": None}, 'Invalid token: Token is missing the "aud" claim'),
        ({"iss": None}, 'Invalid token: Token is missing the "iss" claim'),
    ],
)
@pytest.mark.parametrize("algorithm", ["HS256", "EdDSA"])
def test_a_token_for_another_audience_or_from_another_issuer_is_refused(
    make_app, algorithm, change, message
):
    app = make_app(JWT_ALGORITHM=algorithm)
    client = app.test_client()
    issued = login(client)
    header = pyjwt.get_unverified_header(issued["token"])
    claims = pyjwt.decode(issued["token"], options={"verify_signature": False}) | change
    claims = {name: value for name, value in claims.items() if value is not None}
    key = app.config["JWT_PRIVATE_KEY"] if algorithm == "EdDSA" else app.config["JWT_SECRET_KEY"]
    token = pyjwt.encode(claims, key, algorithm=algorithm, headers=header)
    refused = client.get("/protected", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert refused.get_json()["msg"] == message


def test_an_hs256_token_signed_with_the_public_key_is_refused(make_app):
    """Algorithm confusion (RFC 8725 §3.1): the public key, as PEM or as its JWK, an HMAC secret."""
    app = make_app(JWT_ALGORITHM="RS256")
    client = app.test_client()
    issued = login(client)
    header = pyjwt.get_unverified_header(issued["token"]) | {"alg": "HS256"}
    claims = pyjwt.decode(issued["token"], options={"verify_signature": False})
    (jwk,) = client.get("/.well-known/jwks.json").get_json()["keys"]
    for secret in (public_pem(pyjwt.PyJWK(jwk).key).encode(), json.dumps(jwk).encode()):
        forged = forge(header, claims, secret)
        refused = client.get("/protected", headers={"Authorization": f"Bearer {forged}"})
        assert refused.status_code == 401
        assert refused.get_json()["msg"] == "Invalid token: The specified alg value is not allowed"


@pytest.mark.parametrize("kind", ["PEM public key", "JSON Web Key"])
def test_a_public_key_as_the_hs256_secret_stops_the_start_with_one_line(make_app, kind):
    """Public material as the HMAC secret: whoever holds it could sign (RFC 8725 §3.1)."""
    public = KEY_TYPES["RS256"].make().public_key()
    secret = (
        public_pem(public) if kind == "PEM public key" else json.dumps(public_jwk(public, "RS256"))
    )
    with pytest.raises(ConfigError, match=r"^JWT_SECRET_KEY is a key, .* not a secret") as stopped:
        make_app(JWT_SECRET_KEY=secret)
    assert secret not in str(stopped.value) and "\n" not in str(stopped.value)


def test_the_hs256_verifier_checks_any_key_but_the_server_s_own_as_pyjwt_does():
    """The server's secret is checked once, at start; another key still on every use."""
    secret = "a secret of the server, long enough to pass"
    checked = CheckedSecret(secret)
    assert checked.prepare_key(secret) == secret.encode()
    public = public_pem(KEY_TYPES["RS256"].make().public_key())
    with pytest.raises(InvalidKeyError):
        checked.prepare_key(public)
