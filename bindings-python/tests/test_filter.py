"""List filters: ``Engine.filter`` and ``Filter`` (kind, matches, JSON form, SQL, clause) and
their errors."""

from __future__ import annotations

import pickle
import sqlite3
import threading
import types

import pytest

import wardgate
from wardgate import Engine, Filter, FilterError, Principal

from conftest import NOW

SECRET = "0123456789abcdef0123456789abcdef"
COLUMNS = {"id": "text", "owner_id": "text", "priority": "integer", "score": "real", "done": "boolean"}


def engine_of(*rules):
    return Engine({"token": {"algorithms": ["HS256"]}, "keys": {"secret": SECRET}, "rules": list(rules)})


OWN = {"id": "own", "effect": "permit", "resource": "todo", "actions": ["read"],
       "when": "resource.owner_id == principal.id"}
ADMIN = {"id": "admin", "effect": "permit", "resource": "*", "actions": "*", "when": "'admin' in principal.roles"}
BANNED = {"id": "banned", "effect": "forbid", "resource": "*", "actions": "*",
          "when": "principal.claims has banned && principal.claims.banned == true"}
DONE = {"id": "done", "effect": "forbid", "resource": "todo", "actions": "*", "when": "resource.done == true"}

ADA = Principal("ada", ["user"], None, {"sub": "ada"})


@pytest.fixture(scope="module")
def engine():
    return engine_of(OWN, ADMIN, BANNED, DONE)


# Planning --------------------------------------------------------------------------------

def test_kinds(engine):
    assert engine.filter(ADA, "read", "todo").kind == "conditional"
    assert engine.filter(Principal("root", ["admin"]), "read", "report").kind == "always"
    troll = Principal("troll", ["admin"], None, {"banned": True})
    assert engine.filter(troll, "read", "todo").kind == "never"
    assert engine.filter(ADA, "write", "report").kind == "never"  # no rule targets it


def test_a_verified_principal_plans(signer, policy):
    from conftest import claims as make_claims

    engine = Engine(policy)
    principal = engine.verify(signer.sign(make_claims()), now=NOW)
    planned = engine.filter(principal, "read", "todo")
    assert planned.to_dict()["permits"] == [{"rule": "own", "when": {"eq": "owner_id", "value": "user_1"}}]
    assert planned.action == "read" and planned.resource_type == "todo"


def test_context_is_folded(engine):
    rule = {"id": "office", "effect": "permit", "resource": "todo", "actions": "*",
            "when": "context.network == 'office' && resource.priority > 1"}
    e = engine_of(rule)
    assert e.filter(ADA, "read", "todo", {"network": "home"}).kind == "never"
    assert e.filter(ADA, "read", "todo", None).kind == "never"
    office = e.filter(ADA, "read", "todo", types.MappingProxyType({"network": "office"}))
    assert office.kind == "conditional"
    assert office.attributes == ("priority",)


def test_attributes_are_the_columns_needed(engine):
    assert engine.filter(ADA, "read", "todo").attributes == ("done", "owner_id")
    assert engine.filter(Principal("root", ["admin"]), "read", "report").attributes == ()


def test_bad_arguments_are_type_errors(engine):
    with pytest.raises(TypeError, match="principal must be a wardgate.Principal, not dict"):
        engine.filter({"id": "ada"}, "read", "todo")
    with pytest.raises(TypeError, match="action must be a str"):
        engine.filter(ADA, 1, "todo")
    with pytest.raises(TypeError, match="context must be a mapping"):
        engine.filter(ADA, "read", "todo", ["x"])
    with pytest.raises(TypeError, match=r"context\.when: set is not JSON"):
        engine.filter(ADA, "read", "todo", {"when": {1}})


def test_a_list_holding_resource_attributes_is_refused_with_the_rule(engine):
    e = engine_of({"id": "same", "effect": "permit", "resource": "todo", "actions": "*",
                   "when": "resource.tags == [resource.owner_id]"})
    with pytest.raises(FilterError) as err:
        e.filter(ADA, "read", "todo")
    assert err.value.code == "FILTER_UNSUPPORTED"
    assert '"same"' in err.value.detail and "'=='" in err.value.detail


# The filter --------------------------------------------------------------------------------

ROWS = [
    {"id": "t1", "owner_id": "ada", "priority": 3},
    {"id": "t2", "owner_id": "ada", "done": True},
    {"id": "t3", "owner_id": "ada", "done": False},
    {"id": "t4", "owner_id": "bob", "done": False},
    {"id": "t5", "done": False},
]


