"""Fixtures: a fresh Ed25519 key, tokens signed with it, and the app on each database.

The test policy is ``policy.json`` with its keys replaced by the generated public key,
so the rules under test are exactly the ones the app ships with.

Every test that uses ``database_url`` (``client`` does) runs twice: on a SQLite file in
``tmp_path``, and on PostgreSQL, in a schema of its own on the server named by
``WARDGATE_TEST_POSTGRES_URL`` (``scripts/with-postgres`` starts one and sets it). Without
that variable the PostgreSQL runs are skipped, and fail under ``CI=true``.
"""

import json
import os
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.main import create_app

from .helpers import better_auth_claims, public_jwk, sign

POLICY_FILE = Path(__file__).resolve().parent.parent / "policy.json"

Headers = Dict[str, str]


@pytest.fixture(scope="session")
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="session")
def policy(signing_key: Ed25519PrivateKey) -> Dict[str, Any]:
    document = json.loads(POLICY_FILE.read_text())
    document["keys"] = {"jwks": {"keys": [public_jwk(signing_key)]}}
    return document


@pytest.fixture()
def token_for(signing_key: Ed25519PrivateKey) -> Callable[..., str]:
    """``token_for("alice", role="admin")``: a signed token; keyword arguments override claims."""

    def token_for(sub: str, **overrides: Any) -> str:
        return sign(signing_key, better_auth_claims(sub, **overrides))

    return token_for


@pytest.fixture()
def auth(token_for: Callable[..., str]) -> Callable[..., Headers]:
    """``auth("alice")``: the ``Authorization`` header of a token for ``alice``."""

    def auth(sub: str, **overrides: Any) -> Headers:
        return {"Authorization": f"Bearer {token_for(sub, **overrides)}"}

    return auth


def postgres_server_url() -> str:
    """``WARDGATE_TEST_POSTGRES_URL`` as a SQLAlchemy URL with the psycopg (3) driver; skips
    the calling test without it, and fails it under ``CI=true``."""
    url = os.environ.get("WARDGATE_TEST_POSTGRES_URL", "")
    if not url:
        message = "WARDGATE_TEST_POSTGRES_URL is not set (run the tests under scripts/with-postgres)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: PostgreSQL is required under CI")
        pytest.skip(message)
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def fresh_postgres_schema() -> Iterator[str]:
    """A URL whose connections use a new, empty schema (``search_path``), dropped afterwards."""
    server = postgres_server_url()
    schema = f"todo_test_{uuid.uuid4().hex}"
    admin = create_engine(server)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield make_url(server).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, then a PostgreSQL schema (see the module)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'todos.db'}"
    else:
        yield from fresh_postgres_schema()


@pytest.fixture()
def client(policy: Dict[str, Any], database_url: str) -> Iterator[TestClient]:
    app = create_app(policy, database_url=database_url)
    with TestClient(app) as client:  # runs the lifespan, which creates the tables
        yield client


@pytest.fixture()
def alice(auth: Callable[..., Headers]) -> Headers:
    return auth("alice")


@pytest.fixture()
def bob(auth: Callable[..., Headers]) -> Headers:
    return auth("bob")


@pytest.fixture()
def admin(auth: Callable[..., Headers]) -> Headers:
    return auth("root", role="admin")


@pytest.fixture()
def create(client: TestClient) -> Callable[..., Dict[str, Any]]:
    """``create(alice, "title")``: creates a todo and returns its JSON."""

    def create(headers: Headers, title: str = "buy milk") -> Dict[str, Any]:
        response = client.post("/todos", json={"title": title}, headers=headers)
        assert response.status_code == 201, response.text
        return response.json()

    return create
