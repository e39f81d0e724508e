"""The Python conformance runner: ``python -m wardgate.conformance FILE...``.

Runs every vector of the given files (the format of the contract's FORMAT.md)
through the public Python API, prints ``FAIL <file> <id>: expected ..., got ...``
for each mismatch and ends with ``N passed, N failed``. Exits 0 only when nothing
failed, 2 when no file was given.

A vector whose policy has ``keys.jwks_url`` is run like any other: the engine fetches
the key set (an unreachable URL gives ``KEYS_UNAVAILABLE``, 503). The runner does not
print the key cache's log records. A vector whose policy has a ``cache`` section has its
credential verified twice by one engine, and the two outcomes must be the same (the
second is a cache hit when the first verified).

A filter vector (one with ``filter`` instead of ``request``) is run as FORMAT.md says: the
filter is planned with :meth:`wardgate.Engine.filter`, its ``kind`` checked, ``matches``
evaluated on every row, ``authorize`` asked about every row, and the rows selected with the
filter's SQL from a table in an in-memory SQLite database (missing columns ``NULL``,
booleans ``0``/``1``); all three must select exactly the expected ids.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
from typing import Any, Dict, List, Optional, Sequence, TextIO, Tuple

from . import AuthError, ConfigError, Engine, FilterError, Principal

__all__ = ["filter_outcome", "main", "outcome", "run_files"]


def outcome(vector: Dict[str, Any]) -> Dict[str, Any]:
    """What the engine does with one vector, in the shape of its ``expect``."""
    try:
        engine = Engine(vector["policy"])
    except ConfigError as e:
        return {"config_error": True, "detail": str(e)}
    now = vector["now"]

    def verify() -> Tuple[Optional[Principal], Optional[Dict[str, Any]]]:
        try:
            if "token" in vector:
                return engine.verify(vector["token"], now=now), None
            if "authorization" in vector:
                return engine.verify_authorization(vector["authorization"], now=now), None
            return engine.verify("", now=now), None
        except AuthError as e:
            return None, {"ok": False, **e.to_dict()}

    principal, error = verify()
    # With a verified-token cache, the same credential again (a hit, when the first one
    # verified) must give the same outcome: a cache never changes an answer.
    policy = vector["policy"]
    if isinstance(policy, dict) and policy.get("cache") is not None:
        again, again_error = verify()
        if again != principal or again_error != error:
            shown = again_error if again_error is not None else {"principal": again.id if again else None}
            raise ValueError(f"the second verification (with the cache) differs from the first: {shown}")
    if principal is None:
        return error or {}
    got: Dict[str, Any] = {"ok": True, "principal": principal.to_dict()}
    if vector.get("filter") is not None:
        got.update(filter_outcome(engine, principal, vector["filter"]))
    request = vector.get("request")
    if request is not None:
        decision = engine.authorize(principal, request["action"], request.get("resource", {}), request.get("context"))
        got.update({"allowed": decision.allowed, "rules": list(decision.rules)})
        if not decision.allowed:
            got.update({"code": decision.code, "status": decision.status, "reason": decision.reason})
        if decision.errors:
            got["errors"] = list(decision.errors)
    return got


def filter_outcome(engine: Engine, principal: Principal, spec: Dict[str, Any]) -> Dict[str, Any]:
    """What a filter vector's ``filter`` gives: ``{"filter": {"rows", "kind"}}`` from
    ``matches``, with the ids that ``authorize`` allows (``authorize_rows``) and those the
    filter's SQL selects on SQLite (``sql_rows``), or ``filter_error``."""
    action, resource_type = spec["action"], spec["resource_type"]
    context = spec.get("context") or {}
    rows: List[Dict[str, Any]] = spec["rows"]
    try:
        planned = engine.filter(principal, action, resource_type, context)
        matched = [row["id"] for row in rows if planned.matches(row)]
        sql, params = planned.sql("sqlite", spec["columns"])
    except FilterError as e:
        return {"filter_error": {"code": e.code, "detail": e.detail}}
    allowed = [
        row["id"]
        for row in rows
        if engine.authorize(principal, action, {**row, "type": resource_type}, context).allowed
    ]
    return {
        "filter": {"rows": matched, "kind": planned.kind},
        "authorize_rows": allowed,
        "sql_rows": _select(spec["columns"], rows, sql, params),
        "sql": sql,
    }


#: The SQLite declaration of each column type (booleans as 0/1).
_SQLITE_TYPES = {"text": "TEXT", "integer": "INTEGER", "real": "REAL", "boolean": "INTEGER"}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _select(columns: Dict[str, str], rows: List[Dict[str, Any]], sql: str, params: List[Any]) -> List[Any]:
    """The ids of ``rows`` that ``WHERE sql`` selects from a fresh in-memory SQLite table."""
    names = list(columns)
    with sqlite3.connect(":memory:") as db:
        db.execute(f"CREATE TABLE t ({', '.join(f'{_quote(n)} {_SQLITE_TYPES[columns[n]]}' for n in names)})")
        db.executemany(
            f"INSERT INTO t ({', '.join(map(_quote, names))}) VALUES ({', '.join('?' for _ in names)})",
            [[row.get(n) for n in names] for row in rows],
        )
        selected = [r[0] for r in db.execute(f'SELECT "id" FROM t WHERE {sql}', params)]
    db.close()
    return selected


