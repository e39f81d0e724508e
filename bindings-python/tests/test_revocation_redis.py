"""``revocation.redis_url`` from Python, against a real ``redis-server`` (each test starts its
own on a free port, in its own directory; see ``redis_server.py``): ``Engine.revoke`` in one
process is refused by an engine in another within a second; concurrent verifications never
take a revocation back; entries expire; a Redis that goes away serves the last set for
``stale_for``, then fails closed with ``RevocationUnavailable`` (503), and recovers; a server
that is not Redis, or refuses the password, fails closed without the password, a token or an
entry in any message; ``RevokeError`` and its codes; ``arevoke``; FastAPI's 401 and 503 and an
admin logout endpoint."""

import asyncio
import json
import os
import pickle
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest

import wardgate
from wardgate import (
    AuthError,
    Engine,
    RevocationUnavailable,
    RevokeError,
    TokenInvalid,
)

from conftest import AUDIENCE, ISSUER, RULES, Signer, claims
from redis_server import RedisServer, free_port, redis_or_skip

HERE = Path(__file__).resolve().parent

#: Admins may sign a user out everywhere (the admin endpoint of the FastAPI test).
ADMIN_LOGOUT = {"id": "admin-logout", "effect": "permit", "resource": "user", "actions": ["logout"],
                "when": "'admin' in principal.roles"}


