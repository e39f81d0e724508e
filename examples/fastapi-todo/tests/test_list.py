"""``GET /todos``: exactly the todos the policy's ``read`` rules allow, on SQLite and on
PostgreSQL, with the shipped policy and with policies changed only in ``policy.json``.

The list runs the ``read`` rules as its ``WHERE`` and ``GET /todos/{id}`` puts the loaded
row to the same rules, so for every caller the list holds the todos whose detail route
answers 200, and no other: one rule, not two.
"""

import copy
from typing import Any, Callable, Dict, List

import pytest
from fastapi.testclient import TestClient

from app.main import create_app

from .helpers import assert_error

Headers = Dict[str, str]

#: A rule added to the shipped policy: todos marked done may be read by every signed-in user.
DONE_IS_PUBLIC = {
    "id": "done-todos-are-public", "effect": "permit", "resource": "todo",
    "actions": ["read"], "when": "resource.done == true",
}
#: A rule added to the shipped policy: nobody, admins included, may read a todo marked done.
DONE_IS_HIDDEN = {
    "id": "done-todos-are-hidden", "effect": "forbid", "resource": "todo",
    "actions": ["read"], "when": "resource.done == true",
}


def ids(todos: List[Dict[str, Any]]) -> List[str]:
    return [todo["id"] for todo in todos]


def test_another_users_list_never_holds_your_todos(client, alice, bob, auth, create):
    alices = [create(alice, f"alice {n}") for n in range(3)]
    bobs = create(bob, "bob's")
    carol = auth("carol")

    assert client.get("/todos", headers=alice).json() == alices
    assert client.get("/todos", headers=bob).json() == [bobs]
    assert client.get("/todos", headers=carol).json() == []
    # Changed or not, another user's todo stays out of your list.
    client.patch(f"/todos/{alices[0]['id']}", json={"done": True}, headers=alice)
    assert ids(client.get("/todos", headers=bob).json()) == [bobs["id"]]


def test_admins_list_holds_everyones_todos(client, alice, bob, admin, auth, create):
    todos = [create(alice, "alice's"), create(bob, "bob's"), create(admin, "the admin's"), create(alice, "alice's too")]
    assert client.get("/todos", headers=admin).json() == todos  # oldest first
    assert client.get("/todos", headers=auth("ops", role="user,admin")).json() == todos


@pytest.mark.parametrize("banned", [
    {"sub": "carol"},
    {"sub": "root", "role": "admin"},
], ids=["user", "admin"])
def test_banned_users_list_is_empty(client, auth, admin, create, banned):
    """Not refused: the list holds the todos they may read, and the forbid rule leaves none,
    not even their own (an admin's filter is ``never`` as well)."""
    claims = dict(banned)
    sub = claims.pop("sub")
    create(auth(sub, **claims), "made before the ban")
    create(admin, "someone else's")

    response = client.get("/todos", headers=auth(sub, banned=True, **claims))
    assert response.status_code == 200
    assert response.json() == []


def test_the_list_still_needs_a_valid_token(client, auth, create):
    create(auth("alice"))
    assert_error(client.get("/todos"), 401, "TOKEN_MISSING", "missing")
    expired = auth("root", role="admin", iat=1_700_000_000, exp=1_700_000_900)
    assert_error(client.get("/todos", headers=expired), 401, "TOKEN_EXPIRED", "expired")


# Each policy, and what each caller may read of the four todos made by
# `test_list_and_detail_follow_one_rule`: alice's open and done ones, bob's open and done ones.
POLICIES = {
    "shipped": ([], {
        "alice": {"alice open", "alice done"},
        "bob": {"bob open", "bob done"},
        "carol": set(),
        "admin": {"alice open", "alice done", "bob open", "bob done"},
        "banned": set(),
    }),
    "done todos are public": ([DONE_IS_PUBLIC], {
        "alice": {"alice open", "alice done", "bob done"},
        "bob": {"bob open", "bob done", "alice done"},
        "carol": {"alice done", "bob done"},
        "admin": {"alice open", "alice done", "bob open", "bob done"},
        "banned": set(),
    }),
    "done todos are hidden": ([DONE_IS_HIDDEN], {
        "alice": {"alice open"},
        "bob": {"bob open"},
        "carol": set(),
        "admin": {"alice open", "bob open"},
        "banned": set(),
    }),
}


@pytest.mark.parametrize("name", list(POLICIES))
def test_list_and_detail_follow_one_rule(name, policy, database_url, auth: Callable[..., Headers]):
    """The todos are made under the shipped policy; then the app restarts on the same rows
    with a rule added to ``policy.json``, and the list and ``GET /todos/{id}`` change alike."""
    callers = {
        "alice": auth("alice"), "bob": auth("bob"), "carol": auth("carol"),
        "admin": auth("root", role="admin"), "banned": auth("alice", banned=True),
    }
    with TestClient(create_app(policy, database_url)) as client:
        made = {}
        for owner in ("alice", "bob"):
            for state in ("open", "done"):
                title = f"{owner} {state}"
                body = {"title": title, "done": state == "done"}
                response = client.post("/todos", json=body, headers=callers[owner])
                assert response.status_code == 201, response.text
                made[title] = response.json()

    extra_rules, expected = POLICIES[name]
    changed = copy.deepcopy(policy)
    changed["rules"].extend(extra_rules)
    with TestClient(create_app(changed, database_url)) as client:
        for caller, headers in callers.items():
            listed = client.get("/todos", headers=headers)
            assert listed.status_code == 200, (caller, listed.text)
            titles = {todo["title"] for todo in listed.json()}
            assert titles == expected[caller], caller
            # Listed exactly when its detail route lets the caller read it.
            for title, todo in made.items():
                detail = client.get(f"/todos/{todo['id']}", headers=headers)
                assert detail.status_code in (200, 403), (caller, title, detail.text)
                assert (detail.status_code == 200) is (title in titles), (caller, title, detail.status_code)
                if detail.status_code == 200:
                    assert detail.json() == todo
