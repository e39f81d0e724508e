"""``revocation.url`` through the native fetch: an endpoint on 127.0.0.1 serving the revoked
set as the Better Auth plugin does (``Cache-Control: no-store``)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator

import pytest

from wardgate import Engine, RevocationUnavailable, RevokeError, TokenInvalid

from conftest import NOW, Signer, claims


class RevokedSetServer:
    """``ThreadingHTTPServer`` in a thread, serving :attr:`revoked` as JSON, counting requests;
    ``mode = "error"`` answers 500."""

    def __init__(self) -> None:
        self.revoked: Dict[str, Any] = {"sid": ["s-gone"], "jti": [], "subjects": {}}
        self.mode = "ok"
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the handler's API)
                server.requests += 1
                status, body = (500, b"{}") if server.mode == "error" else (200, json.dumps(server.revoked).encode())
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("cache-control", "no-store")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/auth/wardgate/revoked?key=s3cret-query"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture()
def endpoint() -> Iterator[RevokedSetServer]:
    s = RevokedSetServer()
    try:
        yield s
    finally:
        s.stop()


def test_the_url_source_is_fetched_natively_and_refreshed_within_max_age(policy, signer: Signer, endpoint):
    engine = Engine({**policy, "revocation": {"url": endpoint.url, "stale_for": 60,
                                              "refresh": {"max_age": 1, "cooldown": 0}}})
    status = engine.revocation_status()
    assert (status["source"], status["state"], status["url"]) == (
        "url", "starting", f"http://127.0.0.1:{endpoint.port}/api/auth/wardgate/revoked")
    live, gone = signer.sign(claims(sid="s-live")), signer.sign(claims(sid="s-gone"))

    # The first verification fetches the set; the coroutines fetch in a worker thread.
    assert asyncio.run(engine.averify(live, now=NOW)).id == "user_1"
    with pytest.raises(TokenInvalid, match="revoked"):
        engine.verify(gone, now=NOW)
    with pytest.raises(TokenInvalid, match="revoked"):
        asyncio.run(engine.acheck(gone, "read", {"type": "todo", "owner_id": "user_1"}, now=NOW))
    assert engine.check(live, "read", {"type": "todo", "owner_id": "user_1"}, now=NOW).allowed
    assert endpoint.requests == 1
    status = engine.revocation_status()
    assert (status["state"], status["sids"], status["last_error"]) == ("ready", 1, None)
    assert isinstance(status["last_sync"], float) and isinstance(status["age"], float)
    assert engine.revocation_set() == {"sid": ["s-gone"], "jti": [], "subjects": {}}

    # A revocation at the endpoint is refused once the set is older than max_age.
    endpoint.revoked = {"sid": ["s-gone", "s-live"], "jti": [], "subjects": {}}
    time.sleep(1.1)
    with pytest.raises(TokenInvalid, match="revoked"):
        asyncio.run(engine.averify(live, now=NOW))
    assert endpoint.requests == 2

    # Revoking is done where the set is served.
    with pytest.raises(RevokeError) as refused:
        engine.revoke(sid="s1", ttl=60)
    assert refused.value.code == "REVOKE_UNSUPPORTED"


def test_a_url_source_that_never_answered_is_revocation_unavailable(policy, signer: Signer, endpoint):
    endpoint.mode = "error"
    engine = Engine({**policy, "revocation": {"url": endpoint.url}})
    with pytest.raises(RevocationUnavailable) as unavailable:
        asyncio.run(engine.averify(signer.sign(claims(sid="s-live")), now=NOW))
    assert unavailable.value.status == 503
    assert "s3cret" not in str(unavailable.value)
    assert engine.revocation_status()["last_error"] == "HTTP 500"
