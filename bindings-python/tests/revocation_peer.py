"""Another process on the same policy, for ``test_revocation_redis.py``: reads
``{"policy": ..., "tokens": {name: token}}`` as one JSON line on stdin, then verifies every
token in a loop with its own engine and prints a JSON line ``{"name", "outcome", "at"}``
(``outcome``: ``"ok"`` or the error's reason; ``at``: ``time.time()``) for each token's
first outcome and each change, until stdin is closed. Never prints a token."""

import json
import sys
import threading
import time

from wardgate import AuthError, Engine


def main() -> None:
    job = json.loads(sys.stdin.readline())
    engine = Engine(job["policy"])
    tokens = job["tokens"]
    done = threading.Event()

    def wait_for_eof() -> None:
        sys.stdin.read()
        done.set()

    threading.Thread(target=wait_for_eof, daemon=True).start()
    last = {}
    while not done.is_set():
        for name, token in tokens.items():
            try:
                engine.verify(token)
                outcome = "ok"
            except AuthError as e:
                outcome = e.reason
            if last.get(name) != outcome:
                last[name] = outcome
                print(json.dumps({"name": name, "outcome": outcome, "at": time.time()}), flush=True)
        time.sleep(0.001)


if __name__ == "__main__":
    main()