@pytest.fixture()
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A ``redis-server`` of this test alone, stopped however the test ends."""
    directory = tmp_path / "redis"
    directory.mkdir()
    server = redis_or_skip(directory)
    try:
        yield server
    finally:
        server.stop()


def redis_policy(signer: Signer, url: str, *, stale_for: int = 60, **refresh: int) -> Dict[str, Any]:
    return {
        "token": {"issuer": ISSUER, "audience": AUDIENCE, "algorithms": ["EdDSA"]},
        "keys": {"jwks": {"keys": [signer.jwk]}},
        "rules": [*RULES, ADMIN_LOGOUT],
        "cache": {"max_entries": 1000},
        "revocation": {"redis_url": url, "stale_for": stale_for, "refresh": refresh},
    }


def mint(signer: Signer, sub: str, **extra: Any) -> str:
    """A token of ``sub`` valid now (by the real clock), issued a minute ago."""
    return signer.sign(claims(now=time.time(), sub=sub, **extra))


def outcome(engine: Engine, token: str) -> str:
    """``"ok"``, or the reason the engine refuses ``token`` with."""
    try:
        engine.verify(token)
        return "ok"
    except AuthError as e:
        return e.reason


def until(check: Callable[[], Any], expected: Any, limit: float) -> float:
    """Polls ``check()`` until it gives ``expected``; the seconds it took."""
    start = time.monotonic()
    while True:
        got = check()
        if got == expected:
            return time.monotonic() - start
        assert time.monotonic() - start < limit, f"still {got!r} after {limit} s, expected {expected!r}"
        time.sleep(0.005)


def state(engine: Engine) -> str:
    status = engine.revocation_status()
    assert status is not None
    return status["state"]


# Two processes -------------------------------------------------------------------------


class Peer:
    """``revocation_peer.py`` in another process, verifying ``tokens`` with its own engine."""

    def __init__(self, policy: Dict[str, Any], tokens: Dict[str, str]) -> None:
        self.events: "queue.Queue[Dict[str, Any]]" = queue.Queue()
        self.seen: Dict[str, List[Tuple[str, float]]] = {name: [] for name in tokens}
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "revocation_peer.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"policy": policy, "tokens": tokens}) + "\n")
        self.process.stdin.flush()
        stdout = self.process.stdout
        threading.Thread(target=lambda: [self.events.put(json.loads(line)) for line in stdout], daemon=True).start()

    def wait(self, name: str, expected: str, limit: float) -> float:
        """Waits until the peer reports ``expected`` for ``name``; when it did (``time.time()``)."""
        deadline = time.monotonic() + limit
        while True:
            for outcome_, at in self.seen[name]:
                if outcome_ == expected:
                    return at
            left = deadline - time.monotonic()
            assert left > 0, f"the peer did not report {expected} for {name} within {limit} s: {self.seen}"
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                continue
            self.seen[event["name"]].append((event["outcome"], event["at"]))

    def close(self) -> str:
        """Ends the peer (closing its stdin); its stderr."""
        try:
            assert self.process.stdin is not None and self.process.stderr is not None
            self.process.stdin.close()
            self.process.wait(timeout=10)
            return self.process.stderr.read()
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def test_a_revocation_in_one_process_is_refused_in_another_within_a_second(redis, signer):
    policy = redis_policy(signer, redis.url())
    tokens = {
        "by_sid": mint(signer, "u1", sid="sess-1"),
        "by_jti": mint(signer, "u2", jti="tok-2"),
        "by_sub": mint(signer, "u3", sid="sess-3"),
        "other": mint(signer, "u4", sid="sess-4", jti="tok-4"),
    }
    peer = Peer(policy, tokens)
    try:
        for name in tokens:  # the peer's first verifications wait for its first read of Redis
            peer.wait(name, "ok", 15)
        engine = Engine(policy)
        for token in tokens.values():
            assert outcome(engine, token) == "ok"
        propagation = {}
        for name, entry in [("by_sid", {"sid": "sess-1"}), ("by_jti", {"jti": "tok-2"}), ("by_sub", {"sub": "u3"})]:
            start = time.time()
            assert engine.revoke(ttl=60, **entry) is None
            assert outcome(engine, tokens[name]) == "revoked", "the revoking engine refuses at once"
            propagation[name] = peer.wait(name, "revoked", 5) - start
        print("\npropagation to another process (from the start of revoke): "
              + ", ".join(f"{name} {seconds * 1000:.1f} ms" for name, seconds in propagation.items()))
        assert max(propagation.values()) < 1.0, propagation
        time.sleep(0.2)
        peer.wait("other", "ok", 1)
        assert outcome(engine, tokens["other"]) == "ok"
    finally:
        err = peer.close()
    assert [o for o, _ in peer.seen["other"]] == ["ok"], "the untouched token was never refused"
    assert err == "", err
    status = engine.revocation_status()
    assert status is not None
    assert {k: status[k] for k in ("source", "state", "entries", "sids", "jtis", "subjects", "last_error")} == {
        "source": "redis_url", "state": "ready", "entries": 3, "sids": 1, "jtis": 1, "subjects": 1,
        "last_error": None}
    assert isinstance(status["last_sync"], float) and isinstance(status["age"], float) and status["age"] < 5
    revoked = engine.revocation_set()
    assert revoked is not None and (revoked["sid"], revoked["jti"], list(revoked["subjects"])) == (
        ["sess-1"], ["tok-2"], ["u3"])
    assert revoked["subjects"]["u3"] >= int(time.time()) - 5
    ttl = int(redis.command("TTL", "wardgate:revoked:sid:sess-1").lstrip(":"))
    assert 1 <= ttl <= 60


# Concurrency ---------------------------------------------------------------------------


def test_concurrent_verifications_never_take_back_a_revocation(redis, signer):
    policy = redis_policy(signer, redis.url())
    verifier, revoker = Engine(policy), Engine(policy)
    tokens = [mint(signer, f"u{i}", sid=f"sess-{i}") for i in range(100)]
    for token in tokens:
        assert outcome(verifier, token) == "ok"
    refused = [False] * len(tokens)  # set once any thread saw the token refused
    problems: List[str] = []
    counts: List[int] = []
    done = threading.Event()
    threads = 8
    started = threading.Barrier(threads + 1)

    def verify_in_a_loop(n: int) -> None:
        count = 0
        started.wait()
        while not done.is_set() or count < 1000 // threads:
            i = (count * 7 + n * 13) % len(tokens)
            was_refused = refused[i]  # before the call: a refusal that happened before it began
            got = outcome(verifier, tokens[i])
            if got == "ok" and was_refused:
                problems.append(f"sess-{i} verified after it was refused")
            elif got == "revoked":
                if i >= 50:
                    problems.append(f"sess-{i} was refused but never revoked")
                refused[i] = True
            elif got != "ok":
                problems.append(f"sess-{i}: {got}")
            count += 1
        counts.append(count)

    workers = [threading.Thread(target=verify_in_a_loop, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    started.wait()
    try:
        for i in range(50):
            revoker.revoke(sid=f"sess-{i}", ttl=60)
        until(lambda: outcome(verifier, tokens[49]), "revoked", 1.0)
    finally:
        done.set()
        for w in workers:
            w.join()
    assert problems == []
    assert sum(counts) >= 1000, counts
    print(f"\n{sum(counts)} verifications on {threads} threads while 50 revocations streamed in")
    for i, token in enumerate(tokens):
        assert outcome(verifier, token) == ("revoked" if i < 50 else "ok")


# Expiry --------------------------------------------------------------------------------


def test_entries_expire_and_the_token_verifies_again(redis, signer):
    engine = Engine(redis_policy(signer, redis.url(), max_age=1))
    token = mint(signer, "u1", sid="sess-1")
    assert outcome(engine, token) == "ok"
    engine.revoke(sid="sess-1", ttl=1)
    assert outcome(engine, token) == "revoked"
    # The key expires after a second; the next full read (every max_age: 1 s) drops it.
    took = until(lambda: outcome(engine, token), "ok", 5)
    print(f"\nverifies again {took:.2f} s after a revocation with ttl=1 (refresh.max_age 1)")
    assert engine.revocation_set() == {"sid": [], "jti": [], "subjects": {}}
    status = engine.revocation_status()
    assert status is not None and (status["state"], status["entries"]) == ("ready", 0)


# A Redis that goes away ----------------------------------------------------------------


def test_a_restarted_redis_serves_the_last_set_for_stale_for_then_fails_closed_and_recovers(redis, signer):
    engine = Engine(redis_policy(signer, redis.url(), stale_for=2, cooldown=1, timeout=1))
    revoked = mint(signer, "u1", sid="sess-1")
    live = mint(signer, "u2", sid="sess-2")
    assert outcome(engine, live) == "ok"
    engine.revoke(sid="sess-1", ttl=300)
    redis.stop()
    stopped = time.monotonic()
    until(lambda: state(engine), "stale", 3)
    # The last set goes on serving: verifications go on, the revocation holds.
    assert outcome(engine, revoked) == "revoked"
    assert outcome(engine, live) == "ok"
    assert engine.revocation_set() == {"sid": ["sess-1"], "jti": [], "subjects": {}}
    with pytest.raises(RevokeError) as failed:
        engine.revoke(sid="sess-9", ttl=60)
    assert failed.value.code == "REVOKE_FAILED"
    # Past stale_for (counted from Redis's last answer): 503 for every token.
    until(lambda: outcome(engine, live), "revocation_unavailable", 5)
    unavailable = time.monotonic() - stopped
    assert unavailable >= 1.0
    for token in (live, revoked):
        with pytest.raises(RevocationUnavailable) as err:
            engine.verify(token)
        assert isinstance(err.value, AuthError)
        assert (err.value.code, err.value.status, err.value.reason) == (
            "REVOCATION_UNAVAILABLE", 503, "revocation_unavailable")
        assert err.value.headers == {"Retry-After": "5"}
        assert err.value.to_dict() == {"detail": err.value.detail, "code": "REVOCATION_UNAVAILABLE",
                                       "status": 503, "reason": "revocation_unavailable"}
    with pytest.raises(RevocationUnavailable):
        engine.check(live, "create", {"type": "todo"})
    with pytest.raises(RevocationUnavailable):
        asyncio.run(engine.averify(live))
    status = engine.revocation_status()
    assert status is not None and status["state"] == "unavailable"
    assert status["last_error"] is not None and "refused" in status["last_error"]
    assert engine.revocation_set() is None
    # Back on the same port with its data: current again within a cooldown, the revocation kept.
    redis.start()
    restarted = time.monotonic()
    until(lambda: outcome(engine, live), "ok", 5)
    recovered = time.monotonic() - restarted
    assert outcome(engine, revoked) == "revoked"
    assert state(engine) == "ready"
    print(f"\nunavailable {unavailable:.2f} s after Redis stopped (stale_for 2), "
          f"verifying again {recovered:.2f} s after it restarted")


# Servers that will not do ---------------------------------------------------------------


class GarbageServer:
    """Answers every connection with HTTP, not Redis."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(0.2)
                try:
                    conn.recv(512)
                    conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello")
                except OSError:
                    pass

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()
        self.listener.close()


