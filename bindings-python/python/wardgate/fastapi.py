"""FastAPI integration: ``pip install wardgate[fastapi]``.

::

    from fastapi import Depends, FastAPI
    from wardgate import Engine, Principal
    from wardgate.fastapi import Guard

    app = FastAPI()
    guard = Guard(Engine.from_file("policy.json"), app=app)   # app=: also answers AuthError raised elsewhere

    @app.get("/me")
    def me(principal: Principal = Depends(guard.principal)):
        return principal        # {"id", "roles", "tenant", "claims"}

    @app.post("/todos")
    def create(principal: Principal = Depends(guard.require("create", "todo"))): ...

    @app.get("/todos/{todo_id}")
    def read(todo_id: str, principal: Principal = Depends(guard.principal)):
        row = load(todo_id)
        guard.authorize(principal, "read", {"type": "todo", "owner_id": row.owner_id})  # 403 when denied
        ...

    @app.get("/todos")
    def list_todos(where=Depends(guard.where("read", Todo)), session: Session = Depends(get_session)):
        return session.scalars(select(Todo).where(where)).all()   # exactly the rows "read" allows

``guard.where`` needs SQLAlchemy (``pip install wardgate[sqlalchemy]``); ``guard.filter``
hands the route the :class:`wardgate.Filter` itself.

Every refusal is a :class:`wardgate.AuthError`, answered as a JSON response
``{"detail", "code", "status", "reason"}`` with its status. A 401 carries
``WWW-Authenticate: Bearer`` when no token was sent and ``Bearer error="invalid_token"``
otherwise (RFC 6750); a 503 carries ``Retry-After``: ``KEYS_UNAVAILABLE`` (the keys of
``keys.jwks_url`` cannot be fetched) or ``REVOCATION_UNAVAILABLE`` (the revoked entries of
``revocation.redis_url`` have not been read for longer than ``revocation.stale_for``).

Signing a user out everywhere is a route of the app: ``engine.revoke(sub=user_id,
ttl=...)`` (``await engine.arevoke(...)`` in an ``async`` route), behind the policy::

    @app.post("/admin/logout/{user_id}", status_code=204)
    def logout(user_id: str, admin: Principal = Depends(guard.require("logout", "user"))):
        engine.revoke(sub=user_id, ttl=3600)    # every token of user_id issued up to now

What the guard raises (its dependencies, :meth:`Guard.authorize`) is also a
``fastapi.HTTPException`` (:class:`HTTPAuthError`) with that status and those headers, and
the guard's dependencies make the app that serves the request answer :class:`wardgate.AuthError`
with the handler of :func:`install_exception_handler` when it has none: with or without
``Guard(..., app=app)``, a refusal is never a 500. ``app=`` (or
:func:`install_exception_handler`) is still worth passing: it also answers the errors of
``engine.verify(...)`` or ``decision.raise_if_denied()`` called in a route, and installs the
handler before the first request.

The dependencies verify with the engine's coroutines, so a key fetch never blocks the event
loop, and declare an HTTP bearer security scheme, so the OpenAPI schema and ``/docs`` show it
the way ``fastapi.security.HTTPBearer`` does.
"""

# No `from __future__ import annotations` here: FastAPI reads these annotations at run
# time, and on Python 3.9 it cannot resolve string annotations of a callable object.
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Type, Union

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.responses import JSONResponse
from fastapi.security.base import SecurityBase
from pydantic import BaseModel
from starlette.middleware.exceptions import ExceptionMiddleware

from . import (
    AuthError,
    Decision,
    Engine,
    Filter,
    InsufficientPermissions,
    KeysUnavailable,
    Principal,
    RevocationUnavailable,
    TokenExpired,
    TokenInvalid,
    TokenMissing,
)

__all__ = [
    "RESPONSES",
    "ErrorBody",
    "Guard",
    "HTTPAuthError",
    "auth_error_response",
    "install_exception_handler",
]


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
        "description": (
            "The keys to check the token with cannot be fetched right now (KEYS_UNAVAILABLE), "
            "or the revoked entries cannot be vouched for right now (REVOCATION_UNAVAILABLE)"
        ),
        "headers": {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}},
    },
}

#: The ``context`` of :meth:`Guard.filter`: none, a mapping, or a function of the request.
_Context = Union[None, Mapping[str, Any], Callable[[Request], Mapping[str, Any]]]


class HTTPAuthError(AuthError, HTTPException):
    """A :class:`wardgate.AuthError` that is also a ``fastapi.HTTPException``: what the
    guard raises, so that FastAPI answers it with its status and headers even in an app
    without the handler of :func:`install_exception_handler`.

    Each refusal is an instance of the subclass for its code, which is also that code's
    class: ``except TokenExpired`` and ``except AuthError`` catch them. With the handler
    (which :class:`Guard` installs), the body is ``{"detail", "code", "status", "reason"}``;
    an app whose ``starlette.exception_handlers`` cannot be reached (an old Starlette) answers
    with FastAPI's own ``{"detail"}`` body, with the same status and headers.
    """

    #: As :attr:`wardgate.AuthError.headers` (never ``None``, unlike an ``HTTPException``'s).
    headers: Dict[str, str]

    def __init__(self, detail: str, code: str, status: int, reason: str) -> None:
        # Not AuthError.__init__: its super() call would reach HTTPException's. The fields
        # (headers included, which FastAPI's own handler sends) are AuthError's.
        HTTPException.__init__(self, status_code=status, detail=detail)
        self._fill(detail, code, status, reason)

    def __repr__(self) -> str:
        return Exception.__repr__(self)


