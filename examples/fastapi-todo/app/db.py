"""The database: a SQLite file by default, any SQLAlchemy URL through ``DATABASE_URL``."""

import os
from pathlib import Path
from typing import Iterator, Optional

from fastapi import Request
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session

DEFAULT_DATABASE_URL = f"sqlite:///{Path(__file__).resolve().parent.parent / 'todos.db'}"


class Base(DeclarativeBase):
    pass


def database_url(url: Optional[str] = None) -> str:
    """``url``, else the ``DATABASE_URL`` environment variable, else ``todos.db`` beside the app."""
    return url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def make_engine(url: str) -> Engine:
    connect_args = {}
    if make_url(url).get_backend_name() == "sqlite":
        # Sync routes run in FastAPI's thread pool; each request still gets its own session.
        connect_args["check_same_thread"] = False
    return create_engine(url, connect_args=connect_args)


def get_session(request: Request) -> Iterator[Session]:
    """A dependency: one session per request, from the app's ``sessionmaker``."""
    with request.app.state.sessions() as session:
        yield session