def said(*things: Any) -> str:
    """Everything these show: ``str``, ``repr``, and for exceptions their args and fields."""
    parts = []
    for thing in things:
        parts += [str(thing), repr(thing)]
        if isinstance(thing, BaseException):
            parts += [repr(thing.args), repr(vars(thing))]
    return "\n".join(parts)


def test_a_server_that_answers_garbage_fails_closed_and_nothing_shows_the_password(signer, caplog):
    server = GarbageServer()
    try:
        engine = Engine(redis_policy(signer, f"redis://:hunter2@127.0.0.1:{server.port}/0", timeout=1))
        token = mint(signer, "user-garbage-5d", sid="sess-garbage-7f", jti="tok-garbage-91")
        with pytest.raises(RevocationUnavailable) as unavailable:
            engine.verify(token)
        assert (unavailable.value.status, unavailable.value.headers) == (503, {"Retry-After": "5"})
        with pytest.raises(RevocationUnavailable):
            engine.verify_authorization(f"Bearer {token}")
        with pytest.raises(RevokeError) as failed:
            engine.revoke(sid="sess-garbage-7f", jti="tok-garbage-91", sub="user-garbage-5d", ttl=60)
        assert failed.value.code == "REVOKE_FAILED"
        assert failed.value.detail.startswith("could not write to revocation.redis_url: ")
        # The first read fails once the garbage is read (the engine waited for it at most
        # refresh.timeout, which a loaded machine may outlast).
        deadline = time.monotonic() + 5
        while (engine.revocation_status() or {}).get("state") == "starting" and time.monotonic() < deadline:
            time.sleep(0.01)
        status = engine.revocation_status()
        assert status is not None and status["state"] == "unavailable" and status["last_error"]
        assert engine.revocation_set() is None
        shown = said(unavailable.value, failed.value, status, engine, engine.warnings(), caplog.text,
                     pickle.loads(pickle.dumps(failed.value)))
    finally:
        server.stop()
    for secret in ("hunter2", token, "sess-garbage", "tok-garbage", "user-garbage"):
        assert secret not in shown, secret


