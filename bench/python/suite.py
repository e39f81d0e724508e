#!/usr/bin/env python3
"""Python harness of the benchmark suite (see bench/README.md, the contract it follows).

Compares, on the tokens, keys and policies of ``bench/fixtures.py``, for EdDSA, ES256, ES512,
RS256, PS256 and HS256, three ways of verifying a JWT from Python, each called the way an
application would call it, with its key parsed once outside the timing:

    wardgate  engine.verify(token)                    (Engine built once from the policy)
    PyJWT       jwt.decode(token, key, algorithms=[alg], audience=AUD, issuer=ISS,
                           options={"require": ["exp", "sub", "iss", "aud"]})
    joserfc     claims_registry.validate(jwt.decode(token, key, algorithms=[alg]).claims)

All three check the signature, ``iss``, ``aud`` and ``exp`` at the real current time (and
that ``sub`` is present). Before anything is timed, each must accept every token and refuse
a tampered, an expired, a wrong-issuer and a wrong-audience one, or the run aborts. Beside
them, Wardgate alone: ``verify-cached`` (a verified-token cache hit, EdDSA) and
``authorize`` (the ``allow-owner`` and ``deny-other`` requests against four rules).

List filters (the fixtures' ``filter`` case: examples/policy.json, ``read`` on ``todo``):
``filter`` (``engine.filter(principal, action, resource_type)`` for a user, an admin and a
banned user: a conditional, an always and a never filter), ``filter-sql`` (the user's
``filter.sql("sqlite", columns)``) and ``list``: one request of a list endpoint on a SQLite
file (``sqlite3``) whose caller owns 1% of the rows, ``wardgate`` planning the filter and
running ``SELECT ... WHERE <its condition>`` (``owner_id`` indexed), ``wardgate (authorize
each row)`` selecting every row and keeping those ``engine.authorize`` allows; both return
the same row tuples. 100,000 rows (10,000 under ``--quick``), built once per run; the two
``list`` sides run interleaved with each other, after the others.

Revocation (the fixtures' ``revocation`` case): ``verify-revocation`` (``engine.verify`` of an
EdDSA token with ``sid`` and ``jti`` claims) and ``verify-cached-revocation`` (a verified-token
cache hit of it), each as ``wardgate`` (no ``revocation`` section) and ``wardgate (redis)``
(``revocation.redis_url``: bench/run's own server, holding the fixtures' revoked set). Each
Redis engine must report ``revocation_status()`` ``ready`` with every entry, and refuse the
same claims with a revoked ``sid``, before it is timed.

Timing (bench/README.md, "Method"): every side runs interleaved with all the others, for
``rounds`` rounds (full 30, quick 5); in each round each side runs for about ``batch``
(full 20 ms, quick 5 ms), in an order that rotates every round. A sample is the time of
``k`` consecutive calls over ``k``, ``k`` being the smallest power of two that makes a sample
last at least 10 us. A row gives the median and 99th percentile of all samples of a side and
``ops_per_s = 1e9 / median``. The garbage collector stays on.

Extras: ``import_ms`` (median over fresh interpreters of the time of the import statement),
``rss_per_engine`` and ``rss_per_cached_token`` (RSS growth in a fresh process, per engine or
per cached token), ``throughput_1`` and ``throughput_2`` (EdDSA verifications per second on
one and on two threads; Wardgate releases the GIL while it verifies).

    .venv/bin/python bench/python/suite.py --fixtures FILE --out FILE [--quick]
"""
from __future__ import annotations

import argparse
import base64
import gc
import hashlib
import hmac
import importlib.util
import json
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import cryptography
import joserfc
import jwt
import wardgate
from cryptography.hazmat.backends.openssl.backend import backend as openssl_backend
from cryptography.hazmat.primitives import serialization
from joserfc import jwt as jose_jwt
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import Key as JoseKey
from joserfc.jwk import OctKey, import_key
from jwt.types import Options as PyJWTOptions

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = "python"
EVIL = "https://evil.example.com"
#: PyJWT's options: the claims Wardgate requires as well.
PYJWT_OPTIONS: PyJWTOptions = {"require": ["exp", "sub", "iss", "aud"]}
#: A sample lasts at least this long (ns): k calls are grouped until it does.
MIN_SAMPLE_NS = 10_000
#: The libraries compared in ``verify``, Wardgate first.
LIBRARIES = ("wardgate", "PyJWT", "joserfc")
#: The import statement timed for each library's ``import_ms``.
IMPORTS = {"wardgate": "import wardgate", "PyJWT": "import jwt", "joserfc": "from joserfc import jwt"}

