"""wardgate.fastapi: dependencies, error responses and the OpenAPI schema."""

from __future__ import annotations

import time
from typing import Optional

import pytest

fastapi = pytest.importorskip("fastapi")
from fastapi import Depends, FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from wardgate import Engine, KeysUnavailable, Principal, TokenInvalid  # noqa: E402
from wardgate.fastapi import RETRY_AFTER, Guard, auth_error_response, install_exception_handler  # noqa: E402

from conftest import Signer, claims  # noqa: E402
from jwks_server import JwksServer, closed_url, remote_policy  # noqa: E402


@pytest.fixture()
def app(engine):
    app = FastAPI()
    guard = Guard(engine, app=app)

    @app.get("/me")
    def me(principal: Principal = Depends(guard.principal)):
        return principal.to_dict()

    @app.get("/hello")
    def hello(principal: Optional[Principal] = Depends(guard.optional_principal)):
        return {"who": principal.id if principal else None}

    @app.post("/todos")
    def create(principal: Principal = Depends(guard.require("create", "todo"))):
        return {"owner_id": principal.id}

    @app.delete("/reports")
    def purge(principal: Principal = Depends(guard.require("purge", "report"))):
        return {}

    @app.get("/todos/{owner}")
    def read(owner: str, principal: Principal = Depends(guard.principal)):
        decision = guard.authorize(principal, "read", {"type": "todo", "owner_id": owner})
        return {"rules": list(decision.rules)}

    @app.get("/public")
    def public():
        return {"ok": True}

    return app


@pytest.fixture()
def client(app):
    return TestClient(app)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def now_claims(**extra):
    return claims(now=time.time(), **extra)


def now_claims_token() -> str:
    return Signer().sign(now_claims())


def test_a_valid_token_gives_the_principal(client, signer):
    r = client.get("/me", headers=bearer(signer.sign(now_claims())))
    assert r.status_code == 200
    assert r.json()["id"] == "user_1"


def test_no_token_is_401_with_a_bare_bearer_challenge(client):
    r = client.get("/me")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json() == {"detail": r.json()["detail"], "code": "TOKEN_MISSING", "status": 401, "reason": "missing"}


