"""wardgate.fastapi for list endpoints: ``guard.filter`` and ``guard.where``."""

from __future__ import annotations

import time
from typing import Any, Dict, Iterator, List, Optional

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("sqlalchemy", reason="guard.where needs SQLAlchemy (wardgate[sqlalchemy])")

from fastapi import Depends, FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Boolean, Column, MetaData, String, Table, create_engine, select  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column  # noqa: E402
from sqlalchemy.pool import StaticPool  # noqa: E402

from wardgate import Engine, Filter, Principal  # noqa: E402
from wardgate.fastapi import Guard  # noqa: E402

from conftest import AUDIENCE, ISSUER, Signer, claims  # noqa: E402


class Base(DeclarativeBase):
    pass


class Todo(Base):
    __tablename__ = "todos"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    owner_id: Mapped[str] = mapped_column(String)
    done: Mapped[Optional[bool]] = mapped_column(Boolean)


class Entry(Base):
    """A model whose resource type is not its class name."""

    __tablename__ = "entries"
    __resource_type__ = "todo"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    owner_id: Mapped[str] = mapped_column(String)
    done: Mapped[Optional[bool]] = mapped_column(Boolean)


RULES = [
    {"id": "own", "effect": "permit", "resource": "todo", "actions": ["read"],
     "when": "resource.owner_id == principal.id"},
    {"id": "admin", "effect": "permit", "resource": "*", "actions": "*", "when": "'admin' in principal.roles"},
    {"id": "banned", "effect": "forbid", "resource": "*", "actions": "*",
     "when": "principal.claims has banned && principal.claims.banned == true"},
    {"id": "no-deletes-on-get", "effect": "forbid", "resource": "todo", "actions": ["read"],
     "when": "context has method && context.method == 'DELETE' && resource.done == true"},
]
ROWS = [("a1", "user_1", False), ("a2", "user_1", True), ("b1", "bob", None), ("b2", "bob", False)]


@pytest.fixture()
def engine(signer: Signer) -> Engine:
    return Engine({"token": {"issuer": ISSUER, "audience": AUDIENCE, "algorithms": ["EdDSA"]},
                   "keys": {"jwks": {"keys": [signer.jwk]}}, "rules": RULES})


@pytest.fixture()
def database() -> Iterator[Any]:
    db = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    Base.metadata.create_all(db)
    with Session(db) as session:
        for model in (Todo, Entry):
            session.add_all([model(id=i, owner_id=o, done=d) for i, o, d in ROWS])
        session.commit()
    yield db
    db.dispose()


@pytest.fixture()
def client(engine: Engine, database: Any) -> TestClient:
    app = FastAPI()
    guard = Guard(engine, app=app)

    def session() -> Iterator[Session]:
        with Session(database) as s:
            yield s

    @app.get("/todos")
    def list_todos(where: Any = Depends(guard.where("read", Todo)), s: Session = Depends(session)) -> List[str]:
        return list(s.scalars(select(Todo.id).where(where).order_by(Todo.id)))

    entries = guard.where("read", Entry, context=lambda r: {"method": r.method})

    @app.get("/entries")
    def list_entries(where: Any = Depends(entries), s: Session = Depends(session)) -> List[str]:
        return list(s.scalars(select(Entry.id).where(where).order_by(Entry.id)))

    @app.delete("/entries")
    def list_entries_on_delete(where: Any = Depends(entries), s: Session = Depends(session)) -> List[str]:
        return list(s.scalars(select(Entry.id).where(where).order_by(Entry.id)))

    table = Table("todos", MetaData(), Column("id", String), Column("owner_id", String), Column("done", Boolean))

    @app.get("/table")
    def list_table(where: Any = Depends(guard.where("read", table, resource_type="todo")),
                   s: Session = Depends(session)) -> List[str]:
        return list(s.scalars(select(table.c.id).where(where).order_by(table.c.id)))

    @app.get("/filter")
    def plan(planned: Filter = Depends(guard.filter("read", "todo"))) -> Dict[str, Any]:
        return {"kind": planned.kind, "json": planned.to_dict()}

    return TestClient(app)


