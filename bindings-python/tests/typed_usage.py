"""Type-checked, not run: ``test_fastapi.py`` runs ``mypy --strict`` on this file, so that
the guard's dependencies keep giving a ``Principal`` (not ``Any``) to a type checker."""

from typing import Any, Dict, List, Literal, Mapping, Optional, Tuple

from fastapi import Depends, FastAPI
from typing_extensions import Annotated, assert_type

from wardgate import AuthError, Engine, Filter, Principal, RevocationSet, RevocationStatus, RevokeError
from wardgate.fastapi import Guard, HTTPAuthError

app = FastAPI()
engine = Engine.from_file("policy.json")
guard = Guard(engine)
CurrentPrincipal = Annotated[Principal, Depends(guard.principal)]


async def dependencies() -> None:
    assert_type(await guard.principal(), Principal)
    assert_type(await guard.optional_principal(), Optional[Principal])
    assert_type(await guard.require("create", "todo")(), Principal)
    assert_type(await guard.filter("read", "todo")(), Filter)
    planned = await guard.filter("read", "todo", context={"method": "GET"})()
    assert_type(planned.kind, Literal["always", "never", "conditional"])
    assert_type(planned.sql("sqlite", {"owner_id": "text"}), Tuple[str, List[Any]])


@app.get("/me")
def me(principal: CurrentPrincipal) -> Mapping[str, Any]:  # FastAPI validates Mapping instances
    assert_type(principal.roles, Tuple[str, ...])
    return principal


@app.get("/todos/{owner}")
def read(owner: str, principal: Principal = Depends(guard.require("read", "todo"))) -> Dict[str, Any]:
    fields: Mapping[str, Any] = principal  # a read-only mapping
    assert_type(guard.allows(principal, "update", {"type": "todo", "owner_id": "u1"}), bool)
    guard.authorize(principal, "read", {"type": "todo", "owner_id": owner})
    return {**fields, "copy": dict(principal)}


def refusal(error: HTTPAuthError) -> AuthError:
    assert_type(error.status_code, int)
    return error


@app.post("/admin/logout/{user_id}", status_code=204)
def logout(user_id: str, admin: Principal = Depends(guard.require("logout", "user"))) -> None:
    engine.revoke(sub=user_id, ttl=3600)


async def revocations() -> None:
    engine.revoke(sid="s1", jti="j1", ttl=60)
    await engine.arevoke(sub="u1", ttl=60)
    try:
        engine.revoke(sid=None, sub="u1", ttl=900)
    except RevokeError as e:
        assert_type(e.code, str)
        assert_type(e.detail, str)
    status = engine.revocation_status()
    assert_type(status, Optional[RevocationStatus])
    if status is not None:
        assert_type(status["source"], Literal["inline", "redis_url", "url"])
        assert_type(status["url"], Optional[str])
        assert_type(status["state"], Literal["ready", "starting", "stale", "unavailable"])
        assert_type(status["last_sync"], Optional[float])
        assert_type(status["age"], Optional[float])
        assert_type(status["last_error"], Optional[str])
    revoked = engine.revocation_set()
    assert_type(revoked, Optional[RevocationSet])
    if revoked is not None:
        assert_type(revoked["sid"], List[str])
        assert_type(revoked["subjects"], Dict[str, int])