class HTTPTokenMissing(TokenMissing, HTTPAuthError):
    """:class:`wardgate.TokenMissing` as a ``fastapi.HTTPException`` (401)."""


class HTTPTokenExpired(TokenExpired, HTTPAuthError):
    """:class:`wardgate.TokenExpired` as a ``fastapi.HTTPException`` (401)."""


class HTTPTokenInvalid(TokenInvalid, HTTPAuthError):
    """:class:`wardgate.TokenInvalid` as a ``fastapi.HTTPException`` (401)."""


class HTTPInsufficientPermissions(InsufficientPermissions, HTTPAuthError):
    """:class:`wardgate.InsufficientPermissions` as a ``fastapi.HTTPException`` (403)."""


class HTTPKeysUnavailable(KeysUnavailable, HTTPAuthError):
    """:class:`wardgate.KeysUnavailable` as a ``fastapi.HTTPException`` (503)."""


class HTTPRevocationUnavailable(RevocationUnavailable, HTTPAuthError):
    """:class:`wardgate.RevocationUnavailable` as a ``fastapi.HTTPException`` (503)."""


_HTTP_CLASSES: Dict[str, Type[HTTPAuthError]] = {
    "TOKEN_MISSING": HTTPTokenMissing,
    "TOKEN_EXPIRED": HTTPTokenExpired,
    "TOKEN_INVALID": HTTPTokenInvalid,
    "INSUFFICIENT_PERMISSIONS": HTTPInsufficientPermissions,
    "KEYS_UNAVAILABLE": HTTPKeysUnavailable,
    "REVOCATION_UNAVAILABLE": HTTPRevocationUnavailable,
}


def _as_http(error: AuthError) -> HTTPAuthError:
    """``error`` as the :class:`HTTPAuthError` of its code."""
    if isinstance(error, HTTPAuthError):
        return error
    cls = _HTTP_CLASSES.get(error.code, HTTPAuthError)
    return cls(error.detail, error.code, error.status, error.reason)


def _answer_auth_errors(request: Request) -> None:
    """Makes the app serving ``request`` answer :class:`wardgate.AuthError` with
    :func:`auth_error_response` when it has no handler for it (a ``Guard`` made without
    ``app=``), so the body is the same with or without ``app=``.

    Starlette looks handlers up, when an exception reaches it, in the table of its exception
    middleware (the app's handlers, copied when the app's middleware stack was built), which
    Starlette 0.28 and later also put in ``scope["starlette.exception_handlers"]``; before,
    the middleware is found down the app's stack. When neither can be reached, the guard's
    errors are still ``HTTPException`` s: FastAPI answers them with their status and headers."""
    tables = request.scope.get("starlette.exception_handlers")
    if isinstance(tables, tuple) and tables and isinstance(tables[0], dict):
        tables[0].setdefault(AuthError, _handle)
        return
    app = request.scope.get("app")
    handlers = getattr(app, "exception_handlers", None)
    if not isinstance(handlers, dict) or AuthError in handlers:
        return
    layer = getattr(app, "middleware_stack", None)
    for _ in range(64):
        if isinstance(layer, ExceptionMiddleware):
            layer.add_exception_handler(AuthError, _handle)
            handlers[AuthError] = _handle  # as a rebuilt stack would have it; later requests stop above
            return
        layer = getattr(layer, "app", None)


