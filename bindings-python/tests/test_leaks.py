"""Hardening: when something fails, nothing Python code can see holds the token, a key or
a secret (FORMAT.md: the ``detail`` "never contains the token, a key or a secret").

The failures come from data: every conformance vector (the project's, and the shared ones
beside the repository when present) goes through every form of loading, verifying and
checking, once as written and once with its token's signature altered. Each exception is
turned into every text it can give (``str``, ``repr``, ``args``, each attribute, the
formatted traceback with its chained exceptions), each denied decision into its ``repr``,
``to_dict()``, errors and the exception of ``raise_if_denied()``; ``repr()`` of the engine
and of principals, ``key_status()`` and every record of the ``wardgate`` logger are
searched too. The needles: the token and its parts, the ``Authorization`` value, and every
string under the policy's ``keys``. Wrong argument types and remote key sets that serve
private keys, garbage, errors or oversized bodies are covered at the end.
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

import pytest

from wardgate import AuthError, ConfigError, Decision, Engine, Principal

from conftest import NOW, b64url, claims, project_vector_files, shared_vector_files
from jwks_server import JwksServer, remote_policy


#: Needles shorter than this are not looked for: short strings (``sig``, ``P-256``) are
#: ordinary words of the messages.
MIN_NEEDLE = 8

#: Members whose string values are not needles, on purpose: key ids are public names
#: (``key_status()`` lists them, key events name them); the others name key types, curves,
#: algorithms and uses, not key material, and a configuration error quotes an unsupported
#: one (``"secp256k1" is not supported``) so that its author sees what was refused.
PUBLIC_NAMES = {"kid", "kty", "crv", "alg", "use", "key_ops"}

#: A request that no vector's rules permit, so that every verified token is also denied.
NOBODYS = ("leak-check", {"type": "leak-check", "owner_id": "nobody"}, None)

Needle = Tuple[str, str]  # (what it is, the text)


# --- Needles: what must never be shown --------------------------------------------------


def push(out: Set[Needle], what: str, text: str) -> None:
    if len(text) >= MIN_NEEDLE:
        out.add((what, text))


def credential_needles(what: str, credential: str, out: Set[Needle]) -> None:
    """The whole value, each whitespace-separated word and each dot-separated part."""
    push(out, what, credential)
    for word in credential.split():
        push(out, f"{what} (a word)", word)
        for i, part in enumerate(word.split(".")):
            push(out, f"{what} (part {i + 1})", part)


def key_needles(value: Any, out: Set[Needle], path: str = "keys", name: str = "") -> None:
    """Every string (and long number) under a ``keys`` section, but the public names.

    ``keys.jwks_url`` is shown on purpose without its query (``key_status()["url"]``, the
    log); its query, which may hold a credential, is a needle, and so is the whole URL when
    it has a query or user info.
    """
    if isinstance(value, dict):
        for member, item in value.items():
            key_needles(item, out, f"{path}.{member}", member)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            key_needles(item, out, f"{path}[{i}]", name)
    elif isinstance(value, str):
        if name in PUBLIC_NAMES:
            return
        if path == "keys.jwks_url":
            if "?" in value:
                push(out, "the query of keys.jwks_url", value.split("?", 1)[1])
                push(out, "keys.jwks_url with its query", value)
            if "@" in value:
                push(out, "keys.jwks_url with user info", value)
            return
        push(out, path, value)
        if "-----BEGIN" in value:
            for line in value.splitlines():
                if not line.startswith("-----"):
                    push(out, f"{path} (a PEM line)", line.strip())
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        push(out, path, json.dumps(value))


# --- The audit: every text a failure gives, searched for the needles --------------------


class Case:
    """One run of a vector (or of a test's own input) and its needles."""

    def __init__(self, vector: str, variant: str, needles: Set[Needle]) -> None:
        self.vector = vector
        self.id = vector + variant
        self.needles = needles


class Audit:
    def __init__(self) -> None:
        self.config_errors = 0
        self.refusals = 0
        self.denials = 0
        self.other_errors = 0
        self.texts = 0
        self.records = 0
        self.failing: Set[str] = set()
        self.leaks: List[str] = []

    @property
    def failures(self) -> int:
        return self.config_errors + self.refusals + self.denials + self.other_errors

    def look(self, case: Case, place: str, text: str) -> None:
        self.texts += 1
        for what, needle in case.needles:
            if needle in text:
                # The report names the needle's kind and start, never the needle.
                self.leaks.append(f"{case.id}: {place} holds {what} (starting {needle[:6]!r})")

    def exception(self, case: Case, place: str, e: BaseException) -> None:
        """Counts and searches an exception: any kind, from a vector or a wrong argument."""
        if isinstance(e, ConfigError):
            self.config_errors += 1
        elif isinstance(e, AuthError):
            self.refusals += 1
        else:
            self.other_errors += 1
        self.failing.add(case.vector)
        self.exception_texts(case, f"{place}: {type(e).__name__}", e)

    def exception_texts(self, case: Case, place: str, e: BaseException) -> None:
        self.look(case, f"{place} str()", str(e))
        self.look(case, f"{place} repr()", repr(e))
        self.look(case, f"{place} args", repr(e.args))
        for name in sorted(set(dir(e)) | set(vars(e))):
            if name.startswith("__") or name == "with_traceback":
                continue
            value = getattr(e, name, None)
            if callable(value):
                try:
                    value = value()
                except TypeError:  # a method that takes arguments (add_note)
                    continue
            self.look(case, f"{place} .{name}", f"{value!s} {value!r}")
        formatted = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        self.look(case, f"{place} traceback", formatted)

    def decision(self, case: Case, place: str, decision: Decision, principal: Optional[Principal]) -> None:
        if principal is not None:
            self.look(case, f"{place}: repr(principal)", repr(principal))
        if decision.allowed:
            return
        self.denials += 1
        self.failing.add(case.vector)
        self.look(case, f"{place}: repr(decision)", repr(decision))
        self.look(case, f"{place}: decision.to_dict()", repr(decision.to_dict()))
        self.look(case, f"{place}: decision.errors", repr(decision.errors))
        try:
            decision.raise_if_denied()
        except AuthError as e:
            self.exception_texts(case, f"{place}: raise_if_denied()", e)

    def engine(self, case: Case, engine: Engine) -> None:
        self.look(case, "repr(engine)", repr(engine))
        self.look(case, "key_status()", repr(engine.key_status()))
        self.look(case, "warnings()", repr(engine.warnings()))
        self.look(case, "cache_status()", repr(engine.cache_status()))

    def log(self, case: Case, caplog: pytest.LogCaptureFixture) -> None:
        """Every record of the ``wardgate`` logger since the last call, then forgets them."""
        formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
        for record in caplog.records:
            self.records += 1
            self.look(case, f"log record ({record.levelname})", record.getMessage())
            self.look(case, f"log record ({record.levelname}, formatted)", formatter.format(record))
            self.look(case, f"log record ({record.levelname}) args", repr(record.args))
        caplog.clear()

    def assert_clean(self) -> None:
        if self.leaks:
            shown = "\n".join(self.leaks[:40])
            pytest.fail(f"{len(self.leaks)} leak(s) found:\n{shown}", pytrace=False)


def attempt(audit: Audit, case: Case, place: str, call: Callable[[], Any]) -> Any:
    """``call()``, or ``None`` with its exception audited."""
    try:
        return call()
    except Exception as e:  # any exception: each is looked at
        audit.exception(case, place, e)
        return None


# --- The vectors ------------------------------------------------------------------------


def altered(token: str) -> Optional[str]:
    """The token with the first character of its signature changed; ``None`` without one."""
    head, dot, signature = token.rpartition(".")
    if not dot or not signature:
        return None
    return f"{head}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"


def credentials(vector: Dict[str, Any]) -> Iterator[Tuple[str, str, Optional[str]]]:
    """``(variant, kind, value)``: the vector's credential as written, then its token with
    the signature altered. ``kind`` is ``token``, ``authorization`` or ``nothing``."""
    if isinstance(vector.get("token"), str):
        kind, value = "token", vector["token"]
    elif isinstance(vector.get("authorization"), str):
        kind, value = "authorization", vector["authorization"]
    else:
        kind, value = "nothing", None
    yield "", kind, value
    words = (value or "").split()
    tampered = altered(words[-1]) if words else None
    if tampered is not None:
        yield " (signature altered)", "token", tampered


def run_vector(audit: Audit, name: str, vector: Dict[str, Any], loop: asyncio.AbstractEventLoop,
               caplog: pytest.LogCaptureFixture) -> None:
    policy = vector["policy"]
    now = vector.get("now", NOW)
    request = vector.get("request")
    action, resource, context = (
        (request.get("action", ""), request.get("resource", {}), request.get("context")) if request else NOBODYS
    )
    keys: Set[Needle] = set()
    key_needles(policy.get("keys") if isinstance(policy, dict) else None, keys)
    for variant, kind, value in credentials(vector):
        needles = set(keys)
        if value is not None:
            credential_needles("the Authorization value" if kind == "authorization" else "the token", value, needles)
        case = Case(f"{name}:{vector['id']}", variant, needles)
        if not variant:
            # The policy every way it can be given: a dict, JSON text, JSON text cut short.
            text = json.dumps(policy)
            attempt(audit, case, "Engine(JSON text)", lambda: Engine(text))
            attempt(audit, case, "Engine(JSON text cut short)", lambda: Engine(text[:-1]))
        try:
            engine = Engine(policy)
        except ConfigError as e:
            if not variant:
                audit.exception(case, "Engine(dict)", e)
            continue
        token = value if kind == "token" else ("" if kind == "nothing" else None)
        header = f"Bearer {value}" if kind == "token" else value
        verified: List[Tuple[str, Any]] = []
        if token is not None:
            verified.append(("verify", attempt(audit, case, "verify", lambda: engine.verify(token, now=now))))
            verified.append(("averify", attempt(audit, case, "averify",
                                                lambda: loop.run_until_complete(engine.averify(token, now=now)))))
        verified.append(("verify_authorization", attempt(
            audit, case, "verify_authorization", lambda: engine.verify_authorization(header, now=now))))
        verified.append(("averify_authorization", attempt(
            audit, case, "averify_authorization",
            lambda: loop.run_until_complete(engine.averify_authorization(header, now=now)))))
        credential = token if token is not None else (header or "")
        for place, check in [
            ("check", lambda c: engine.check(c, action, resource, context, now=now)),
            ("acheck", lambda c: loop.run_until_complete(engine.acheck(c, action, resource, context, now=now))),
        ]:
            for shown in {credential, f"Bearer {credential}" if token else credential}:
                decision = attempt(audit, case, place, lambda: check(shown))
                if decision is not None:
                    audit.decision(case, place, decision, None)
        for place, principal in verified:
            if principal is not None:
                decision = engine.authorize(principal, action, resource, context)
                audit.decision(case, f"authorize after {place}", decision, principal)
        audit.engine(case, engine)
        audit.log(case, caplog)


def audit_files(files: List[Path], caplog: pytest.LogCaptureFixture) -> Audit:
    caplog.set_level(logging.DEBUG, logger="wardgate")
    audit = Audit()
    loop = asyncio.new_event_loop()
    try:
        for path in files:
            for vector in json.loads(path.read_text(encoding="utf-8"))["vectors"]:
                run_vector(audit, path.name, vector, loop, caplog)
    finally:
        loop.close()
    return audit


def test_the_projects_vectors_leak_nothing(caplog: pytest.LogCaptureFixture) -> None:
    audit = audit_files(project_vector_files(), caplog)
    audit.assert_clean()
    # Not vacuous: every kind of failure was looked at, many times.
    assert audit.config_errors >= 400, audit.config_errors
    assert audit.refusals >= 3000, audit.refusals
    assert audit.denials >= 200, audit.denials
    assert len(audit.failing) >= 700, len(audit.failing)
    assert audit.records >= 20, "the key cache's log records were looked at"
    print(f"leaks: {audit.failures} failures ({audit.config_errors} configuration errors, {audit.refusals} "
          f"refusals, {audit.denials} denials) of {len(audit.failing)} vectors, {audit.texts} texts searched")


def test_the_shared_vectors_leak_nothing(caplog: pytest.LogCaptureFixture) -> None:
    audit = audit_files(shared_vector_files(), caplog)
    audit.assert_clean()
    assert audit.failures >= 100, audit.failures


def test_the_audit_finds_a_needle() -> None:
    needles: Set[Needle] = set()
    credential_needles("the token", "aaaaaaaaaa.bbbbbbbbbb.cccccccccc", needles)
    key_needles({"secret": "s3cr3t-s3cr3t", "jwk": {"kid": "a-public-name", "d": "dddddddddd"}}, needles)
    audit = Audit()
    case = Case("f:v", "", needles)
    audit.look(case, "here", "nothing secret, a-public-name")
    assert audit.leaks == []
    for text, what in [("x bbbbbbbbbb x", "the token (part 2)"), ("s3cr3t-s3cr3t", "keys.secret"),
                       ("dddddddddd", "keys.jwk.d")]:
        audit.look(case, "here", text)
        assert len(audit.leaks) == 1 and audit.leaks[0].startswith(f"f:v: here holds {what} "), audit.leaks
        audit.leaks.clear()
    audit.exception(case, "e", ValueError("x", "s3cr3t-s3cr3t"))
    assert audit.leaks and all("keys.secret" in leak for leak in audit.leaks)


# --- Wrong argument types ---------------------------------------------------------------

# The tests name these by constant: a formatted traceback quotes the test's source lines.
SECRET = "wrong-type-secret-0123456789-abcdefghijklmnop"
SHORT_SECRET = "hunter2"
NUMBER = 12345678901234
#: What ``os.environ`` gives for a value whose bytes are not UTF-8 (``surrogateescape``).
UNDECODABLE = SECRET + "\udcff"


class Shady:
    """An object whose ``str`` and ``repr`` are the secret: only its type may be named."""

    def __str__(self) -> str:
        return SECRET

    __repr__ = __str__


def hs256(secret: Any) -> Dict[str, Any]:
    return {"token": {"algorithms": ["HS256"]}, "keys": {"secret": secret}}


def test_wrong_argument_types_echo_no_secret() -> None:
    audit = Audit()
    secrets: Set[Needle] = {("the secret", SECRET), ("the short secret", SHORT_SECRET),
                            ("the secret as a number", str(NUMBER)), ("a big number", str(2**80))}
    case = Case("wrong types", "", secrets)
    for place, policy in [
        ("keys.secret a number", hs256(NUMBER)),
        ("keys.secret a float", hs256(NUMBER + 0.5)),
        ("keys.secret too big an int", hs256(2**80)),
        ("keys.secret too short", hs256(SHORT_SECRET)),  # shorter than MIN_NEEDLE: looked for anyway
        ("keys.secret in a list", hs256([SECRET])),
        ("keys.secret in a dict", hs256({"value": SECRET})),
        ("keys.secret bytes", hs256(SECRET.encode())),
        ("keys.secret bytearray", hs256(bytearray(SECRET.encode()))),
        ("keys.secret an object", hs256(Shady())),
        ("keys.secret not UTF-8", hs256(UNDECODABLE)),
        ("a key not a str", {"token": {"algorithms": ["HS256"]}, "keys": {b"secret": SECRET}}),
        ("keys.jwk.k", {"token": {"algorithms": ["HS256"]}, "keys": {"jwk": {"kty": "oct", "k": SECRET}}}),
        ("JSON text not UTF-8", json.dumps(hs256("x")).replace('"x"', f'"{UNDECODABLE}"', 1)),
        ("JSON text cut short", json.dumps(hs256(SECRET))[:-2]),
        ("policy bytes", json.dumps(hs256(SECRET)).encode()),
        ("policy an object", Shady()),
    ]:
        assert attempt(audit, case, place, lambda: Engine(policy)) is None, place

    engine = Engine(hs256("k" * 40))
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3cm9uZy10eXBlcyJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
    credential_needles("the token", token, case.needles)
    for place, call in [
        ("verify(bytes)", lambda: engine.verify(token.encode())),
        ("verify(not UTF-8)", lambda: engine.verify(token + "\udcff")),
        ("verify(object)", lambda: engine.verify(Shady())),
        ("verify(int)", lambda: engine.verify(NUMBER)),
        ("verify(now=str)", lambda: engine.verify(token, now=SECRET)),
        ("verify_authorization(bytes)", lambda: engine.verify_authorization(f"Bearer {token}".encode())),
        ("verify_authorization(not UTF-8)", lambda: engine.verify_authorization(f"Bearer {token}\udcff")),
        ("check(bytes)", lambda: engine.check(token.encode(), "read", {"type": "todo"})),
        ("check(not UTF-8)", lambda: engine.check(f"{token}\udcff", "read", {"type": "todo"})),
        ("check(resource with bytes)", lambda: engine.check(token, "read", {"type": "todo", "k": token.encode()})),
        ("check(resource with an object)", lambda: engine.check(token, "read", {"type": "todo", "k": Shady()})),
        ("check(context not a dict)", lambda: engine.check(token, "read", {"type": "todo"}, [token])),
        ("check(action not UTF-8)", lambda: engine.check(token, SECRET + "\udcff", {"type": "todo"})),
        ("authorize(not a principal)", lambda: engine.authorize(Shady(), "read", {"type": "todo"})),
        ("Principal(claims with an object)", lambda: Principal("u1", claims={"token": Shady()})),
    ]:
        assert attempt(audit, case, place, call) is None, place
    audit.assert_clean()


# --- Remote key sets that misbehave -------------------------------------------------------

URL_TOKEN = "url-query-credential-7f3e9a"
BODY_SECRET = "cookie-secret-from-a-misconfigured-server-4c1d"


class MisbehavingServer(JwksServer):
    """The shared JWKS endpoint, answering with whatever status and body a test sets."""

    answer: Tuple[int, bytes] = (200, b"")

    def _answer(self) -> Tuple[int, bytes]:
        return self.answer


def bad_responses(server: MisbehavingServer) -> List[Tuple[str, int, bytes]]:
    good = dict(server.signer.jwk)
    fake = b64url(BODY_SECRET.encode())

    def body(value: Any) -> bytes:
        return json.dumps(value).encode()

    private_rsa = {"kty": "RSA", "kid": "rsa", "n": fake * 8, "e": "AQAB", "d": fake + "d", "p": fake + "p",
                   "q": fake + "q", "dp": fake + "dp", "dq": fake + "dq", "qi": fake + "qi"}
    return [
        ("a private Ed25519 key (d)", 200, body({"keys": [{**good, "d": server.private_d()}]})),
        ("a private RSA key", 200, body({"keys": [good, private_rsa]})),
        ("a symmetric key (k)", 200, body({"keys": [good, {"kty": "oct", "kid": "hs", "k": BODY_SECRET}]})),
        ("garbage", 200, f"<html><body>{BODY_SECRET}</body></html>".encode()),
        ("JSON without keys", 200, body({"error": BODY_SECRET})),
        ("keys that are not a list", 200, body({"keys": BODY_SECRET})),
        ("a key that is not base64url", 200, body({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": BODY_SECRET}]})),
        ("a 500", 500, body({"error": BODY_SECRET})),
        ("a redirect", 302, BODY_SECRET.encode()),
        ("an oversized body", 200, body({"keys": [good], "padding": BODY_SECRET * (1024 * 1024 // len(BODY_SECRET) + 1)})),
        ("a good key among bad ones", 200, body({"keys": [
            good,
            {"kty": "OKP", "crv": "Ed25519", "x": fake, "kid": "short"},
            {"kty": "EC", "crv": "P-256", "x": BODY_SECRET, "y": BODY_SECRET, "kid": "ec"},
            {**good, "kid": "enc", "use": "enc", "note": BODY_SECRET},
        ]})),
    ]


def served_needles(body: bytes, out: Set[Needle]) -> None:
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        doc.pop("padding", None)
        key_needles(doc, out, "served")
    push(out, "a secret in the served body", BODY_SECRET)


def test_misbehaving_key_set_endpoints_leak_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="wardgate")
    server = MisbehavingServer()
    audit = Audit()
    messages: List[str] = []
    loop = asyncio.new_event_loop()
    try:
        token = server.signer.sign(claims())
        tokens = [token, altered(token)]
        url = f"{server.url}?access_token={URL_TOKEN}"
        responses = bad_responses(server) + [("no answer (connection refused)", 0, b"")]
        for what, status, body in responses:
            needles: Set[Needle] = set()
            key_needles({"jwks_url": url}, needles)
            for t in tokens:
                credential_needles("the token", t, needles)
            served_needles(body, needles)
            case = Case(f"remote: {what}", "", needles)
            # Nothing cached before, then good keys cached before: both ways of failing.
            for cached in (False, True):
                engine = Engine(remote_policy(url, max_age=0, cooldown=0))
                if cached:
                    server.answer = (200, json.dumps({"keys": [server.signer.jwk]}).encode())
                    assert engine.verify(token, now=NOW).id == "user_1"
                if status == 0:
                    server.stop()
                server.answer = (status, body)
                for t in tokens:
                    attempt(audit, case, "verify", lambda: engine.verify(t, now=NOW))
                    attempt(audit, case, "averify", lambda: loop.run_until_complete(engine.averify(t, now=NOW)))
                    attempt(audit, case, "check",
                            lambda: engine.check(f"Bearer {t}", "read", {"type": "todo"}, now=NOW))
                if status == 0:
                    server.start()
                audit.engine(case, engine)
                messages += [r.getMessage() for r in caplog.records]
                audit.log(case, caplog)
    finally:
        loop.close()
        server.stop()
    audit.assert_clean()
    # Not vacuous: each way of refusing a key set was logged, and looked at.
    for why in ["private or symmetric key material", "is not JSON", "is not a JWK Set", "no usable key",
                "HTTP 500", "HTTP 302", "larger than", "skipped a key", "serving the 1 cached key(s)",
                "no keys are cached", "connection refused"]:
        assert any(why in m for m in messages), f"no log record says {why!r}"
    assert audit.refusals >= 40, audit.refusals
