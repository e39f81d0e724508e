"""Coroutines for the ``a``-prefixed engine calls.

With local keys a verification takes microseconds, less than a hop to a worker
thread, so the coroutine calls the synchronous method when it is awaited.
"""

from typing import Any, Callable, TypeVar

_T = TypeVar("_T")


async def call(method: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """Runs ``method(*args, **kwargs)`` when awaited."""
    return method(*args, **kwargs)