def test_matches_is_authorize(engine):
    planned = engine.filter(ADA, "read", "todo")
    for row in ROWS:
        allowed = engine.authorize(ADA, "read", {**row, "type": "todo"}).allowed
        assert planned.matches(row) is allowed, row
        assert planned.matches({**row, "type": "something else"}) is allowed  # "type" is ignored
    assert [r["id"] for r in ROWS if planned.matches(r)] == ["t3"]  # t1: no done, so the forbid applies


def test_matches_takes_any_mapping_of_json(engine):
    planned = engine.filter(ADA, "read", "todo")
    assert planned.matches(types.MappingProxyType({"owner_id": "ada", "done": False}))
    with pytest.raises(TypeError, match="resource must be a mapping"):
        planned.matches([("owner_id", "ada")])
    with pytest.raises(TypeError, match=r"resource\.owner_id: bytes is not JSON"):
        planned.matches({"owner_id": b"ada"})


def test_json_form_round_trips(engine):
    planned = engine.filter(ADA, "read", "todo")
    form = planned.to_dict()
    assert form == {
        "kind": "conditional", "action": "read", "resource_type": "todo",
        "permits": [{"rule": "own", "when": {"eq": "owner_id", "value": "ada"}}],
        "forbids": [{"rule": "done", "when": {"or": [{"not": {"exists": "done"}}, {"eq": "done", "value": True}]}}],
    }
    again = Filter.from_dict(form)
    assert again == planned
    assert again.matches({"owner_id": "ada", "done": False})
    assert Filter.from_dict(types.MappingProxyType(form)) == planned
    assert planned.to_dict() is not planned.to_dict()
    assert repr(planned) == 'Filter(kind="conditional", action="read", resource_type="todo")'


@pytest.mark.parametrize("form, message", [
    ({"kind": "always"}, "must be"),
    ({"kind": "always", "action": "read", "resource_type": "todo", "permits": [], "forbids": []}, "kind is"),
    ({"kind": "conditional", "action": "read", "resource_type": "todo", "permits": [{"rule": "r", "when": {"eq": ["a", 7], "value": 1}}],
      "forbids": []}, "must list attribute names"),
    ({"kind": "never", "action": "read", "resource_type": "todo", "permits": [], "forbids": [], "extra": 1}, "unknown member"),
])
def test_a_form_that_does_not_read_is_filter_invalid(form, message):
    with pytest.raises(FilterError, match=message) as err:
        Filter.from_dict(form)
    assert err.value.code == "FILTER_INVALID"
    with pytest.raises(TypeError):
        Filter.from_dict("{}")


def test_sql_for_sqlite_runs_on_sqlite(engine):
    planned = engine.filter(ADA, "read", "todo")
    sql, params = planned.sql("sqlite", COLUMNS)
    assert sql == '"owner_id" = ? AND "done" <> ?'
    assert params == ["ada", 1]  # booleans as 0/1 for SQLite
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE todos (id TEXT, owner_id TEXT, priority INTEGER, score REAL, done INTEGER)")
    for row in ROWS:
        db.execute("INSERT INTO todos VALUES (?, ?, ?, ?, ?)",
                   [row.get(c) for c in ("id", "owner_id", "priority", "score", "done")])
    assert [r[0] for r in db.execute(f"SELECT id FROM todos WHERE {sql}", params)] == ["t3"]


def test_sql_for_postgres_casts_its_parameters(engine):
    rule = {"id": "big", "effect": "permit", "resource": "todo", "actions": "*",
            "when": "resource.priority > 9007199254740993 && resource.done == false && resource.score < 1"}
    sql, params = engine_of(rule).filter(ADA, "read", "todo").sql("postgres", COLUMNS)
    assert sql == '"priority" > $1::bigint AND "done" = $2::boolean AND "score" < $3::double precision'
    assert params == [9007199254740993, False, 1.0]
    assert type(params[0]) is int  # exact, not the decimal text of the JSON form
    assert engine_of(rule).filter(ADA, "read", "todo").sql("postgresql", COLUMNS)[0] == sql


def test_sql_of_always_and_never():
    root = engine_of(ADMIN).filter(Principal("root", ["admin"]), "read", "todo")
    assert root.sql("sqlite", {}) == ("TRUE", [])
    assert engine_of(ADMIN).filter(ADA, "read", "todo").sql("postgres", {}) == ("FALSE", [])


def test_sql_columns_in_other_tables(engine):
    planned = engine.filter(ADA, "read", "todo")
    columns = {"owner_id": {"type": "text", "column": "user_id", "table": "p"}, "done": "boolean"}
    assert planned.sql("postgres", columns) == ('"p"."user_id" = $1::text AND "done" <> $2::boolean', ["ada", True])


