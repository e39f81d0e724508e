"""Coroutines for the ``a``-prefixed engine calls.

With inline keys, or remote keys already cached, a verification takes microseconds,
less than a hop to a worker thread, so the coroutine makes the call when it is awaited.
With remote keys it first makes the call on the keys cached now, which answers ``None``
when they are not ready (a fetch of ``keys.jwks_url`` is due, or another call's fetch is
under way) and parses the token once either way. Then the call, which may block for up to
``refresh.timeout``, runs in a worker thread and the event loop goes on.

``arevoke`` always makes a round trip to Redis, so it always runs ``revoke`` in a worker
thread (:func:`in_thread`)."""

import asyncio
from typing import Any, Callable, Optional, TypeVar

_T = TypeVar("_T")


async def call(
    method: Callable[..., _T],
    if_ready: Callable[..., Optional[_T]],
    *args: Any,
    **kwargs: Any,
) -> _T:
    """When awaited: ``if_ready(*args, **kwargs)``, unless it answers ``None``; then
    ``method(*args, **kwargs)`` in a worker thread."""
    result = if_ready(*args, **kwargs)
    if result is not None:
        return result
    return await asyncio.to_thread(method, *args, **kwargs)


async def in_thread(method: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """When awaited: ``method(*args, **kwargs)`` in a worker thread (``asyncio.to_thread``)."""
    return await asyncio.to_thread(method, *args, **kwargs)