# joserfc warns on every EdDSA verification that RFC 9864 deprecates the "EdDSA" name (it
# wants "Ed25519"); the tokens say "EdDSA", as Better Auth's do. An application accepting
# them silences the warning the same way.
warnings.filterwarnings("ignore", category=SecurityWarning)

#: ``run(k)`` makes k calls and returns the elapsed nanoseconds.
Timer = Callable[[int], int]


@dataclass(frozen=True)
class Settings:
    rounds: int
    batch_ns: int
    import_runs: int
    throughput_s: float

    @staticmethod
    def of(quick: bool) -> "Settings":
        if quick:
            return Settings(rounds=5, batch_ns=5_000_000, import_runs=5, throughput_s=0.5)
        return Settings(rounds=30, batch_ns=20_000_000, import_runs=20, throughput_s=2.0)


@dataclass
class Side:
    """One row to measure: its labels, its timer, and the per-call samples (ns)."""

    library: str
    operation: str
    alg: str
    run: Timer
    k: int = 1
    samples: list[float] = field(default_factory=list)


# --- the verifiers ---------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_fixtures_module() -> ModuleType:
    """bench/fixtures.py, for its table of private key files (to sign the refused tokens)."""
    spec = importlib.util.spec_from_file_location("bench_fixtures", ROOT / "bench" / "fixtures.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Case:
    """One algorithm of the fixtures: the three verifiers over its key, and its token."""

    def __init__(self, case: dict[str, Any], iss: str, aud: str) -> None:
        self.alg: str = case["alg"]
        self.kid: str | None = case["kid"]
        self.token: str = case["token"]
        self.iss, self.aud = iss, aud
        self.secret: bytes | None = case["secret"].encode() if case["secret"] is not None else None
        self.engine = wardgate.Engine(case["policy"])
        self.pyjwt_key: Any = (self.secret if self.secret is not None
                               else serialization.load_pem_public_key(case["public_pem"].encode()))
        self.jose_key: JoseKey = (OctKey.import_key(self.secret) if self.secret is not None
                                  else import_key(case["jwk"]))
        self.jose_claims = jose_jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": iss}, aud={"essential": True, "value": aud},
            exp={"essential": True}, sub={"essential": True})

    # Each returns the verified claims or raises the library's refusal.
    def wardgate_verify(self, token: str) -> dict[str, Any]:
        return self.engine.verify(token).claims

    def pyjwt_verify(self, token: str) -> dict[str, Any]:
        return jwt.decode(token, self.pyjwt_key, algorithms=[self.alg], audience=self.aud,
                          issuer=self.iss, options=PYJWT_OPTIONS)

    def joserfc_verify(self, token: str) -> dict[str, Any]:
        claims = jose_jwt.decode(token, self.jose_key, algorithms=[self.alg]).claims
        self.jose_claims.validate(claims)
        return claims

    def verifiers(self) -> dict[str, tuple[Callable[[str], dict[str, Any]], type[Exception]]]:
        """Library -> (verify, the exception it refuses a token with)."""
        return {"wardgate": (self.wardgate_verify, wardgate.AuthError),
                "PyJWT": (self.pyjwt_verify, jwt.InvalidTokenError),
                "joserfc": (self.joserfc_verify, JoseError)}

    def timers(self) -> dict[str, Timer]:
        return {"wardgate": wardgate_timer(self.engine, self.token),
                "PyJWT": pyjwt_timer(self.token, self.pyjwt_key, self.alg, self.iss, self.aud),
                "joserfc": joserfc_timer(self.token, self.jose_key, self.alg, self.jose_claims)}

    def bad_tokens(self, key_files: dict[str, tuple[str | None, str | None]]) -> dict[str, str]:
        """Tokens every side must refuse: a changed payload byte, and signed (with the private
        key of tests/keys/) tokens expired, from another issuer, for another audience."""
        header, payload, signature = self.token.split(".")
        claims = json.loads(b64decode(payload))
        raw = bytearray(b64decode(payload))
        raw[raw.index(b'"user"') + 1] ^= 0x20  # "user" -> "User": still valid JSON
        pem = key_files[self.alg][0]
        signing_key: Any = (self.secret if pem is None else serialization.load_pem_private_key(
            (ROOT / "tests" / "keys" / pem).read_bytes(), password=None))
        headers = {"kid": self.kid} if self.kid else None
        now = int(time.time())

        def sign(**changes: Any) -> str:
            return jwt.encode({**claims, **changes}, signing_key, algorithm=self.alg, headers=headers)

        return {"tampered": f"{header}.{b64(bytes(raw))}.{signature}",
                "expired": sign(iat=now - 7200, exp=now - 3600),
                "wrong issuer": sign(iss=EVIL),
                "wrong audience": sign(aud=EVIL)}

    def check(self, key_files: dict[str, tuple[str | None, str | None]]) -> None:
        """Every side accepts the token and refuses the bad ones, else the run aborts."""
        bad = self.bad_tokens(key_files)
        for library, (verify, refusal) in self.verifiers().items():
            if verify(self.token).get("sub") != "user_1":
                abort(f"{self.alg}: {library} returned the wrong claims for the fixture token")
            for what, token in bad.items():
                try:
                    verify(token)
                except refusal:
                    continue
                except Exception as error:  # noqa: BLE001 - named in the message
                    abort(f"{self.alg}: {library} refused the {what} token with an unexpected "
                          f"{type(error).__name__}: {error}")
                abort(f"{self.alg}: {library} accepted the {what} token (before timing)")