def test_a_password_in_the_url_is_used_and_never_shown(tmp_path, signer):
    directory = tmp_path / "redis"
    directory.mkdir()
    server = redis_or_skip(directory, password="hunter2")
    try:
        engine = Engine(redis_policy(signer, server.url(), timeout=1))
        token = mint(signer, "user-pw-1", sid="sess-pw-1")
        assert outcome(engine, token) == "ok"
        engine.revoke(sid="sess-pw-1", ttl=60)
        assert outcome(engine, token) == "revoked"
        assert server.command("EXISTS", "wardgate:revoked:sid:sess-pw-1") == ":1"
        wrong = Engine(redis_policy(signer, f"redis://:not-hunter2-x@127.0.0.1:{server.port}/0", timeout=1))
        with pytest.raises(RevocationUnavailable) as unavailable:
            wrong.verify(token)
        with pytest.raises(RevokeError) as failed:
            wrong.revoke(sub="user-pw-1", ttl=60)
        assert failed.value.code == "REVOKE_FAILED"
        deadline = time.monotonic() + 5
        while (wrong.revocation_status() or {}).get("state") == "starting" and time.monotonic() < deadline:
            time.sleep(0.01)
        status = wrong.revocation_status()
        assert status is not None and status["state"] == "unavailable"
        assert status["last_error"] is not None
        shown = said(unavailable.value, failed.value, status, engine.revocation_status(), engine, wrong)
    finally:
        server.stop()
    for secret in ("hunter2", token, "sess-pw", "user-pw"):
        assert secret not in shown, secret


