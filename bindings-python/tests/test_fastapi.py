"""wardgate.fastapi: dependencies, error responses and the OpenAPI schema."""

from __future__ import annotations

import pickle
import time
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

import pytest

fastapi = pytest.importorskip("fastapi")
from fastapi import Depends, FastAPI, HTTPException, Request  # noqa: E402
from fastapi.encoders import jsonable_encoder  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from wardgate import (  # noqa: E402
    AuthError,
    Engine,
    InsufficientPermissions,
    KeysUnavailable,
    Principal,
    TokenExpired,
    TokenInvalid,
)
from wardgate.fastapi import (  # noqa: E402
    Guard,
    HTTPAuthError,
    auth_error_response,
    install_exception_handler,
)

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

    @app.get("/principal")
    def whole(principal: Principal = Depends(guard.principal)):
        return principal

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
        assert r.headers["retry-after"] == "5"
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


# With and without app= ------------------------------------------------------------------

def guarded_app(engine: Engine, install: bool) -> FastAPI:
    app = FastAPI()
    guard = Guard(engine, app=app) if install else Guard(engine)

    @app.get("/me")
    def me(principal: Principal = Depends(guard.principal)):
        return principal

    @app.delete("/reports")
    def purge(principal: Principal = Depends(guard.require("purge", "report"))):
        return {}

    @app.get("/todos/{owner}")
    def read(owner: str, principal: Principal = Depends(guard.principal)):
        guard.authorize(principal, "read", {"type": "todo", "owner_id": owner})
        return {}

    return app


Answer = Tuple[int, Dict[str, Any], Optional[str], Optional[str]]


def answer(client: TestClient, method: str, path: str, headers: Optional[Dict[str, str]] = None) -> Answer:
    r = client.request(method, path, headers=headers)
    return r.status_code, r.json(), r.headers.get("www-authenticate"), r.headers.get("retry-after")


def refusal_body(code: str, status: int, reason: str, detail: Optional[str] = None) -> Dict[str, Any]:
    return {"detail": detail, "code": code, "status": status, "reason": reason}


@pytest.mark.parametrize("install", [True, False], ids=["app", "no_app"])
def test_refusals_are_answered_alike_with_or_without_app(engine, signer, install):
    token = signer.sign(now_claims())
    cases = [
        ("GET", "/me", None, 401, "TOKEN_MISSING", "missing", "Bearer"),
        ("GET", "/me", {"Authorization": "Bearer a.b.c"}, 401, "TOKEN_INVALID", "malformed",
         'Bearer error="invalid_token"'),
        ("GET", "/me", bearer(signer.sign(now_claims(exp=int(time.time()) - 10))), 401, "TOKEN_EXPIRED", "expired",
         'Bearer error="invalid_token"'),
        ("DELETE", "/reports", bearer(token), 403, "INSUFFICIENT_PERMISSIONS", "denied", None),
        ("GET", "/todos/user_2", bearer(token), 403, "INSUFFICIENT_PERMISSIONS", "denied", None),
        ("GET", "/todos/user_1", bearer(signer.sign(now_claims(banned=True))), 403, "INSUFFICIENT_PERMISSIONS",
         "forbidden", None),
    ]
    for method, path, headers, status, code, reason, challenge in cases:
        # A new app each time: the refusal is the first request the app serves. The
        # client raises on a 500 (raise_server_exceptions).
        client = TestClient(guarded_app(engine, install))
        got_status, body, got_challenge, retry_after = answer(client, method, path, headers)
        assert (got_status, got_challenge, retry_after) == (status, challenge, None), (method, path)
        assert body == refusal_body(code, status, reason, body["detail"]) and isinstance(body["detail"], str)
        # ...and the same answer again, once the app has served a request.
        assert answer(client, method, path, headers) == (got_status, body, got_challenge, retry_after)


def test_the_answers_with_and_without_app_are_identical(engine, signer):
    token = signer.sign(now_claims())
    requests = [("GET", "/me", None), ("GET", "/me", {"Authorization": "Bearer x.y.z"}),
                ("DELETE", "/reports", bearer(token)), ("GET", "/todos/user_2", bearer(token)),
                ("GET", "/todos/user_1", bearer(token))]
    with_app, without_app = (TestClient(guarded_app(engine, install)) for install in (True, False))
    for method, path, headers in requests:
        assert answer(with_app, method, path, headers) == answer(without_app, method, path, headers)


def remote_guarded_app(url: str, install: bool) -> FastAPI:
    app = FastAPI()
    engine = Engine(remote_policy(url))
    guard = Guard(engine, app=app) if install else Guard(engine)

    @app.get("/me")
    def me(principal: Principal = Depends(guard.principal)):
        return principal

    @app.get("/hello")
    def hello(principal: Optional[Principal] = Depends(guard.optional_principal)):
        return {"who": principal.id if principal else None}

    @app.post("/todos")
    def create(principal: Principal = Depends(guard.require("create", "todo"))):
        return {}

    return app


@pytest.mark.parametrize("install", [True, False], ids=["app", "no_app"])
def test_unavailable_keys_are_503_with_retry_after_with_or_without_app(install):
    for method, path in (("GET", "/me"), ("GET", "/hello"), ("POST", "/todos")):
        client = TestClient(remote_guarded_app(closed_url(), install))
        status, body, challenge, retry_after = answer(client, method, path, bearer(now_claims_token()))
        assert (status, challenge, retry_after) == (503, None, "5")
        assert body == refusal_body("KEYS_UNAVAILABLE", 503, "keys_unavailable", body["detail"])


