"""Wardgate: verify JSON Web Tokens and decide who may do what to which resource.

The same engine, and so the same decisions, in Rust, Node, the Edge and Python::

    from wardgate import Engine

    engine = Engine.from_file("policy.json")
    principal = engine.verify(token)              # raises TokenExpired, TokenInvalid...
    decision = engine.authorize(principal, "update", {"type": "todo", "owner_id": "u1"})
    decision.raise_if_denied()                    # raises InsufficientPermissions (403)

Keys may be inline or fetched from ``keys.jwks_url`` (cached, refreshed as the policy's
``keys.refresh`` says; ``engine.key_status()`` shows the cache, and fetches are logged
to the ``wardgate`` logger).

FastAPI integration: :mod:`wardgate.fastapi` (``pip install wardgate[fastapi]``).
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import (
    AuthError,
    ConfigError,
    InsufficientPermissions,
    KeysUnavailable,
    TokenExpired,
    TokenInvalid,
    TokenMissing,
)
from ._status import CacheStatus, KeyStatus
from ._wardgate import Decision, Engine, Principal, __version__

# A principal is a read-only mapping of "id", "roles", "tenant" and "claims" (see
# Principal.to_dict), so `dict(principal)` and FastAPI's `jsonable_encoder` serialise it.
Mapping.register(Principal)

__all__ = [
    "AuthError",
    "ConfigError",
    "Decision",
    "Engine",
    "CacheStatus",
    "InsufficientPermissions",
    "KeyStatus",
    "KeysUnavailable",
    "Principal",
    "TokenExpired",
    "TokenInvalid",
    "TokenMissing",
    "__version__",
]
