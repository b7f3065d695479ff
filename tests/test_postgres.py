"""The user table on PostgreSQL (`DATABASE_URL`), for every strategy."""

import base64
import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.conftest import auth_header, login, need_service

pytestmark = pytest.mark.postgres

ADMIN_URL = os.environ.get("POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def database_url() -> Iterator[str]:
    """A database of this test's own, dropped afterwards."""
    name = f"auth_sandbox_test_{uuid.uuid4().hex}"
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        need_service(f"no PostgreSQL at {ADMIN_URL}: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_the_lesson_flow_on_postgresql(make_app, database_url):
    app = make_app(DATABASE_URL=database_url)
    client = app.test_client()
    issued = login(client)
    response = client.get("/protected", headers=auth_header(issued))
    assert response.status_code == 200
    assert response.get_json()["username"] == "alesanchezr"
    bad = client.post("/token", json={"username": "alesanchezr", "password": "wrong"})
    assert bad.status_code == 401
    # PostgreSQL refuses NUL in text: such input must be refused before it gets there.
    nul = {"Authorization": "Basic " + base64.b64encode(b"ale\x00:12341234").decode()}
    assert client.get("/protected", headers=nul).status_code == 401
    nul_body = client.post("/token", json={"username": "ale\x00", "password": "x"})
    assert nul_body.status_code == 400
    # A second app on the same database (another worker) finds the demo user already there.
    make_app(DATABASE_URL=database_url)
