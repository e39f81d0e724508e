"""Type-checked, not run: ``test_fastapi.py`` runs ``mypy --strict`` on this file, so that
the guard's dependencies keep giving a ``Principal`` (not ``Any``) to a type checker."""

from typing import Any, Dict, List, Literal, Mapping, Optional, Tuple

from fastapi import Depends, FastAPI
from typing_extensions import Annotated, assert_type

from wardgate import AuthError, Engine, Filter, Principal
from wardgate.fastapi import Guard, HTTPAuthError

app = FastAPI()
guard = Guard(Engine.from_file("policy.json"))
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