def test_an_app_without_the_handler_still_answers_the_guards_errors_as_http_exceptions(engine):
    # guard.authorize in a route that no guard dependency ran for: the app has no handler
    # for AuthError, and FastAPI answers the HTTPException itself (status, headers, detail).
    app = FastAPI()
    guard = Guard(engine)

    @app.get("/todos/{owner}")
    def read(owner: str):
        guard.authorize(Principal("user_1"), "read", {"type": "todo", "owner_id": owner})
        return {}

    client = TestClient(app)
    assert client.get("/todos/user_1").json() == {}
    r = client.get("/todos/user_2")
    assert r.status_code == 403
    assert r.json() == {"detail": "no permit rule applies to this request"}


def test_a_handler_of_the_app_for_auth_errors_is_kept(engine):
    app = FastAPI()
    guard = Guard(engine)

    async def own(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, AuthError)
        return JSONResponse({"error": error.code}, status_code=418)

    app.add_exception_handler(AuthError, own)

    @app.get("/me")
    def me(principal: Principal = Depends(guard.principal)):
        return {}

    r = TestClient(app).get("/me")
    assert (r.status_code, r.json()) == (418, {"error": "TOKEN_MISSING"})


def test_what_the_guard_raises_is_the_error_of_its_code_and_an_http_exception(engine):
    guard = Guard(engine)
    with pytest.raises(InsufficientPermissions) as err:
        guard.authorize(Principal("user_1"), "read", {"type": "todo", "owner_id": "user_2"})
    e = err.value
    assert isinstance(e, HTTPAuthError) and isinstance(e, HTTPException) and isinstance(e, AuthError)
    assert (e.status_code, e.status, e.code, e.reason) == (403, 403, "INSUFFICIENT_PERMISSIONS", "denied")
    assert e.detail == "no permit rule applies to this request" and e.headers == {}
    assert str(e) == "INSUFFICIENT_PERMISSIONS (denied): no permit rule applies to this request"
    assert e.to_dict() == refusal_body("INSUFFICIENT_PERMISSIONS", 403, "denied", e.detail)
    assert repr(e) == ("HTTPInsufficientPermissions('no permit rule applies to this request', "
                       "'INSUFFICIENT_PERMISSIONS', 403, 'denied')")
    copy = pickle.loads(pickle.dumps(e))
    assert type(copy) is type(e) and copy.to_dict() == e.to_dict() and copy.status_code == 403


def test_the_dependencies_raise_http_errors_with_the_headers(engine, signer):
    import asyncio

    guard = Guard(engine)
    with pytest.raises(TokenExpired) as err:
        asyncio.run(guard.principal(bearer(signer.sign(now_claims(exp=int(time.time()) - 10)))["Authorization"]))
    assert isinstance(err.value, HTTPException)
    assert (err.value.status_code, err.value.headers) == (401, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
    with pytest.raises(HTTPException) as missing:
        asyncio.run(guard.principal(None))
    assert missing.value.headers == {"WWW-Authenticate": "Bearer"}
    assert asyncio.run(guard.optional_principal(None)) is None


# Principal as a response ----------------------------------------------------------------

BIG = {"big": 9007199254740993, "u64": 2**64 - 1, "i64": -(2**63), "nested": {"ids": [2**53 + 1, 2**63]}}


def test_a_route_may_return_the_principal(client, signer):
    r = client.get("/principal", headers=bearer(signer.sign(now_claims(**BIG))))
    assert r.status_code == 200
    body = r.json()
    assert {k: body[k] for k in ("id", "roles", "tenant")} == {"id": "user_1", "roles": ["user"], "tenant": None}
    assert {k: body["claims"][k] for k in BIG} == BIG
    for digits in ("9007199254740993", "18446744073709551615", "-9223372036854775808", "9223372036854775808"):
        assert digits in r.text


def test_the_principal_encodes_as_its_dict():
    p = Principal("u1", ["admin", "user"], "org_1", {"sub": "u1", **BIG})
    assert jsonable_encoder(p) == p.to_dict() == {"id": "u1", "roles": ["admin", "user"], "tenant": "org_1",
                                                  "claims": {"sub": "u1", **BIG}}


def test_a_principal_is_a_valid_mapping_response_model(engine, signer):
    app = FastAPI()
    guard = Guard(engine)

    @app.get("/me")
    def me(principal: Principal = Depends(guard.principal)) -> Mapping[str, Any]:
        return principal

    r = TestClient(app).get("/me", headers=bearer(signer.sign(now_claims(**BIG))))
    assert r.status_code == 200 and r.json()["claims"]["u64"] == 2**64 - 1 and r.json()["id"] == "user_1"


# Types ----------------------------------------------------------------------------------

def test_the_dependencies_are_typed():
    """``mypy --strict`` on ``typed_usage.py``: ``guard.principal`` and ``guard.require`` give a
    ``Principal`` (not ``Any``), and a ``Principal`` is a ``Mapping[str, Any]``."""
    api = pytest.importorskip("mypy.api")
    here = Path(__file__).resolve().parent
    cache = here.parents[1] / "target" / "mypy-cache"
    out, err, status = api.run(["--strict", "--cache-dir", str(cache), "--no-error-summary",
                                str(here / "typed_usage.py")])
    assert status == 0, out + err
