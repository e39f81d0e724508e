#!/usr/bin/env python3
"""Rebuild the filter vector files in tests/conformance/filters/.

    .venv/bin/python tests/conformance/generate_filters.py

Filter vectors (FORMAT.md, "Filter vectors (list endpoints)") hold a `filter` member
(action, resource type, optional context, the table's columns and rows) where other
vectors hold a `request`, and expect the ids of the rows that `authorize` allows.

Keys, token signing and the reference model all come from generate.py (imported, not
copied), so the tokens are signed with the test keys of tests/keys/ and every expected
row is the model's decision on that row's resource (its members plus `"type"`):

- the rows of every vector are decided by the model, one request per row, and the
  ids it allows become `expect.filter.rows`;
- every vector also states the rows it was written to select (a list of ids, or for
  the generated families a small predicate), and the script stops, writing nothing,
  when the model disagrees, so that a model bug cannot slip into the expectations;
- `kind` is written only when it is certain: `conditional` when the model allows some
  rows of the vector and refuses others; `always` or `never` when the rules decide
  without reading the resource at all (some permit holds and no forbid can, or a
  forbid holds, or an error makes it hold, or no permit can); otherwise it is left out;
- before anything is written, the contract's own samples
  (../shared/conformance/filters/filters.json, when present) must come out exactly as
  they are written there.

The rows keep to what every runtime reads alike: integers within +-(2^53 - 1) (a
JavaScript runner parses the file with JSON.parse), reals written as fractions, and
no `null` (a column absent from a row is SQL NULL). Conditions never hold a backslash:
the reference model reads string literals without escapes, so backslashes are only
ever compared through claims, context values and rows.
"""

import copy
import json
import operator
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate as G  # noqa: E402  (keys, signing, the reference model)

OUT = HERE / "filters"
SHARED = HERE.parents[1].parent / "shared" / "conformance" / "filters" / "filters.json"

NOW = G.NOW
PRN = {"id": "sub", "roles": "role", "tenant": "org"}
MAX_SAFE = 2**53 - 1
COLUMN_TYPES = {
    "text": lambda v: isinstance(v, str),
    "integer": lambda v: G.is_int(v) and -MAX_SAFE <= v <= MAX_SAFE,
    "real": lambda v: isinstance(v, float),
    "boolean": lambda v: isinstance(v, bool),
}
CMP = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
       ">=": operator.ge}
