"""A JWKS endpoint on 127.0.0.1 for the remote key set tests.

It serves the public keys of its signers and counts the requests; a test switches its
``mode`` to make it misbehave, ``stop()``s it (connections are then refused) and
``start()``s it again on the same port.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

from conftest import AUDIENCE, ISSUER, RULES, Signer, b64url
from cryptography.hazmat.primitives import serialization

#: What the server answers: the key set, or one way of failing.
MODES = ("ok", "hang", "garbage", "error", "private")


class JwksServer:
    """``ThreadingHTTPServer`` in a thread, serving ``{"keys": [...]}`` at ``/jwks``."""

    def __init__(self) -> None:
        self.signers: List[Signer] = [Signer("k1")]
        #: ``ok``: the key set; ``hang``: accept and never answer; ``garbage``: 200 with a
        #: body that is not JSON; ``error``: 500; ``private``: a key with its ``d`` member.
        self.mode = "ok"
        #: Seconds to wait before answering (to keep a fetch under way for a while).
        self.delay = 0.0
        #: The ``Cache-Control`` header of the answers, if any.
        self.cache_control: Optional[str] = None
        #: The ``Content-Encoding`` of the key set: ``gzip`` compresses it; any other value
        #: only labels it.
        self.content_encoding: Optional[str] = None
        self.requests = 0
        self.port = 0
        self._count = threading.Lock()
        self._release = threading.Event()
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/jwks"

    @property
    def signer(self) -> Signer:
        """The first key's signer."""
        return self.signers[0]

    def start(self) -> None:
        """Listens (again, on the same port after :meth:`stop`)."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server hook
                server._seen()
                if server.delay:
                    time.sleep(server.delay)
                if server.mode == "hang":
                    server._release.wait(30)
                    return
                status, body = server._answer()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if server.cache_control is not None:
                    self.send_header("Cache-Control", server.cache_control)
                if server.content_encoding is not None:
                    self.send_header("Content-Encoding", server.content_encoding)
                    if server.content_encoding == "gzip":
                        body = gzip.compress(body)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        httpd.daemon_threads = True
        self.port = httpd.server_address[1]
        self._httpd = httpd
        self._release.clear()
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops listening: connections to the port are refused."""
        self._release.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def rotate(self) -> Signer:
        """Adds a key with a new kid (the old ones stay) and returns its signer."""
        signer = Signer(f"k{len(self.signers) + 1}")
        self.signers.append(signer)
        return signer

    def revoke(self, kid: str) -> None:
        """Stops serving the key ``kid``."""
        self.signers = [s for s in self.signers if s.kid != kid]

    def private_d(self) -> str:
        """The ``d`` member the ``private`` mode leaks."""
        raw = self.signer.key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return b64url(raw)

    def _seen(self) -> None:
        with self._count:
            self.requests += 1

    def _answer(self) -> Tuple[int, bytes]:
        if self.mode == "garbage":
            return 200, b"<html>this is not a key set</html>"
        if self.mode == "error":
            return 500, b'{"error": "internal"}'
        keys: List[Dict[str, Any]] = [dict(s.jwk) for s in self.signers]
        if self.mode == "private":
            keys = [{**keys[0], "kid": "leaked", "d": self.private_d()}]
        return 200, json.dumps({"keys": keys}).encode()


def remote_policy(url: str, **refresh: int) -> Dict[str, Any]:
    """A policy whose keys come from ``url``, with ``keys.refresh`` from the keywords."""
    keys: Dict[str, Any] = {"jwks_url": url}
    if refresh:
        keys["refresh"] = refresh
    return {"token": {"issuer": ISSUER, "audience": AUDIENCE, "algorithms": ["EdDSA"]}, "keys": keys, "rules": RULES}


def closed_url() -> str:
    """The URL of a port nothing listens on any more."""
    server = JwksServer()
    server.stop()
    return server.url
