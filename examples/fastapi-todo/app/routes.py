"""The ``/todos`` routes.

The token is verified by ``guard.principal`` (or ``guard.require``); every row that is
read, changed or deleted is loaded first and then put to the policy with its owner, so
the policy file, not this code, decides who may touch it.
"""

from typing import Any, Dict, List

from fastapi import APIRouter, Depends, Response
from wardgate import Principal
from wardgate.fastapi import Guard
from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import get_session
from .models import Todo, utcnow
from .schemas import ErrorOut, TodoCreate, TodoOut, TodoUpdate


class TodoNotFound(Exception):
    """No todo has this id (a 404)."""


def as_resource(row: Todo) -> Dict[str, Any]:
    """What the policy sees of a todo."""
    return {"type": "todo", "owner_id": row.owner_id}


def todo_router(guard: Guard) -> APIRouter:
    errors: Dict[Any, Dict[str, Any]] = {401: {"model": ErrorOut}, 403: {"model": ErrorOut}}
    router = APIRouter(prefix="/todos", tags=["todos"], responses=errors)

    def load_checked(session: Session, todo_id: str, principal: Principal, action: str) -> Todo:
        """The row, once the policy allows `action` on it: 404 if missing, 403 if denied."""
        row = session.get(Todo, todo_id)
        if row is None:
            raise TodoNotFound(todo_id)
        guard.authorize(principal, action, as_resource(row))
        return row

    @router.post("", status_code=201, response_model=TodoOut)
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

    @router.get("", response_model=List[TodoOut])
    def list_todos(
        principal: Principal = Depends(guard.require("list", "todo")),
        session: Session = Depends(get_session),
    ) -> List[TodoOut]:
        query = select(Todo).order_by(Todo.created_at, Todo.id)
        # Whether the caller sees everyone's todos is the policy's call (e.g. admins).
        if not guard.allows(principal, "list_all", {"type": "todo"}):
            query = query.where(Todo.owner_id == principal.id)
        return [TodoOut.model_validate(row) for row in session.scalars(query)]

    @router.get("/{todo_id}", response_model=TodoOut, responses={404: {"model": ErrorOut}})
    def read_todo(
        todo_id: str,
        principal: Principal = Depends(guard.principal),
        session: Session = Depends(get_session),
    ) -> TodoOut:
        return TodoOut.model_validate(load_checked(session, todo_id, principal, "read"))

    @router.patch("/{todo_id}", response_model=TodoOut, responses={404: {"model": ErrorOut}})
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

    @router.delete("/{todo_id}", status_code=204, response_class=Response, responses={404: {"model": ErrorOut}})
    def delete_todo(
        todo_id: str,
        principal: Principal = Depends(guard.principal),
        session: Session = Depends(get_session),
    ) -> Response:
        session.delete(load_checked(session, todo_id, principal, "delete"))
        session.commit()
        return Response(status_code=204)

    return router