OP_NAME = {"==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
AUTO = object()


def slug(v):
    return ("neg" + str(-v)) if isinstance(v, int) and v < 0 else str(v)


def ids(prefix, text):
    """ids("r", "01 02") == ["r01", "r02"]"""
    return [prefix + x for x in text.split()]


# ---------------------------------------------------------------------------
# kind: what the rules decide without reading the resource
# ---------------------------------------------------------------------------

class Unknown(Exception):
    """The value depends on the row."""


class OpaqueResource(dict):
    """A resource whose every member is unknown: reading any raises Unknown."""

    def _unknown(self, *args, **kwargs):
        raise Unknown()

    __contains__ = __getitem__ = __iter__ = __len__ = get = keys = values = items = _unknown


def static_kind(P, principal, action, rtype, context):
    """'always', 'never' or None (it depends on the row, or cannot be told here).

    Each rule that targets the type and action is evaluated by the model with a
    resource that cannot be read; a rule whose outcome is reached without reading it
    holds (or not) for every row alike."""
    env = {"principal": principal, "resource": OpaqueResource(), "context": context, "action": action}
    permits, forbids = [], []
    for r, ast in P["rules"]:
        if r["resource"] != "*" and r["resource"] != rtype:
            continue
        if r["actions"] != "*" and action not in r["actions"]:
            continue
        forbid = r["effect"] == "forbid"
        if ast is None:
            state = "yes"
        else:
            try:
                value = G.evaluate(ast, env)
                state = "yes" if value is True else "no" if value is False else "error"
            except Unknown:
                state = "maybe"
            except G.EvalError:
                state = "error"
            if state == "error":  # fail closed: a forbid applies, a permit does not
                state = "yes" if forbid else "no"
        (forbids if forbid else permits).append(state)
    if "yes" in forbids or all(p == "no" for p in permits):
        return "never"
    if "yes" in permits and all(f == "no" for f in forbids):
        return "always"
    return None


# ---------------------------------------------------------------------------
# The model's answer for a filter vector
# ---------------------------------------------------------------------------

class Problem(Exception):
    pass


def check_table(columns, rows):
    if columns.get("id") != "text":
        raise Problem("the table has no text column id")
    if "type" in columns:
        raise Problem("a column named type would clash with the resource type")
    for name, t in columns.items():
        if t not in COLUMN_TYPES:
            raise Problem(f"column {name}: unknown type {t}")
    seen = set()
    for row in rows:
        if not isinstance(row.get("id"), str) or row["id"] in seen:
            raise Problem(f"row {row}: missing or repeated id")
        seen.add(row["id"])
        for name, value in row.items():
            if name not in columns:
                raise Problem(f"row {row['id']}: no column {name}")
            if not COLUMN_TYPES[columns[name]](value):
                raise Problem(f"row {row['id']}: {name} = {value!r} is not a {columns[name]} every runtime reads alike")


def model_filter(v):
    """The expectation the reference model gives a filter vector, and its static kind."""
    try:
        P = G.model_policy(v["policy"])
    except G.ConfigError as e:
        raise Problem(f"the model refuses the policy ({e.args[0]})")
    for r, _ in P["rules"]:
        if "\\" in r.get("when", ""):
            raise Problem("a condition with a backslash (the model reads no escapes)")
    try:
        principal = G.model_verify(P, v)
    except G.Fail as e:
        code, status = G.code_of(e.args[0])
        return {"ok": False, "code": code, "status": status, "reason": e.args[0]}, None, None
    f = v["filter"]
    check_table(f["columns"], f["rows"])
    context = f.get("context", {})
    allowed = []
    for row in f["rows"]:
        request = {"action": f["action"], "resource": {**row, "type": f["resource_type"]},
                   "context": copy.deepcopy(context)}
        try:
            ok, _, _ = G.model_decide(P, principal, request)
        except G.Ambiguous as e:
            raise Problem(f"row {row['id']} depends on a case the contract leaves open: {e}")
        if ok:
            allowed.append(row["id"])
    try:
        static = static_kind(P, principal, f["action"], f["resource_type"], context)
    except G.Ambiguous as e:
        raise Problem(f"depends on a case the contract leaves open: {e}")
    if static == "always" and len(allowed) != len(f["rows"]):
        raise Problem(f"the rules allow every row without reading it, yet the model allows only {allowed}")
    if static == "never" and allowed:
        raise Problem(f"the rules refuse every row without reading it, yet the model allows {allowed}")
    mixed = 0 < len(allowed) < len(f["rows"])
    kind = "conditional" if mixed else static
    got = {"ok": True, "filter": {"rows": allowed}}
    if kind is not None:
        got["filter"]["kind"] = kind
    return got, allowed, kind


# ---------------------------------------------------------------------------
# Building vectors
# ---------------------------------------------------------------------------

class Suite:
    """One output file: a table (columns and rows) and the vectors over it."""

    def __init__(self, filename, name, columns, rows, rtype="todo"):
        self.filename, self.name = filename, name
        self.columns, self.rows, self.rtype = columns, rows, rtype
        self.vectors = []
        self.problems = []

    def add(self, vid, desc, rules, want=None, *, payload=None, action="read", rtype=None, context=None,
            columns=None, rows=None, kind=AUTO, token=None, auth=None, no_credential=False, now=NOW,
            principal=PRN, policy=None, expect=None):
        """A vector. `want`: the ids it was written to select, or a predicate on a row;
        `expect`: the token failure it was written for instead. `kind`: AUTO writes the
        certain kind, if any; a value asserts that this is the certain kind."""
        p = policy if policy is not None else G.pol(["EdDSA"], G.K_ED, principal=principal, rules=rules)
        v = {"id": vid, "description": desc, "policy": p, "now": now}
        if not no_credential:
            if auth is not None:
                v["authorization"] = auth
            else:
                v["token"] = token if token is not None else G.tok(G.claims() if payload is None else payload)
        f = {"action": action, "resource_type": rtype or self.rtype}
        if context is not None:
            f["context"] = context
        f["columns"] = copy.deepcopy(columns or self.columns)
        f["rows"] = copy.deepcopy(rows or self.rows)
        v["filter"] = f
        try:
            got, allowed, got_kind = model_filter(v)
            if expect is not None:
                if got != expect:
                    raise Problem(f"written for {expect}, the model says {got}")
            else:
                if not got["ok"]:
                    raise Problem(f"the model refuses the token: {got}")
                if want is None:
                    raise Problem("no intended rows")
                if callable(want):
                    intended = [r["id"] for r in f["rows"] if want(r)]
                else:
                    intended = list(want)
                    unknown = set(intended) - {r["id"] for r in f["rows"]}
                    if unknown:
                        raise Problem(f"intended ids {sorted(unknown)} are not rows")
                if sorted(intended) != sorted(allowed):
                    raise Problem(f"written to select {sorted(intended)}, the model selects {sorted(allowed)}")
                if kind is not AUTO and kind != got_kind:
                    raise Problem(f"written with kind {kind}, the model's certain kind is {got_kind}")
            v["expect"] = got
        except Problem as e:
            self.problems.append(f"{self.filename} {vid}: {e.args[0]}")
            v["expect"] = None
        self.vectors.append(v)
        return v

    def text(self):
        return render({"suite": self.name, "vectors": self.vectors}) + "\n"


def render(value, depth=0):
    """JSON as generate.py writes it (indent 1, ASCII), except that a list of scalars, and
    an object whose members are scalars or such lists (a row, the columns, a rule, a JWK,
    an expectation), take one line: a table reads as a table."""
    def scalar(v):
        return not isinstance(v, (dict, list))

    def flat(v):
        return scalar(v) or (isinstance(v, list) and all(scalar(x) for x in v))

    if scalar(value) or (isinstance(value, list) and flat(value)) or (
            isinstance(value, dict) and all(flat(x) for x in value.values())):
        return json.dumps(value, ensure_ascii=True)
    pad, inner = " " * depth, " " * (depth + 1)
    if isinstance(value, list):
        items = [inner + render(x, depth + 1) for x in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    items = [inner + json.dumps(k, ensure_ascii=True) + ": " + render(x, depth + 1) for k, x in value.items()]
    return "{\n" + ",\n".join(items) + "\n" + pad + "}"


def rule(rid, effect="permit", resource="todo", actions=("read",), when=None):
    return G.rule(rid, effect, resource, actions if actions == "*" else list(actions), when)


def P(when, rid="p"):
    """One permit for todo/read with this condition."""
    return [rule(rid, when=when)]


def F(when, rid="f"):
    """A permit for every todo read, and one forbid with this condition."""
    return [rule("all"), rule(rid, "forbid", when=when)]


def claims(**kw):
    return G.claims(**kw)


# ---------------------------------------------------------------------------
# The main table (operators, errors, forbid, types)
# ---------------------------------------------------------------------------

TODO_COLUMNS = {"id": "text", "owner_id": "text", "tenant": "text", "status": "text", "priority": "integer",
                "score": "real", "done": "boolean", "locked": "boolean", "code": "text", "tags": "text"}
TODO_ROWS = [
    {"id": "r01", "owner_id": "user_1", "tenant": "acme", "status": "open", "priority": 3, "score": 3.0,
     "done": False, "locked": False, "code": "3", "tags": "a,b"},
    {"id": "r02", "owner_id": "user_1", "tenant": "acme", "status": "archived", "priority": 1, "score": 0.5,
     "done": True, "code": "1", "tags": "a"},
    {"id": "r03", "owner_id": "user_2", "tenant": "acme", "status": "open", "priority": 0, "score": 0.0,
     "done": False, "locked": True, "code": "0"},
    {"id": "r04", "owner_id": "user_2", "tenant": "globex", "status": "review", "priority": -1, "score": -1.5,
     "done": True, "locked": False, "code": "-1", "tags": ""},
    {"id": "r05", "owner_id": "user_1", "status": "draft", "done": False},
    {"id": "r06", "owner_id": "", "tenant": "", "status": "", "priority": 2147483647, "score": 1e300,
     "done": True, "locked": True, "code": ""},
    {"id": "r07", "tenant": "acme", "status": "open", "priority": 2, "score": 2.0, "code": "2"},
    {"id": "r08", "owner_id": "USER_1", "tenant": "ACME", "status": "Open", "priority": 9007199254740991,
     "score": 2.5, "done": False, "code": "true"},
    {"id": "r09", "owner_id": "user_3", "tenant": "acme", "status": "review", "priority": -9007199254740991,
     "score": -0.5, "done": True, "locked": False, "code": "null"},
    {"id": "r10"},
    {"id": "r11", "owner_id": "1", "tenant": "globex", "status": "open", "priority": 1, "score": 1.0,
     "done": True, "code": "01"},
    {"id": "r12", "owner_id": "user_1", "tenant": "globex", "status": "review", "priority": 10, "score": 9.75,
     "done": True, "locked": True, "code": "10"},
]
ALL_R = [r["id"] for r in TODO_ROWS]


def R(text):
    return ids("r", text)


def has(*cols):
    return lambda r: all(c in r for c in cols)


INT_LITERALS = [0, 3, -1, 2147483647, 9007199254740993, -9223372036854775808]


def comparisons_suite():
    s = Suite("comparisons.json", "filters-comparisons", TODO_COLUMNS, TODO_ROWS)
    # every comparison against integer literals, on an integer column
    for op in CMP:
        for lit in INT_LITERALS:
            s.add(f"cmp-priority-{OP_NAME[op]}-{slug(lit)}", f"integer column {op} {lit}",
                  P(f"resource.priority {op} {lit}"),
                  lambda r, op=op, lit=lit: "priority" in r and CMP[op](r["priority"], lit))
    # on a real column: numbers compare by value (2.0 == 2, 0.0 == 0)
    for op in CMP:
        for lit in (0, 2):
            s.add(f"cmp-score-{OP_NAME[op]}-{slug(lit)}", f"real column {op} integer {lit}",
                  P(f"resource.score {op} {lit}"),
                  lambda r, op=op, lit=lit: "score" in r and CMP[op](r["score"], lit))
    # the literal on the left
    for op in CMP:
        s.add(f"cmp-literal-left-{OP_NAME[op]}", f"3 {op} integer column",
              P(f"3 {op} resource.priority"), lambda r, op=op: "priority" in r and CMP[op](3, r["priority"]))
    # text equality
    for op in ("==", "!="):
        for name, lit in (("open", "'open'"), ("Open", '"Open"'), ("empty", "''"), ("user_1", "'user_1'")):
            text = lit[1:-1]
            s.add(f"text-{OP_NAME[op]}-{name}", f"text column {op} {lit}", P(f"resource.status {op} {lit}"),
                  lambda r, op=op, text=text: "status" in r and CMP[op](r["status"], text))
    # ordering on text, on text against a number, on a number against text: errors
    for op in ("<", "<=", ">", ">="):
        s.add(f"text-order-{OP_NAME[op]}", f"text column {op} a string is an error on every row",
              P(f"resource.status {op} 'm'"), [])
    s.add("order-integer-vs-string", "integer column > 'a' is an error", P("resource.priority > 'a'"), [])
    s.add("order-text-vs-integer", "text column < 5 is an error, even where the text is digits",
          P("resource.code < 5"), [])
    s.add("order-boolean", "boolean column > false is an error", P("resource.done > false"), [])
    # two columns of one row
    for op in CMP:
        s.add(f"columns-integer-real-{OP_NAME[op]}", f"integer column {op} real column",
              P(f"resource.priority {op} resource.score"),
              lambda r, op=op: has("priority", "score")(r) and CMP[op](r["priority"], r["score"]))
    s.add("columns-text-eq", "text column == text column (both empty in r06)",
          P("resource.owner_id == resource.status"), R("06"))
    s.add("columns-text-ne", "text column != text column", P("resource.owner_id != resource.status"),
          lambda r: has("owner_id", "status")(r) and r["owner_id"] != r["status"])
    s.add("columns-integer-text-eq", "integer column == text column is false, '3' is not 3",
          P("resource.priority == resource.code"), [])
    s.add("columns-integer-text-ne", "integer column != text column is true where both exist",
          P("resource.priority != resource.code"), has("priority", "code"))
    s.add("columns-integer-text-lt", "integer column < text column is an error",
          P("resource.priority < resource.code"), [])
    s.add("columns-boolean-eq", "boolean column == boolean column", P("resource.done == resource.locked"),
          R("01 06 12"))
    s.add("columns-integer-boolean-ne", "integer column != boolean column is true where both exist",
          P("resource.priority != resource.done"), has("priority", "done"))
    s.add("columns-id", "the id column is an attribute like the others",
          P("resource.id == 'r01' || resource.id == 'r10'"),
          R("01 10"), kind="conditional")
    s.add("negative-literal-left", "-1 == integer column", P("-1 == resource.priority"), R("04"))
    s.add("largest-safe-integer", "integer column >= 9007199254740991", P("resource.priority >= 9007199254740991"),
          R("08"))
    s.add("smallest-safe-integer", "integer column == -9007199254740991", P("resource.priority == -9007199254740991"),
          R("09"))
    s.add("real-vs-largest-integer", "real column > 9223372036854775807 (1e300 is)",
          P("resource.score > 9223372036854775807"), R("06"))
    return s


def operators_suite():
    s = Suite("operators.json", "filters-operators", TODO_COLUMNS, TODO_ROWS)
    # in
    s.add("in-text-list", "text column in a list of strings", P("resource.status in ['open', 'review']"),
          R("01 03 04 07 09 11 12"))
    s.add("in-integer-list", "integer column in a list of integers", P("resource.priority in [0, 1, 2]"),
          R("02 03 07 11"))
    s.add("in-integer-vs-strings", "integer column in a list of strings: never equal",
          P("resource.priority in ['1', '3']"), [])
    s.add("in-real-vs-integers", "real column in a list of integers: 2.0 is 2", P("resource.score in [2, 3]"),
          R("01 07"))
    s.add("in-boundaries", "integer column in a list of boundary integers",
          P("resource.priority in [-9223372036854775808, 2147483647, 9007199254740993, -9007199254740991]"),
          R("06 09"))
    s.add("in-empty-list", "x in [] is false (and an error without x)", P("resource.status in []"), [])
    s.add("in-boolean-list", "boolean column in [true]", P("resource.done in [true]"), R("02 04 06 09 11 12"))
    s.add("in-boolean-vs-integer", "boolean column in [1]: true is not 1", P("resource.done in [1]"), [])
    s.add("in-list-with-principal", "column in a list holding principal.id",
          P("resource.owner_id in [principal.id, 'user_2']"), R("01 02 03 04 05 12"))
    s.add("in-list-with-column", "a list member that does not exist is an error even where another matches",
          P("resource.status in ['open', resource.owner_id]"), R("01 03 06 11"))
    s.add("in-list-with-context", "column in a list holding a context value",
          P("resource.status in [context.state, 'draft']"), R("04 05 09 12"), context={"state": "review"})
    s.add("in-claim-list", "integer column in a list claim", P("resource.priority in principal.claims.levels"),
          R("01 02 11"), payload=claims(levels=[1, 3, 2147483646]))
    s.add("in-roles", "text column in principal.roles", P("resource.owner_id in principal.roles"),
          R("03 04 09"), payload=claims(role="user_2, user_3"))
    s.add("principal-in-column-list", "principal.id in a list holding a column",
          P("principal.id in [resource.owner_id, 'nobody']"), R("01 02 05 12"))
    s.add("in-text-column", "'a' in a text column is an error (in needs a list)", P("'a' in resource.tags"), [])
    s.add("in-text-column-forbid", "'a' in a text column in a forbid excludes every row",
          F("'a' in resource.tags"), [])
    s.add("in-column-in-column", "column in another text column is an error", P("resource.status in resource.tags"),
          [])
    s.add("not-in", "!(x in list)", P("!(resource.status in ['open'])"), R("02 04 05 06 08 09 12"))
    s.add("in-then-eq", "x in list == true reads (x in list) == true", P("resource.status in ['open'] == true"),
          R("01 03 07 11"))
    # has
    s.add("has-column", "resource has a column, NULL in some rows", P("resource has owner_id"), has("owner_id"))
    s.add("has-boolean-column", "resource has a boolean column", P("resource has locked"), has("locked"))
    s.add("has-unknown-name", "resource has a name that is no column", P("resource has nothing"), [])
    s.add("has-quoted-id", "resource has 'id': every row", P("resource has 'id'"), ALL_R)
    s.add("not-has", "!(resource has tenant)", P("!(resource has tenant)"), R("05 10"))
    s.add("has-guard", "has guard, then equality", P("resource has tenant && resource.tenant == 'acme'"),
          R("01 02 03 07 09"))
    s.add("has-then-eq", "resource has x == true reads (resource has x) == true", P("resource has owner_id == true"),
          has("owner_id"))
    s.add("claims-has-present", "principal.claims has a claim the token carries", P("principal.claims has email"),
          ALL_R, payload=claims(email="a@example.com"), kind="always")
    s.add("claims-has-absent", "principal.claims has a claim the token lacks", P("principal.claims has email"),
          [], kind="never")
    s.add("context-has-present", "context has a member it holds", P("context has trace"), ALL_R,
          context={"trace": "t-1"}, kind="always")
    s.add("context-has-default", "context has anything, with the default context {}", P("context has trace"), [],
          kind="never")
    # !
    s.add("not-boolean-column", "!resource.done", P("!resource.done"), R("01 03 05 08"))
    s.add("not-not-boolean-column", "!!resource.done", P("!!resource.done"), R("02 04 06 09 11 12"))
    s.add("not-parenthesised", "!(priority > 2)", P("!(resource.priority > 2)"), R("02 03 04 07 09 11"))
    s.add("not-looser-than-eq", "!a == b reads !(a == b)", P("!resource.status == 'open'"),
          R("02 04 05 06 08 09 12"))
    s.add("not-and", "!(owner is me) && done", P("!(resource.owner_id == principal.id) && resource.done == true"),
          R("04 06 09 11"))
    # && || ()
    s.add("and", "owner and not done", P("resource.owner_id == principal.id && resource.done == false"), R("01 05"))
    s.add("or", "one status or another", P("resource.status == 'open' || resource.status == 'review'"),
          R("01 03 04 07 09 11 12"))
    s.add("and-binds-tighter", "a || b && c reads a || (b && c)",
          P("resource.status == 'archived' || resource.done == true && resource.priority > 1"), R("02 06 12"))
    s.add("parentheses", "(a || b) && c",
          P("(resource.status == 'archived' || resource.done == true) && resource.priority > 1"),
          R("06 12"))
    s.add("and-of-or", "owner and (open or draft)",
          P("resource.owner_id == principal.id && (resource.status == 'open' || resource.status == 'draft')"),
          R("01 05"))
    s.add("or-of-columns", "done or mine", P("resource.done == true || resource.owner_id == principal.id"),
          R("01 02 04 05 06 09 11 12"))
    s.add("and-action", "action == 'read' && a column", P("action == 'read' && resource.status == 'open'"),
          R("01 03 07 11"))
    # literals
    s.add("literal-true", "when true", P("true"), ALL_R, kind="always")
    s.add("literal-false", "when false", P("false"), [], kind="never")
    s.add("literal-null", "when null is not a boolean", P("null"), [], kind="never")
    s.add("literal-true-eq-true", "true == true", P("true == true"), ALL_R, kind="always")
    s.add("literal-null-eq-null", "null == null", P("null == null"), ALL_R, kind="always")
    s.add("literal-string-vs-integer", "'1' == 1 is false", P("'1' == 1"), [], kind="never")
    s.add("column-eq-null", "column == null: rows never hold null, and NULL is an absent attribute (an error)",
          P("resource.status == null"), [])
    s.add("column-ne-null", "column != null: every row that has the column", P("resource.status != null"),
          has("status"))
    return s


# errors.json: each condition as a permit, and as a forbid beside a permit for every row.
# (when, rows the permit selects, rows the forbid lets through)
ERROR_CASES = [
    ("missing-left-and", "a missing column on the left of &&",
     "resource.locked == true && resource.done == true", "06 12", "01 03 04 09"),
    ("missing-right-and", "a missing column on the right of &&",
     "resource.done == true && resource.locked == true", "06 12", "01 03 04 05 08 09"),
    ("missing-left-or", "a missing column on the left of ||",
     "resource.locked == true || resource.done == true", "03 04 06 09 12", "01"),
    ("missing-right-or", "a missing column on the right of ||",
     "resource.done == true || resource.locked == true", "02 03 04 06 09 11 12", "01"),
    ("missing-only", "a column that is NULL in some rows, alone",
     "resource.locked != true", "01 04 09", "03 06 12"),
    ("missing-not", "! of a comparison with a missing column",
     "!(resource.locked == true)", "01 04 09", "03 06 12"),
    ("unknown-attribute-right-or", "an attribute no row has, on the right of ||",
     "resource.owner_id == principal.id || resource.nope == 1", "01 02 05 12", ""),
    ("unknown-attribute-left-or", "an attribute no row has, on the left of ||",
     "resource.nope == 1 || resource.owner_id == principal.id", "", ""),
    ("order-text-left-or", "< on text on the left of ||",
     "resource.status < 'm' || resource.done == true", "", ""),
    ("order-text-right-or", "< on text on the right of ||",
     "resource.done == true || resource.status < 'm'", "02 04 06 09 11 12", ""),
    ("order-text-right-and", "< on text on the right of &&",
     "resource.done == false && resource.status < 'm'", "", "02 04 06 09 11 12"),
    ("order-text-code", "< on a text column holding digits, on the right of &&",
     "resource.score >= 0 && resource.code < 1", "", "04 09"),
    ("in-text-left-or", "in on a text column on the left of ||",
     "'a' in resource.tags || true", "", ""),
    ("in-list-member-missing", "a missing column inside a list",
     "resource.status in ['open', resource.owner_id]", "01 03 06 11", "02 04 05 08 09 12"),
    ("non-boolean-left-and", "an integer column on the left of &&",
     "resource.priority && true", "", ""),
    ("non-boolean-right-and", "an integer column on the right of &&",
     "true && resource.priority", "", ""),
    ("non-boolean-right-or", "an integer column on the right of ||",
     "resource.status == 'open' || resource.priority", "01 03 07 11", ""),
    ("non-boolean-text-or", "a text column on the right of ||",
     "false || resource.status", "", ""),
    ("boolean-column-and", "a boolean column as an operand of &&",
     "resource.done && true", "02 04 06 09 11 12", "01 03 05 08"),
    ("not-text", "! of a text column", "!resource.status", "", ""),
    ("not-integer", "! of an integer column", "!resource.priority", "", ""),
    ("not-boolean", "! of a boolean column", "!resource.done", "01 03 05 08", "02 04 06 09 11 12"),
    ("whole-integer", "an integer column as the whole condition", "resource.priority", "", ""),
    ("whole-text", "a text column as the whole condition", "resource.status", "", ""),
    ("whole-boolean", "a boolean column as the whole condition", "resource.done", "02 04 06 09 11 12",
     "01 03 05 08"),
    ("nested", "(a || b) && c with missing columns inside",
     "(resource.done == true || resource.locked == true) && resource.priority > 0", "02 06 11 12",
     "01 03 04 09"),
    ("or-error-after-false", "the shared sample's ||: an error on the left excludes the row",
     "resource.priority > 2 || resource.owner_id == principal.id", "01 02 06 08 12", "03 04 09 11"),
    ("type-mismatch-then-error", "a false comparison across types, then a missing column",
     "resource.priority == '3' && resource.owner_id == principal.id", "", "01 02 03 04 06 07 08 09 11 12"),
]


def errors_suite():
    s = Suite("errors.json", "filters-errors", TODO_COLUMNS, TODO_ROWS)
    for vid, desc, when, permit_rows, forbid_rows in ERROR_CASES:
        s.add(f"permit-{vid}", f"{desc}, in a permit: an error excludes the row", P(when), R(permit_rows))
        s.add(f"forbid-{vid}", f"{desc}, in a forbid: an error excludes the row", F(when), R(forbid_rows))
    # short-circuits that never read the resource
    s.add("permit-false-and-error", "false && <error>: false without reading the row",
          P("false && resource.priority > 1"), [], kind="never")
    s.add("forbid-false-and-error", "false && <error> in a forbid: it never applies",
          F("false && resource.priority > 1"), ALL_R, kind="always")
    s.add("permit-true-or-error", "true || <error>: true without reading the row",
          P("true || resource.priority < 'x'"), ALL_R, kind="always")
    s.add("forbid-true-or-error", "true || <error> in a forbid: it applies to every row",
          F("true || resource.priority < 'x'"), [], kind="never")
    s.add("permit-principal-or-error", "principal fact || a missing attribute",
          P("principal.id == 'user_1' || resource.nope == 1"), ALL_R, kind="always")
    s.add("permit-in-text-short", "true || 'a' in a text column", P("true || 'a' in resource.tags"), ALL_R,
          kind="always")
    s.add("forbid-in-text-short", "false && 'a' in a text column, in a forbid", F("false && 'a' in resource.tags"),
          ALL_R, kind="always")
    # errors that need no row
    s.add("permit-principal-error", "a permit whose condition errors on principal facts alone",
          P("principal.id < 5"), [], kind="never")
    s.add("forbid-principal-error", "a forbid whose condition errors on principal facts alone",
          F("principal.id < 5"), [], kind="never")
    s.add("forbid-missing-claim", "a forbid reading a claim the token lacks, unguarded",
          F("principal.claims.banned == true"), [], kind="never")
    s.add("forbid-principal-non-boolean", "a forbid whose condition is a string",
          F("principal.id"), [], kind="never")
    s.add("permit-non-boolean-literal", "a permit whose condition is an integer", P("5"), [], kind="never")
    # other rules beside an error
    s.add("error-permit-beside-permit", "one permit errors on every row, another selects",
          [rule("p1", when="'a' in resource.tags"), rule("p2", when="resource.done == true")],
          R("02 04 06 09 11 12"))
    s.add("error-forbid-other-type", "an erroring forbid for another type changes nothing",
          [rule("all"), rule("f", "forbid", resource="note", when="1 < 'a'")], ALL_R, kind="always")
    s.add("error-forbid-other-action", "an erroring forbid for another action changes nothing",
          [rule("all"), rule("f", "forbid", actions=["delete"], when="resource.nope == 1")], ALL_R,
          kind="always")
    s.add("error-two-forbids", "two forbids: one errors where its column is missing, one on archived",
          [rule("all"), rule("f1", "forbid", when="resource.locked == true"),
           rule("f2", "forbid", when="resource.status == 'archived'")], R("01 04 09"))
    return s


def forbid_suite():
    s = Suite("forbid.json", "filters-forbid", TODO_COLUMNS, TODO_ROWS)
    own = rule("own", when="resource.owner_id == principal.id")
    admin = rule("admin", resource="*", actions="*", when="'admin' in principal.roles")
    banned = rule("banned", "forbid", resource="*", actions="*",
                  when="principal.claims has banned && principal.claims.banned == true")
    s.add("forbid-status", "permit all, forbid archived (a row without status is refused)",
          F("resource.status == 'archived'"), R("01 03 04 05 06 07 08 09 11 12"), kind="conditional")
    s.add("forbid-guarded", "forbid locked with a has guard: rows without the column pass",
          F("resource has locked && resource.locked == true"), R("01 02 04 05 07 08 09 10 11"))
    s.add("forbid-unguarded", "forbid locked without a guard: rows without the column are refused",
          F("resource.locked == true"), R("01 04 09"))
    s.add("own-minus-archived", "owners, but not archived rows",
          [own, rule("archived", "forbid", when="resource.status == 'archived'")], R("01 05 12"))
    s.add("permits-ored", "three permits: any one selects",
          [own, rule("open", when="resource.status == 'open'"), rule("big", when="resource.priority > 5")],
          R("01 02 03 05 06 07 08 11 12"))
    s.add("forbids-ored", "three forbids: any one refuses (an error in one refuses too)",
          [rule("all"), rule("f1", "forbid", when="resource.status == 'archived'"),
           rule("f2", "forbid", when="resource has locked && resource.locked == true"),
           rule("f3", "forbid", when="resource.priority < 0")], R("01 07 08 11"))
    s.add("permit-error-and-permit", "one permit errors where priority is missing, the other covers some",
          [rule("p1", when="resource.priority > 5"), own], R("01 02 05 06 08 12"))
    s.add("forbid-not-owner", "permit all, forbid rows of others (and rows without owner)",
          F("resource.owner_id != principal.id"), R("01 02 05 12"))
    s.add("forbid-not-tenant", "forbid !(tenant matches)", F("!(resource.tenant == principal.tenant)"),
          R("01 02 03 07 09"), payload=claims(org="acme"))
    s.add("forbid-tenant-null", "forbid tenant != principal.tenant, the principal without tenant",
          F("resource.tenant != principal.tenant"), [])
    # principal facts
    s.add("banned-true", "a banned principal: nothing", [rule("all"), banned], [],
          payload=claims(banned=True), kind="never")
    s.add("banned-false", "banned false: everything", [rule("all"), banned], ALL_R, payload=claims(banned=False),
          kind="always")
    s.add("banned-absent-guarded", "no banned claim, guarded forbid: everything", [rule("all"), banned], ALL_R,
          kind="always")
    s.add("banned-absent-unguarded", "no banned claim, unguarded forbid: the error refuses everything",
          [rule("all"), rule("banned", "forbid", resource="*", actions="*", when="principal.claims.banned == true")],
          [], kind="never")
    s.add("banned-string", "banned 'true' (a string) is not true", [rule("all"), banned], ALL_R,
          payload=claims(banned="true"), kind="always")
    s.add("admin", "an admin permit with no resource read", [own, admin, banned], ALL_R,
          payload=claims(role="admin"), kind="always")
    s.add("admin-banned", "an admin who is banned", [own, admin, banned], [],
          payload=claims(role="admin", banned=True), kind="never")
    s.add("not-admin", "not an admin: the owner rule only", [own, admin, banned], R("01 02 05 12"),
          payload=claims(role="user"), kind="conditional")
    s.add("admin-forbid-locked", "an admin, with a forbid on locked rows",
          [own, admin, rule("locked", "forbid", resource="*", actions="*",
                            when="resource has locked && resource.locked == true")],
          R("01 02 04 05 07 08 09 10 11"), payload=claims(role="admin"), kind="conditional")
    s.add("role-forbid", "a forbid on a role the principal has", [rule("all"),
          rule("susp", "forbid", when="'suspended' in principal.roles")], [],
          payload=claims(role="user,suspended"), kind="never")
    s.add("role-forbid-absent", "a forbid on a role the principal lacks", [own,
          rule("susp", "forbid", when="'suspended' in principal.roles")], R("01 02 05 12"),
          payload=claims(role="user"), kind="conditional")
    s.add("forbid-principal-and-row", "forbid read-only principals on open work",
          F("principal.claims.readonly == true && resource.done == false"), R("02 04 06 09 11 12"),
          payload=claims(readonly=True))
    s.add("forbid-principal-false-short", "the same forbid for a writer: false before any row is read",
          F("principal.claims.readonly == true && resource.done == false"), ALL_R,
          payload=claims(readonly=False), kind="always")
    s.add("forbid-row-or-principal", "forbid open work or read-only principals, for a writer",
          F("resource.done == false || principal.claims.readonly == true"), R("02 04 06 09 11 12"),
          payload=claims(readonly=False))
    s.add("forbid-no-when", "a forbid without condition for this type and action", [rule("all"),
          rule("f", "forbid")], [], kind="never")
    s.add("forbid-star-no-when", "a forbid for every type, for read and list", [rule("all"),
          rule("f", "forbid", resource="*", actions=["read", "list"])], [], kind="never")
    s.add("forbid-other-action", "a forbid for delete does not touch read", [rule("all"),
          rule("f", "forbid", actions=["delete"])], ALL_R, kind="always")
    s.add("forbid-other-type", "a forbid for note does not touch todo", [rule("all"),
          rule("f", "forbid", resource="note", actions="*")], ALL_R, kind="always")
    s.add("permit-false-forbid", "a permit that never holds, and a forbid", [rule("p", when="false"),
          rule("f", "forbid", when="resource.done == true")], [], kind="never")
    s.add("forbid-context", "a forbid on the context that holds", [own,
          rule("f", "forbid", when="context.ip == '10.0.0.1'")], [], context={"ip": "10.0.0.1"}, kind="never")
    s.add("forbid-context-other", "a forbid on the context that does not hold", [own,
          rule("f", "forbid", when="context.ip == '10.0.0.1'")], R("01 02 05 12"), context={"ip": "10.0.0.2"},
          kind="conditional")
    s.add("forbid-context-missing", "a forbid on a context member that is missing", [own,
          rule("f", "forbid", when="context.ip == '10.0.0.1'")], [], kind="never")
    return s


def types_suite():
    s = Suite("types.json", "filters-types", TODO_COLUMNS, TODO_ROWS)
    # NULL
    s.add("null-eq", "text column == 'acme': NULL rows are not selected", P("resource.tenant == 'acme'"),
          R("01 02 03 07 09"))
    s.add("null-ne", "text column != 'acme': NULL rows are not selected either", P("resource.tenant != 'acme'"),
          R("04 06 08 11 12"))
    s.add("null-forbid-ne", "forbid tenant != 'acme': NULL rows are refused", F("resource.tenant != 'acme'"),
          R("01 02 03 07 09"))
    s.add("null-all-columns", "a row with only its id, against a guarded condition",
          P("!(resource has status) || resource.status == 'draft'"), R("05 10"))
    # integer column vs strings
    s.add("integer-eq-string", "integer column == '3' is false", P("resource.priority == '3'"), [])
    s.add("integer-ne-string", "integer column != '3' is true where the column exists",
          P("resource.priority != '3'"), has("priority"))
    s.add("integer-in-strings", "integer column in ['1', '3']", P("resource.priority in ['1', '3']"), [])
    # text column vs integers
    s.add("text-eq-integer", "text column == 3 is false ('3' is not 3)", P("resource.code == 3"), [])
    s.add("text-eq-string", "text column == '3'", P("resource.code == '3'"), R("01"))
    s.add("text-ne-integer", "text column != 1 is true where the column exists", P("resource.code != 1"),
          has("code"))
    s.add("text-one-vs-integer", "owner_id '1' == 1 is false", P("resource.owner_id == 1"), [])
    s.add("text-one-vs-string", "owner_id == '1'", P("resource.owner_id == '1'"), R("11"))
    s.add("text-leading-zero", "'01' is not '1'", P("resource.code == '01'"), R("11"))
    s.add("text-column-vs-integer-column", "text column == integer column is false",
          P("resource.code == resource.priority"), [])
    s.add("text-true-vs-boolean", "text 'true' == true is false", P("resource.code == true"), [])
    s.add("text-null-vs-null", "text 'null' == null is false", P("resource.code == null"), [])
    s.add("text-vs-boolean-column", "text column == boolean column is false", P("resource.status == resource.done"),
          [])
    # boolean column vs numbers and strings
    for lit, name in (("1", "one"), ("0", "zero"), ("'true'", "string-true"), ("'false'", "string-false")):
        s.add(f"boolean-eq-{name}", f"boolean column == {lit} is false", P(f"resource.done == {lit}"), [])
    s.add("boolean-ne-one", "boolean column != 1 is true where the column exists", P("resource.done != 1"),
          has("done"))
    s.add("boolean-in-integers", "boolean column in [0, 1]", P("resource.done in [0, 1]"), [])
    s.add("boolean-eq-true", "boolean column == true", P("resource.done == true"), R("02 04 06 09 11 12"))
    s.add("boolean-eq-false", "boolean column == false", P("resource.done == false"), R("01 03 05 08"))
    s.add("boolean-ne-false", "boolean column != false", P("resource.done != false"), R("02 04 06 09 11 12"))
    s.add("boolean-whole", "a boolean column as the whole condition", P("resource.done"), R("02 04 06 09 11 12"))
    s.add("boolean-not", "!boolean column", P("!resource.done"), R("01 03 05 08"))
    s.add("boolean-and-columns", "boolean column && boolean column", P("resource.done && resource.locked"),
          R("06 12"))
    s.add("boolean-or-columns", "boolean column || boolean column", P("resource.done || resource.locked"),
          R("02 03 04 06 09 11 12"))
    s.add("boolean-ne-null", "boolean column != null", P("resource.done != null"), has("done"))
    s.add("integer-eq-null", "integer column == null", P("resource.priority == null"), [])
    # numbers by value
    s.add("real-eq-integer", "real 3.0 == 3", P("resource.score == 3"), R("01"))
    s.add("real-eq-zero", "real 0.0 == 0", P("resource.score == 0"), R("03"))
    s.add("real-in-integers", "real column in [0, 1]", P("resource.score in [0, 1]"), R("03 11"))
    s.add("real-eq-integer-column", "real column == integer column", P("resource.score == resource.priority"),
          R("01 03 07 11"))
    s.add("real-gt-integer", "real column > 2", P("resource.score > 2"), R("01 06 08 12"))
    s.add("real-huge", "1e300 > 2147483647", P("resource.score > 2147483647"), R("06"))
    s.add("integer-vs-real-claim", "integer column == a fractional claim", P("resource.priority == principal.claims.x"),
          [], payload=claims(x=2.5))
    s.add("real-vs-real-claim", "real column == a fractional claim", P("resource.score == principal.claims.x"),
          R("08"), payload=claims(x=2.5))
    s.add("real-vs-integer-claim", "real column == an integer claim", P("resource.score == principal.claims.x"),
          R("07"), payload=claims(x=2))
    s.add("integer-vs-fraction-claim", "integer column == a claim written 2.0",
          P("resource.priority == principal.claims.x"),
          R("07"), payload=claims(x=2.0))
    s.add("text-vs-integer-claim", "text column == an integer claim", P("resource.code == principal.claims.x"),
          [], payload=claims(x=3))
    s.add("boolean-vs-boolean-claim", "boolean column == a boolean claim", P("resource.done == principal.claims.x"),
          R("02 04 06 09 11 12"), payload=claims(x=True))
    s.add("boolean-vs-integer-claim", "boolean column == an integer claim 1", P("resource.done == principal.claims.x"),
          [], payload=claims(x=1))
    s.add("boolean-vs-context", "boolean column == a context boolean", P("resource.locked == context.locked"),
          R("01 04 09"), context={"locked": False})
    s.add("integer-vs-context-string", "integer column == a context string", P("resource.priority == context.p"),
          [], context={"p": "1"})

    # a table of numbers
    cols = {"id": "text", "n": "integer", "x": "real", "s": "text", "b": "boolean"}
    rows = [
        {"id": "m01", "n": 0, "x": 0.0, "s": "0", "b": False},
        {"id": "m02", "n": -1, "x": -1.0, "s": "-1", "b": True},
        {"id": "m03", "n": 1, "x": 0.5, "s": "1", "b": True},
        {"id": "m04", "n": 2, "x": 2.0, "s": "2.0"},
        {"id": "m05", "n": 2147483647, "x": 2147483647.0, "s": "2147483647"},
        {"id": "m06", "n": -2147483648, "x": 1e300, "b": False},
        {"id": "m07", "n": 9007199254740991, "x": -1e300},
        {"id": "m08", "x": 1e-300, "s": "", "b": True},
        {"id": "m09", "n": 3, "s": "3", "b": False},
        {"id": "m10", "n": -9007199254740991, "x": -0.5},
        {"id": "m11", "n": 1, "x": 1.0, "b": True},
        {"id": "m12"},
    ]

    def num(vid, desc, when, want, **kw):
        s.add(vid, desc, P(when, "p") if isinstance(when, str) else when, want, rtype="reading",
              columns=cols, rows=rows, **kw)

    def p(when):
        return [rule("p", resource="reading", when=when)]

    for op in CMP:
        num(f"num-n-x-{OP_NAME[op]}", f"integer column {op} real column", p(f"resource.n {op} resource.x"),
            lambda r, op=op: has("n", "x")(r) and CMP[op](r["n"], r["x"]))
        num(f"num-x-n-{OP_NAME[op]}", f"real column {op} integer column", p(f"resource.x {op} resource.n"),
            lambda r, op=op: has("n", "x")(r) and CMP[op](r["x"], r["n"]))
        for lit in (0, 2, 2147483647, -2147483648):
            num(f"num-x-{OP_NAME[op]}-{slug(lit)}", f"real column {op} {lit}", p(f"resource.x {op} {lit}"),
                lambda r, op=op, lit=lit: "x" in r and CMP[op](r["x"], lit))
        num(f"num-n-{OP_NAME[op]}-{slug(-2147483648)}", f"integer column {op} -2147483648",
            p(f"resource.n {op} -2147483648"), lambda r, op=op: "n" in r and CMP[op](r["n"], -2147483648))
    num("num-s-eq-n", "text column == integer column", p("resource.s == resource.n"), [])
    num("num-s-ne-n", "text column != integer column", p("resource.s != resource.n"), has("s", "n"))
    num("num-s-two", "text '2.0' == 2 is false", p("resource.s == 2"), [])
    num("num-s-two-string", "text column == '2.0'", p("resource.s == '2.0'"), ids("m", "04"))
    num("num-b-eq-n", "boolean column == integer column (true is not 1)", p("resource.b == resource.n"), [])
    num("num-b-ne-x", "boolean column != real column", p("resource.b != resource.x"), has("b", "x"))
    num("num-x-in", "real column in a list of integers", p("resource.x in [0, 1, 2, -1]"), ids("m", "01 02 04 11"))
    num("num-n-in-x", "integer column in a list holding the real column", p("resource.n in [resource.x]"),
        ids("m", "01 02 04 05 11"))
    num("num-tiny", "1e-300 > 0 and < 1", p("resource.x > 0 && resource.x < 1"), ids("m", "03 08"))
    return s


# ---------------------------------------------------------------------------
# principal-context.json
# ---------------------------------------------------------------------------

PC_COLUMNS = {"id": "text", "owner_id": "text", "owner_num": "integer", "tenant": "text", "status": "text",
              "priority": "integer", "done": "boolean"}
PC_ROWS = [
    {"id": "c01", "owner_id": "user_1", "owner_num": 1, "tenant": "acme", "status": "open", "priority": 1,
     "done": False},
    {"id": "c02", "owner_id": "user_2", "owner_num": 2, "tenant": "acme", "status": "draft", "priority": 2,
     "done": True},
    {"id": "c03", "owner_id": "user_1", "owner_num": 7, "tenant": "globex", "status": "open", "priority": 3},
    {"id": "c04", "owner_id": "7", "owner_num": 7, "tenant": "globex", "status": "review", "done": True},
    {"id": "c05", "owner_id": "user_1", "status": "archived", "priority": 5, "done": False},
    {"id": "c06", "tenant": "", "status": "open", "priority": 0},
    {"id": "c07", "owner_id": "user_3", "owner_num": 3, "tenant": "acme", "status": "review", "priority": 4,
     "done": False},
    {"id": "c08", "owner_id": "", "owner_num": 0, "tenant": "ACME", "status": "Open", "priority": -1, "done": True},
    {"id": "c09"},
    {"id": "c10", "owner_id": "user_2", "owner_num": -7, "tenant": "globex", "status": "open",
     "priority": 2147483647, "done": True},
]
ALL_C = [r["id"] for r in PC_ROWS]


def C(text):
    return ids("c", text)


def principal_context_suite():
    s = Suite("principal-context.json", "filters-principal-context", PC_COLUMNS, PC_ROWS)
    own = "resource.owner_id == principal.id"
    # context
    s.add("context-get", "context.method == 'GET' with GET", P("context.method == 'GET'"), ALL_C,
          context={"method": "GET"}, kind="always")
    s.add("context-post", "context.method == 'GET' with POST", P("context.method == 'GET'"), [],
          context={"method": "POST"}, kind="never")
    s.add("context-default", "context.method without a context: the default {} has no method",
          P("context.method == 'GET'"), [], kind="never")
    s.add("context-empty", "context.method with an explicit empty context", P("context.method == 'GET'"), [],
          context={}, kind="never")
    s.add("context-and-row", "context first, then the row", P(f"context.method == 'GET' && {own}"), C("01 03 05"),
          context={"method": "GET"}, kind="conditional")
    s.add("context-false-and-row", "a false context test before the row", P(f"context.method == 'GET' && {own}"),
          [], context={"method": "POST"}, kind="never")
    s.add("row-and-missing-context", "the row first, then a context member that is missing",
          P(f"{own} && context.method == 'GET'"), [])
    s.add("context-has-member", "context has method", P("context has method"), ALL_C, context={"method": "GET"},
          kind="always")
    s.add("column-eq-context", "text column == a context value", P("resource.status == context.state"),
          C("01 03 06 10"), context={"state": "open"})
    s.add("column-le-context", "integer column <= a context number", P("resource.priority <= context.max"),
          C("01 02 06 08"), context={"max": 2})
    s.add("context-nested", "a nested context value", P("context.req.ip == '10.0.0.1'"), ALL_C,
          context={"req": {"ip": "10.0.0.1"}}, kind="always")
    s.add("context-nested-missing", "a nested context member that is missing", P("context.req.port == 443"), [],
          context={"req": {"ip": "10.0.0.1"}}, kind="never")
    s.add("context-forbid", "forbid anything but GET: GET", [rule("own", when=own),
          rule("f", "forbid", when="context.method != 'GET'")], C("01 03 05"), context={"method": "GET"},
          kind="conditional")
    s.add("context-forbid-delete", "forbid anything but GET: DELETE", [rule("own", when=own),
          rule("f", "forbid", when="context.method != 'GET'")], [], context={"method": "DELETE"}, kind="never")
    s.add("context-forbid-default", "forbid anything but GET, no context: the error refuses",
          [rule("own", when=own), rule("f", "forbid", when="context.method != 'GET'")], [], kind="never")
    s.add("context-tenant-first", "context.tenant == resource.tenant, no such context member",
          P("context.tenant == resource.tenant"), [], kind="never")
    s.add("context-tenant-last", "resource.tenant == context.tenant, no such context member",
          P("resource.tenant == context.tenant"), [])
    # action
    s.add("action-read", "action == 'read'", [rule("p", actions="*", when="action == 'read'")], ALL_C, kind="always")
    s.add("action-list", "action in ['read', 'list'] for list",
          [rule("p", actions="*", when="action in ['read', 'list']")],
          ALL_C, action="list", kind="always")
    s.add("action-other", "action == 'read' for update", [rule("p", actions="*", when="action == 'read'")], [],
          action="update", kind="never")
    # roles
    admin = P("'admin' in principal.roles")
    s.add("roles-string", "role 'user, admin' (a comma-separated string)", admin, ALL_C,
          payload=claims(role="user, admin"), kind="always")
    s.add("roles-list", "role ['editor', 'admin']", admin, ALL_C, payload=claims(role=["editor", "admin"]),
          kind="always")
    s.add("roles-absent", "no role claim", admin, [], kind="never")
    s.add("roles-superstring", "role 'administrator' is not 'admin'", admin, [], payload=claims(role="administrator"),
          kind="never")
    s.add("roles-case", "role 'Admin' is not 'admin'", admin, [], payload=claims(role="Admin"), kind="never")
    s.add("roles-and-row", "a role and a column", P("'editor' in principal.roles && resource.status == 'open'"),
          C("01 03 06 10"), payload=claims(role=["editor"]))
    s.add("roles-and-row-absent", "a role the principal lacks, then a column",
          P("'editor' in principal.roles && resource.status == 'open'"), [], payload=claims(role=["viewer"]),
          kind="never")
    s.add("column-in-roles", "text column in principal.roles", P("resource.status in principal.roles"),
          C("01 02 03 06 10"), payload=claims(role="open,draft"))
    s.add("owner-in-roles", "owner column in principal.roles (a list claim)", P("resource.owner_id in principal.roles"),
          C("02 04 10"), payload=claims(role=["user_2", "7"]))
    s.add("roles-custom-claim", "roles from another claim", P("'todo:read' in principal.roles"), ALL_C,
          payload=claims(perms="todo:read,todo:write"), principal={"id": "sub", "roles": "perms"}, kind="always")
    # tenants
    tenant = P("resource.tenant == principal.tenant")
    s.add("tenant-set", "resource.tenant == principal.tenant", tenant, C("01 02 07"), payload=claims(org="acme"))
    s.add("tenant-case", "tenants compare case-sensitively", tenant, C("08"), payload=claims(org="ACME"))
    s.add("tenant-null", "the principal has no tenant: null equals no row", tenant, [])
    s.add("tenant-not-mapped", "no tenant claim configured: principal.tenant is null", tenant, [],
          payload=claims(org="acme"), principal={"id": "sub", "roles": "role"})
    either = P("principal.tenant == null || resource.tenant == principal.tenant")
    s.add("tenant-null-or", "no tenant: the left of || holds for every row", either, ALL_C, kind="always")
    s.add("tenant-set-or", "a tenant: the right of || decides", either, C("01 02 07"), payload=claims(org="acme"),
          kind="conditional")
    guarded = P("principal.tenant != null && resource.tenant == principal.tenant")
    s.add("tenant-null-and", "no tenant: false before any row is read", guarded, [], kind="never")
    s.add("tenant-set-and", "a tenant, guarded", guarded, C("03 04 10"), payload=claims(org="globex"))
    s.add("tenant-has-guard", "has guard then tenant", P("resource has tenant && resource.tenant == principal.tenant"),
          C("03 04 10"), payload=claims(org="globex"))
    s.add("tenant-forbid-other", "forbid rows of another tenant", [rule("all"),
          rule("f", "forbid", when="resource.tenant != principal.tenant")], C("01 02 07"), payload=claims(org="acme"))
    # claims
    s.add("claims-sub", "owner == principal.claims.sub", P("resource.owner_id == principal.claims.sub"), C("01 03 05"))
    s.add("claims-nested", "tenant == a nested claim", P("resource.tenant == principal.claims.membership.org"),
          C("03 04 10"), payload=claims(membership={"org": "globex", "level": 3}))
    s.add("claims-nested-number", "priority <= a nested number claim",
          P("resource.priority <= principal.claims.membership.level"), C("01 02 03 06 08"),
          payload=claims(membership={"org": "globex", "level": 3}))
    s.add("claims-missing-first", "a missing claim before the row: an error for every row",
          P("principal.claims.level >= resource.priority"), [], kind="never")
    s.add("claims-missing-last", "the row before a missing claim", P("resource.priority <= principal.claims.level"), [])
    s.add("claims-large-number", "integer column < a large claim",
          P("resource.priority < principal.claims.big"), has("priority"), payload=claims(big=9007199254740991))
    s.add("claims-list-member", "a claim list holding the column", P("resource.owner_id in principal.claims.delegates"),
          C("02 07 10"), payload=claims(delegates=["user_2", "user_3"]))
    s.add("claims-has-guard", "a verified-email guard before the owner test",
          P(f"principal.claims has email_verified && principal.claims.email_verified == true && {own}"),
          C("01 03 05"), payload=claims(email_verified=True), kind="conditional")
    s.add("claims-has-guard-absent", "the same guard without the claim",
          P(f"principal.claims has email_verified && principal.claims.email_verified == true && {own}"),
          [], kind="never")
    s.add("claims-is-object", "principal.claims has sub", P("principal.claims has sub"), ALL_C, kind="always")
    # principal.id against an integer column
    s.add("id-vs-integer-column", "principal.id '7' == integer column 7 is false",
          P("principal.id == resource.owner_num"),
          [], payload=claims(sub="7"))
    s.add("id-ne-integer-column", "principal.id != integer column is true where it exists",
          P("resource.owner_num != principal.id"), has("owner_num"), payload=claims(sub="7"))
    s.add("id-vs-text-column", "principal.id '7' == text column '7'", P(own), C("04"), payload=claims(sub="7"))
    s.add("integer-column-vs-claim", "integer column == an integer claim",
          P("resource.owner_num == principal.claims.num"),
          C("03 04"), payload=claims(num=7))
    s.add("integer-column-vs-negative-claim", "integer column == a negative claim",
          P("resource.owner_num == principal.claims.num"), C("10"), payload=claims(num=-7))
    s.add("id-from-other-claim", "principal.id from another claim", P(own), C("02 10"),
          payload=claims(uid="user_2"), principal={"id": "uid", "roles": "role", "tenant": "org"})
    return s


# ---------------------------------------------------------------------------
# matching.json: types, actions, wildcards
# ---------------------------------------------------------------------------

M_COLUMNS = {"id": "text", "owner_id": "text", "status": "text", "done": "boolean"}
M_ROWS = [
    {"id": "n1", "owner_id": "user_1", "status": "open", "done": False},
    {"id": "n2", "owner_id": "user_2", "status": "open", "done": True},
    {"id": "n3", "owner_id": "user_1", "status": "closed"},
    {"id": "n4", "status": "open", "done": True},
    {"id": "n5", "owner_id": "todo", "status": "todo", "done": False},
    {"id": "n6"},
]
ALL_N = [r["id"] for r in M_ROWS]


def matching_suite():
    s = Suite("matching.json", "filters-matching", M_COLUMNS, M_ROWS)
    N = lambda text: ids("n", text)  # noqa: E731
    own = "resource.owner_id == principal.id"
    s.add("star-star", "resource '*' and actions '*' without condition", [rule("p", resource="*", actions="*")],
          ALL_N, kind="always")
    s.add("star-resource", "resource '*' for read", [rule("p", resource="*")], ALL_N, kind="always")
    s.add("star-actions", "actions '*' for todo", [rule("p", actions="*")], ALL_N, kind="always")
    s.add("other-type", "a rule for note only", [rule("p", resource="note", actions="*")], [], kind="never")
    s.add("other-action", "a rule for delete only", [rule("p", actions=["delete"])], [], kind="never")
    s.add("type-case", "resource 'Todo' is not 'todo'", [rule("p", resource="Todo")], [], kind="never")
    s.add("action-case", "action 'READ' is not 'read'", [rule("p", actions=["READ"])], [], kind="never")
    s.add("action-among", "read among several actions", [rule("p", actions=["list", "read", "update"])], ALL_N,
          kind="always")
    s.add("no-rules", "no rules", [], [], kind="never")
    s.add("no-rules-member", "a policy without rules", None, [], kind="never",
          policy=G.pol(["EdDSA"], G.K_ED, principal=PRN))
    s.add("other-type-and-action", "rules for other types and actions only",
          [rule("p1", resource="note"), rule("p2", actions=["update"]), rule("p3", resource="*", actions=["delete"])],
          [], kind="never")
    s.add("custom-action", "a custom action name", [rule("p", actions=["todo:export"])], ALL_N, action="todo:export",
          kind="always")
    s.add("custom-type", "a resource type with a dash", [rule("p", resource="todo-item")], ALL_N, rtype="todo-item",
          kind="always")
    s.add("note-table", "a note table, rules for todo only", [rule("p", resource="todo", actions="*")], [],
          rtype="note", kind="never")
    s.add("note-star", "a note table, a '*' rule with the owner test", [rule("p", resource="*", when=own)],
          N("1 3"), rtype="note", kind="conditional")
    s.add("type-eq-own", "resource.type == 'note' on the note table", [rule("p", resource="*",
          when="resource.type == 'note'")], ALL_N, rtype="note")
    s.add("type-eq-other", "resource.type == 'todo' on the note table", [rule("p", resource="*",
          when="resource.type == 'todo'")], [], rtype="note")
    s.add("type-ne-other", "resource.type != 'todo' on the note table", [rule("p", resource="*",
          when="resource.type != 'todo'")], ALL_N, rtype="note")
    s.add("has-type", "resource has type: every row", [rule("p", resource="*", when="resource has type")], ALL_N)
    s.add("type-vs-column", "resource.type == a column holding 'todo'",
          [rule("p", when="resource.type == resource.status")],
          N("5"))
    s.add("type-and-own", "resource.type == 'todo' && owner", P(f"resource.type == 'todo' && {own}"), N("1 3"),
          kind="conditional")
    s.add("type-in-list", "resource.type in a list", P("resource.type in ['note', 'todo']"), ALL_N)
    s.add("forbid-todo-only", "a forbid for todo, the filter on note", [rule("p", resource="*"),
          rule("f", "forbid", resource="todo")], ALL_N, rtype="note", kind="always")
    s.add("forbid-star-other-action", "a forbid for every type on delete", [rule("p"),
          rule("f", "forbid", resource="*", actions=["delete"])], ALL_N, kind="always")
    s.add("forbid-note", "a forbid for note beside a permit for todo", [rule("p"),
          rule("f", "forbid", resource="note", actions="*")], ALL_N, kind="always")
    s.add("forbid-star-type", "permit '*', forbid this type", [rule("p", resource="*", actions="*"),
          rule("f", "forbid", resource="todo", actions="*")], [], kind="never")
    s.add("admin-other-type", "an admin permit for note only; the owner rule for todo",
          [rule("own", when=own), rule("admin", resource="note", actions="*", when="'admin' in principal.roles")],
          N("1 3"), payload=claims(role="admin"), kind="conditional")
    s.add("action-path-row", "action compared with a column",
          [rule("p", actions="*", when="action == resource.status")],
          N("1 2 4"), action="open")
    return s


# ---------------------------------------------------------------------------
# strings.json: SQL-injection probes and exact string equality
# ---------------------------------------------------------------------------

SQL_COLUMNS = {"id": "text", "label": "text"}
SQL_LABELS = [
    ("a01", "O'Brien"),
    ("a02", '"quoted"'),
    ("a03", "' OR '1'='1"),
    ("a04", "x'); DROP TABLE todo; --"),
    ("a05", "--"),
    ("a06", ";"),
    ("a07", "back\\slash"),
    ("a08", "\\"),
    ("a09", "%"),
    ("a10", "_"),
    ("a11", "a%"),
    ("a12", "abc"),
    ("a13", "a_c"),
]
SQL_ROWS = [{"id": i, "label": t} for i, t in SQL_LABELS] + [{"id": "a14"}]

UNI_LABELS = [
    ("b01", "a\u0000b"),
    ("b02", "a"),
    ("b03", "\u0000"),
    ("b04", "\u00e9"),          # e with acute, one code point
    ("b05", "e\u0301"),         # e and a combining acute
    ("b06", "\u00c9"),
    ("b07", "\U0001F600"),
    ("b08", "\u65e5\u672c\u8a9e"),
    ("b09", ""),
    ("b10", "ABC"),
    ("b11", "abc "),
    ("b12", "a\nb"),
    ("b13", "abc"),
    ("b14", " "),
]
UNI_ROWS = [{"id": i, "label": t} for i, t in UNI_LABELS]


def quoted(text):
    """A condition literal for text, or None when it cannot be written without escapes."""
    if "\\" in text or ("'" in text and '"' in text):
        return None
    return f'"{text}"' if "'" in text else f"'{text}'"


def strings_suite():
    s = Suite("strings.json", "filters-strings", SQL_COLUMNS, SQL_ROWS)
    for table, labels, rows in (("sql", SQL_LABELS, SQL_ROWS), ("uni", UNI_LABELS, UNI_ROWS)):
        for rid, text in labels:
            same = [i for i, t in labels if t == text]
            lit = quoted(text)
            if lit is not None:
                s.add(f"{table}-literal-{rid}", f"label == the literal of row {rid} ({text!r})",
                      P(f"resource.label == {lit}"), same, rows=rows, kind="conditional")
            s.add(f"{table}-claim-{rid}", f"label == a claim holding the label of row {rid} ({text!r})",
                  P("resource.label == principal.claims.handle"), same, rows=rows, payload=claims(handle=text),
                  kind="conditional")
    # more probes on the SQL table
    s.add("sql-ne-percent", "label != '%'", P("resource.label != '%'"), ids("a", "01 02 03 04 05 06 07 08 10 11 12 13"))
    s.add("sql-in-wildcards", "label in ['%', '_']", P("resource.label in ['%', '_']"), ids("a", "09 10"))
    s.add("sql-sub", "principal.id holding an injection", P("resource.label == principal.id"), ids("a", "04"),
          payload=claims(sub="x'); DROP TABLE todo; --"))
    s.add("sql-sub-quote", "principal.id holding a quote and a backslash", P("resource.label == principal.id"), [],
          payload=claims(sub="O\\'Brien"))
    s.add("sql-tenant", "principal.tenant '%'", P("resource.label == principal.tenant"), ids("a", "09"),
          payload=claims(org="%"))
    s.add("sql-roles", "label in principal.roles holding probes", P("resource.label in principal.roles"),
          ids("a", "03 08 11"), payload=claims(role=["' OR '1'='1", "a%", "\\"]))
    s.add("sql-roles-comma", "roles from a string with quotes", P("resource.label in principal.roles"),
          ids("a", "01 05 06"), payload=claims(role="O'Brien, --,;"))
    s.add("sql-context", "label == a context value", P("resource.label == context.q"), ids("a", "13"),
          context={"q": "a_c"})
    s.add("sql-context-backslash", "label == a context value holding a backslash", P("resource.label == context.q"),
          ids("a", "07"), context={"q": "back\\slash"})
    s.add("sql-forbid", "forbid one injection string", F("resource.label == \"' OR '1'='1\""),
          ids("a", "01 02 04 05 06 07 08 09 10 11 12 13"))
    s.add("sql-forbid-claim", "forbid the label a claim holds", F("resource.label == principal.claims.handle"),
          ids("a", "01 02 03 04 05 06 07 09 10 11 12 13"), payload=claims(handle="\\"))
    s.add("sql-literal-in-condition", "a condition literal that looks like SQL",
          P("resource.label == \"abc' OR 1=1 --\" || resource.label == 'abc'"), ids("a", "12"))
    s.add("sql-has-quoted-name", "has with a quoted name that looks like SQL",
          P("resource has 'label; --' || resource.label == ';'"), ids("a", "06"))
    # more probes on the Unicode table
    u = lambda text: ids("b", text)  # noqa: E731
    s.add("uni-nul-prefix", "'a' is not 'a\\u0000b'", P("resource.label == 'a'"), u("02"), rows=UNI_ROWS)
    s.add("uni-ne-nul", "label != 'a\\u0000b'", P("resource.label != 'a\u0000b'"),
          [i for i, t in UNI_LABELS if t != "a\u0000b"], rows=UNI_ROWS)
    s.add("uni-in", "label in a list of non-ASCII strings", P("resource.label in ['\u00e9', '\U0001F600']"),
          u("04 07"), rows=UNI_ROWS)
    s.add("uni-roles", "label in roles holding NUL and emoji", P("resource.label in principal.roles"), u("03 07"),
          rows=UNI_ROWS, payload=claims(role=["\u0000", "\U0001F600"]))
    s.add("uni-sub", "principal.id non-ASCII", P("resource.label == principal.id"), u("08"), rows=UNI_ROWS,
          payload=claims(sub="\u65e5\u672c\u8a9e"))
    s.add("uni-context", "label == a context value with a newline", P("resource.label == context.q"), u("12"),
          rows=UNI_ROWS, context={"q": "a\nb"})
    s.add("uni-forbid-space", "forbid ' '", F("resource.label == ' '"), [i for i, _ in UNI_LABELS if i != "b14"],
          rows=UNI_ROWS)
    return s


# ---------------------------------------------------------------------------
# tokens.json: the token comes first
# ---------------------------------------------------------------------------

def tokens_suite():
    s = Suite("tokens.json", "filters-tokens", M_COLUMNS, M_ROWS)
    own = P("resource.owner_id == principal.id")
    admin = [rule("own", when="resource.owner_id == principal.id"),
             rule("admin", resource="*", actions="*", when="'admin' in principal.roles")]
    valid = G.tok(claims())
    s.add("valid", "a valid token: the owner's rows", own, ids("n", "1 3"), token=valid, kind="conditional")
    s.add("valid-bearer", "the same token in an Authorization header", own, ids("n", "1 3"), auth=f"Bearer {valid}",
          kind="conditional")
    s.add("valid-leeway", "expired 10 s ago, with 30 s of leeway", own, ids("n", "1 3"),
          payload=claims(exp=NOW - 10), policy=G.pol(["EdDSA"], G.K_ED, principal=PRN, rules=own, leeway=30))

    def fail(vid, desc, reason, **kw):
        kw.setdefault("rules", admin)
        s.add(vid, desc, kw.pop("rules"), expect=G.FAIL(reason), **kw)

    fail("expired", "an expired token: no filter", "expired", payload=claims(exp=NOW))
    fail("expired-admin", "an expired admin token", "expired", payload=claims(role="admin", exp=NOW - 1))
    fail("bad-signature", "a signature with one bit flipped", "bad_signature",
         token=G.tamper_sig(G.tok(claims(role="admin"))))
    payload = G.b64u(G.js(claims(role="admin")))
    h, _, sig = G.tok(claims(role="user")).split(".")
    fail("tampered-payload", "a user's token with its payload swapped for an admin's", "bad_signature",
         token=f"{h}.{payload}.{sig}")
    fail("other-key", "signed by ed-2 under kid ed-1", "bad_signature",
         token=G.tok(claims(role="admin"), key=G.PRIV["ed-2"]))
    fail("unknown-kid", "a kid the key set lacks", "unknown_key", token=G.tok(claims(role="admin"), kid="nope"))
    fail("alg-none", "alg none", "algorithm_not_allowed",
         token=G.jws({"alg": "none", "typ": "JWT"}, claims(role="admin"), sig=b""))
    fail("alg-not-allowed", "an RS256 token, EdDSA allowed", "algorithm_not_allowed",
         token=G.tok(claims(role="admin"), alg="RS256"))
    fail("issuer", "another issuer", "issuer_mismatch", payload=claims(role="admin", iss="https://evil.example.com"))
    fail("audience", "another audience", "audience_mismatch",
         payload=claims(role="admin", aud="https://other.example.com"))
    fail("not-yet-valid", "nbf in the future", "not_yet_valid", payload=claims(nbf=NOW + 60))
    fail("malformed", "two parts", "malformed", token="abc.def")
    fail("no-credential", "no token at all", "missing", no_credential=True)
    fail("basic", "a Basic Authorization header", "missing", auth="Basic dXNlcjpwYXNz")
    fail("empty-bearer", "'Bearer ' and nothing", "missing", auth="Bearer ")
    fail("missing-sub", "a token without sub", "missing_claim", payload=claims(drop=("sub",)))
    fail("sub-number", "a numeric sub", "invalid_claim", payload=claims(sub=7))
    fail("role-number", "a role claim that is a number", "invalid_claim", payload=claims(role=1))
    fail("tenant-number", "a tenant claim that is a number", "invalid_claim", payload=claims(org=5))
    return s


SUITES = [comparisons_suite, operators_suite, errors_suite, forbid_suite, types_suite, principal_context_suite,
          matching_suite, strings_suite, tokens_suite]


# ---------------------------------------------------------------------------
# The contract's samples, and the files
# ---------------------------------------------------------------------------

def check_shared():
    """The model must give every expectation of the contract's sample file as written."""
    if not SHARED.exists():
        print(f"note: {SHARED} not found; the contract's samples were not checked")
        return []
    problems = []
    doc = json.loads(SHARED.read_text())
    for v in doc["vectors"]:
        try:
            got, _, kind = model_filter(v)
        except Problem as e:
            problems.append(f"shared {v['id']}: {e.args[0]}")
            continue
        exp = v["expect"]
        if not exp.get("ok"):
            if got != exp:
                problems.append(f"shared {v['id']}: expected {exp}, model says {got}")
            continue
        if not got["ok"] or sorted(exp["filter"]["rows"]) != sorted(got["filter"]["rows"]):
            problems.append(f"shared {v['id']}: expected {exp}, model says {got}")
        elif "kind" in exp["filter"] and exp["filter"]["kind"] != kind:
            problems.append(f"shared {v['id']}: kind {exp['filter']['kind']}, certain kind here {kind}")
    print(f"shared filters.json: {len(doc['vectors'])} vectors, {len(problems)} disagreement(s)")
    return problems


def build():
    problems = check_shared()
    suites = [make() for make in SUITES]
    for s in suites:
        vids = [v["id"] for v in s.vectors]
        dupes = sorted({i for i in vids if vids.count(i) > 1})
        if dupes:
            problems.append(f"{s.filename}: duplicate ids {dupes}")
        problems += s.problems
    for p in problems:
        print(f"MODEL {p}", file=sys.stderr)
    if problems:
        sys.exit(f"{len(problems)} problem(s); nothing written")
    OUT.mkdir(exist_ok=True)
    total = 0
    for s in suites:
        text = s.text()
        if json.loads(text) != json.loads(json.dumps({"suite": s.name, "vectors": s.vectors})):
            sys.exit(f"{s.filename}: the layout changed the document")
        (OUT / s.filename).write_text(text)
        kinds = [v["expect"].get("filter", {}).get("kind") for v in s.vectors]
        print(f"{s.filename}: {len(s.vectors)} vectors ({sum(k is not None for k in kinds)} with a kind)")
        total += len(s.vectors)
    print(f"{total} vectors in {len(suites)} files")


if __name__ == "__main__":
    build()
