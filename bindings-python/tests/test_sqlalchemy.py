"""``wardgate.sqlalchemy.where``: a filter as a SQLAlchemy clause, on SQLite and PostgreSQL.

Every query here is checked row by row against ``authorize`` on the resource the row
stands for. The PostgreSQL half needs ``WARDGATE_TEST_POSTGRES_URL`` (``scripts/with-postgres``).
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from typing import Any, Dict, Iterator, List, Optional

import pytest

pytest.importorskip("sqlalchemy", reason="wardgate.sqlalchemy needs SQLAlchemy (wardgate[sqlalchemy])")

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import (  # noqa: E402
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Double,
    Enum,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    Unicode,
    UnicodeText,
    and_,
    create_engine,
    or_,
    select,
)
from sqlalchemy.dialects import mysql, postgresql, sqlite  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, aliased, mapped_column  # noqa: E402
from sqlalchemy.pool import StaticPool  # noqa: E402

from wardgate import Engine, Filter, FilterError, Principal  # noqa: E402
from wardgate.sqlalchemy import column_type, where  # noqa: E402

from conftest import postgres_url  # noqa: E402

SUFFIX = os.getpid()


class Base(DeclarativeBase):
    pass


class Project(Base):
    __tablename__ = f"wg_projects_{SUFFIX}"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[Optional[str]] = mapped_column(String(50))


class Todo(Base):
    __tablename__ = f"wg_todos_{SUFFIX}"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_id: Mapped[Optional[str]] = mapped_column(String(255))
    # The attribute `author` is stored in the column author_name.
    author: Mapped[Optional[str]] = mapped_column("author_name", Text)
    priority: Mapped[Optional[int]] = mapped_column(Integer)  # int4 in PostgreSQL
    score: Mapped[Optional[float]] = mapped_column(Double)
    done: Mapped[Optional[bool]] = mapped_column(Boolean)
    status: Mapped[Optional[str]] = mapped_column(Enum("open", "closed", name=f"wg_status_{SUFFIX}"))
    created_at: Mapped[Optional[datetime.datetime]] = mapped_column(DateTime)  # never read by a rule
    project_id: Mapped[Optional[int]] = mapped_column(ForeignKey(Project.id))


ATTRIBUTES = ["owner_id", "author", "priority", "score", "done", "status"]

PROJECTS = [Project(id=1, tenant="acme"), Project(id=2, tenant="globex"), Project(id=3, tenant=None)]
TODOS: List[Dict[str, Any]] = [
    {"id": "t1", "owner_id": "ada", "author": "ada", "priority": 3, "score": 2.5, "done": False, "status": "open",
     "project_id": 1},
    {"id": "t2", "owner_id": "ada", "author": "bob", "priority": 1, "score": 0.5, "done": True, "status": "closed",
     "project_id": 2},
    {"id": "t3", "owner_id": "bob", "priority": 2, "score": 2.0, "done": False, "project_id": 1},
    {"id": "t4", "owner_id": "bob", "author": "ada", "score": 3.0, "status": "open", "project_id": 3},
    {"id": "t5", "priority": 2_000_000_000, "score": 2_000_000_000.0, "done": None, "status": "closed"},
    {"id": "t6", "owner_id": "O'Reilly", "author": "--", "priority": -1, "score": -0.5, "done": True},
    {"id": "t7", "owner_id": "ada", "priority": 0, "score": 0.0, "done": False, "status": "open", "project_id": 2},
]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        engine = create_engine("sqlite://", poolclass=StaticPool)
    else:
        engine = create_engine(postgres_url())
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Project(id=p.id, tenant=p.tenant) for p in PROJECTS])
        session.flush()
        session.add_all([Todo(**t) for t in TODOS])
        session.commit()
    try:
        yield engine
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()


def engine_of(*whens: str, forbid: Optional[str] = None) -> Engine:
    rules = [{"id": f"p{i}", "effect": "permit", "resource": "todo", "actions": ["read"], "when": w}
             for i, w in enumerate(whens)]
    if forbid is not None:
        rules.append({"id": "f", "effect": "forbid", "resource": "*", "actions": "*", "when": forbid})
    return Engine({"token": {"algorithms": ["HS256"]}, "keys": {"secret": "0123456789abcdef0123456789abcdef"},
                   "rules": rules})


def resource_of(todo: Todo, project: Optional[Project]) -> Dict[str, Any]:
    resource = {a: getattr(todo, a) for a in ATTRIBUTES if getattr(todo, a) is not None}
    if project is not None and project.tenant is not None:
        resource["tenant"] = project.tenant
    return {**resource, "type": "todo"}


def agree(db: sa.Engine, engine: Engine, principal: Principal, context: Optional[Dict[str, Any]] = None,
          columns: Optional[Dict[str, Any]] = None) -> List[str]:
    """The ids the query selects, once checked to be the ids ``authorize`` allows."""
    planned = engine.filter(principal, "read", "todo", context)
    with Session(db) as session:
        pairs = session.execute(select(Todo, Project).outerjoin(Project, Todo.project_id == Project.id)).all()
        allowed = sorted(t.id for t, p in pairs
                         if engine.authorize(principal, "read", resource_of(t, p), context).allowed)
        query = (select(Todo.id).outerjoin(Project, Todo.project_id == Project.id)
                 .where(where(planned, Todo, columns)).order_by(Todo.id))
        selected = list(session.scalars(query))
    assert selected == allowed, (planned.to_dict(), str(query.compile(db)))
    assert sorted(t.id for t, p in pairs if planned.matches(resource_of(t, p))) == allowed
    return selected


ADA = Principal("ada", ["user"], "acme", {"limit": 2.5, "huge": 2**64 - 1, "big": 2**53 + 1, "name": "O'Reilly"})
BOB = Principal("bob", ["user"], "globex", {"limit": 1})


@pytest.mark.parametrize("whens, forbid, expected", [
    (["resource.owner_id == principal.id"], None, ["t1", "t2", "t7"]),
    (["resource.author == principal.id"], None, ["t1", "t4"]),  # the attribute, not the column name
    (["resource.priority >= 2 && resource.score < principal.claims.limit"], None, ["t3"]),
    (["resource.priority < principal.claims.limit"], None, ["t2", "t3", "t6", "t7"]),  # integer compared as real
    (["resource.status == 'open'"], None, ["t1", "t4", "t7"]),
    (["resource.status in ['closed', 'x', principal.id]"], None, ["t2", "t5"]),
    (["resource.status != 'closed'"], None, ["t1", "t4", "t7"]),
    # An error on the left of || excludes the row (t4 and t5 have no done).
    (["resource.done == false || !(resource has done)"], None, ["t1", "t3", "t7"]),
    (["true"], "resource.done == true", ["t1", "t3", "t7"]),  # absent done: the forbid fails, so applies
    (["resource.priority > principal.claims.big || resource.priority == principal.claims.huge"], None, []),
    (["resource.priority > 9007199254740993 || resource.priority < -9007199254740993"], None, []),
    (["resource.priority >= 2000000000"], None, ["t5"]),
    (["resource.priority == resource.score", "resource.score > resource.priority"], None, ["t3", "t5", "t6", "t7"]),
    (["resource.owner_id == principal.claims.name", "resource.author in ['--', ';']"], None, ["t6"]),
    (["resource.owner_id == 'ada'"], "principal.claims.limit < 2", ["t1", "t2", "t7"]),
    (["resource.created_by == principal.id"], None, []),  # not a column: absent from every row
])
def test_selects_what_authorize_allows(db, whens, forbid, expected):
    assert agree(db, engine_of(*whens, forbid=forbid), ADA) == expected
    agree(db, engine_of(*whens, forbid=forbid), BOB)


def test_columns_of_joined_tables(db):
    engine = engine_of("resource.tenant == principal.tenant && resource.owner_id != principal.id")
    assert agree(db, engine, ADA, columns={"tenant": Project.tenant}) == ["t3"]
    assert agree(db, engine, BOB, columns={"tenant": Project.__table__.c.tenant}) == ["t2", "t7"]
    # Mapped to another column of the same table, by name.
    engine = engine_of("resource.writer == principal.id")
    planned = engine.filter(ADA, "read", "todo")
    with Session(db) as session:
        ids = session.scalars(select(Todo.id).where(where(planned, Todo, {"writer": "author"})).order_by(Todo.id))
        assert list(ids) == ["t1", "t4"]


def test_a_table_and_an_aliased_class(db):
    planned = engine_of("resource.owner_id == principal.id && resource.priority > 0").filter(ADA, "read", "todo")
    table = Todo.__table__
    other = aliased(Todo)
    with db.connect() as connection:
        assert sorted(connection.scalars(select(table.c.id).where(where(planned, table)))) == ["t1", "t2"]
        assert sorted(connection.scalars(select(other.id).where(where(planned, other)))) == ["t1", "t2"]


def test_the_clause_composes(db):
    planned = engine_of("resource.owner_id == 'bob'", "resource.priority == 0").filter(ADA, "read", "todo")
    clause = where(planned, Todo)
    with Session(db) as session:
        both = session.scalars(select(Todo.id).where(clause, Todo.score > 1).order_by(Todo.id))
        assert list(both) == ["t3", "t4"]  # (bob's OR priority 0) AND score > 1: the OR stays grouped
        either = session.scalars(select(Todo.id).where(or_(Todo.id == "t1", and_(clause, Todo.score < 1))))
        assert sorted(either) == ["t1", "t7"]
        # Its table is in the FROM of a statement that selects nothing else.
        assert session.scalar(select(sa.func.count()).where(clause)) == 3


def test_one_statement_executed_twice_and_different_filters_never_share_values(db):
    engine = engine_of("resource.owner_id == principal.id")
    with Session(db) as session:
        for _ in range(2):
            for principal, ids in ((ADA, ["t1", "t2", "t7"]), (BOB, ["t3", "t4"])):
                query = select(Todo.id).where(where(engine.filter(principal, "read", "todo"), Todo)).order_by(Todo.id)
                assert list(session.scalars(query)) == ids
                assert list(session.scalars(query)) == ids


def test_always_and_never_are_true_and_false(db):
    engine = engine_of("'admin' in principal.roles", forbid="principal.claims has banned")
    root = engine.filter(Principal("root", ["admin"]), "read", "todo")
    assert isinstance(where(root, Todo), sa.sql.elements.True_)
    banned = engine.filter(Principal("troll", ["admin"], None, {"banned": True}), "read", "todo")
    assert isinstance(where(banned, Todo), sa.sql.elements.False_)
    with Session(db) as session:
        assert len(session.scalars(select(Todo.id).where(where(root, Todo))).all()) == len(TODOS)
        assert session.scalars(select(Todo.id).where(where(banned, Todo))).all() == []


def test_nul_is_folded_per_dialect():
    # No database needed: the clause the statement compiles to, per dialect.
    engine = engine_of("resource.owner_id == principal.id || resource.owner_id in [principal.id, 'x']")
    planned = engine.filter(Principal("a\0b"), "read", "todo")
    query = select(Todo.id).where(where(planned, Todo))
    lite = query.compile(dialect=sqlite.dialect())
    assert "a\0b" in lite.params.values()
    pg = query.compile(dialect=postgresql.dialect())
    assert "a\0b" not in pg.params.values() and list(pg.params.values()) == ["x"]
    assert "a\0b" not in str(lite) and "a\0b" not in str(pg)


def test_nul_on_both_databases(db):
    engine = engine_of("resource.owner_id == principal.id", "resource.author != principal.id")
    # On SQLite the comparison is made (no row holds NUL); on PostgreSQL it is false, and
    # the driver never sees a NUL it would refuse.
    assert agree(db, engine, Principal("x\0y")) == ["t1", "t2", "t4", "t6"]


def test_other_dialects_are_refused_when_compiled():
    planned = engine_of("resource.owner_id == principal.id").filter(ADA, "read", "todo")
    query = select(Todo.id).where(where(planned, Todo))
    with pytest.raises(FilterError, match='"mysql" is not a dialect') as err:
        query.compile(dialect=mysql.dialect())
    assert err.value.code == "FILTER_COLUMNS"


@pytest.mark.parametrize("sql_type, name", [
    (String(36), "text"), (Text(), "text"), (Unicode(10), "text"), (UnicodeText(), "text"),
    (Enum("a", "b", name="e"), "text"), (sa.VARCHAR(3), "text"),
    (Integer(), "integer"), (BigInteger(), "integer"), (SmallInteger(), "integer"), (sa.INTEGER(), "integer"),
    (Float(), "real"), (Double(), "real"), (postgresql.DOUBLE_PRECISION(), "real"), (Float(precision=53), "real"),
    (Boolean(), "boolean"),
])
def test_column_types(sql_type, name):
    assert column_type(Column("c", sql_type)) == name


class Upper(TypeDecorator):  # type: ignore[type-arg]
    impl = String
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        return None if value is None else value.upper()


class Color(__import__("enum").Enum):
    RED = "red"


@pytest.mark.parametrize("sql_type", [
    Numeric(10, 2), sa.REAL(), Float(precision=24), DateTime(), sa.Date(), JSON(), sa.LargeBinary(),
    Upper(), Enum(Color), postgresql.ARRAY(Integer), sa.Interval(),
])
def test_other_types_are_refused_naming_the_column(sql_type):
    table = Table("things", MetaData(), Column("id", String, primary_key=True), Column("amount", sql_type))
    planned = engine_of("resource.amount == principal.claims.limit").filter(ADA, "read", "todo")
    with pytest.raises(FilterError) as err:
        where(planned, table)
    assert err.value.code == "FILTER_COLUMNS"
    assert "'things.amount' (resource.amount)" in err.value.detail
    # A column the rules do not read may have any type.
    where(engine_of("resource.id == 'x'").filter(ADA, "read", "todo"), table)


def test_bad_arguments():
    planned = engine_of("resource.owner_id == principal.id").filter(ADA, "read", "todo")
    with pytest.raises(TypeError, match="filter must be a wardgate.Filter, not dict"):
        where(planned.to_dict(), Todo)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="table_or_model must be a mapped class or a Table, not str"):
        where(planned, "todos")
    with pytest.raises(TypeError, match="a column must be a SQLAlchemy column"):
        where(planned, Todo, {"owner_id": 3})
    with pytest.raises(FilterError, match="'nope' is not a column of the table"):
        where(planned, Todo, {"owner_id": "nope"})


def test_a_filter_read_back_from_its_json_form(db):
    planned = engine_of("resource.owner_id == principal.id").filter(BOB, "read", "todo")
    again = Filter.from_dict(planned.to_dict())
    with Session(db) as session:
        assert sorted(session.scalars(select(Todo.id).where(where(again, Todo)))) == ["t3", "t4"]


def test_importing_wardgate_does_not_import_sqlalchemy():
    code = "import sys, wardgate, wardgate.fastapi; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

