"""Random list-filter cases over one fixed table, for the property test.

A case is a policy (one to three rules from a small grammar of the whole condition
language), a principal, a context and an action. For a batch of rows stored once in SQLite
and in PostgreSQL, every case checks that the rows ``authorize`` allows are exactly the rows
that ``Filter.matches`` selects, that the SQLAlchemy query built by
``wardgate.sqlalchemy.where`` selects, and that the core's own SQL (``Filter.sql``) selects.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from sqlalchemy import BigInteger, Boolean, Column, Double, MetaData, String, Table, select
from sqlalchemy.engine import Connection

from wardgate import ConfigError, Engine, Filter, FilterError, Principal
from wardgate.sqlalchemy import where

RESOURCE_TYPE = "item"

#: The table: text, integer, real and boolean columns, each type once nullable and once not.
COLUMNS: Dict[str, str] = {
    "owner": "text", "tag": "text", "kind": "text",
    "n": "integer", "m": "integer",
    "x": "real", "y": "real",
    "flag": "boolean", "live": "boolean",
}
NOT_NULL = {"kind", "m", "y", "live"}
_SQL_TYPES = {"text": String, "integer": BigInteger, "real": Double, "boolean": Boolean}

#: Strings that attack SQL and text handling; NUL only where the database can store it.
NASTY = [
    "O'Reilly", "'", "''", '"', 'say "hi"', "--", "-- comment", ";", "'; DROP TABLE items; --",
    "a' OR '1'='1", "\\", "\\'", "%", "_", "$1", "?", ":name", "/* x */",
    "é", "日本語", "🙂", "\u202e", "Ω'--;",
]
NUL_TEXTS = ["\0", "x\0y", "'\0--"]
TEXTS = ["", "a", "A", " a", "u1", "u2", "admin", "1", "true", "null", "0.5"] + NASTY
INTS = [0, -1, 1, 2, 3, 2**53 - 1, 2**53, 2**53 + 1, -(2**53) - 1, 2**63 - 1, -(2**63), 10**12]
REALS = [0.0, -0.0, 0.5, -0.5, 1.0, 2.0, 3.0, 2.5, 2.0**53, 9007199254740994.0, 1e300, -1e-300]
#: Beyond what an integer column holds: claims and contexts may carry them.
HUGE = [2**63, 2**64 - 1]


def table(metadata: MetaData, name: str = "items") -> Table:
    return Table(
        name, metadata,
        Column("id", String, primary_key=True),
        *[Column(c, _SQL_TYPES[t](), nullable=c not in NOT_NULL) for c, t in COLUMNS.items()],
    )


def literal(value: Any) -> str:
    """A value written in the condition language (integers, strings, booleans, null, lists)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        out = []
        for ch in value:
            if ch in "\\'":
                out.append("\\" + ch)
            elif ord(ch) < 0x20 or ord(ch) == 0x7F:
                out.append(f"\\u{ord(ch):04x}")
            else:
                out.append(ch)
        return "'" + "".join(out) + "'"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(value)