# RevokeError ----------------------------------------------------------------------------


def test_revoke_errors_name_the_field_and_write_nothing(redis, signer, policy):
    engine = Engine(redis_policy(signer, redis.url()))
    invalid = [
        ({"sid": "s1", "ttl": 0}, "ttl: must be 1 to 31622400 seconds"),
        ({"sid": "s1", "ttl": -1}, "ttl: must be 1 to 31622400 seconds"),
        ({"sid": "s1", "ttl": 31_622_401}, "ttl: must be 1 to 31622400 seconds"),
        ({"sid": "s1", "ttl": 2**70}, "ttl: must be 1 to 31622400 seconds"),
        ({"sid": "", "ttl": 60}, "sid: must not be empty"),
        ({"jti": "", "ttl": 60}, "jti: must not be empty"),
        ({"sid": "s1", "sub": "", "ttl": 60}, "sub: must not be empty"),
        ({"ttl": 60}, "sid, jti or sub: at least one is needed"),
        ({"sid": None, "jti": None, "sub": None, "ttl": 60}, "sid, jti or sub: at least one is needed"),
    ]
    for kwargs, detail in invalid:
        with pytest.raises(RevokeError) as err:
            engine.revoke(**kwargs)
        assert (err.value.code, err.value.detail) == ("REVOKE_INVALID", detail), kwargs
        assert str(err.value) == f"REVOKE_INVALID: {detail}"
    assert redis.command("DBSIZE") == ":0", "nothing was written"
    # Without a source that can be written to (checked after the arguments).
    for unsupported, has in [(Engine(policy), "no revocation section"),
                             (Engine({**policy, "revocation": {"inline": {}}}), "revocation.inline, which is read-only")]:
        with pytest.raises(RevokeError) as err:
            unsupported.revoke(sub="u1", ttl=60)
        assert (err.value.code, err.value.detail) == (
            "REVOKE_UNSUPPORTED", f"revoking needs a revocation.redis_url source; this policy has {has}")
        with pytest.raises(RevokeError, match="REVOKE_INVALID"):
            unsupported.revoke(sub="u1", ttl=0)
    # Wrong types are TypeErrors naming the argument; a revocation takes keywords only.
    wrong = [
        ({"sid": "s1", "ttl": "60"}, "ttl must be an int"),
        ({"sid": "s1", "ttl": 60.0}, "ttl must be an int"),
        ({"sid": "s1", "ttl": True}, "ttl must be an int"),
        ({"sid": "s1", "ttl": None}, "ttl must be an int"),
        ({"sid": 5, "ttl": 60}, "sid must be a str"),
        ({"jti": b"j1", "ttl": 60}, "jti must be a str"),
        ({"sub": ["u1"], "ttl": 60}, "sub must be a str"),
        ({"sid": "s1"}, "ttl"),
        ({"sid": "s1", "ttl": 60, "session": "s2"}, "session"),
    ]
    for kwargs, message in wrong:
        with pytest.raises(TypeError, match=message):
            engine.revoke(**kwargs)
    with pytest.raises(TypeError):
        engine.revoke("s1", ttl=60)
    with pytest.raises(ValueError, match="sid: not valid Unicode"):
        engine.revoke(sid="s\udcff", ttl=60)
    assert redis.command("DBSIZE") == ":0"
    # The class: an Exception (not an AuthError, not a ValueError), exported, picklable.
    assert issubclass(RevokeError, Exception) and not issubclass(RevokeError, (AuthError, ValueError))
    assert wardgate.RevokeError is wardgate.errors.RevokeError
    assert wardgate.RevocationUnavailable is wardgate.errors.RevocationUnavailable
    for name in ("RevokeError", "RevocationUnavailable"):
        assert name in wardgate.__all__ and name in wardgate.errors.__all__
    again = pickle.loads(pickle.dumps(RevokeError("why", "REVOKE_FAILED")))
    assert (type(again), again.code, again.detail) == (RevokeError, "REVOKE_FAILED", "why")
    e = RevocationUnavailable("down", "REVOCATION_UNAVAILABLE", 503, "revocation_unavailable")
    assert e.headers == {"Retry-After": "5"} and pickle.loads(pickle.dumps(e)).to_dict() == e.to_dict()


