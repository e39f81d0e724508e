"""CRUD through the policy: owners, other users, admins, banned users (the list: test_list.py)."""

import uuid
from datetime import datetime

from .helpers import assert_error


def timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))  # Python 3.9 has no "Z"


def test_create_read_update_delete_own_todo(client, alice, create):
    todo = create(alice, "write the report")
    assert todo["owner_id"] == "alice"
    assert todo["title"] == "write the report" and todo["done"] is False
    assert uuid.UUID(todo["id"]).version == 4
    assert todo["created_at"] == todo["updated_at"]

    assert client.get(f"/todos/{todo['id']}", headers=alice).json() == todo

    response = client.patch(f"/todos/{todo['id']}", json={"done": True}, headers=alice)
    assert response.status_code == 200
    updated = response.json()
    assert updated["done"] is True and updated["title"] == "write the report"
    assert timestamp(updated["updated_at"]) > timestamp(todo["updated_at"])
    assert updated["created_at"] == todo["created_at"]

    response = client.delete(f"/todos/{todo['id']}", headers=alice)
    assert response.status_code == 204 and response.content == b""
    assert_error(client.get(f"/todos/{todo['id']}", headers=alice), 404, "NOT_FOUND", "not_found")


def test_owner_comes_from_the_token_not_the_body(client, alice):
    response = client.post("/todos", json={"title": "mine", "owner_id": "bob"}, headers=alice)
    assert response.status_code == 422


def test_another_user_cannot_read_update_or_delete(client, alice, bob, create):
    todo = create(alice)
    url = f"/todos/{todo['id']}"

    assert_error(client.get(url, headers=bob), 403, "INSUFFICIENT_PERMISSIONS", "denied")
    assert_error(client.patch(url, json={"title": "pwned", "done": True}, headers=bob),
                 403, "INSUFFICIENT_PERMISSIONS", "denied")
    assert_error(client.delete(url, headers=bob), 403, "INSUFFICIENT_PERMISSIONS", "denied")

    assert client.get(url, headers=alice).json() == todo


def test_admin_may_do_anything_to_any_todo(client, alice, bob, admin, create):
    alices = create(alice, "alice's")
    bobs = create(bob, "bob's")
    url = f"/todos/{alices['id']}"

    assert [t["id"] for t in client.get("/todos", headers=admin).json()] == [alices["id"], bobs["id"]]
    assert client.get(url, headers=admin).json() == alices

    response = client.patch(url, json={"title": "moderated"}, headers=admin)
    assert response.status_code == 200
    assert response.json()["title"] == "moderated" and response.json()["owner_id"] == "alice"

    assert client.delete(url, headers=admin).status_code == 204
    assert client.get("/todos", headers=alice).json() == []


def test_admin_role_among_several(client, alice, auth, create):
    create(alice)
    assert len(client.get("/todos", headers=auth("ops", role="user,admin")).json()) == 1


def test_banned_user_is_refused_even_for_their_own_todo(client, auth, create):
    carol = auth("carol")
    todo = create(carol)
    banned = auth("carol", banned=True)
    url = f"/todos/{todo['id']}"

    assert_error(client.get(url, headers=banned), 403, "INSUFFICIENT_PERMISSIONS", "forbidden")
    assert_error(client.patch(url, json={"done": True}, headers=banned), 403, "INSUFFICIENT_PERMISSIONS", "forbidden")
    assert_error(client.delete(url, headers=banned), 403, "INSUFFICIENT_PERMISSIONS", "forbidden")
    assert_error(client.post("/todos", json={"title": "x"}, headers=banned), 403, "INSUFFICIENT_PERMISSIONS", "forbidden")
    # The list is the todos they may read: none (test_list.py).
    assert client.get("/todos", headers=banned).json() == []

    assert client.get(url, headers=carol).json() == todo


def test_banned_admin_is_refused(client, alice, auth, create):
    todo = create(alice)
    banned_admin = auth("root", role="admin", banned=True)
    assert_error(client.get(f"/todos/{todo['id']}", headers=banned_admin), 403, "INSUFFICIENT_PERMISSIONS", "forbidden")
    assert client.get("/todos", headers=banned_admin).json() == []


def test_unknown_id_is_404(client, alice):
    url = f"/todos/{uuid.uuid4()}"
    assert_error(client.get(url, headers=alice), 404, "NOT_FOUND", "not_found")
    assert_error(client.patch(url, json={"done": True}, headers=alice), 404, "NOT_FOUND", "not_found")
    assert_error(client.delete(url, headers=alice), 404, "NOT_FOUND", "not_found")


def test_validation(client, alice, create):
    assert client.post("/todos", json={"title": ""}, headers=alice).status_code == 422
    assert client.post("/todos", json={}, headers=alice).status_code == 422
    todo = create(alice)
    url = f"/todos/{todo['id']}"
    assert client.patch(url, json={"title": None}, headers=alice).status_code == 422
    assert client.patch(url, json={"done": None}, headers=alice).status_code == 422
    assert client.patch(url, json={}, headers=alice).json() == todo