def abort(message: str) -> None:
    sys.exit(f"suite.py: {message}")


# --- timers: one per kind of call, the callee and its arguments bound outside the loop -------


def wardgate_timer(engine: wardgate.Engine, token: str) -> Timer:
    verify, clock = engine.verify, time.perf_counter_ns

    def run(k: int) -> int:
        start = clock()
        for _ in repeat(None, k):
            verify(token)
        return clock() - start

    return run


def pyjwt_timer(token: str, key: Any, alg: str, iss: str, aud: str) -> Timer:
    decode, algorithms, clock = jwt.decode, [alg], time.perf_counter_ns

    def run(k: int) -> int:
        start = clock()
        for _ in repeat(None, k):
            decode(token, key, algorithms=algorithms, audience=aud, issuer=iss, options=PYJWT_OPTIONS)
        return clock() - start

    return run


def joserfc_timer(token: str, key: JoseKey, alg: str, registry: jose_jwt.JWTClaimsRegistry) -> Timer:
    decode, validate, algorithms, clock = jose_jwt.decode, registry.validate, [alg], time.perf_counter_ns

    def run(k: int) -> int:
        start = clock()
        for _ in repeat(None, k):
            validate(decode(token, key, algorithms=algorithms).claims)
        return clock() - start

    return run


def authorize_timer(engine: wardgate.Engine, principal: wardgate.Principal, action: str,
                    resource: dict[str, Any]) -> Timer:
    authorize, clock = engine.authorize, time.perf_counter_ns

    def run(k: int) -> int:
        start = clock()
        for _ in repeat(None, k):
            authorize(principal, action, resource)
        return clock() - start

    return run


# --- the sides ---------------------------------------------------------------------------------


def verify_sides(fixtures: dict[str, Any]) -> list[Side]:
    key_files = load_fixtures_module().ALGORITHMS
    sides = []
    for raw in fixtures["cases"]:
        case = Case(raw, fixtures["issuer"], fixtures["audience"])
        case.check(key_files)
        sides += [Side(library, "verify", case.alg, run) for library, run in case.timers().items()]
    return sides


