"""Refused credentials: status, body and WWW-Authenticate."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .helpers import assert_error, better_auth_claims, sign

INVALID_TOKEN = 'Bearer error="invalid_token"'


def test_no_token(client):
    response = client.get("/todos")
    assert_error(response, 401, "TOKEN_MISSING", "missing")
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer ", "", "Token abc.def.ghi"])
def test_authorization_header_that_is_not_a_bearer_token(client, header):
    response = client.get("/todos", headers={"Authorization": header})
    assert_error(response, 401, "TOKEN_MISSING", "missing")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_bearer_value_that_is_not_a_jwt(client):
    response = client.get("/todos", headers={"Authorization": "Bearer not-a-jwt"})
    assert_error(response, 401, "TOKEN_INVALID", "malformed")
    assert response.headers["WWW-Authenticate"] == INVALID_TOKEN


def test_expired_token(client, auth):
    response = client.get("/todos", headers=auth("alice", iat=1_700_000_000, exp=1_700_000_900))
    assert_error(response, 401, "TOKEN_EXPIRED", "expired")
    assert response.headers["WWW-Authenticate"] == INVALID_TOKEN


def test_wrong_audience(client, auth):
    response = client.get("/todos", headers=auth("alice", aud="http://localhost:4000"))
    assert_error(response, 401, "TOKEN_INVALID", "audience_mismatch")
    assert response.headers["WWW-Authenticate"] == INVALID_TOKEN


def test_wrong_issuer(client, auth):
    response = client.get("/todos", headers=auth("alice", iss="https://evil.example"))
    assert_error(response, 401, "TOKEN_INVALID", "issuer_mismatch")


def test_token_signed_by_another_key(client):
    token = sign(Ed25519PrivateKey.generate(), better_auth_claims("alice"))
    response = client.get("/todos", headers={"Authorization": f"Bearer {token}"})
    assert_error(response, 401, "TOKEN_INVALID", "bad_signature")


def test_scheme_is_case_insensitive(client, token_for):
    response = client.get("/todos", headers={"Authorization": f"bearer {token_for('alice')}"})
    assert response.status_code == 200


@pytest.mark.parametrize("method, path", [
    ("post", "/todos"), ("get", "/todos"), ("get", "/todos/x"), ("patch", "/todos/x"), ("delete", "/todos/x"),
])
def test_every_route_needs_a_token(client, method, path):
    response = client.request(method, path, json={"title": "x"})
    assert_error(response, 401, "TOKEN_MISSING", "missing")


def test_openapi_declares_the_bearer_scheme_on_every_route(client):
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "A JSON Web Token in `Authorization: Bearer <token>`.",
    }
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert {(path, method) for path, method, _ in operations} == {
        ("/todos", "post"), ("/todos", "get"),
        ("/todos/{todo_id}", "get"), ("/todos/{todo_id}", "patch"), ("/todos/{todo_id}", "delete"),
        ("/admin/users/{user_id}/logout", "post"),
    }
    for path, method, op in operations:
        assert op["security"] == [{"bearerAuth": []}], (path, method)
        assert "401" in op["responses"], (path, method)
        # The list is never refused: it holds the todos the caller may read, maybe none.
        assert ("403" in op["responses"]) is ((path, method) != ("/todos", "get")), (path, method)