class Generator:
    """Random rows, rules, principals and contexts from one seeded ``random.Random``."""

    CLAIMS = ["a", "b", "c", "lst", "flag"]
    CONTEXT = ["k", "lst", "s", "n"]

    def __init__(self, rng: random.Random, nul: bool) -> None:
        self.rng = rng
        self.nul = nul  # whether rows may hold NUL (SQLite: yes; PostgreSQL text: no)
        self.refocus()

    def refocus(self) -> None:
        """Picks the few values that most rows, rules and claims of the next batch draw from,
        so that they meet (a row's ``2**53 + 1`` next to a claim's ``2.0**53``)."""
        r = self.rng
        self.texts = r.sample(TEXTS + NUL_TEXTS, 5)
        self.ints = r.sample(INTS, 4) + [r.randint(-3, 3)]
        self.reals = r.sample(REALS, 3) + [float(i) for i in r.sample(self.ints, 2)] + [r.randint(-6, 6) / 2]

    # -- values ---------------------------------------------------------------------------
    def text(self) -> str:
        r = self.rng
        if r.random() < 0.8:
            return r.choice(self.texts)
        return r.choice(NUL_TEXTS) if r.random() < 0.1 else r.choice(TEXTS)

    def integer(self) -> int:
        r = self.rng
        return r.choice(self.ints) if r.random() < 0.8 else r.choice(INTS + [r.randint(-3, 3)])

    def real(self) -> float:
        r = self.rng
        return r.choice(self.reals) if r.random() < 0.8 else r.choice(REALS + [r.randint(-6, 6) / 2])

    def scalar(self) -> Any:
        kind = self.rng.choice(["text", "text", "int", "int", "real", "bool", "null", "huge"])
        return {
            "text": self.text, "int": self.integer, "real": self.real,
            "bool": lambda: self.rng.random() < 0.5, "null": lambda: None,
            "huge": lambda: self.rng.choice(HUGE),
        }[kind]()

    def value(self) -> Any:
        """Anything a claim or a context member may hold."""
        r = self.rng.random()
        if r < 0.15:
            return [self.scalar() for _ in range(self.rng.randint(0, 3))]
        if r < 0.18:
            return {"sub": self.text()}
        return self.scalar()

    # -- rows ---------------------------------------------------------------------------
    def rows(self, count: int) -> List[Dict[str, Any]]:
        rows = []
        for i in range(count):
            row: Dict[str, Any] = {"id": f"r{i}"}
            for col, kind in COLUMNS.items():
                if col not in NOT_NULL and self.rng.random() < 0.25:
                    continue  # NULL: the attribute is absent
                if kind == "text":
                    value: Any = self.text()
                    if not self.nul:
                        value = value.replace("\0", "\u2400")
                elif kind == "integer":
                    value = self.integer()
                elif kind == "real":
                    value = self.real()
                else:
                    value = self.rng.random() < 0.5
                row[col] = value
            rows.append(row)
        return rows

    # -- who asks ---------------------------------------------------------------------------
    def principal(self) -> Principal:
        r = self.rng
        roles = r.sample(["admin", "user", "u1", "O'Reilly", "--", "日本語", "x\0y"], r.randint(0, 3))
        claims = {k: self.value() for k in self.CLAIMS if r.random() < 0.75}
        tenant = r.choice([None, "t1", "u1", "x\0y", "O'Reilly"])
        return Principal(r.choice(["u1", "u2", "a", "admin"] + NASTY + NUL_TEXTS), roles, tenant, claims)

    def context(self) -> Dict[str, Any]:
        return {k: self.value() for k in self.CONTEXT if self.rng.random() < 0.7}

    # -- conditions ---------------------------------------------------------------------------
    def resource_path(self) -> str:
        r = self.rng.random()
        if r < 0.9:
            return "resource." + self.rng.choice(list(COLUMNS))
        if r < 0.95:
            return "resource.owner.sub"  # below a scalar column: never there
        return "resource"

    def known_path(self) -> str:
        """A path whose value is known when planning."""
        r = self.rng
        return r.choice([
            "principal.id", "principal.tenant", "principal.roles", "action",
            "principal.claims." + r.choice(self.CLAIMS), "principal.claims." + r.choice(self.CLAIMS),
            "context." + r.choice(self.CONTEXT), "context." + r.choice(self.CONTEXT),
            "principal.claims.a.sub", "context.missing",
        ])

    def literal_value(self) -> Any:
        r = self.rng.random()
        if r < 0.45:
            return self.text()
        if r < 0.8:
            return self.integer()
        if r < 0.9:
            return self.rng.random() < 0.5
        if r < 0.95:
            return None
        return [self.scalar_literal() for _ in range(self.rng.randint(0, 2))]

    def scalar_literal(self) -> Any:
        return self.rng.choice([self.text(), self.integer(), True, None])

    def operand(self, depth: int) -> str:
        r = self.rng.random()
        if r < 0.5:
            return self.resource_path()
        if r < 0.7:
            return literal(self.literal_value())
        if r < 0.93 or depth <= 0:
            return self.known_path()
        return "(" + self.atom(depth - 1) + ")"

    def list_operand(self) -> str:
        r = self.rng.random()
        if r < 0.55:
            items = []
            for _ in range(self.rng.randint(0, 4)):
                r = self.rng.random()
                if r < 0.3:
                    items.append(self.known_path())
                elif r < 0.45:
                    items.append(self.resource_path())
                else:
                    items.append(literal(self.scalar_literal()))
            return "[" + ", ".join(items) + "]"
        if r < 0.9:
            return self.known_path()
        return self.resource_path()

    def atom(self, depth: int = 1) -> str:
        r = self.rng.random()
        op = self.rng.choice(["==", "!=", "<", "<=", ">", ">="])
        if r < 0.4:
            left, right = self.operand(depth), self.operand(depth)
            if not left.startswith("resource") and not right.startswith("resource"):
                left = self.resource_path()
            if self.rng.random() < 0.5:
                left, right = right, left
            return f"{left} {op} {right}"
        if r < 0.55:
            return f"{self.resource_path()} {op} {self.resource_path()}"
        if r < 0.72:
            left = self.resource_path() if self.rng.random() < 0.7 else self.operand(depth)
            return f"{left} in {self.list_operand()}"
        if r < 0.82:
            return self.rng.choice([
                f"resource has {self.rng.choice(list(COLUMNS))}",
                f"resource has '{self.rng.choice(list(COLUMNS))}'",
                "resource has missing",
                "resource.owner has sub",
                f"principal.claims has {self.rng.choice(self.CLAIMS)}",
                f"context has {self.rng.choice(self.CONTEXT)}",
            ])
        return self.rng.choice([
            "resource.flag", "resource.live", "resource.n", "resource.owner", "true", "false",
            f"principal.claims.{self.rng.choice(self.CLAIMS)}", f"context.{self.rng.choice(self.CONTEXT)}",
        ])

    def condition(self, depth: int) -> str:
        r = self.rng.random()
        if depth <= 0 or r < 0.4:
            return self.atom()
        if r < 0.65:
            return f"({self.condition(depth - 1)} && {self.condition(depth - 1)})"
        if r < 0.9:
            return f"({self.condition(depth - 1)} || {self.condition(depth - 1)})"
        return f"!({self.condition(depth - 1)})"

    def rules(self) -> List[Dict[str, Any]]:
        rules = []
        for i in range(self.rng.choices([1, 2, 3], [5, 4, 2])[0]):
            rule: Dict[str, Any] = {
                "id": f"r{i}",
                "effect": "forbid" if self.rng.random() < 0.3 else "permit",
                "resource": self.rng.choices([RESOURCE_TYPE, "*", "other"], [16, 3, 1])[0],
                "actions": self.rng.choices([["read"], "*", ["read", "write"], ["write"]], [10, 4, 3, 1])[0],
            }
            if self.rng.random() < 0.92:
                rule["when"] = self.condition(self.rng.randint(0, 3))
            rules.append(rule)
        return rules