@pytest.mark.parametrize("header,reason", [("Bearer not-a-jwt", "malformed"), ("Bearer a.b.c", "malformed")])
def test_a_bad_token_is_401_invalid_token(client, header, reason):
    r = client.get("/me", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert (r.json()["code"], r.json()["reason"]) == ("TOKEN_INVALID", reason)


def test_other_schemes_count_as_no_token(client):
    r = client.get("/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert (r.status_code, r.json()["code"], r.headers["www-authenticate"]) == (401, "TOKEN_MISSING", "Bearer")


def test_expired_and_wrong_audience(client, signer):
    expired = signer.sign(now_claims(exp=int(time.time()) - 10))
    r = client.get("/me", headers=bearer(expired))
    assert (r.status_code, r.json()["code"], r.json()["reason"]) == (401, "TOKEN_EXPIRED", "expired")
    assert r.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    other = signer.sign(now_claims(aud="https://elsewhere.example.com"))
    r = client.get("/me", headers=bearer(other))
    assert (r.status_code, r.json()["reason"]) == (401, "audience_mismatch")


def test_optional_principal(client, signer):
    assert client.get("/hello").json() == {"who": None}
    assert client.get("/hello", headers=bearer(signer.sign(now_claims()))).json() == {"who": "user_1"}
    assert client.get("/hello", headers={"Authorization": "Bearer x.y.z"}).status_code == 401


def test_require_applies_the_policy_to_the_route(client, signer):
    token = signer.sign(now_claims())
    assert client.post("/todos", headers=bearer(token)).json() == {"owner_id": "user_1"}
    r = client.delete("/reports", headers=bearer(token))
    assert r.status_code == 403
    assert "www-authenticate" not in r.headers
    assert r.json() == {"detail": "no permit rule applies to this request", "code": "INSUFFICIENT_PERMISSIONS",
                        "status": 403, "reason": "denied"}
    assert client.post("/todos").status_code == 401


def test_authorize_raises_403_for_rows_of_others_and_for_banned_users(client, signer):
    token = signer.sign(now_claims())
    assert client.get("/todos/user_1", headers=bearer(token)).json() == {"rules": ["own"]}
    r = client.get("/todos/user_2", headers=bearer(token))
    assert (r.status_code, r.json()["reason"]) == (403, "denied")
    banned = signer.sign(now_claims(banned=True))
    r = client.get("/todos/user_1", headers=bearer(banned))
    assert (r.status_code, r.json()["reason"]) == (403, "forbidden")


def test_the_openapi_schema_declares_the_bearer_scheme(app):
    schema = app.openapi()
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "A JSON Web Token in `Authorization: Bearer <token>`.",
    }
    assert schema["paths"]["/me"]["get"]["security"] == [{"bearerAuth": []}]
    assert schema["paths"]["/todos"]["post"]["security"] == [{"bearerAuth": []}]
    assert "security" not in schema["paths"]["/public"]["get"]


def test_the_handler_installs_alone_and_serves_engine_errors_raised_in_routes(engine):
    app = FastAPI()
    install_exception_handler(app)

    @app.get("/raw")
    def raw():
        engine.verify("x.y.z")

    r = TestClient(app).get("/raw")
    assert (r.status_code, r.json()["reason"]) == (401, "malformed")


def test_the_guard_wants_an_engine():
    with pytest.raises(TypeError, match="engine must be a wardgate.Engine"):
        Guard({"token": {}})  # type: ignore[arg-type]


def test_error_response_body_and_headers():
    r = auth_error_response(TokenInvalid("the token's signature does not verify", "TOKEN_INVALID", 401, "bad_signature"))
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert r.body == (b'{"detail":"the token\'s signature does not verify","code":"TOKEN_INVALID",'
                      b'"status":401,"reason":"bad_signature"}')


def test_allows_answers_without_raising(engine):
    guard = Guard(engine)
    p = Principal("user_1")
    assert guard.allows(p, "read", {"type": "todo", "owner_id": "user_1"})
    assert not guard.allows(p, "read", {"type": "todo", "owner_id": "user_2"})


def test_error_responses_can_be_declared_in_the_schema(engine):
    from wardgate.fastapi import RESPONSES

    app = FastAPI()
    guard = Guard(engine, app=app)

    @app.get("/me", responses=RESPONSES)
    def me(principal: Principal = Depends(guard.principal)):
        return {}

    responses = app.openapi()["paths"]["/me"]["get"]["responses"]
    assert responses["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert set(responses) >= {"200", "401", "403", "503"}
    assert responses["503"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert "Retry-After" in responses["503"]["headers"]


def remote_app(url: str) -> FastAPI:
    app = FastAPI()
    guard = Guard(Engine(remote_policy(url)), app=app)

    @app.get("/me")
    async def me(principal: Principal = Depends(guard.principal)):
        return {"id": principal.id}

    @app.get("/hello")
    def hello(principal: Optional[Principal] = Depends(guard.optional_principal)):
        return {"who": principal.id if principal else None}

    return app


def test_unavailable_keys_are_503_with_retry_after():
    client = TestClient(remote_app(closed_url()))
    for path in ("/me", "/hello"):
        r = client.get(path, headers=bearer(now_claims_token()))
        assert r.status_code == 503
        assert r.headers["retry-after"] == str(RETRY_AFTER) == "5"
        assert "www-authenticate" not in r.headers
        assert r.json() == {"detail": r.json()["detail"], "code": "KEYS_UNAVAILABLE", "status": 503,
                            "reason": "keys_unavailable"}
    assert client.get("/hello").json() == {"who": None}


def test_the_guard_verifies_with_a_remote_key_set():
    server = JwksServer()
    try:
        client = TestClient(remote_app(server.url))
        token = server.signer.sign(now_claims())
        assert client.get("/me", headers=bearer(token)).json() == {"id": "user_1"}
        assert client.get("/hello", headers=bearer(token)).json() == {"who": "user_1"}
        assert server.requests == 1
    finally:
        server.stop()


def test_keys_unavailable_response():
    r = auth_error_response(KeysUnavailable("no keys", "KEYS_UNAVAILABLE", 503, "keys_unavailable"))
    assert (r.status_code, r.headers["retry-after"]) == (503, "5")
    assert r.body == b'{"detail":"no keys","code":"KEYS_UNAVAILABLE","status":503,"reason":"keys_unavailable"}'


def test_dependency_annotations_are_real_types():
    # FastAPI on Python 3.9 cannot resolve string annotations on a callable object; they
    # must stay evaluated (no `from __future__ import annotations` in wardgate.fastapi).
    from fastapi import Request

    from wardgate.fastapi import BearerHeader

    assert BearerHeader.__call__.__annotations__["request"] is Request