def cached_side(fixtures: dict[str, Any]) -> tuple[Side, wardgate.Engine]:
    cache = fixtures["cache"]
    engine = wardgate.Engine(cache["policy"])
    if engine.verify(cache["token"]).id != "user_1":
        abort("verify-cached: the cache token did not verify as user_1")
    return Side("wardgate", "verify-cached", cache["alg"], wardgate_timer(engine, cache["token"])), engine


#: The library names of the revocation sides: no revocation section, and a Redis source.
REVOCATION_LIBRARIES = {"policy": "wardgate", "redis_policy": "wardgate (redis)",
                        "cache_policy": "wardgate", "redis_cache_policy": "wardgate (redis)"}
#: How long a Redis engine's mirror may take to hold the whole set (s).
READY_WITHIN_S = 10.0


def wait_ready(engine: wardgate.Engine, entries: int, label: str) -> None:
    """Waits until ``engine``'s Redis mirror is ``ready`` and holds ``entries`` entries."""
    deadline = time.monotonic() + READY_WITHIN_S
    while True:
        status = engine.revocation_status()
        if status is not None and status["state"] == "ready" and status["entries"] == entries:
            return
        if time.monotonic() > deadline:
            abort(f"{label}: the Redis mirror is not ready with {entries} entries after {READY_WITHIN_S:g} s: {status}")
        time.sleep(0.01)


def refusal(engine: wardgate.Engine, token: str) -> str | None:
    """The reason ``engine`` refuses ``token`` with, or None when it accepts it."""
    try:
        engine.verify(token)
    except wardgate.AuthError as error:
        return error.reason
    return None


def revocation_sides(fixtures: dict[str, Any]) -> list[Side]:
    """The revocation case: each operation without, then with, the Redis source; each engine
    checked first (the token accepted, its payload tampered with refused, the revoked-``sid``
    token refused by the Redis engines only, a cache hit for the cache engines)."""
    spec = fixtures["revocation"]
    token, revoked, entries = spec["token"], spec["revoked_token"], int(spec["entries"]["total"])
    header, payload, signature = token.split(".")
    tampered = f"{header}.{b64(json.dumps({**json.loads(b64decode(payload)), 'role': 'admin'}).encode())}.{signature}"
    sides = []
    for operation, keys in (("verify-revocation", ("policy", "redis_policy")),
                            ("verify-cached-revocation", ("cache_policy", "redis_cache_policy"))):
        for key in keys:
            library, label = REVOCATION_LIBRARIES[key], f"{operation}, {REVOCATION_LIBRARIES[key]}"
            engine = wardgate.Engine(spec[key])
            if key.startswith("redis"):
                wait_ready(engine, entries, label)
                if refusal(engine, revoked) != "revoked":
                    abort(f"{label}: the token with a revoked sid is not refused as revoked")
            elif refusal(engine, revoked) is not None:
                abort(f"{label}: without a revocation set, the token with a revoked sid is refused")
            principal = engine.verify(token)
            if principal.id != "user_1" or "sid" not in principal.claims or "jti" not in principal.claims:
                abort(f"{label}: the revocation token did not verify as user_1 with its sid and jti")
            if refusal(engine, tampered) != "bad_signature":
                abort(f"{label}: the revocation token with its payload tampered with is not refused")
            if key.endswith("cache_policy"):
                engine.verify(token)
                status = engine.cache_status()
                if not status or status["hits"] <= 0:
                    abort(f"{label}: the second verification is not a cache hit")
            sides.append(Side(library, operation, spec["alg"], wardgate_timer(engine, token)))
    return sides


def authorize_sides(fixtures: dict[str, Any]) -> list[Side]:
    spec = fixtures["authorize"]
    engine = wardgate.Engine(spec["policy"])
    principal = engine.verify(spec["token"])
    sides = []
    for request in spec["requests"]:
        decision = engine.authorize(principal, request["action"], request["resource"])
        if decision.allowed != request["allowed"]:
            abort(f"authorize {request['name']}: allowed is {decision.allowed}, "
                  f"the fixtures say {request['allowed']}")
        sides.append(Side("wardgate", "authorize", request["name"],
                          authorize_timer(engine, principal, request["action"], request["resource"])))
    return sides


