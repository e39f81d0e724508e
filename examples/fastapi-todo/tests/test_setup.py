"""The shipped policy file and the app's configuration."""

import json
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from wardgate import Engine, Principal

from app.main import DEFAULT_POLICY_FILE, create_app

EXAMPLE_DIR = DEFAULT_POLICY_FILE.parent

from .helpers import assert_error

ALICE = Principal("alice", ["user"])
ADMIN = Principal("root", ["admin"])
BANNED = Principal("alice", ["user"], claims={"sub": "alice", "banned": True})
ALICES_TODO = {"type": "todo", "owner_id": "alice"}


@pytest.mark.parametrize("principal, action, resource, allowed", [
    (ALICE, "read", ALICES_TODO, True),
    (ALICE, "update", ALICES_TODO, True),
    (ALICE, "delete", ALICES_TODO, True),
    (ALICE, "create", {"type": "todo"}, True),
    (ALICE, "list", {"type": "todo"}, True),
    (ALICE, "list_all", {"type": "todo"}, False),
    (Principal("bob", ["user"]), "read", ALICES_TODO, False),
    (ADMIN, "delete", ALICES_TODO, True),
    (ADMIN, "list_all", {"type": "todo"}, True),
    (ADMIN, "read", {"type": "invoice", "owner_id": "alice"}, False),
    (BANNED, "read", ALICES_TODO, False),
    (BANNED, "list", {"type": "todo"}, False),
])
def test_shipped_policy_decisions(principal, action, resource, allowed):
    engine = Engine.from_file(DEFAULT_POLICY_FILE)
    assert engine.authorize(principal, action, resource).allowed is allowed


def test_shipped_policy_loads_as_is_without_warnings():
    assert Engine.from_file(DEFAULT_POLICY_FILE).warnings() == []


def test_dev_token_is_accepted_by_the_shipped_policy():
    def dev_token(*args: str) -> str:
        command = [sys.executable, str(EXAMPLE_DIR / "dev_token.py"), *args]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()

    engine = Engine.from_file(DEFAULT_POLICY_FILE)
    assert engine.verify(dev_token("alice")).id == "alice"
    assert engine.verify(dev_token("root", "--role", "admin")).roles == ("admin",)
    assert engine.verify(dev_token("carol", "--banned")).claims["banned"] is True


def test_policy_from_environment(policy, tmp_path, monkeypatch, auth):
    strict = dict(policy, rules=[r for r in policy["rules"] if r["id"] != "signed-in-users"])
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(strict))
    monkeypatch.setenv("WARDGATE_POLICY", str(path))
    with TestClient(create_app(database_url=f"sqlite:///{tmp_path / 'todos.db'}")) as client:
        assert_error(client.get("/todos", headers=auth("alice")), 403, "INSUFFICIENT_PERMISSIONS", "denied")


def test_database_from_environment(policy, tmp_path, monkeypatch, auth):
    database = tmp_path / "from-env.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    with TestClient(create_app(policy)) as client:
        assert client.post("/todos", json={"title": "x"}, headers=auth("alice")).status_code == 201
    assert database.stat().st_size > 0


def test_todos_survive_a_restart(policy, tmp_path, auth):
    url = f"sqlite:///{tmp_path / 'todos.db'}"
    with TestClient(create_app(policy, url)) as client:
        todo = client.post("/todos", json={"title": "persist me"}, headers=auth("alice")).json()
    with TestClient(create_app(policy, url)) as client:
        assert client.get(f"/todos/{todo['id']}", headers=auth("alice")).json() == todo
