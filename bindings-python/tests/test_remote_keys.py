"""Remote key sets (``keys.jwks_url``) against a real JWKS endpoint on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import pickle
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator, List

import pytest

import wardgate
import wardgate.errors
from wardgate import (
    AuthError,
    ConfigError,
    Engine,
    KeysUnavailable,
    KeyStatus,
    TokenInvalid,
    TokenMissing,
)

from conftest import NOW, Signer, claims
from jwks_server import JwksServer, closed_url, remote_policy


@pytest.fixture()
def server() -> Iterator[JwksServer]:
    s = JwksServer()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture()
def key_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="wardgate")
    return caplog


def token_of(signer: Signer, **extra: Any) -> str:
    return signer.sign(claims(**extra))


def unknown_kid_token() -> str:
    return token_of(Signer("not-served"))


def records(caplog: pytest.LogCaptureFixture, level: int) -> List[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "wardgate" and r.levelno == level]


def assert_no_secret(text: str, *secrets: str) -> None:
    for secret in secrets:
        for part in secret.split("."):
            assert part not in text


# Fetching and refreshing -------------------------------------------------------------

def test_the_first_verification_fetches_once(server, key_log):
    engine = Engine(remote_policy(server.url))
    before = engine.key_status()
    assert (before["source"], before["url"], before["state"], before["keys"], before["fetches"]) == (
        "jwks_url", server.url, "empty", 0, 0)
    token = token_of(server.signer)
    assert engine.verify(token, now=NOW).id == "user_1"
    assert engine.verify(token, now=NOW).id == "user_1"
    assert server.requests == 1
    status = engine.key_status()
    assert status["state"] == "fresh"
    assert status["kids"] == ["k1"]
    assert (status["keys"], status["fetches"], status["failures"]) == (1, 1, 0)
    assert status["last_error"] is None and status["fetching"] is False
    assert 0 <= status["age"] < 5 and 595 < status["fresh_for"] <= 600
    assert set(status) == set(KeyStatus.__annotations__)
    [info] = records(key_log, logging.INFO)
    assert "k1" in info.getMessage() and server.url in info.getMessage()
    assert_no_secret(key_log.text, token, server.signer.jwk["x"])


def test_a_rotated_key_verifies_after_exactly_one_refetch(server):
    engine = Engine(remote_policy(server.url, cooldown=1))
    old = token_of(server.signer)
    engine.verify(old, now=NOW)
    new = token_of(server.rotate())
    # Within the cooldown an unknown kid is answered from the cache.
    with pytest.raises(TokenInvalid) as e:
        engine.verify(new, now=NOW)
    assert e.value.reason == "unknown_key"
    assert server.requests == 1
    time.sleep(1.05)
    assert engine.verify(new, now=NOW).id == "user_1"
    assert engine.verify(old, now=NOW).id == "user_1"
    assert server.requests == 2
    assert engine.key_status()["kids"] == ["k1", "k2"]


def test_a_removed_key_stops_verifying_within_max_age_whatever_cache_control_says(server):
    # The server would have its keys trusted for a day; refresh.max_age says 1 s.
    server.cache_control = "public, max-age=86400"
    engine = Engine(remote_policy(server.url, max_age=1, cooldown=0))
    revoked = token_of(server.signer)
    assert engine.verify(revoked, now=NOW).id == "user_1"
    kept = token_of(server.rotate())
    server.revoke("k1")
    time.sleep(1.1)
    # k1 is a kid the cache knows, so only max_age can bring the refetch.
    with pytest.raises(TokenInvalid) as e:
        engine.verify(revoked, now=NOW)
    assert e.value.reason == "unknown_key"
    assert server.requests == 2
    assert engine.key_status()["kids"] == ["k2"]
    assert engine.verify(kept, now=NOW).id == "user_1"
    assert server.requests == 2
    assert engine.key_status()["fresh_for"] <= 1


def test_a_gzip_encoded_key_set_is_taken_and_other_codings_refused(server):
    server.content_encoding = "gzip"
    engine = Engine(remote_policy(server.url, cooldown=0))
    assert engine.verify(token_of(server.signer), now=NOW).id == "user_1"
    assert engine.key_status()["last_error"] is None
    rotated = token_of(server.rotate())
    server.content_encoding = "br"
    with pytest.raises(TokenInvalid) as e:
        engine.verify(rotated, now=NOW)
    assert e.value.reason == "unknown_key"
    status = engine.key_status()
    assert status["kids"] == ["k1"]
    assert status["last_error"] == (
        'Content-Encoding "br" is not supported (a key set must come uncompressed or in gzip)')
    server.content_encoding = "gzip"
    assert engine.verify(rotated, now=NOW).id == "user_1"
    assert server.requests == 3


def test_the_other_calls_fetch_too(server):
    token = token_of(server.signer)
    resource = {"type": "todo", "owner_id": "user_1"}
    assert Engine(remote_policy(server.url)).verify_authorization(f"Bearer {token}", now=NOW).id == "user_1"
    assert Engine(remote_policy(server.url)).check(token, "read", resource, now=NOW).allowed

    async def main() -> None:
        engine = Engine(remote_policy(server.url))
        assert (await engine.acheck(f"Bearer {token}", "read", resource, now=NOW)).allowed
        engine = Engine(remote_policy(server.url))
        assert (await engine.averify_authorization(f"bearer  {token}", now=NOW)).id == "user_1"
        with pytest.raises(TokenMissing):
            await engine.averify_authorization(None)

    asyncio.run(main())
    assert server.requests == 4


# Single flight -------------------------------------------------------------------------

def expected_fetches(elapsed: float, cooldown: int) -> int:
    """At most one fetch per cooldown (plus the one that starts it)."""
    return 1 + math.floor(elapsed / cooldown)


@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
def test_concurrent_unknown_kids_in_threads_share_one_fetch(server, warm):
    cooldown = 1 if warm else 30
    engine = Engine(remote_policy(server.url, cooldown=cooldown))
    if warm:
        engine.verify(token_of(server.signer), now=NOW)
        time.sleep(1.05)
    before = server.requests
    server.delay = 0.2  # the fetch stays under way while the others arrive
    tokens = [token_of(Signer("not-served"), sub=f"user_{i}") for i in range(10)] * 100

    def verify(token: str) -> Exception:
        try:
            engine.verify(token, now=NOW)
        except Exception as e:  # noqa: BLE001 - collected and checked below
            return e
        raise AssertionError("an unknown kid verified")

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=64) as pool:
        errors = list(pool.map(verify, tokens))
    elapsed = time.monotonic() - started
    assert len(errors) == 1000
    assert all(isinstance(e, TokenInvalid) and e.reason == "unknown_key" for e in errors), errors[:3]
    assert 1 <= server.requests - before <= expected_fetches(elapsed, cooldown)


@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
def test_concurrent_unknown_kids_in_coroutines_share_one_fetch(server, warm):
    cooldown = 1 if warm else 30
    engine = Engine(remote_policy(server.url, cooldown=cooldown))
    if warm:
        engine.verify(token_of(server.signer), now=NOW)
        time.sleep(1.05)
    before = server.requests
    server.delay = 0.2
    token = unknown_kid_token()

    async def main() -> List[Any]:
        return await asyncio.gather(*(engine.averify(token, now=NOW) for _ in range(1000)), return_exceptions=True)

    started = time.monotonic()
    results = asyncio.run(main())
    elapsed = time.monotonic() - started
    assert len(results) == 1000
    assert all(isinstance(r, TokenInvalid) and r.reason == "unknown_key" for r in results), results[:3]
    assert 1 <= server.requests - before <= expected_fetches(elapsed, cooldown)


# Failures ------------------------------------------------------------------------------

def test_cached_keys_keep_working_while_the_server_is_down(server, key_log):
    engine = Engine(remote_policy(server.url, cooldown=0))
    token = token_of(server.signer)
    engine.verify(token, now=NOW)
    server.stop()
    unknown = unknown_kid_token()
    with pytest.raises(TokenInvalid) as e:
        engine.verify(unknown, now=NOW)  # refetches (cooldown 0), and the fetch fails
    assert e.value.reason == "unknown_key"
    assert engine.verify(token, now=NOW).id == "user_1"
    status = engine.key_status()
    assert status["last_error"] and status["failures"] == 1 and status["kids"] == ["k1"]
    [warning] = records(key_log, logging.WARNING)
    assert "failed" in warning.getMessage() and "cached key" in warning.getMessage()
    assert_no_secret(key_log.text, token, unknown)
    # Each event is logged once.
    engine.key_status()
    assert len(records(key_log, logging.WARNING)) == 1
    # Back up: the next fetch succeeds and clears the error.
    server.start()
    assert engine.verify(token_of(server.rotate()), now=NOW).id == "user_1"
    status = engine.key_status()
    assert status["last_error"] is None and status["kids"] == ["k1", "k2"]


@pytest.mark.parametrize("mode", ["garbage", "error", "private"])
def test_bad_responses_do_not_evict_good_keys(server, key_log, mode):
    engine = Engine(remote_policy(server.url, cooldown=0))
    token = token_of(server.signer)
    engine.verify(token, now=NOW)
    server.mode = mode
    with pytest.raises(TokenInvalid) as e:
        engine.verify(unknown_kid_token(), now=NOW)
    assert e.value.reason == "unknown_key"
    assert server.requests == 2
    assert engine.verify(token, now=NOW).id == "user_1"
    status = engine.key_status()
    assert status["kids"] == ["k1"] and status["state"] == "fresh"
    assert status["failures"] == 1 and status["last_error"]
    assert len(records(key_log, logging.WARNING)) == 1
    assert_no_secret(key_log.text + json.dumps(status), token, server.private_d())


def test_a_hanging_server_gives_keys_unavailable_within_the_timeout(server, key_log):
    server.mode = "hang"
    engine = Engine(remote_policy(server.url, timeout=1))
    token = token_of(server.signer)
    started = time.monotonic()
    with pytest.raises(KeysUnavailable) as e:
        engine.verify(token, now=NOW)
    assert time.monotonic() - started < 2
    assert (e.value.code, e.value.status, e.value.reason) == ("KEYS_UNAVAILABLE", 503, "keys_unavailable")
    assert isinstance(e.value, AuthError)
    assert engine.key_status()["state"] == "empty"
    [error] = records(key_log, logging.ERROR)
    assert "timed out" in error.getMessage()
    assert_no_secret(key_log.text + str(e.value), token)


def test_another_thread_runs_while_one_waits_on_a_fetch(server):
    server.mode = "hang"
    engine = Engine(remote_policy(server.url, timeout=1))
    outcome: List[Any] = []

    def verify() -> None:
        started = time.monotonic()
        try:
            engine.verify(token_of(server.signer), now=NOW)
        except KeysUnavailable as e:
            outcome.append((e, time.monotonic() - started))

    worker = threading.Thread(target=verify)
    worker.start()
    ticks = 0
    seen_fetching = False
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        ticks += 1
        seen_fetching = seen_fetching or engine.key_status()["fetching"]
    # Had the fetch kept the GIL, this loop could not have run while it was under way.
    assert seen_fetching and worker.is_alive() and ticks > 100
    worker.join()
    [(error, elapsed)] = outcome
    assert error.status == 503 and elapsed < 2


def test_the_event_loop_runs_while_a_coroutine_waits_on_a_fetch(server):
    server.mode = "hang"
    engine = Engine(remote_policy(server.url, timeout=1))
    token = token_of(server.signer)

    async def main() -> int:
        ticks = 0
        stop = asyncio.Event()

        async def tick() -> None:
            nonlocal ticks
            while not stop.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        ticker = asyncio.ensure_future(tick())
        try:
            with pytest.raises(KeysUnavailable):
                await engine.averify(token, now=NOW)
        finally:
            stop.set()
            await ticker
        return ticks

    started = time.monotonic()
    ticks = asyncio.run(main())
    assert time.monotonic() - started < 2
    assert ticks >= 30  # about one per 10 ms over the second the fetch hung


def test_a_server_down_from_the_start_gives_keys_unavailable(key_log):
    engine = Engine(remote_policy(closed_url()))
    token = token_of(Signer())
    with pytest.raises(KeysUnavailable) as e:
        engine.verify(token, now=NOW)
    assert e.value.to_dict() == {"detail": e.value.detail, "code": "KEYS_UNAVAILABLE", "status": 503,
                                 "reason": "keys_unavailable"}
    with pytest.raises(KeysUnavailable):
        engine.check(f"Bearer {token}", "read", {"type": "todo"}, now=NOW)
    with pytest.raises(KeysUnavailable):
        asyncio.run(engine.averify(token, now=NOW))
    status = engine.key_status()
    assert status["state"] == "empty" and status["failures"] == 1 and status["last_error"]
    [error] = records(key_log, logging.ERROR)
    assert "keys_unavailable" in error.getMessage()
    assert_no_secret(key_log.text, token)


def test_a_malformed_token_makes_no_request(server):
    engine = Engine(remote_policy(server.url))
    for bad in ("not-a-jwt", "a.b.c", "Bearer x"):
        with pytest.raises(TokenInvalid) as e:
            engine.verify(bad, now=NOW)
        assert e.value.reason == "malformed"
        with pytest.raises(TokenInvalid):
            asyncio.run(engine.averify(bad, now=NOW))
    with pytest.raises(TokenMissing):
        engine.verify("", now=NOW)
    assert server.requests == 0
    assert engine.key_status()["fetches"] == 0


def test_the_inline_half_of_a_coroutine_never_fetches(server):
    # What wardgate._aio calls on the event loop first: with nothing cached it answers
    # None (the coroutine then verifies in a thread) instead of fetching; a token that
    # fails on its own is refused right there.
    engine = Engine(remote_policy(server.url))
    token = token_of(server.signer)
    assert engine._verify_if_ready(token, now=NOW) is None
    assert engine._verify_authorization_if_ready(f"Bearer {token}", now=NOW) is None
    assert engine._check_if_ready(token, "read", {"type": "todo"}, now=NOW) is None
    with pytest.raises(TokenInvalid):
        engine._verify_if_ready("not-a-token", now=NOW)
    with pytest.raises(TokenMissing):
        engine._verify_authorization_if_ready(None, now=NOW)
    assert server.requests == 0
    engine.verify(token, now=NOW)
    assert engine._verify_if_ready(token, now=NOW).id == "user_1"
    assert engine._verify_authorization_if_ready(f"Bearer {token}", now=NOW).id == "user_1"
    assert engine._check_if_ready(token, "read", {"type": "todo"}, now=NOW) is not None
    assert server.requests == 1


# Configuration, status and errors ------------------------------------------------------

def test_config_errors_name_the_path(signer):
    with pytest.raises(ConfigError) as e:
        Engine(remote_policy("http://example.com/api/auth/jwks"))
    assert e.value.path == "keys.jwks_url"
    with pytest.raises(ConfigError) as e:
        Engine({"token": {"algorithms": ["EdDSA"]}, "keys": {"jwks": {"keys": [signer.jwk]}, "refresh": {"cooldown": 1}}})
    assert e.value.path == "keys.refresh"
    with pytest.raises(ConfigError) as e:
        Engine(remote_policy("https://auth.example.com/jwks", timeout=0))
    assert e.value.path.startswith("keys.refresh")


def test_inline_keys_are_static(engine):
    status = engine.key_status()
    assert status == {"source": "jwks", "url": None, "state": "static", "keys": 1, "kids": ["k1"], "age": None,
                      "fresh_for": None, "served_for": None, "fetches": 0, "failures": 0, "last_error": None,
                      "fetching": False}
    status["kids"].append("changed")
    assert engine.key_status()["kids"] == ["k1"]


def test_the_status_url_has_no_query():
    engine = Engine(remote_policy("https://auth.example.com/api/auth/jwks?token=s3cret"))
    assert engine.key_status()["url"] == "https://auth.example.com/api/auth/jwks"
    assert "s3cret" not in repr(engine)


def test_keys_unavailable_is_an_auth_error_that_pickles():
    e = KeysUnavailable("no keys", "KEYS_UNAVAILABLE", 503, "keys_unavailable")
    again = pickle.loads(pickle.dumps(e))
    assert type(again) is KeysUnavailable and again.to_dict() == e.to_dict()
    assert issubclass(KeysUnavailable, AuthError)
    assert wardgate.KeysUnavailable is wardgate.errors.KeysUnavailable
    assert "KeysUnavailable" in wardgate.__all__ and "KeysUnavailable" in wardgate.errors.__all__


# The conformance runner ----------------------------------------------------------------

def test_the_runner_takes_vectors_with_a_jwks_url(server, tmp_path):
    signer = server.signer
    policy = {"token": {"algorithms": ["EdDSA"]}}
    vectors = [
        {"id": "refused", "policy": {**policy, "keys": {"jwks_url": closed_url()}},
         "token": signer.sign(claims()), "now": NOW,
         "expect": {"ok": False, "code": "KEYS_UNAVAILABLE", "status": 503, "reason": "keys_unavailable"}},
        {"id": "served", "policy": {**policy, "keys": {"jwks_url": server.url}},
         "token": signer.sign(claims()), "now": NOW, "expect": {"ok": True, "principal": {"id": "user_1"}}},
    ]
    path = tmp_path / "remote.json"
    path.write_text(json.dumps({"suite": "remote", "vectors": vectors}))
    result = subprocess.run([sys.executable, "-m", "wardgate.conformance", str(path)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout
    assert result.stdout.strip().endswith("2 passed, 0 failed")
    assert result.stderr == ""
    assert server.requests == 1
