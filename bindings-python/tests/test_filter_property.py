"""Property test: for random policies, principals, contexts and rows, the rows a list filter
selects (through SQLAlchemy, through the core's SQL, and with ``Filter.matches``) are exactly
the rows ``authorize`` allows, one by one, on SQLite and on PostgreSQL.

Seeded: ``WARDGATE_PROPERTY_SEED`` replays a run, ``WARDGATE_PROPERTY_CASES`` sets how many
cases run per database (default 5000). A disagreement fails with the seed and a minimal
reproduction (the rules it needs, the principal, the context, the row, the SQL).
"""

from __future__ import annotations

import os
import random
import sqlite3
import time
from typing import Any, Iterator, List

import pytest

sqlalchemy = pytest.importorskip("sqlalchemy", reason="wardgate.sqlalchemy needs SQLAlchemy (wardgate[sqlalchemy])")

from sqlalchemy import MetaData, create_engine  # noqa: E402
from sqlalchemy.pool import StaticPool  # noqa: E402

from conftest import postgres_url  # noqa: E402
from filter_cases import Case, Database, Generator, check, reproduction, run, table  # noqa: E402

CASES = int(os.environ.get("WARDGATE_PROPERTY_CASES", "5000"))
ROWS = 32  # rows per batch, stored once
PER_BATCH = 60  # cases per batch of rows


def seed() -> int:
    given = os.environ.get("WARDGATE_PROPERTY_SEED")
    return int(given) if given else random.SystemRandom().randrange(2**32)


@pytest.fixture(scope="module")
def sqlite_db() -> Iterator[Database]:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    connection = engine.connect()
    items = table(MetaData())
    items.create(connection)
    driver: sqlite3.Connection = connection.connection.driver_connection  # type: ignore[assignment]

    def raw(sql: str, params: List[Any]) -> List[Any]:
        return [r[0] for r in driver.execute(f"SELECT id FROM items WHERE {sql}", params)]

    yield Database("sqlite", connection, items, raw)
    connection.close()
    engine.dispose()


@pytest.fixture(scope="module")
def postgres_db() -> Iterator[Database]:
    import psycopg

    engine = create_engine(postgres_url())
    connection = engine.connect()
    name = f"wardgate_property_{os.getpid()}"
    items = table(MetaData(), name)
    items.create(connection)
    driver: psycopg.Connection[Any] = connection.connection.driver_connection  # type: ignore[assignment]

    def raw(sql: str, params: List[Any]) -> List[Any]:
        with psycopg.RawCursor(driver) as cursor:
            cursor.execute(f'SELECT id FROM "{name}" WHERE {sql}', params)
            return [r[0] for r in cursor.fetchall()]

    try:
        yield Database("postgres", connection, items, raw)
    finally:
        connection.rollback()
        connection.close()
        engine.dispose()


def run_property(db: Database, nul: bool) -> None:
    chosen = seed()
    rng = random.Random(chosen)
    gen = Generator(rng, nul=nul)
    started = time.monotonic()
    ran = errors = 0
    decided = {"allowed": 0, "refused": 0}
    while ran < CASES:
        gen.refocus()
        rows = gen.rows(ROWS)
        db.store(rows)
        for _ in range(PER_BATCH):
            case = Case(gen.rules(), gen.principal(), gen.context(), rng.choice(["read", "read", "read", "write"]))
            check(case)
            outcome = run(case, rows, db)
            ran += 1
            if outcome.error is not None:
                # Never a wider filter: only what cannot be translated exactly is refused.
                assert outcome.error.code in ("FILTER_UNTRANSLATABLE", "FILTER_TOO_COMPLEX"), (
                    f"seed {chosen}: {outcome.error.code}: {outcome.error.detail}\nrules: {case.rules}"
                )
                errors += 1
                continue
            decided["allowed"] += len(outcome.allowed)
            decided["refused"] += len(rows) - len(outcome.allowed)
            wrong = outcome.disagreeing()
            if wrong:
                pytest.fail(
                    f"{db.name}: the filter and authorize disagree on {len(wrong)} row(s)\n"
                    + reproduction(chosen, case, rows, db, sorted(wrong)[0]),
                    pytrace=False,
                )
    elapsed = time.monotonic() - started
    print(f"\n{db.name}: {ran} cases x {ROWS} rows in {elapsed:.1f}s (seed {chosen}); "
          f"{decided['allowed']} rows allowed, {decided['refused']} refused; {errors} filters refused as untranslatable")
    # The grammar must exercise both answers and rarely fall outside what translates.
    assert decided["allowed"] > ran and decided["refused"] > ran
    assert errors < ran // 20


def test_sqlite_selects_exactly_what_authorize_allows(sqlite_db: Database) -> None:
    run_property(sqlite_db, nul=True)


def test_postgres_selects_exactly_what_authorize_allows(postgres_db: Database) -> None:
    run_property(postgres_db, nul=False)
