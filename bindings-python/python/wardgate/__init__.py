"""Wardgate: verify JSON Web Tokens and decide who may do what to which resource.

The same engine, and so the same decisions, in Rust, Node, the Edge and Python::

    from wardgate import Engine

    engine = Engine.from_file("policy.json")
    principal = engine.verify(token)              # raises TokenExpired, TokenInvalid...
    decision = engine.authorize(principal, "update", {"type": "todo", "owner_id": "u1"})
    decision.raise_if_denied()                    # raises InsufficientPermissions (403)

Keys may be inline or fetched from ``keys.jwks_url`` (cached, refreshed as the policy's
``keys.refresh`` says; ``engine.key_status()`` shows the cache, and fetches are logged
to the ``wardgate`` logger). A ``revocation`` section refuses tokens whose session, token id
or subject is revoked (``TokenInvalid``, reason ``"revoked"``;
``engine.revocation_status()`` shows the set). With ``revocation.redis_url`` the set is
shared by every process: ``engine.revoke(sub="user_42", ttl=3600)`` (or ``sid=``, ``jti=``)
writes to Redis, and every engine on that Redis refuses the tokens within a second; a Redis
out of reach for longer than ``revocation.stale_for`` is ``RevocationUnavailable`` (503).

List endpoints: ``engine.filter(principal, "read", "todo")`` plans which resources
``authorize`` would allow, as a :class:`Filter` (``kind``, ``matches(row)``, its JSON form,
its SQL); :mod:`wardgate.sqlalchemy` turns it into a SQLAlchemy ``WHERE`` clause
(``pip install wardgate[sqlalchemy]``).

FastAPI integration: :mod:`wardgate.fastapi` (``pip install wardgate[fastapi]``).
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import (
    AuthError,
    ConfigError,
    FilterError,
    InsufficientPermissions,
    KeysUnavailable,
    RevocationUnavailable,
    RevokeError,
    TokenExpired,
    TokenInvalid,
    TokenMissing,
)
from ._status import CacheStatus, KeyStatus, RevocationSet, RevocationStatus
from ._wardgate import Decision, Engine, Filter, Principal, __version__

# A principal is a read-only mapping of "id", "roles", "tenant" and "claims" (see
# Principal.to_dict), so `dict(principal)` and FastAPI's `jsonable_encoder` serialise it.
Mapping.register(Principal)

__all__ = [
    "AuthError",
    "ConfigError",
    "Decision",
    "Engine",
    "CacheStatus",
    "Filter",
    "FilterError",
    "InsufficientPermissions",
    "KeyStatus",
    "KeysUnavailable",
    "Principal",
    "RevocationSet",
    "RevocationStatus",
    "RevocationUnavailable",
    "RevokeError",
    "TokenExpired",
    "TokenInvalid",
    "TokenMissing",
    "__version__",
]
