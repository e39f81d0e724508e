"""Type stubs of the native extension (see ``wardgate`` for the overview)."""

from datetime import datetime
from os import PathLike
from typing import Any, Coroutine, Dict, Iterable, Iterator, List, Literal, Mapping, Optional, Tuple, Union, final

from wardgate._status import CacheStatus, KeyStatus, RevocationSet, RevocationStatus

__all__ = ["Decision", "Engine", "Filter", "Principal", "__version__", "response_headers"]

#: The clock: ``None`` for the system clock, Unix seconds, or an aware ``datetime``.
_Now = Union[None, int, float, datetime]

__version__: str

def response_headers(code: str) -> List[Tuple[str, str]]:
    """The headers (name, value) of the HTTP answer to an error of ``code``: the engine's table."""

@final
class Principal(Mapping[str, Any]):
    """Who a verified token speaks for. Immutable; equal when all fields are.

    Also a read-only mapping of ``"id"``, ``"roles"``, ``"tenant"`` and ``"claims"`` with
    the values of :meth:`to_dict`, so ``dict(principal)`` and ``{**principal}`` give that
    ``dict`` and a FastAPI route can return the principal as it is.
    """

    def __new__(
        cls,
        id: str,
        roles: Optional[Iterable[str]] = None,
        tenant: Optional[str] = None,
        claims: Optional[Dict[str, Any]] = None,
    ) -> "Principal":
        """Builds a principal by hand, for ``authorize`` calls that do not start from a token.

        ``roles`` is an iterable of ``str`` (a list, a tuple...); a single ``str`` (or
        ``bytes``) is a ``TypeError``, not read as its characters. ``claims`` takes what
        JSON holds; ``Principal(p.id, p.roles, p.tenant, p.claims)`` equals ``p``.
        """
    @property
    def id(self) -> str:
        """The principal's id (by default the ``sub`` claim); never empty for a verified token."""
    @property
    def roles(self) -> Tuple[str, ...]:
        """Roles (by default from the ``role`` claim, split on commas); empty when absent."""
    @property
    def tenant(self) -> Optional[str]:
        """The tenant, when the policy names a tenant claim and the token carries it."""
    @property
    def claims(self) -> Dict[str, Any]:
        """The whole verified payload; a new ``dict`` on every access."""
    def has_role(self, role: str) -> bool:
        """Whether ``role`` is one of the principal's roles."""
    def to_dict(self) -> Dict[str, Any]:
        """``{"id", "roles", "tenant", "claims"}``: the roles as a ``list``, the claims as
        a new ``dict`` (integers within 64 bits stay exact ``int``)."""
    def __getitem__(self, key: str, /) -> Any:
        """``principal.to_dict()[key]``; a ``KeyError`` for any other key."""
    def __iter__(self) -> Iterator[str]: ...
    def __len__(self) -> int: ...
    def __contains__(self, key: object, /) -> bool: ...
    def get(self, key: str, default: Any = None, /) -> Any:
        """``principal[key]``, or ``default`` for any other key."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class Decision:
    """The answer to an authorization request. Immutable."""

    @property
    def allowed(self) -> bool:
        """Whether the request is allowed."""
    @property
    def code(self) -> Optional[str]:
        """``"INSUFFICIENT_PERMISSIONS"`` for a denial, ``None`` for an allow."""
    @property
    def status(self) -> int:
        """200 for an allow, 403 for a denial."""
    @property
    def reason(self) -> Optional[str]:
        """``"denied"`` (no permit rule applies) or ``"forbidden"`` (a forbid rule applies); ``None`` for an allow."""
    @property
    def rules(self) -> Tuple[str, ...]:
        """Ids of the rules that determined the decision."""
    @property
    def detail(self) -> Optional[str]:
        """For a denial, an explanation that names no rule (for a 403 body); ``None`` for an allow."""
    @property
    def errors(self) -> Tuple[Dict[str, Optional[str]], ...]:
        """Conditions that could not be evaluated: ``{"rule": id or None, "message": ...}``."""
    def raise_if_denied(self) -> None:
        """Raises :class:`wardgate.InsufficientPermissions` (403) when the decision denies."""
    def to_dict(self) -> Dict[str, Any]:
        """``{"allowed", "code", "status", "reason", "rules", "errors", "detail"}``."""
    def __eq__(self, other: object, /) -> bool: ...

#: The kind of a :class:`Filter`.
_Kind = Literal["always", "never", "conditional"]

@final
class Filter:
    """Which resources of one type :meth:`Engine.authorize` would allow, for one principal,
    action and context: what :meth:`Engine.filter` plans for a list endpoint. Immutable;
    equal when planned alike.

    A resource passes when some permit rule's condition holds on it and no forbid rule's
    does: exactly when ``authorize`` allows it. An evaluation error excludes the resource (in
    a permit and in a forbid alike), ``&&`` and ``||`` stop at the operand that decides, and
    values never change type (``'1'`` is not ``1``, ``true`` is not ``1``). In SQL a ``NULL``
    column is an absent attribute.

    Dialects are ``"sqlite"`` and ``"postgres"`` (or ``"postgresql"``). ``columns`` maps each
    attribute the rules read to its column's type, ``{"owner_id": "text", "priority":
    "integer", "score": "real", "done": "boolean"}``, or to ``{"type": ..., "column": NAME,
    "table": NAME}`` when it lives in another column or table. Errors are
    :class:`wardgate.FilterError`.
    """

    @property
    def kind(self) -> _Kind:
        """``"always"`` (every resource of the type, whatever its attributes), ``"never"`` (none)
        or ``"conditional"``; decided from the rules alone."""
    @property
    def action(self) -> str:
        """The action it was planned for."""
    @property
    def resource_type(self) -> str:
        """The resource type it was planned for."""
    @property
    def attributes(self) -> Tuple[str, ...]:
        """The resource attributes its rules read (the first name of each path), sorted:
        the columns a table needs for it."""
    def matches(self, resource: Mapping[str, Any]) -> bool:
        """Whether it selects ``resource`` (its attributes; a ``"type"`` member is ignored):
        always the answer :meth:`Engine.authorize` gives for that resource. ``None`` is JSON's
        ``null``, not an absent attribute: leave out a row's ``NULL`` columns to get what the
        SQL selects."""
    def to_dict(self) -> Dict[str, Any]:
        """Its JSON form, a new ``dict``: ``{"kind", "action", "resource_type", "permits":
        [{"rule", "when"}], "forbids": [...]}``, each ``when`` a condition on ``resource.*``."""
    @staticmethod
    def from_dict(value: Mapping[str, Any]) -> "Filter":
        """Reads back what :meth:`to_dict` gave; ``FILTER_INVALID`` when it cannot."""
    def sql(self, dialect: str, columns: Mapping[str, Any]) -> Tuple[str, List[Any]]:
        """The filter as a parameterised ``WHERE`` condition (without ``WHERE``) and its
        parameters: ``?`` placeholders for SQLite (``sqlite3``), ``$1::text``, ``$2::bigint``...
        for PostgreSQL (``asyncpg``, psycopg's ``RawCursor``). Values are never in the text;
        integers are exact ``int``, booleans ``1``/``0`` for SQLite."""
    def clause(self, dialect: str, columns: Mapping[str, Any]) -> Union[bool, Dict[str, Any]]:
        """The filter folded against the column types, for ORM adapters (the core's clause
        JSON: ``True``, ``False``, ``{"and": [...]}``, ``{"or": [...]}``, ``{"is_null": A}``,
        ``{"not_null": A}``, ``{"compare": OP, "attr": A, "value": V, "type": T}``, ``{"compare":
        OP, "attr": A, "other": B, "type": T}``, ``{"in": A, "values": [...], "type": T}``,
        ``{"not_in": A, ...}``; integers beyond 2**53 - 1 as decimal ``str``)."""
    def __eq__(self, other: object, /) -> bool: ...

@final
class Engine:
    """A loaded policy document: verifies tokens and decides requests.

    Thread-safe; verification releases the GIL, so threads verify in parallel.
    Raises :class:`wardgate.ConfigError` when the policy cannot be loaded and
    ``TypeError`` when ``policy`` is neither a ``dict`` nor a JSON ``str``.

    With ``keys.jwks_url``, :meth:`verify`, :meth:`verify_authorization` and
    :meth:`check` fetch the key set when they need it (nothing cached, stale keys, an
    unknown ``kid``), blocking up to ``keys.refresh.timeout`` without the GIL; the
    ``a``-prefixed coroutines do that in a worker thread. No keys to be had is
    :class:`wardgate.KeysUnavailable` (503). Fetches, failures and key changes are
    logged to the ``wardgate`` logger.

    With ``revocation.redis_url``, a background thread mirrors the revoked entries, so a
    verification never waits on Redis (except the first ones, up to
    ``revocation.refresh.timeout``, for the first read); :meth:`revoke` writes entries that
    every engine on that Redis refuses. Redis out of reach for longer than
    ``revocation.stale_for`` is :class:`wardgate.RevocationUnavailable` (503).

    With ``revocation.url``, the revoked set is fetched as a remote key set is: by the
    verification that finds none held or the one held older than
    ``revocation.refresh.max_age`` (default 5 s), blocking up to ``refresh.timeout``
    without the GIL (the ``a``-prefixed coroutines in a worker thread); the others use the
    set held meanwhile. A set that cannot be had (never fetched, or fetches failing for
    longer than ``revocation.stale_for`` past its freshness) is
    :class:`wardgate.RevocationUnavailable` (503). :meth:`revoke` is ``REVOKE_UNSUPPORTED``
    there: revoke where the set is served.
    """

    def __new__(cls, policy: Union[str, Dict[str, Any]]) -> "Engine": ...
    @staticmethod
    def from_file(path: Union[str, "PathLike[str]"]) -> "Engine":
        """Loads a policy document from a JSON file."""
    def verify(self, token: str, *, now: _Now = None) -> Principal:
        """Verifies a compact JWS; raises :class:`wardgate.AuthError` (a subclass per code;
        a token the policy's ``revocation`` section revokes is :class:`wardgate.TokenInvalid`
        with reason ``"revoked"``). May fetch a remote key set or a ``revocation.url`` set
        (see the class)."""
    def verify_authorization(self, header: Optional[str], *, now: _Now = None) -> Principal:
        """Verifies the token of an ``Authorization: Bearer <token>`` value; ``None`` or
        anything but ``Bearer`` is :class:`wardgate.TokenMissing`."""
    def authorize(
        self,
        principal: Principal,
        action: str,
        resource: Dict[str, Any],
        context: Optional[Dict[str, Any]] = None,
    ) -> Decision:
        """Decides ``action`` on ``resource`` (whose ``"type"`` selects the rules). Never raises
        for a denial; see :meth:`Decision.raise_if_denied`."""
    def filter(
        self,
        principal: Principal,
        action: str,
        resource_type: str,
        context: Optional[Mapping[str, Any]] = None,
    ) -> Filter:
        """Plans a list filter: which resources of ``resource_type`` :meth:`authorize` would
        allow ``principal`` to ``action`` with ``context``, as a condition on their attributes
        (nothing is verified or fetched; planned without the GIL). Raises
        :class:`wardgate.FilterError` when a rule cannot be planned exactly."""
    def check(
        self,
        token_or_header: str,
        action: str,
        resource: Dict[str, Any],
        context: Optional[Dict[str, Any]] = None,
        *,
        now: _Now = None,
    ) -> Decision:
        """:meth:`verify` (or :meth:`verify_authorization` for a value with a scheme) then :meth:`authorize`."""
    def averify(self, token: str, *, now: _Now = None) -> Coroutine[Any, Any, Principal]:
        """:meth:`verify` for ``async`` code: ``principal = await engine.averify(token)``.

        Runs when awaited; when remote keys or a ``revocation.url`` set must be fetched (or
        a fetch is under way), in a worker thread, so the event loop is never blocked."""
    def averify_authorization(self, header: Optional[str], *, now: _Now = None) -> Coroutine[Any, Any, Principal]:
        """:meth:`verify_authorization` for ``async`` code (as :meth:`averify`)."""
    def acheck(
        self,
        token_or_header: str,
        action: str,
        resource: Dict[str, Any],
        context: Optional[Dict[str, Any]] = None,
        *,
        now: _Now = None,
    ) -> Coroutine[Any, Any, Decision]:
        """:meth:`check` for ``async`` code (as :meth:`averify`)."""
    def cache_status(self) -> Optional[CacheStatus]:
        """The verified-token cache's counters; ``None`` without a ``cache`` section."""
    def revocation_status(self) -> Optional[RevocationStatus]:
        """Where revoked entries come from (``source``: ``"inline"``, ``"redis_url"`` or
        ``"url"``, and for ``url`` the ``url`` without its query), whether the set can be
        vouched for (``state``: ``"ready"``, ``"starting"``, ``"stale"``, ``"unavailable"``),
        how many entries it holds, and for Redis and ``url`` ``last_sync``, ``age`` and
        ``last_error``; ``None`` without a ``revocation`` section."""
    def revocation_set(self) -> Optional[RevocationSet]:
        """The revoked set in force, a new ``dict`` ``{"sid": [...], "jti": [...], "subjects":
        {id: T}}``; ``None`` without a ``revocation`` section, or when its source has no set
        to vouch for (verifications then raise :class:`wardgate.RevocationUnavailable`)."""
    def revoke(
        self,
        *,
        sid: Optional[str] = None,
        jti: Optional[str] = None,
        sub: Optional[str] = None,
        ttl: int,
    ) -> None:
        """Revokes a session (``sid``), a token (``jti``) and/or every token of the principal
        ``sub`` issued up to now, for ``ttl`` seconds (1 to 31,622,400; at least the longest
        remaining lifetime of a token it should refuse), in every process whose policy shares
        this ``revocation.redis_url``. This engine refuses the tokens as soon as the call
        returns, the others within about a second.

        Blocks for one round trip to Redis (at most ``revocation.refresh.timeout``, twice when
        a kept connection was closed) without the GIL. Raises :class:`wardgate.RevokeError`:
        ``REVOKE_INVALID`` (no id, an empty one, a ``ttl`` out of range), ``REVOKE_UNSUPPORTED``
        (no ``revocation.redis_url``; a ``revocation.url`` set is revoked where it is served) or ``REVOKE_FAILED`` (Redis could not be written to);
        ``TypeError`` for an argument of the wrong type."""
    def arevoke(
        self,
        *,
        sid: Optional[str] = None,
        jti: Optional[str] = None,
        sub: Optional[str] = None,
        ttl: int,
    ) -> Coroutine[Any, Any, None]:
        """:meth:`revoke` for ``async`` code: runs it in a worker thread when awaited
        (``asyncio.to_thread``), so the event loop never waits on Redis."""
    def key_status(self) -> KeyStatus:
        """The state of the key source (a new ``dict``), for health checks and logs:
        ``state`` is ``"static"`` for inline keys, else ``"empty"``, ``"fresh"`` or ``"stale"``."""
    def warnings(self) -> List[Tuple[str, str]]:
        """Valid but suspicious parts of the policy, as ``(path, message)`` pairs."""
