"""SQL injection: values and claims full of quotes, ``--``, ``;``, NUL and non-ASCII text
select exactly the rows ``authorize`` allows, through SQLAlchemy and through the core's SQL,
on SQLite and PostgreSQL, and never reach the statement's text (only its parameters)."""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator, List, Tuple

import pytest

pytest.importorskip("sqlalchemy", reason="wardgate.sqlalchemy needs SQLAlchemy (wardgate[sqlalchemy])")

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import Boolean, Column, Double, Integer, MetaData, String, Table, create_engine, event, select  # noqa: E402
from sqlalchemy.pool import StaticPool  # noqa: E402

from wardgate import Engine, Principal  # noqa: E402
from wardgate.sqlalchemy import where  # noqa: E402

from conftest import postgres_url  # noqa: E402

#: Each is a whole value; NUL ones only where the database can store them.
ATTACKS = [
    "'", "''", "O'Reilly", "'; DROP TABLE notes; --", "' OR '1'='1", "' OR 1=1 --", "\" OR \"\"=\"",
    "--", "-- ", "/*", "*/", "; SELECT 1;", "');", "\\'; --", "1; DELETE FROM notes",
    "é'--", "日本語'; --", "🙂\"", "\u202e'", "ʼ OR ʼ1ʼ=ʼ1", "$1", "%(param_1)s", "?", ":owner",
]
NUL_ATTACKS = ["\0", "a\0'; --", "'\0"]
COLUMNS = {"owner": "text", "title": "text", "rank": "integer", "weight": "real", "shared": "boolean"}

RULES = [
    {"id": "own", "effect": "permit", "resource": "note", "actions": ["read"],
     "when": "resource.owner == principal.id"},
    {"id": "titled", "effect": "permit", "resource": "note", "actions": ["read"],
     "when": "resource.title in principal.claims.titles || resource.title == context.title"},
    {"id": "team", "effect": "permit", "resource": "note", "actions": ["read"],
     "when": "resource.owner in principal.roles && resource.shared == true"},
    {"id": "literal", "effect": "permit", "resource": "note", "actions": ["read"],
     "when": "resource.title == '\\'; DROP TABLE notes; --' || resource.owner == \"\\\" OR \\\"\\\"=\\\"\""},
    {"id": "hidden", "effect": "forbid", "resource": "note", "actions": "*",
     "when": "resource has title && resource.title == principal.claims.hide"},
]


def notes(metadata: MetaData) -> Table:
    return Table(f"notes_{os.getpid()}", metadata, Column("id", String, primary_key=True), Column("owner", String),
                 Column("title", String), Column("rank", Integer), Column("weight", Double), Column("shared", Boolean))


def rows(nul: bool) -> List[Dict[str, Any]]:
    values = ATTACKS + (NUL_ATTACKS if nul else [])
    out = []
    for i, owner in enumerate(values):
        title = values[(i * 7 + 3) % len(values)]
        out.append({"id": f"n{i}", "owner": owner, "title": title, "rank": i, "weight": i / 2, "shared": i % 2 == 0})
    return out


def principals(nul: bool) -> List[Tuple[Principal, Dict[str, Any]]]:
    """Principals and contexts whose every value attacks; NUL ones even on PostgreSQL."""
    values = ATTACKS + NUL_ATTACKS
    out = []
    for i, name in enumerate(values):
        claims = {"titles": [values[(i + 1) % len(values)], values[(i * 7 + 3) % len(ATTACKS)]],
                  "hide": values[(i + 5) % len(values)]}
        roles = [values[(i + 2) % len(values)], "' OR 1=1 --"]
        out.append((Principal(name, roles, values[(i + 3) % len(values)], claims),
                    {"title": values[(i * 3) % len(values)]}))
    return out


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest) -> Iterator[Tuple[str, sa.Connection, Table, List[str]]]:
    engine = create_engine("sqlite://", poolclass=StaticPool) if request.param == "sqlite" else create_engine(
        postgres_url())
    metadata = MetaData()
    table = notes(metadata)
    metadata.create_all(engine)
    sent: List[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        sent.append(statement)

    connection = engine.connect()
    connection.execute(table.insert(), rows(nul=request.param == "sqlite"))
    connection.commit()
    try:
        yield request.param, connection, table, sent
    finally:
        connection.close()
        metadata.drop_all(engine)
        engine.dispose()


def test_attacks_select_what_authorize_allows_and_never_reach_the_text(db):
    dialect, connection, table, sent = db
    engine = Engine({"token": {"algorithms": ["HS256"]}, "keys": {"secret": "0123456789abcdef0123456789abcdef"},
                     "rules": RULES})
    stored = rows(nul=dialect == "sqlite")
    raw = connection.connection.driver_connection
    selected_somewhere = 0
    for principal, context in principals(nul=dialect == "sqlite"):
        planned = engine.filter(principal, "read", "note", context)
        allowed = {r["id"] for r in stored
                   if engine.authorize(principal, "read", {**r, "type": "note"}, context).allowed}
        assert {r["id"] for r in stored if planned.matches(r)} == allowed

        sent.clear()
        got = set(connection.scalars(select(table.c.id).where(where(planned, table))))
        assert got == allowed, (principal, context, planned.to_dict())
        assert len(sent) == 1

        sql, params = planned.sql(dialect, COLUMNS)
        if dialect == "sqlite":
            core = {r[0] for r in raw.execute(f'SELECT id FROM "{table.name}" WHERE {sql}', params)}
        else:
            import psycopg

            with psycopg.RawCursor(raw) as cursor:
                cursor.execute(f'SELECT id FROM "{table.name}" WHERE {sql}', params)
                core = {r[0] for r in cursor.fetchall()}
        assert core == allowed

        for text in (sent[0], sql):
            for value in ATTACKS + NUL_ATTACKS:
                if any(c in value for c in "'\";\0") or "--" in value or not value.isascii():
                    assert value not in text, (value, text)
        selected_somewhere += bool(allowed)
    # The attacks were compared, not just refused: many principals see some rows.
    assert selected_somewhere >= len(ATTACKS) // 2
    assert connection.scalar(select(sa.func.count()).select_from(table)) == len(stored)
