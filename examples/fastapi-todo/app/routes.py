"""The ``/todos`` routes.

The token is verified by ``guard.principal`` (or ``guard.require``, ``guard.where``). The
list is the policy's ``read`` rules turned into the query's ``WHERE`` (``guard.where``);
every row that is read, changed or deleted is loaded first and then put to the policy with
its columns. The policy file, not this code, decides who may see or touch a todo, and the
list and the routes of one todo follow the same rules.
"""

from typing import Any, Dict, List

from fastapi import APIRouter, Depends, Response
from wardgate import Principal
from wardgate.fastapi import Guard
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from .db import get_session
from .models import Todo, utcnow
from .schemas import ErrorOut, TodoCreate, TodoOut, TodoUpdate


class TodoNotFound(Exception):
    """No todo has this id (a 404)."""


#: The columns of a todo that its rules may read (``resource.owner_id``, ``resource.done``...).
#: The list filter reads the same columns of the table; the timestamps are not attributes.
RESOURCE_ATTRIBUTES = ("id", "owner_id", "title", "done")


def as_resource(row: Todo) -> Dict[str, Any]:
    """What the policy sees of a todo: the columns of :data:`RESOURCE_ATTRIBUTES`."""
    resource: Dict[str, Any] = {"type": "todo"}
    resource.update((name, getattr(row, name)) for name in RESOURCE_ATTRIBUTES)
    return resource


def todo_router(guard: Guard) -> APIRouter:
    # The list is never refused (it holds the todos the caller may read, maybe none): only
    # the other routes answer 403.
    router = APIRouter(prefix="/todos", tags=["todos"], responses={401: {"model": ErrorOut}})
    denied: Dict[Any, Dict[str, Any]] = {403: {"model": ErrorOut}}
    missing: Dict[Any, Dict[str, Any]] = {**denied, 404: {"model": ErrorOut}}

    def load_checked(session: Session, todo_id: str, principal: Principal, action: str) -> Todo:
        """The row, once the policy allows `action` on it: 404 if missing, 403 if denied."""
        row = session.get(Todo, todo_id)
        if row is None:
            raise TodoNotFound(todo_id)
        guard.authorize(principal, action, as_resource(row))
        return row

    @router.get("", response_model=List[TodoOut])
    def list_todos(
        where: ColumnElement[bool] = Depends(guard.where("read", Todo)),
        session: Session = Depends(get_session),
    ) -> List[TodoOut]:
        """The todos the caller may read: the policy's ``read`` rules as the ``WHERE``."""
        query = select(Todo).where(where).order_by(Todo.created_at, Todo.id)
        return [TodoOut.model_validate(row) for row in session.scalars(query)]

    @router.post("", status_code=201, response_model=TodoOut, responses=denied)
    def create_todo(
        body: TodoCreate,
        principal: Principal = Depends(guard.require("create", "todo")),
        session: Session = Depends(get_session),
    ) -> TodoOut:
        now = utcnow()
        row = Todo(owner_id=principal.id, title=body.title, done=body.done, created_at=now, updated_at=now)
        session.add(row)
        session.commit()
        return TodoOut.model_validate(row)

    @router.get("/{todo_id}", response_model=TodoOut, responses=missing)
    def read_todo(
        todo_id: str,
        principal: Principal = Depends(guard.principal),
        session: Session = Depends(get_session),
    ) -> TodoOut:
        return TodoOut.model_validate(load_checked(session, todo_id, principal, "read"))

    @router.patch("/{todo_id}", response_model=TodoOut, responses=missing)
    def update_todo(
        todo_id: str,
        body: TodoUpdate,
        principal: Principal = Depends(guard.principal),
        session: Session = Depends(get_session),
    ) -> TodoOut:
        row = load_checked(session, todo_id, principal, "update")
        changes = body.model_dump(exclude_unset=True)
        if changes:
            for field, value in changes.items():
                setattr(row, field, value)
            row.updated_at = utcnow()
            session.commit()
        return TodoOut.model_validate(row)

    @router.delete("/{todo_id}", status_code=204, response_class=Response, responses=missing)
    def delete_todo(
        todo_id: str,
        principal: Principal = Depends(guard.principal),
        session: Session = Depends(get_session),
    ) -> Response:
        session.delete(load_checked(session, todo_id, principal, "delete"))
        session.commit()
        return Response(status_code=204)

    return router
