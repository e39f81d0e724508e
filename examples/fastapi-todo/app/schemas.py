"""Request and response bodies."""

from datetime import datetime, timezone
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator


class TodoCreate(BaseModel):
    """``POST /todos``. The owner is always the caller, so ``owner_id`` is not accepted."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    done: bool = False


class TodoUpdate(BaseModel):
    """``PATCH /todos/{id}``: only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid")

    title: Optional[str] = Field(default=None, min_length=1, max_length=200)
    done: Optional[bool] = None

    @field_validator("title", "done", mode="before")
    @classmethod
    def not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be omitted but not null")
        return value


class TodoOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    owner_id: str
    title: str
    done: bool
    created_at: datetime
    updated_at: datetime

    @field_validator("created_at", "updated_at")
    @classmethod
    def in_utc(cls, value: datetime) -> datetime:
        # SQLite hands back naive datetimes, stored in UTC; PostgreSQL hands back the
        # session's time zone. The API answers in UTC either way.
        return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)


class ErrorOut(BaseModel):
    """Every error body: Wardgate's refusals and the app's 404."""

    detail: str
    code: str
    status: int
    reason: str