# asyncio --------------------------------------------------------------------------------


def test_arevoke_runs_in_a_worker_thread_under_asyncio(redis, signer):
    engine = Engine(redis_policy(signer, redis.url()))
    token = mint(signer, "u1", sid="sess-a")
    other = mint(signer, "u2", jti="tok-a")
    # A server that accepts and never answers: a revocation waits for refresh.timeout.
    silent = socket.create_server(("127.0.0.1", 0), backlog=64)
    stuck = Engine(redis_policy(signer, f"redis://127.0.0.1:{silent.getsockname()[1]}/0", timeout=1))

    async def main() -> None:
        assert (await engine.averify(token)).id == "u1"
        pending = engine.arevoke(sid="sess-a", ttl=60)
        assert asyncio.iscoroutine(pending)
        assert await pending is None
        with pytest.raises(TokenInvalid, match="revoked"):
            await engine.averify(token)
        await asyncio.gather(engine.arevoke(jti="tok-a", ttl=60), engine.arevoke(sub="u9", ttl=60))
        with pytest.raises(TokenInvalid, match="revoked"):
            await engine.averify(other)
        with pytest.raises(RevokeError, match="REVOKE_INVALID"):
            await engine.arevoke(ttl=60)
        with pytest.raises(TypeError, match="sid must be a str"):
            await engine.arevoke(sid=5, ttl=60)
        # The event loop goes on while a revocation waits on a server that does not answer.
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1

        ticker = asyncio.ensure_future(tick())
        start = time.monotonic()
        with pytest.raises(RevokeError, match="REVOKE_FAILED"):
            await stuck.arevoke(sid="sess-b", ttl=60)
        waited = time.monotonic() - start
        ticker.cancel()
        assert waited >= 0.9 and ticks >= int(waited / 0.05) // 2, (waited, ticks)

    try:
        asyncio.run(main())
    finally:
        silent.close()
    with pytest.raises(TypeError):
        engine.arevoke("sess-a", ttl=60)
    revoked = engine.revocation_set()
    assert revoked is not None and (revoked["sid"], revoked["jti"], list(revoked["subjects"])) == (
        ["sess-a"], ["tok-a"], ["u9"])


# FastAPI --------------------------------------------------------------------------------


def logout_app(engine: Engine, *, install: bool) -> Any:
    """An app with a guarded route and the admin endpoint that signs a user out everywhere."""
    from fastapi import Depends, FastAPI, HTTPException
    from fastapi.responses import Response

    from wardgate import Principal
    from wardgate.fastapi import RESPONSES, Guard

    app = FastAPI()
    guard = Guard(engine, app=app) if install else Guard(engine)

    @app.get("/me", responses=RESPONSES)
    def me(principal: Principal = Depends(guard.principal)) -> Dict[str, str]:
        return {"id": principal.id}

    @app.post("/admin/logout/{user_id}", status_code=204, responses=RESPONSES)
    def logout(user_id: str, admin: Principal = Depends(guard.require("logout", "user"))) -> Response:
        try:
            engine.revoke(sub=user_id, ttl=3600)  # every token of user_id issued up to now
        except RevokeError as e:
            raise HTTPException(503, detail=e.code, headers={"Retry-After": "5"}) from None
        return Response(status_code=204)

    return app