# --- list filters ------------------------------------------------------------------------------

#: The columns both sides of the list endpoint read, in the order of a row tuple.
LIST_SELECT = "SELECT id, owner_id, title, done FROM todos"


def filter_setup(fixtures: dict[str, Any]) -> tuple[dict[str, Any], wardgate.Engine, dict[str, wardgate.Principal]]:
    """The filter case, its engine (the example policy) and its principals by name, each
    checked to get the kind of filter the fixtures give."""
    spec = fixtures["filter"]
    engine = wardgate.Engine(spec["policy"])
    principals = {}
    for p in spec["principals"]:
        principal = engine.verify(p["token"])
        kind = engine.filter(principal, spec["action"], spec["resource_type"]).kind
        if kind != p["kind"]:
            abort(f"filter {p['name']}: the filter is {kind}, the fixtures say {p['kind']}")
        principals[p["name"]] = principal
    return spec, engine, principals


def filter_timer(engine: wardgate.Engine, principal: wardgate.Principal, action: str, resource_type: str) -> Timer:
    plan, clock = engine.filter, time.perf_counter_ns

    def run(k: int) -> int:
        start = clock()
        for _ in repeat(None, k):
            plan(principal, action, resource_type)
        return clock() - start

    return run


def filter_sql_timer(planned: wardgate.Filter, columns: dict[str, Any]) -> Timer:
    sql, clock = planned.sql, time.perf_counter_ns

    def run(k: int) -> int:
        start = clock()
        for _ in repeat(None, k):
            sql("sqlite", columns)
        return clock() - start

    return run


def filter_sides(fixtures: dict[str, Any]) -> list[Side]:
    """``filter`` for every principal, then ``filter-sql`` for the conditional one."""
    spec, engine, principals = filter_setup(fixtures)
    action, resource_type, columns = spec["action"], spec["resource_type"], spec["columns"]
    sides = [Side("wardgate", "filter", name, filter_timer(engine, principal, action, resource_type))
             for name, principal in principals.items()]
    name = next(p["name"] for p in spec["principals"] if p["kind"] == "conditional")
    planned = engine.filter(principals[name], action, resource_type)
    text, params = planned.sql("sqlite", columns)
    if "?" not in text or not params:
        abort(f"filter-sql {name}: {text!r} binds no parameter")
    sides.append(Side("wardgate", "filter-sql", name, filter_sql_timer(planned, columns)))
    return sides


def list_database(path: Path, rows: int, owners: int) -> sqlite3.Connection:
    """The list endpoint's table (bench/fixtures.py, ``filter.list``) in a new SQLite file."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE todos (id TEXT PRIMARY KEY, owner_id TEXT NOT NULL, title TEXT NOT NULL, "
                  "done INTEGER NOT NULL)")
    with conn:
        conn.executemany("INSERT INTO todos VALUES (?, ?, ?, ?)",
                         ((f"todo_{i}", f"user_{i % owners}", f"Todo {i}", int(i % 3 == 0)) for i in range(rows)))
    conn.executescript("CREATE INDEX todos_owner_id ON todos (owner_id); ANALYZE;")
    return conn


def list_filtered(conn: sqlite3.Connection, engine: wardgate.Engine, principal: wardgate.Principal, action: str,
                  resource_type: str, columns: dict[str, Any]) -> Callable[[], list[tuple[Any, ...]]]:
    """The endpoint with a filter: plan it, write its SQL, run the filtered query."""
    plan, execute = engine.filter, conn.execute

    def call() -> list[tuple[Any, ...]]:
        where, params = plan(principal, action, resource_type).sql("sqlite", columns)
        return execute(f"{LIST_SELECT} WHERE {where}", params).fetchall()

    return call


def list_authorized(conn: sqlite3.Connection, engine: wardgate.Engine, principal: wardgate.Principal, action: str,
                    resource_type: str) -> Callable[[], list[tuple[Any, ...]]]:
    """The endpoint without one: every row, each row's resource through ``authorize``."""
    authorize, execute = engine.authorize, conn.execute

    def call() -> list[tuple[Any, ...]]:
        allowed = []
        for row in execute(LIST_SELECT):
            todo_id, owner_id, title, done = row
            resource = {"type": resource_type, "id": todo_id, "owner_id": owner_id, "title": title,
                        "done": bool(done)}
            if authorize(principal, action, resource).allowed:
                allowed.append(row)
        return allowed

    return call


