"""Coroutines for the ``a``-prefixed engine calls.

With inline keys, or remote keys already cached, a verification takes microseconds,
less than a hop to a worker thread, so the coroutine makes the call when it is awaited.
When the engine says the keys are not ready (a fetch of ``keys.jwks_url`` is due, or
another call's fetch is under way), the call may block for up to ``refresh.timeout``, so
it runs in a worker thread and the event loop goes on. The call made inline never
fetches: if the keys stopped being ready in between, it answers from the cache.
"""

import asyncio
from typing import Any, Callable, Optional, TypeVar

_T = TypeVar("_T")


async def call(
    method: Callable[..., _T],
    cached: Callable[..., _T],
    ready: Optional[Callable[[str], bool]],
    probe: Optional[str],
    *args: Any,
    **kwargs: Any,
) -> _T:
    """When awaited: ``cached(*args, **kwargs)`` when there is nothing to probe
    (``ready`` is ``None``) or ``ready(probe)`` says the keys are ready, else
    ``method(*args, **kwargs)`` in a worker thread."""
    if ready is None or probe is None or ready(probe):
        return cached(*args, **kwargs)
    return await asyncio.to_thread(method, *args, **kwargs)