class BearerHeader(SecurityBase):
    """The ``Authorization`` header as an HTTP bearer security scheme.

    Returns the raw header value (or ``None``); the engine decides what a valid
    ``Bearer`` value is, so every runtime reads it the same way.
    """

    def __init__(self, *, scheme_name: str, description: Optional[str] = None) -> None:
        self.model = HTTPBearerModel(bearerFormat="JWT", description=description)
        self.scheme_name = scheme_name

    async def __call__(self, request: Request) -> Optional[str]:
        _answer_auth_errors(request)
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
    - ``guard.filter(action, resource_type)``: for a list endpoint, the
      :class:`wardgate.Filter` of the principal (which resources ``authorize`` would allow).
    - ``guard.where(action, Model)``: that filter as a SQLAlchemy ``WHERE`` clause on
      ``Model``'s columns (:func:`wardgate.sqlalchemy.where`).

    What they raise is an :class:`HTTPAuthError`, answered as ``{"detail", "code",
    "status", "reason"}`` with or without ``app=``; ``app=`` installs the handler
    (:func:`install_exception_handler`) for the other ``AuthError`` s of the app too.
    """

    #: The dependency that gives the verified principal.
    principal: Callable[..., Awaitable[Principal]]
    #: The dependency that gives the verified principal, or ``None`` without a bearer token.
    optional_principal: Callable[..., Awaitable[Optional[Principal]]]

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

    def _principal_dependency(self) -> Callable[..., Awaitable[Principal]]:
        scheme = self.scheme

        async def principal(authorization: Optional[str] = Depends(scheme)) -> Principal:
            try:
                return await self.engine.averify_authorization(authorization)
            except AuthError as e:
                raise _as_http(e) from None

        return principal

    def _optional_principal_dependency(self) -> Callable[..., Awaitable[Optional[Principal]]]:
        scheme = self.scheme

        async def optional_principal(authorization: Optional[str] = Depends(scheme)) -> Optional[Principal]:
            try:
                return await self.engine.averify_authorization(authorization)
            except AuthError as e:
                if e.code == "TOKEN_MISSING":
                    return None
                raise _as_http(e) from None

        return optional_principal

    def require(self, action: str, resource_type: str) -> Callable[..., Awaitable[Principal]]:
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
        (an :class:`HTTPAuthError`, a 403 response) when the policy denies it, and returns
        the decision otherwise."""
        decision = self.engine.authorize(principal, action, resource, context)
        try:
            decision.raise_if_denied()
        except AuthError as e:
            raise _as_http(e) from None
        return decision

    def filter(
        self,
        action: str,
        resource_type: str,
        *,
        context: _Context = None,
    ) -> Callable[..., Awaitable[Filter]]:
        """A dependency that gives the verified principal's :class:`wardgate.Filter` for
        ``action`` on resources of ``resource_type``: which of them ``authorize`` would
        allow, for a list endpoint. 401 without a valid token, as :attr:`principal`.

        ``context`` is the rules' ``context``: a mapping, or a function of the
        ``Request`` that returns one. A filter whose kind is ``never`` (a banned user, say)
        is given like any other: the list is empty. A rule that cannot be planned exactly
        raises :class:`wardgate.FilterError` (a server error, never a wider list)."""
        engine = self.engine

        async def planned(request: Request, principal: Principal = Depends(self.principal)) -> Filter:
            return engine.filter(principal, action, resource_type, _context_of(context, request))

        planned.__name__ = f"filter_{action}_{resource_type}".replace("-", "_")
        return planned

    def where(
        self,
        action: str,
        table_or_model: Any,
        columns: Optional[Mapping[str, Any]] = None,
        *,
        resource_type: Optional[str] = None,
        context: _Context = None,
    ) -> Callable[..., Awaitable[Any]]:
        """A dependency that gives :meth:`filter` as a SQLAlchemy boolean clause on the
        columns of ``table_or_model`` (a mapped class or a ``Table``), for
        ``select(Model).where(clause)``: see :func:`wardgate.sqlalchemy.where` for
        ``columns`` and the column types. Needs ``pip install wardgate[sqlalchemy]``.

        ``resource_type`` defaults to the model's ``__resource_type__`` attribute when it has
        one, else to its class name in lower case (``Todo``: ``"todo"``); a ``Table`` needs it."""
        from .sqlalchemy import where as clause_of

        kind = resource_type if resource_type is not None else _resource_type_of(table_or_model)
        planned = self.filter(action, kind, context=context)

        async def clause(planned_filter: Filter = Depends(planned)) -> Any:
            return clause_of(planned_filter, table_or_model, columns)

        clause.__name__ = f"where_{action}_{kind}".replace("-", "_")
        return clause


def _context_of(context: _Context, request: Request) -> Optional[Mapping[str, Any]]:
    return context(request) if callable(context) else context


def _resource_type_of(table_or_model: Any) -> str:
    """The resource type a model stands for: its ``__resource_type__``, else its class name
    in lower case."""
    named = getattr(table_or_model, "__resource_type__", None)
    if isinstance(named, str):
        return named
    if isinstance(table_or_model, type):
        return table_or_model.__name__.lower()
    raise TypeError(
        f"the resource type of {type(table_or_model).__name__} {table_or_model!s} cannot be told: "
        "pass resource_type= (the resource type its policy rules name)"
    )


def auth_error_response(error: AuthError) -> JSONResponse:
    """The JSON response for ``error``, with ``WWW-Authenticate`` on a 401 and
    ``Retry-After`` on a 503 (``KEYS_UNAVAILABLE``, ``REVOCATION_UNAVAILABLE``)."""
    return JSONResponse(error.to_dict(), status_code=error.status, headers=error.headers)


async def _handle(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, AuthError):  # pragma: no cover - registered for AuthError only
        raise error
    return auth_error_response(error)


def install_exception_handler(app: FastAPI) -> None:
    """Makes every :class:`wardgate.AuthError` raised while handling a request a JSON error response."""
    app.add_exception_handler(AuthError, _handle)
