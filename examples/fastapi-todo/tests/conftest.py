"""Fixtures: a fresh Ed25519 key, tokens signed with it, and the app on a SQLite file.

The test policy is ``policy.json`` with its keys replaced by the generated public key,
so the rules under test are exactly the ones the app ships with.
"""

import json
from pathlib import Path
from typing import Any, Callable, Dict, Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

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


@pytest.fixture()
def client(policy: Dict[str, Any], tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(policy, database_url=f"sqlite:///{tmp_path / 'todos.db'}")
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
