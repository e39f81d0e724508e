"""``POST /admin/users/{user_id}/logout``: an admin signs a user out everywhere.

With the shipped policy (no ``revocation`` section) the route answers 501; with a policy
whose ``revocation.redis_url`` names a real ``redis-server`` (started here on its own port
and directory, as the binding's tests do), the user's tokens are refused at once, another
user's are not, and with Redis gone the route answers 503 with ``Retry-After``.
"""

import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bindings-python" / "tests"))
from redis_server import RedisServer, redis_or_skip  # noqa: E402

Headers = Dict[str, str]


@pytest.fixture()
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    directory = tmp_path / "redis"
    directory.mkdir()
    server = redis_or_skip(directory)
    try:
        yield server
    finally:
        server.stop()


def app_client(policy: Dict[str, Any], tmp_path: Path) -> TestClient:
    return TestClient(create_app(policy, database_url=f"sqlite:///{tmp_path / 'todos.db'}"))


def test_without_a_writable_revocation_source_the_route_answers_501(
    policy: Dict[str, Any], tmp_path: Path, auth: Callable[..., Headers]
) -> None:
    with app_client(policy, tmp_path) as client:
        assert client.post("/admin/users/alice/logout").status_code == 401
        refused = client.post("/admin/users/alice/logout", headers=auth("bob"))
        assert (refused.status_code, refused.json()["reason"]) == (403, "denied")
        answer = client.post("/admin/users/alice/logout", headers=auth("root", role="admin"))
        assert answer.status_code == 501
        assert answer.json()["code"] == "REVOKE_UNSUPPORTED"


def test_an_admin_signs_a_user_out_everywhere(
    policy: Dict[str, Any], tmp_path: Path, token_for: Callable[..., str], redis: RedisServer
) -> None:
    with_redis = {**policy, "revocation": {"redis_url": redis.url(), "stale_for": 30, "refresh": {"timeout": 1}}}
    now = int(time.time())
    alice = {"Authorization": f"Bearer {token_for('alice', iat=now - 5)}"}
    bob = {"Authorization": f"Bearer {token_for('bob', iat=now - 5)}"}
    admin = {"Authorization": f"Bearer {token_for('root', role='admin')}"}
    with app_client(with_redis, tmp_path) as client:
        assert client.get("/todos", headers=alice).status_code == 200
        assert client.post("/admin/users/alice/logout", headers=admin).status_code == 204
        refused = client.get("/todos", headers=alice)
        assert refused.status_code == 401
        assert refused.json() == {"detail": "the token has been revoked", "code": "TOKEN_INVALID", "status": 401,
                                  "reason": "revoked"}
        assert client.get("/todos", headers=bob).status_code == 200
        # Every process on that Redis refuses it: the entry is there, with its TTL.
        assert redis.command("EXISTS", "wardgate:revoked:sub:alice") == ":1"
        # Redis gone: nothing can be revoked, and the route says so.
        redis.stop()
        failed = client.post("/admin/users/bob/logout", headers=admin)
        assert (failed.status_code, failed.headers["retry-after"]) == (503, "5")
        assert failed.json()["code"] == "REVOKE_FAILED"