def token(signer: Signer, **extra: Any) -> Dict[str, str]:
    payload = claims(now=time.time(), **extra)
    return {"Authorization": f"Bearer {signer.sign(payload)}"}


def test_each_user_lists_only_what_read_allows(client, signer):
    assert client.get("/todos", headers=token(signer)).json() == ["a1", "a2"]
    assert client.get("/todos", headers=token(signer, sub="bob")).json() == ["b1", "b2"]
    assert client.get("/todos", headers=token(signer, sub="carol")).json() == []
    assert client.get("/todos", headers=token(signer, role="admin")).json() == ["a1", "a2", "b1", "b2"]
    assert client.get("/todos", headers=token(signer, role="admin", banned=True)).json() == []


def test_the_resource_type_and_the_context(client, signer):
    assert client.get("/entries", headers=token(signer)).json() == ["a1", "a2"]
    # The context comes from the request: the forbid holds for DELETE, on done rows.
    assert client.delete("/entries", headers=token(signer)).json() == ["a1"]
    assert client.get("/table", headers=token(signer, sub="bob")).json() == ["b1", "b2"]


def test_the_filter_itself(client, signer):
    body = client.get("/filter", headers=token(signer)).json()
    assert body["kind"] == "conditional"
    assert body["json"]["permits"] == [{"rule": "own", "when": {"eq": "owner_id", "value": "user_1"}}]
    assert client.get("/filter", headers=token(signer, role="admin")).json()["kind"] == "always"
    assert client.get("/filter", headers=token(signer, banned=True)).json()["kind"] == "never"


def test_refusals_are_the_guards(client, signer):
    r = client.get("/todos")
    assert r.status_code == 401
    assert r.json()["code"] == "TOKEN_MISSING" and r.headers["WWW-Authenticate"] == "Bearer"
    expired = claims(now=time.time() - 7200)
    r = client.get("/todos", headers={"Authorization": f"Bearer {signer.sign(expired)}"})
    assert r.status_code == 401 and r.json()["code"] == "TOKEN_EXPIRED"
    r = client.get("/filter", headers={"Authorization": "Bearer x.y.z"})
    assert r.status_code == 401 and r.json()["code"] == "TOKEN_INVALID"


def test_a_rule_that_cannot_be_planned_is_a_server_error_not_a_wider_list(signer, database):
    engine = Engine({"token": {"issuer": ISSUER, "audience": AUDIENCE, "algorithms": ["EdDSA"]},
                     "keys": {"jwks": {"keys": [signer.jwk]}},
                     "rules": [{"id": "odd", "effect": "permit", "resource": "todo", "actions": "*",
                                "when": "resource.tags == [resource.owner_id]"}]})
    app = FastAPI()
    guard = Guard(engine, app=app)

    @app.get("/todos")
    def list_todos(where: Any = Depends(guard.where("read", Todo))) -> List[str]:
        with Session(database) as s:
            return list(s.scalars(select(Todo.id).where(where)))

    r = TestClient(app, raise_server_exceptions=False).get("/todos", headers=token(signer))
    assert r.status_code == 500


def test_a_table_needs_its_resource_type(engine):
    guard = Guard(engine)
    table = Table("t", MetaData(), Column("id", String))
    with pytest.raises(TypeError, match="pass resource_type="):
        guard.where("read", table)
    assert guard.where("read", Todo).__name__ == "where_read_todo"
    assert guard.filter("read", "todo-item").__name__ == "filter_read_todo_item"


def test_the_list_route_declares_the_bearer_scheme(client):
    schema = client.get("/openapi.json").json()
    assert schema["paths"]["/todos"]["get"]["security"] == [{"bearerAuth": []}]
    assert schema["paths"]["/filter"]["get"]["security"] == [{"bearerAuth": []}]


def test_a_principal_built_by_hand_plans_the_same(engine):
    planned = engine.filter(Principal("user_1"), "read", "todo")
    assert planned.matches({"owner_id": "user_1", "done": False})
