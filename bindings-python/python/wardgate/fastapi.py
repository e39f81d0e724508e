"""FastAPI integration: ``pip install wardgate[fastapi]``.

::

    from fastapi import Depends, FastAPI
    from wardgate import Engine, Principal
    from wardgate.fastapi import Guard

    app = FastAPI()
    guard = Guard(Engine.from_file("policy.json"), app=app)   # app=: installs the error handler

    @app.get("/me")
    def me(principal: Principal = Depends(guard.principal)):
        return principal.to_dict()

    @app.post("/todos")
    def create(principal: Principal = Depends(guard.require("create", "todo"))): ...

    @app.get("/todos/{todo_id}")
    def read(todo_id: str, principal: Principal = Depends(guard.principal)):
        row = load(todo_id)
        guard.authorize(principal, "read", {"type": "todo", "owner_id": row.owner_id})  # 403 when denied
        ...

Every refusal is a :class:`wardgate.AuthError`; the handler that
:func:`install_exception_handler` (or ``Guard(..., app=app)``) installs turns it into
a JSON response ``{"detail", "code", "status", "reason"}`` with its status. A 401
carries ``WWW-Authenticate: Bearer`` when no token was sent and
``Bearer error="invalid_token"`` otherwise (RFC 6750); a 503 (``KEYS_UNAVAILABLE``: the
keys of ``keys.jwks_url`` cannot be fetched) carries ``Retry-After``. The dependencies
verify with the engine's coroutines, so a key fetch never blocks the event loop, and
declare an HTTP bearer security scheme, so the OpenAPI schema and ``/docs`` show it the
way ``fastapi.security.HTTPBearer`` does.
"""

# No `from __future__ import annotations` here: FastAPI reads these annotations at run
# time, and on Python 3.9 it cannot resolve string annotations of a callable object.
from typing import Any, Callable, Dict, Optional, Union

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.responses import JSONResponse
from fastapi.security.base import SecurityBase
from pydantic import BaseModel

from . import AuthError, Decision, Engine, Principal

__all__ = ["RESPONSES", "RETRY_AFTER", "ErrorBody", "Guard", "auth_error_response", "install_exception_handler"]


class ErrorBody(BaseModel):
    """The body of an error response, for the OpenAPI schema."""

    detail: str
    code: str
    status: int
    reason: str


#: OpenAPI entries for the responses a guarded route may give:
#: ``APIRouter(responses=RESPONSES)`` or ``@app.get(..., responses=RESPONSES)``.
RESPONSES: Dict[Union[int, str], Dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No valid bearer token (TOKEN_MISSING, TOKEN_EXPIRED, TOKEN_INVALID)"},
    403: {"model": ErrorBody, "description": "The policy denies the request (INSUFFICIENT_PERMISSIONS)"},
    503: {
        "model": ErrorBody,
        "description": "The keys to check the token with cannot be fetched right now (KEYS_UNAVAILABLE)",
        "headers": {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}},
    },
}

#: The ``Retry-After`` of a 503 (``KEYS_UNAVAILABLE``), in seconds.
RETRY_AFTER = 5


class BearerHeader(SecurityBase):
    """The ``Authorization`` header as an HTTP bearer security scheme.

    Returns the raw header value (or ``None``); the engine decides what a valid
    ``Bearer`` value is, so every runtime reads it the same way.
    """

    def __init__(self, *, scheme_name: str, description: Optional[str] = None) -> None:
        self.model = HTTPBearerModel(bearerFormat="JWT", description=description)
        self.scheme_name = scheme_name

    async def __call__(self, request: Request) -> Optional[str]:
        return request.headers.get("Authorization")