def test_fastapi_answers_401_for_a_revoked_token_and_503_when_redis_is_gone(redis, signer):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from wardgate.fastapi import RESPONSES, HTTPAuthError, HTTPRevocationUnavailable, _as_http

    engine = Engine(redis_policy(signer, redis.url(), stale_for=2, cooldown=1, timeout=1))
    clients = [TestClient(logout_app(engine, install=True)), TestClient(logout_app(engine, install=False))]
    client = clients[0]

    def bearer(token: str) -> Dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    user = mint(signer, "user_1", sid="sess-u1")
    admin = mint(signer, "admin_1", sid="sess-a1", role="admin")
    admin_other_session = mint(signer, "admin_1", sid="sess-a2", role="admin")
    for token in (user, admin, admin_other_session):
        assert client.get("/me", headers=bearer(token)).status_code == 200
    assert client.post("/admin/logout/user_1", headers=bearer(user)).status_code == 403
    # The admin endpoint signs user_1 out everywhere.
    r = client.post("/admin/logout/user_1", headers=bearer(admin))
    assert (r.status_code, r.content) == (204, b"")
    for c in clients:
        r = c.get("/me", headers=bearer(user))
        assert r.status_code == 401
        assert r.json() == {"detail": "the token has been revoked", "code": "TOKEN_INVALID", "status": 401,
                            "reason": "revoked"}
        assert r.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    # engine.revoke anywhere in the app: one session of the admin.
    engine.revoke(sid="sess-a2", ttl=60)
    assert client.get("/me", headers=bearer(admin_other_session)).json()["reason"] == "revoked"
    assert client.get("/me", headers=bearer(admin)).json() == {"id": "admin_1"}
    # Signing in again after the logout: a token issued later verifies.
    time.sleep(max(0.0, int(time.time()) + 1.05 - time.time()))
    fresh = signer.sign(claims(now=time.time(), sub="user_1", iat=int(time.time())))
    assert client.get("/me", headers=bearer(fresh)).json() == {"id": "user_1"}
    # Redis goes away: the last set serves for stale_for (a revocation cannot be written)...
    redis.stop()
    r = client.post("/admin/logout/user_2", headers=bearer(admin))
    assert (r.status_code, r.json(), r.headers["retry-after"]) == (503, {"detail": "REVOKE_FAILED"}, "5")
    assert client.get("/me", headers=bearer(user)).json()["reason"] == "revoked"
    # ...then every request is a 503, with or without the handler installed.
    until(lambda: client.get("/me", headers=bearer(admin)).status_code, 503, 5)
    for c in clients:
        for method, path in (("GET", "/me"), ("POST", "/admin/logout/user_3")):
            r = c.request(method, path, headers=bearer(admin))
            assert r.status_code == 503
            assert r.json() == {"detail": r.json()["detail"], "code": "REVOCATION_UNAVAILABLE", "status": 503,
                                "reason": "revocation_unavailable"}
            assert r.headers["retry-after"] == "5" and "www-authenticate" not in r.headers
    # Back: requests verify again, and the revocations held.
    redis.start()
    until(lambda: client.get("/me", headers=bearer(admin)).status_code, 200, 5)
    assert client.get("/me", headers=bearer(user)).status_code == 401
    # The 503 of the OpenAPI schema names both codes; the class of the code is an HTTPException.
    assert "KEYS_UNAVAILABLE" in RESPONSES[503]["description"]
    assert "REVOCATION_UNAVAILABLE" in RESPONSES[503]["description"]
    http = _as_http(RevocationUnavailable("down", "REVOCATION_UNAVAILABLE", 503, "revocation_unavailable"))
    assert type(http) is HTTPRevocationUnavailable
    assert isinstance(http, RevocationUnavailable) and isinstance(http, HTTPAuthError)
    assert (http.status_code, http.headers) == (503, {"Retry-After": "5"})
