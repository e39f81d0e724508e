"""Verification releases the GIL, so the threads of a sync app verify in parallel."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from wardgate import Engine, TokenExpired

from conftest import NOW, SECRET, sign_hs256


@pytest.fixture()
def no_preemption():
    """With a switch interval of minutes, a thread gives up the GIL only when a call
    releases it, so what runs during a call shows whether that call released it."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(120)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def test_another_thread_runs_python_while_one_verifies(no_preemption):
    # A large token keeps one verification busy for milliseconds (decoding, HMAC, JSON).
    engine = Engine({"token": {"algorithms": ["HS256"], "max_length": 1 << 20}, "keys": {"secret": SECRET}})
    token = sign_hs256({"sub": "u1", "exp": NOW + 60, "padding": "x" * 700_000})
    ticks = 0
    ready = threading.Event()
    stop = threading.Event()

    def count() -> None:
        nonlocal ticks
        ready.set()
        while not stop.is_set():
            ticks += 1
            time.sleep(0)  # releases the GIL, so the verifying thread can take it back

    counter = threading.Thread(target=count)
    counter.start()
    ready.wait()
    during = []
    for _ in range(5):
        before = ticks
        principal = engine.verify(token, now=NOW)
        during.append(ticks - before)
    stop.set()
    counter.join()
    assert principal.id == "u1"
    # Had verify kept the GIL, the counter could not have moved during any call.
    assert sum(during) > 0, during


def test_two_threads_verify_concurrently(engine, signer):
    from conftest import claims

    tokens = [signer.sign(claims(sub=f"user_{i}")) for i in range(200)]
    results: dict = {}

    def work(name: str) -> None:
        results[name] = [engine.verify(t, now=NOW).id for t in tokens]

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["a"] == results["b"] == [f"user_{i}" for i in range(200)]
    with pytest.raises(TokenExpired):
        engine.verify(tokens[0], now=NOW + 7200)