class Guard:
    """FastAPI dependencies that verify the bearer token and apply the policy.

    - ``guard.principal``: the verified :class:`wardgate.Principal`; 401 without a valid token.
    - ``guard.optional_principal``: ``None`` when no bearer token was sent; 401 for a bad one.
    - ``guard.require(action, resource_type)``: the principal, once the policy allows
      ``action`` on resources of that type (a route-level check); 403 otherwise.
    - ``guard.authorize(principal, action, resource)``: the check on a loaded row; raises
      :class:`wardgate.InsufficientPermissions` (403) when denied.
    - ``guard.allows(principal, action, resource)``: the same question, answered with a bool.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        app: Optional[FastAPI] = None,
        scheme_name: str = "bearerAuth",
        description: Optional[str] = "A JSON Web Token in `Authorization: Bearer <token>`.",
    ) -> None:
        if not isinstance(engine, Engine):
            raise TypeError(f"engine must be a wardgate.Engine, not {type(engine).__name__}")
        self.engine = engine
        self.scheme = BearerHeader(scheme_name=scheme_name, description=description)
        self.principal = self._principal_dependency()
        self.optional_principal = self._optional_principal_dependency()
        if app is not None:
            install_exception_handler(app)

    def _principal_dependency(self) -> Callable[..., Any]:
        scheme = self.scheme

        async def principal(authorization: Optional[str] = Depends(scheme)) -> Principal:
            return await self.engine.averify_authorization(authorization)

        return principal

    def _optional_principal_dependency(self) -> Callable[..., Any]:
        scheme = self.scheme

        async def optional_principal(authorization: Optional[str] = Depends(scheme)) -> Optional[Principal]:
            try:
                return await self.engine.averify_authorization(authorization)
            except AuthError as e:
                if e.code == "TOKEN_MISSING":
                    return None
                raise

        return optional_principal

    def require(self, action: str, resource_type: str) -> Callable[..., Any]:
        """A dependency that gives the principal once the policy allows ``action`` on
        ``{"type": resource_type}``.

        The resource has only its type, so this suits rules that do not read resource
        attributes (``create``, ``list``); a permit that reads ``resource.owner_id`` cannot
        apply here (a missing path is an evaluation error). Check loaded rows with
        :meth:`authorize`."""
        resource: Dict[str, Any] = {"type": resource_type}

        async def required(principal: Principal = Depends(self.principal)) -> Principal:
            self.authorize(principal, action, resource)
            return principal

        required.__name__ = f"require_{action}_{resource_type}".replace("-", "_")
        return required

    def allows(
        self,
        principal: Principal,
        action: str,
        resource: Dict[str, Any],
        context: Optional[Dict[str, Any]] = None,
    ) -> bool:
        """Whether the policy allows ``action`` on ``resource``, without raising (for
        choices such as listing every row or only the caller's)."""
        return self.engine.authorize(principal, action, resource, context).allowed

    def authorize(
        self,
        principal: Principal,
        action: str,
        resource: Dict[str, Any],
        context: Optional[Dict[str, Any]] = None,
    ) -> Decision:
        """Decides ``action`` on ``resource``; raises :class:`wardgate.InsufficientPermissions`
        (a 403 response) when the policy denies it, and returns the decision otherwise."""
        decision = self.engine.authorize(principal, action, resource, context)
        decision.raise_if_denied()
        return decision


def auth_error_response(error: AuthError) -> JSONResponse:
    """The JSON response for ``error``, with ``WWW-Authenticate`` on a 401 and
    ``Retry-After`` on a 503 (``KEYS_UNAVAILABLE``)."""
    headers = {}
    if error.status == 401:
        headers["WWW-Authenticate"] = "Bearer" if error.code == "TOKEN_MISSING" else 'Bearer error="invalid_token"'
    elif error.code == "KEYS_UNAVAILABLE":
        headers["Retry-After"] = str(RETRY_AFTER)
    return JSONResponse(error.to_dict(), status_code=error.status, headers=headers)


async def _handle(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, AuthError):  # pragma: no cover - registered for AuthError only
        raise error
    return auth_error_response(error)


def install_exception_handler(app: FastAPI) -> None:
    """Makes every :class:`wardgate.AuthError` raised while handling a request a JSON error response."""
    app.add_exception_handler(AuthError, _handle)
