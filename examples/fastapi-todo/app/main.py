"""The app factory, and the ``app`` that ``uvicorn app.main:app`` serves.

- Policy: the ``policy`` argument, else the file named by ``WARDGATE_POLICY``, else
  ``policy.json`` beside the app.
- Database: the ``database_url`` argument, else ``DATABASE_URL``, else ``todos.db``
  (SQLite) beside the app. Tables are created at startup.
"""

import os
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Optional

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from wardgate import Engine
from wardgate.fastapi import Guard
from sqlalchemy.orm import sessionmaker

from .db import Base, database_url as resolve_database_url, make_engine
from .admin import admin_router
from .routes import TodoNotFound, todo_router

DEFAULT_POLICY_FILE = Path(__file__).resolve().parent.parent / "policy.json"


def load_policy(policy: Optional[Dict[str, Any]] = None) -> Engine:
    if policy is not None:
        return Engine(policy)
    return Engine.from_file(os.environ.get("WARDGATE_POLICY") or DEFAULT_POLICY_FILE)


async def todo_not_found(request: Request, error: Exception) -> JSONResponse:
    body = {"detail": "todo not found", "code": "NOT_FOUND", "status": 404, "reason": "not_found"}
    return JSONResponse(body, status_code=404)


def create_app(policy: Optional[Dict[str, Any]] = None, database_url: Optional[str] = None) -> FastAPI:
    auth = load_policy(policy)
    db = make_engine(resolve_database_url(database_url))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        Base.metadata.create_all(db)
        yield
        db.dispose()

    app = FastAPI(title="Wardgate todo API", lifespan=lifespan)
    app.state.sessions = sessionmaker(db, expire_on_commit=False)
    guard = Guard(auth, app=app)  # app=: AuthError -> {"detail", "code", "status", "reason"}
    app.add_exception_handler(TodoNotFound, todo_not_found)
    app.include_router(todo_router(guard))
    app.include_router(admin_router(guard, auth))
    return app


app = create_app()