def call_timer(call: Callable[[], Any]) -> Timer:
    clock = time.perf_counter_ns

    def run(k: int) -> int:
        start = clock()
        for _ in repeat(None, k):
            call()
        return clock() - start

    return run


def list_sides(fixtures: dict[str, Any], quick: bool, folder: Path) -> tuple[list[Side], sqlite3.Connection]:
    """``list``: the filtered query and authorize-each-row, checked to return the same rows
    (the caller's, 1 in ``owners``), over a database written into ``folder``."""
    spec, engine, principals = filter_setup(fixtures)
    table = spec["list"]
    rows, owners = int(table["quick_rows" if quick else "rows"]), int(table["owners"])
    principal = principals[table["principal"]]
    conn = list_database(folder / "list.sqlite", rows, owners)
    where, params = engine.filter(principal, spec["action"], spec["resource_type"]).sql("sqlite", spec["columns"])
    plan = [step[3] for step in conn.execute(f"EXPLAIN QUERY PLAN {LIST_SELECT} WHERE {where}", params)]
    if not any("todos_owner_id" in step for step in plan):
        abort(f"list: the filtered query does not use the owner_id index: {plan}")
    filtered = list_filtered(conn, engine, principal, spec["action"], spec["resource_type"], spec["columns"])
    each = list_authorized(conn, engine, principal, spec["action"], spec["resource_type"])
    mine, theirs = filtered(), each()
    expected = sum(1 for i in range(rows) if i % owners == 1)
    if len(mine) != expected or any(row[1] != principal.id for row in mine):
        abort(f"list: the filtered query returns {len(mine)} rows, expected the caller's {expected}")
    if sorted(mine) != sorted(theirs):
        abort("list: the filtered query and authorize disagree")
    alg = f"{expected} of {rows} rows"
    return [Side("wardgate", "list", alg, call_timer(filtered)),
            Side("wardgate (authorize each row)", "list", alg, call_timer(each))], conn


# --- sampling ----------------------------------------------------------------------------------


def calibrate(run: Timer) -> int:
    """The smallest power of two k whose k calls last at least MIN_SAMPLE_NS (the best of
    three tries, so one interruption does not make k too small). Also warms up."""
    run(1)
    k = 1
    while min(run(k) for _ in range(3)) < MIN_SAMPLE_NS:
        k *= 2
    return k


def batch(side: Side, batch_ns: int) -> None:
    """Samples for about batch_ns (at least one)."""
    run, k, samples, clock = side.run, side.k, side.samples, time.perf_counter_ns
    deadline = clock() + batch_ns
    while True:
        samples.append(run(k) / k)
        if clock() >= deadline:
            return


def measure(sides: list[Side], settings: Settings) -> None:
    """Interleaved rounds, the order of the sides rotating every round."""
    for side in sides:
        side.k = calibrate(side.run)
    for r in range(settings.rounds):
        shift = r % len(sides)
        for side in sides[shift:] + sides[:shift]:
            batch(side, settings.batch_ns)


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def rows_of(sides: list[Side]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for side in sides:
        median = statistics.median(side.samples)
        rows.append({"runtime": RUNTIME, "library": side.library, "operation": side.operation,
                     "alg": side.alg, "median_ns": round(median, 1),
                     "p99_ns": round(percentile(side.samples, 0.99), 1),
                     "ops_per_s": round(1e9 / median, 1)})
    wardgate_median: dict[tuple[str, str], float] = {
        (r["operation"], r["alg"]): r["median_ns"] for r in rows if r["library"] == "wardgate"}
    for row in rows:
        base = wardgate_median.get((row["operation"], row["alg"]))
        if base:
            row["ratio_to_wardgate"] = round(row["median_ns"] / base, 3)
    return rows


# --- extras: fresh interpreters ------------------------------------------------------------------


def run_child(args: list[str]) -> str:
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"suite.py: child {args[:2]} failed:\n{done.stderr}")
    return done.stdout.strip()