def _filter_mismatches(want: Dict[str, Any], got: Dict[str, Any]) -> List[str]:
    """What differs for a filter vector: the kind when given, and the rows selected by
    ``matches``, by ``authorize`` and by the SQL, each against the expected rows."""
    if "filter_error" in got:
        error = got["filter_error"]
        return [f"filter: expected rows {_json(sorted(want.get('rows', [])))}, got {error['code']}: {error['detail']}"]
    wrong = []
    have = got.get("filter") or {}
    if "kind" in want and want["kind"] != have.get("kind"):
        wrong.append(f"filter.kind: expected {_json(want['kind'])}, got {_json(have.get('kind'))}")
    expected = sorted(want.get("rows", []))
    for what, ids in (("matches", have.get("rows")), ("authorize", got.get("authorize_rows")),
                      ("sql (sqlite)", got.get("sql_rows"))):
        if sorted(ids or []) != expected:
            wrong.append(f"filter.rows by {what}: expected {_json(expected)}, got {_json(sorted(ids or []))}")
    if wrong and "sql" in got:
        wrong.append(f"the SQL: {got['sql']}")
    return wrong


def mismatches(expect: Dict[str, Any], got: Dict[str, Any]) -> List[str]:
    """What differs between ``expect`` and ``got``; only what ``expect`` states is compared."""
    if expect.get("config_error") is True or got.get("config_error") is True:
        return [] if expect.get("config_error") is got.get("config_error") is True else ["config_error"]
    wrong = []
    for key, want in expect.items():
        if key == "principal":
            have_principal = got.get("principal") or {}
            for field, value in want.items():
                if not _same(have_principal.get(field), value):
                    wrong.append(f"principal.{field}: expected {_json(value)}, got {_json(have_principal.get(field))}")
        elif key == "filter" and isinstance(want, dict):
            wrong.extend(_filter_mismatches(want, got))
        elif key == "rules":
            if sorted(want) != sorted(got.get("rules") or []):
                wrong.append(f"rules: expected {sorted(want)}, got {sorted(got.get('rules') or [])}")
        elif not _same(got.get(key), want):
            wrong.append(f"{key}: expected {_json(want)}, got {_json(got.get(key))}")
    return wrong


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``True`` is not ``1``, ``1`` is ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    numbers = isinstance(a, (int, float)) and isinstance(b, (int, float))
    return (type(a) is type(b) or numbers) and a == b


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _summary(got: Dict[str, Any]) -> str:
    short = dict(got)
    if isinstance(short.get("principal"), dict):
        short["principal"] = {k: v for k, v in short["principal"].items() if k != "claims"}
    short.pop("sql", None)
    return _json(short)


def _load(path: str) -> Tuple[Optional[List[Any]], Optional[str]]:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except OSError as e:
        return None, f"cannot read: {e.strerror}"
    except ValueError as e:
        return None, f"not JSON: {e}"
    vectors = doc.get("vectors") if isinstance(doc, dict) else None
    if not isinstance(vectors, list):
        return None, 'no "vectors" list'
    return vectors, None


def run_files(paths: Sequence[str], out: TextIO = sys.stdout) -> Tuple[int, int]:
    """Runs every vector of every file; returns ``(passed, failed)``. ``paths`` is a list of
    paths: a single ``str`` is a ``TypeError``, not read as its characters."""
    if isinstance(paths, (str, bytes)):
        raise TypeError(f"paths must be a list of file paths, not {type(paths).__name__}")
    passed = failed = 0
    for path in paths:
        vectors, problem = _load(path)
        if vectors is None:
            failed += 1
            print(f"FAIL {path} (file): {problem}", file=out)
            continue
        for index, vector in enumerate(vectors):
            vid = vector.get("id", f"#{index}") if isinstance(vector, dict) else f"#{index}"
            try:
                expect = vector["expect"]
                got = outcome(vector)
                wrong = mismatches(expect, got)
            except (KeyError, TypeError, ValueError, sqlite3.Error) as e:
                wrong, expect, got = [f"the vector cannot be run: {type(e).__name__}: {e}"], {}, {}
            if wrong:
                failed += 1
                print(f"FAIL {path} {vid}: expected {_json(expect)}, got {_summary(got)} ({'; '.join(wrong)})", file=out)
            else:
                passed += 1
    return passed, failed


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The command line: runs the files named in ``argv`` (a list); returns the exit status."""
    if isinstance(argv, (str, bytes)):
        raise TypeError(f"argv must be a list of arguments, not {type(argv).__name__}")
    paths = list(sys.argv[1:] if argv is None else argv)
    if not paths or paths[0] in ("-h", "--help"):
        print("usage: python -m wardgate.conformance FILE...", file=sys.stderr)
        return 2
    # Failed fetches are expected outcomes of some vectors, not news for the console.
    logging.getLogger("wardgate").addHandler(logging.NullHandler())
    passed, failed = run_files(paths)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