def policy(rules: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {"token": {"algorithms": ["HS256"]}, "keys": {"secret": "0123456789abcdef0123456789abcdef"}, "rules": rules}


@dataclass
class Case:
    rules: List[Dict[str, Any]]
    principal: Principal
    context: Dict[str, Any]
    action: str = "read"


@dataclass
class Database:
    """A table holding one batch of rows, on one connection."""

    name: str  # "sqlite" or "postgres"
    connection: Connection
    table: Table
    raw: Callable[[str, List[Any]], List[Any]]  # runs the core's SQL text, gives the ids
    statements: List[str] = field(default_factory=list)  # what the driver was sent, when recorded

    def store(self, rows: List[Dict[str, Any]]) -> None:
        self.connection.execute(self.table.delete())
        full = [{c: row.get(c) for c in ["id", *COLUMNS]} for row in rows]
        self.connection.execute(self.table.insert(), full)

    def select(self, clause: Any, only: Optional[str] = None) -> Set[str]:
        query = select(self.table.c.id).where(clause)
        if only is not None:
            query = query.where(self.table.c.id == only)
        return set(self.connection.execute(query).scalars())

    def compiled(self, clause: Any) -> Tuple[str, Dict[str, Any]]:
        compiled = select(self.table.c.id).where(clause).compile(dialect=self.connection.dialect)
        return str(compiled), dict(compiled.params)


def resource(row: Dict[str, Any]) -> Dict[str, Any]:
    return {**row, "type": RESOURCE_TYPE}


@dataclass
class Outcome:
    """What one case selected, by each route; ``error`` when the filter could not be made."""

    allowed: Set[str]
    matched: Set[str] = field(default_factory=set)
    orm: Set[str] = field(default_factory=set)
    raw: Set[str] = field(default_factory=set)
    error: Optional[FilterError] = None

    def disagreeing(self) -> Set[str]:
        if self.error is not None:
            return set()
        return (self.allowed ^ self.matched) | (self.allowed ^ self.orm) | (self.allowed ^ self.raw)


def run(case: Case, rows: Sequence[Dict[str, Any]], db: Database, only: Optional[str] = None) -> Outcome:
    """Runs one case over the rows stored in ``db`` (or the one row ``only``)."""
    engine = Engine(policy(case.rules))
    rows = [row for row in rows if only is None or row["id"] == only]
    allowed = {
        row["id"] for row in rows if engine.authorize(case.principal, case.action, resource(row), case.context).allowed
    }
    try:
        planned = engine.filter(case.principal, case.action, RESOURCE_TYPE, case.context)
        clause = where(planned, db.table)
        sql, params = planned.sql(db.name, COLUMNS)
    except FilterError as e:
        return Outcome(allowed, error=e)
    outcome = Outcome(allowed, matched={row["id"] for row in rows if planned.matches(row)})
    outcome.orm = db.select(clause, only)
    ids = set(db.raw(sql, params))
    outcome.raw = ids if only is None else ids & {only}
    return outcome


def check(case: Case) -> None:
    """The case's policy loads (the grammar writes only valid conditions)."""
    try:
        Engine(policy(case.rules))
    except ConfigError as e:  # pragma: no cover - a bug of the generator
        raise AssertionError(f"the generator wrote a condition that does not load: {e}\n{case.rules}") from None


def reproduction(seed: int, case: Case, rows: Sequence[Dict[str, Any]], db: Database, row_id: str) -> str:
    """The smallest reproduction found: one row, and only the rules the disagreement needs."""
    row = next(r for r in rows if r["id"] == row_id)
    rules = list(case.rules)
    shrunk = True
    while shrunk and len(rules) > 1:
        shrunk = False
        for i in range(len(rules)):
            smaller = Case(rules[:i] + rules[i + 1:], case.principal, case.context, case.action)
            if run(smaller, rows, db, row_id).disagreeing():
                rules, shrunk = smaller.rules, True
                break
    case = Case(rules, case.principal, case.context, case.action)
    engine = Engine(policy(rules))
    decision = engine.authorize(case.principal, case.action, resource(row), case.context)
    planned = engine.filter(case.principal, case.action, RESOURCE_TYPE, case.context)
    outcome = run(case, rows, db, row_id)
    text, params = db.compiled(where(planned, db.table))
    raw_sql, raw_params = planned.sql(db.name, COLUMNS)

    def show(value: Any) -> str:
        return json.dumps(value, ensure_ascii=True, default=repr)

    return "\n".join([
        f"seed {seed} (set WARDGATE_PROPERTY_SEED={seed} to run it again), database {db.name}",
        f"rules:     {show(rules)}",
        f"principal: {show(case.principal.to_dict())}",
        f"context:   {show(case.context)}",
        f"action:    {case.action}",
        f"row:       {show(row)}",
        f"authorize: allowed={decision.allowed} rules={list(decision.rules)} errors={list(decision.errors)}",
        f"matches:   {row_id in outcome.matched}; SQLAlchemy selects it: {row_id in outcome.orm}; "
        f"the core's SQL selects it: {row_id in outcome.raw}",
        f"filter:    {show(planned.to_dict())}",
        f"SQLAlchemy SQL: {text}",
        f"           params {show(params)}",
        f"core SQL:  {raw_sql}",
        f"           params {show(raw_params)}",
    ])