def import_extras(settings: Settings) -> list[dict[str, Any]]:
    """Per library, the median over fresh interpreters of the time its import statement takes
    (measured inside the child); the libraries alternate from one interpreter to the next."""
    times: dict[str, list[float]] = {library: [] for library in IMPORTS}
    for _ in range(settings.import_runs):
        for library, statement in IMPORTS.items():
            code = ("import time; t = time.perf_counter_ns(); " + statement
                    + "; print(time.perf_counter_ns() - t)")
            times[library].append(int(run_child(["-c", code])) / 1e6)
    return [extra(library, "import_ms", statistics.median(values), "ms",
                  f"median of {settings.import_runs} fresh interpreters")
            for library, values in times.items()]


def rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def child_rss_per_engine(fixtures: dict[str, Any]) -> float:
    """RSS growth from creating and holding memory.engines engines, per engine."""
    memory = fixtures["memory"]
    policy, count = memory["engine_policy"], int(memory["engines"])
    holder: list[wardgate.Engine] = []
    holder.append(wardgate.Engine(policy))  # the first one loads what every engine shares
    holder.clear()
    gc.collect()
    before = rss_bytes()
    holder.extend(wardgate.Engine(policy) for _ in range(count))
    gc.collect()
    return (rss_bytes() - before) / count


def sign_hs256(claims: dict[str, Any], secret: bytes, header: str) -> str:
    body = b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{body}"
    return f"{signing_input}.{b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"


def child_rss_per_cached_token(fixtures: dict[str, Any]) -> float:
    """RSS growth from making one engine whose cache holds memory.cached_tokens entries and
    verifying that many distinct HS256 tokens once each through it, per token (the tokens
    are made beforehand; the cache's own table is part of what is counted)."""
    memory = fixtures["memory"]
    count, secret = int(memory["cached_tokens"]), memory["secret"].encode()
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    tokens = [sign_hs256({**memory["claims"], "sub": f"user_{i}"}, secret, header) for i in range(count)]
    gc.collect()
    before = rss_bytes()
    engine = wardgate.Engine(memory["cache_policy"])
    verify = engine.verify
    for token in tokens:
        verify(token)
    gc.collect()
    growth = rss_bytes() - before
    status = engine.cache_status()
    if status is None or status["entries"] != count:
        raise RuntimeError(f"the cache holds {status and status['entries']} tokens, expected {count}")
    return growth / count


CHILDREN: dict[str, Callable[[dict[str, Any]], float]] = {
    "rss_per_engine": child_rss_per_engine,
    "rss_per_cached_token": child_rss_per_cached_token,
}


def memory_extras(fixtures_path: Path, fixtures: dict[str, Any]) -> list[dict[str, Any]]:
    memory = fixtures["memory"]
    notes = {"rss_per_engine": f"RSS growth for {memory['engines']:,} engines / {memory['engines']:,}",
             "rss_per_cached_token": f"RSS growth for {memory['cached_tokens']:,} verified-token cache entries"
                                     f" (engine included) / {memory['cached_tokens']:,}"}
    extras = []
    for measure_name in CHILDREN:
        value = float(run_child([__file__, "--child", measure_name, "--fixtures", str(fixtures_path)]))
        extras.append(extra("wardgate", measure_name, value, "bytes", notes[measure_name]))
    return extras


# --- extras: threads -----------------------------------------------------------------------------


def throughput(verify: Callable[[str], Any], token: str, threads: int, seconds: float) -> float:
    """Verifications per second of `threads` threads, each looping for `seconds`."""
    counts = [0] * threads
    start_line = threading.Barrier(threads + 1)
    clock = time.perf_counter

    def worker(slot: int) -> None:
        start_line.wait()
        deadline = clock() + seconds
        n = 0
        while clock() < deadline:
            for _ in repeat(None, 8):
                verify(token)
            n += 8
        counts[slot] = n

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    start_line.wait()
    began = clock()
    for thread in pool:
        thread.join()
    return sum(counts) / (clock() - began)


