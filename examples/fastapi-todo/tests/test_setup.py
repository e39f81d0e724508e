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
BOB = Principal("bob", ["user"])
ADMIN = Principal("root", ["admin"])
BANNED = Principal("alice", ["user"], claims={"sub": "alice", "banned": True})
BANNED_ADMIN = Principal("root", ["admin"], claims={"sub": "root", "banned": True})
ALICES_TODO = {"type": "todo", "id": "t1", "owner_id": "alice", "title": "x", "done": False}


@pytest.mark.parametrize("principal, action, resource, allowed", [
    (ALICE, "read", ALICES_TODO, True),
    (ALICE, "update", ALICES_TODO, True),
    (ALICE, "delete", ALICES_TODO, True),
    (ALICE, "create", {"type": "todo"}, True),
    (BOB, "read", ALICES_TODO, False),
    (BOB, "update", ALICES_TODO, False),
    (BOB, "delete", ALICES_TODO, False),
    (ADMIN, "read", ALICES_TODO, True),
    (ADMIN, "delete", ALICES_TODO, True),
    (ADMIN, "read", {"type": "invoice", "owner_id": "alice"}, False),
    (BANNED, "read", ALICES_TODO, False),
    (BANNED, "create", {"type": "todo"}, False),
    (BANNED_ADMIN, "read", ALICES_TODO, False),
    # No list actions: the list is the todos `read` allows (test_shipped_policy_filters).
    (ALICE, "list", {"type": "todo"}, False),
])
def test_shipped_policy_decisions(principal, action, resource, allowed):
    engine = Engine.from_file(DEFAULT_POLICY_FILE)
    assert engine.authorize(principal, action, resource).allowed is allowed


@pytest.mark.parametrize("principal, kind, permits, forbids", [
    (ALICE, "conditional", ["own-todos"], []),
    (BOB, "conditional", ["own-todos"], []),
    (ADMIN, "always", ["admins"], []),
    (BANNED, "never", [], ["banned"]),
    (BANNED_ADMIN, "never", [], ["banned"]),
])
def test_shipped_policy_filters(principal, kind, permits, forbids):
    """What ``GET /todos`` lists: the filter of ``read`` on todos."""
    planned = Engine.from_file(DEFAULT_POLICY_FILE).filter(principal, "read", "todo")
    form = planned.to_dict()
    assert planned.kind == kind
    assert ([p["rule"] for p in form["permits"]], [f["rule"] for f in form["forbids"]]) == (permits, forbids)
    for owner in ("alice", "bob", "root"):
        todo = dict(ALICES_TODO, owner_id=owner)
        expected = Engine.from_file(DEFAULT_POLICY_FILE).authorize(principal, "read", todo).allowed
        assert planned.matches(todo) is expected
        assert expected is (kind == "always" or (kind == "conditional" and owner == principal.id))


def test_shipped_policy_names_no_list_action():
    rules = json.loads(DEFAULT_POLICY_FILE.read_text())["rules"]
    named = {action for rule in rules if isinstance(rule["actions"], list) for action in rule["actions"]}
    assert named == {"create", "read", "update", "delete", "logout"}


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


def test_policy_from_environment(policy, tmp_path, monkeypatch, auth, database_url):
    strict = dict(policy, rules=[r for r in policy["rules"] if r["id"] != "signed-in-users"])
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(strict))
    monkeypatch.setenv("WARDGATE_POLICY", str(path))
    with TestClient(create_app(database_url=database_url)) as client:
        response = client.post("/todos", json={"title": "x"}, headers=auth("alice"))
        assert_error(response, 403, "INSUFFICIENT_PERMISSIONS", "denied")


def test_database_from_environment(policy, monkeypatch, auth, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    with TestClient(create_app(policy)) as client:
        todo = client.post("/todos", json={"title": "x"}, headers=auth("alice")).json()
    monkeypatch.delenv("DATABASE_URL")
    with TestClient(create_app(policy, database_url)) as client:
        assert client.get("/todos", headers=auth("alice")).json() == [todo]


def test_todos_survive_a_restart(policy, auth, database_url):
    with TestClient(create_app(policy, database_url)) as client:
        todo = client.post("/todos", json={"title": "persist me"}, headers=auth("alice")).json()
    with TestClient(create_app(policy, database_url)) as client:
        assert client.get(f"/todos/{todo['id']}", headers=auth("alice")).json() == todo
        assert client.get("/todos", headers=auth("alice")).json() == [todo]