def test_clause_is_the_core_clause(engine):
    planned = engine.filter(ADA, "read", "todo")
    assert planned.clause("sqlite", COLUMNS) == {"and": [
        {"compare": "=", "attr": "owner_id", "value": "ada", "type": "text"},
        {"compare": "<>", "attr": "done", "value": True, "type": "boolean"},
    ]}
    big = engine_of({"id": "big", "effect": "permit", "resource": "todo", "actions": "*",
                     "when": "resource.priority in [9007199254740993, 1]"}).filter(ADA, "read", "todo")
    assert big.clause("sqlite", COLUMNS) == {"in": "priority", "values": ["9007199254740993", 1], "type": "integer"}
    root = engine_of(ADMIN).filter(Principal("root", ["admin"]), "read", "todo")
    assert root.clause("postgres", {}) is True


def test_the_nul_fold_is_the_dialects(engine):
    rule = {"id": "nul", "effect": "permit", "resource": "todo", "actions": "*",
            "when": "resource.owner_id == principal.id"}
    planned = engine_of(rule).filter(Principal("a\0b"), "read", "todo")
    assert planned.clause("sqlite", COLUMNS) == {"compare": "=", "attr": "owner_id", "value": "a\0b", "type": "text"}
    assert planned.clause("postgres", COLUMNS) is False  # PostgreSQL text cannot hold NUL


@pytest.mark.parametrize("dialect, columns, code, message", [
    ("mysql", COLUMNS, "FILTER_COLUMNS", '"mysql" is not a dialect'),
    ("sqlite", {**COLUMNS, "done": "bool"}, "FILTER_COLUMNS", '"done" must have the type'),
    ("sqlite", {**COLUMNS, "done": {"type": "boolean", "colum": "d"}}, "FILTER_COLUMNS", "unknown member"),
])
def test_sql_and_clause_errors(engine, dialect, columns, code, message):
    planned = engine.filter(ADA, "read", "todo")
    for call in (planned.sql, planned.clause):
        with pytest.raises(FilterError, match=message) as err:
            call(dialect, columns)
        assert err.value.code == code


def test_sql_argument_types(engine):
    planned = engine.filter(ADA, "read", "todo")
    with pytest.raises(TypeError, match="dialect must be a str"):
        planned.sql(None, COLUMNS)
    with pytest.raises(TypeError, match="columns must be a mapping"):
        planned.clause("sqlite", ["owner_id"])


def test_an_untranslatable_test_names_the_rule():
    rule = {"id": "whole", "effect": "permit", "resource": "todo", "actions": "*",
            "when": "resource == principal.claims.doc"}
    planned = engine_of(rule).filter(Principal("a", [], None, {"doc": {"a": 1}}), "read", "todo")
    with pytest.raises(FilterError) as err:
        planned.sql("sqlite", COLUMNS)
    assert err.value.code == "FILTER_UNTRANSLATABLE"
    assert '"whole"' in err.value.detail and "'=='" in err.value.detail


def test_errors_name_no_value():
    rule = {"id": "secret-rule", "effect": "permit", "resource": "todo", "actions": "*",
            "when": "resource == principal.claims.key"}
    planned = engine_of(rule).filter(Principal("a", [], None, {"key": {"k": "sk_live_hunter2"}}), "read", "todo")
    with pytest.raises(FilterError) as err:
        planned.sql("sqlite", {"owner_id": "text"})
    assert err.value.code == "FILTER_UNTRANSLATABLE"
    assert "hunter2" not in str(err.value) and "hunter2" not in repr(err.value)
    assert '"secret-rule"' in err.value.detail


def test_an_attribute_without_a_column_is_absent(engine):
    # The forbid on resource.done fails on every row of a table without that column.
    assert engine.filter(ADA, "read", "todo").sql("sqlite", {"owner_id": "text"}) == ("FALSE", [])
    own = engine_of(OWN).filter(ADA, "read", "todo")
    assert own.sql("sqlite", {"id": "text"}) == ("FALSE", [])
    assert own.matches({"id": "t1"}) is False


def test_filter_error_class():
    assert wardgate.FilterError is wardgate.errors.FilterError
    assert issubclass(FilterError, ValueError)
    error = FilterError("columns: nope", "FILTER_COLUMNS")
    assert str(error) == "FILTER_COLUMNS: columns: nope"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.detail) == ("FILTER_COLUMNS", "columns: nope")


def test_plans_in_parallel_threads(engine):
    seen = []

    def plan() -> None:
        for i in range(200):
            p = Principal(f"user{i}")
            seen.append(engine.filter(p, "read", "todo").matches({"owner_id": f"user{i}", "done": False}))

    threads = [threading.Thread(target=plan) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 800 and all(seen)