def throughput_extras(fixtures: dict[str, Any], settings: Settings) -> list[dict[str, Any]]:
    raw = next(c for c in fixtures["cases"] if c["alg"] == "EdDSA")
    case = Case(raw, fixtures["issuer"], fixtures["audience"])
    extras = []
    for library, (verify, _) in case.verifiers().items():
        for threads in (1, 2):
            value = throughput(verify, case.token, threads, settings.throughput_s)
            extras.append(extra(library, f"throughput_{threads}", round(value, 1), "verifications/s",
                                f"{threads} thread{'s' if threads > 1 else ''}, {settings.throughput_s:.1f} s, EdDSA"))
    return extras


def extra(library: str, measure_name: str, value: float, unit: str, note: str) -> dict[str, Any]:
    return {"runtime": RUNTIME, "library": library, "measure": measure_name,
            "value": round(value, 3), "unit": unit, "note": note}


# --- report ----------------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    return {"python": platform.python_version(), "wardgate": wardgate.__version__,
            "PyJWT": jwt.__version__, "joserfc": joserfc.__version__,
            "cryptography": cryptography.__version__, "openssl": openssl_backend.openssl_version_text(),
            "sqlite": sqlite3.sqlite_version}


def fmt_ns(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1000:.2f} µs" if ns >= 1000 else f"{ns:.0f} ns"


def table(header: tuple[str, ...], lines: list[tuple[str, ...]]) -> str:
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(header, widths)).rstrip(),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines]
    return "\n".join(out)


def print_report(document: dict[str, Any], settings: Settings, wall_s: float) -> None:
    print("  ".join(f"{k} {v}" for k, v in document["versions"].items()))
    print(f"{settings.rounds} rounds of ~{settings.batch_ns / 1e6:g} ms per side, samples of >= 10 µs; "
          f"ratio = library median / wardgate median\n")
    print(table(("operation", "alg", "library", "median", "p99", "ops/s", "ratio"),
                [(r["operation"], r["alg"], r["library"], fmt_ns(r["median_ns"]), fmt_ns(r["p99_ns"]),
                  f"{r['ops_per_s']:,.0f}", f"{r['ratio_to_wardgate']:.2f}x")
                 for r in document["rows"]]))
    print()
    print(table(("measure", "library", "value", "note"),
                [(e["measure"], e["library"], f"{e['value']:,.2f} {e['unit']}", e["note"])
                 for e in document["extras"]]))
    print(f"\nwall time {wall_s:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", type=Path, required=True, help="written by bench/fixtures.py")
    parser.add_argument("--out", type=Path, help="the harness's JSON (bench/README.md)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 5 rounds of ~5 ms per side")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    args = parser.parse_args()
    fixtures = json.loads(args.fixtures.read_text())
    if args.child:
        print(CHILDREN[args.child](fixtures))
        return 0
    if args.out is None:
        parser.error("--out is required")

    began = time.perf_counter()
    settings = Settings.of(args.quick)
    cached, cached_engine = cached_side(fixtures)
    sides = (verify_sides(fixtures) + [cached] + authorize_sides(fixtures) + filter_sides(fixtures)
             + revocation_sides(fixtures))
    measure(sides, settings)
    # The list endpoint's sides take milliseconds a call and churn memory: they run
    # interleaved with each other only.
    with tempfile.TemporaryDirectory(prefix="wardgate-bench-") as folder:
        listing, conn = list_sides(fixtures, args.quick, Path(folder))
        measure(listing, settings)
        conn.close()
    sides += listing
    status = cached_engine.cache_status()
    if not status or status["hits"] <= 0:
        abort("verify-cached: the engine's cache reports no hits")
    document = {
        "runtime": RUNTIME,
        "versions": versions(),
        "rows": rows_of(sides),
        "extras": import_extras(settings) + memory_extras(args.fixtures, fixtures)
                  + throughput_extras(fixtures, settings),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2) + "\n")
    print_report(document, settings, time.perf_counter() - began)
    return 0


if __name__ == "__main__":
    sys.exit(main())
