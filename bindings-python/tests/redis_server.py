"""A throwaway ``redis-server`` on 127.0.0.1 for the tests: its own free port and its own
directory (append-only file on, so a restart keeps the entries). ``redis_or_skip`` starts
one, or skips the test saying why (``redis-server`` missing or not starting), except under
``CI=true``, where that is a failure."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import List, Optional

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """``redis-server`` on ``port`` with ``dir`` as its directory; :meth:`stop` kills it."""

    def __init__(self, directory: Path, password: Optional[str] = None) -> None:
        self.dir = directory
        self.port = free_port()
        self.password = password
        self.process: Optional[subprocess.Popen[bytes]] = None

    def start(self) -> None:
        """Starts it (again, after :meth:`stop`: same port, same directory, same data)."""
        self.stop()
        args = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                "--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "no",
                "--logfile", "server.log", "--dir", str(self.dir)]
        if self.password is not None:
            args += ["--requirepass", self.password]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.ping():
                return
            code = self.process.poll()
            if code is not None:
                self.process = None
                raise RuntimeError(f"exited ({code}) on port {self.port}; see {self.dir}/server.log")
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"did not answer on 127.0.0.1:{self.port} within 10 s")

    def stop(self) -> None:
        """Kills it (as a crash would) and waits for it to be gone."""
        process, self.process = self.process, None
        if process is not None:
            process.kill()
            process.wait(timeout=10)

    def url(self, db: int = 0) -> str:
        auth = f":{self.password}@" if self.password is not None else ""
        return f"redis://{auth}127.0.0.1:{self.port}/{db}"

    def ping(self) -> bool:
        try:
            return self.command("PING") in ("+PONG", "-NOAUTH Authentication required.")
        except OSError:
            return False

    def command(self, *words: str) -> str:
        """Runs one command (authenticated first when the server has a password) and gives the
        first line of its answer."""
        commands: List[List[str]] = [["AUTH", self.password]] if self.password is not None else []
        commands.append(list(words))
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
            for command in commands:
                request = f"*{len(command)}\r\n" + "".join(f"${len(w.encode())}\r\n{w}\r\n" for w in command)
                s.sendall(request.encode())
            reader = s.makefile("rb")
            lines = [reader.readline().decode().rstrip("\r\n") for _ in commands]
        return lines[-1]


def redis_or_skip(directory: Path, password: Optional[str] = None) -> RedisServer:
    """A running server; the test is skipped when there is none to be had (failed under
    ``CI=true``). The caller stops it."""
    server = RedisServer(directory, password)
    why = None
    if shutil.which("redis-server") is None:
        why = "redis-server is not installed (scripts/setup installs Debian's redis-server)"
    else:
        try:
            server.start()
        except (OSError, RuntimeError) as e:
            why = f"redis-server did not start: {e}"
    if why is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{why}; under CI=true the Redis tests must run")
        pytest.skip(why)
    return server
