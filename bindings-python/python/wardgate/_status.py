"""The shapes of :meth:`wardgate.Engine.key_status`, :meth:`wardgate.Engine.cache_status`,
:meth:`wardgate.Engine.revocation_status` and :meth:`wardgate.Engine.revocation_set`."""

from typing import Dict, List, Literal, Optional, TypedDict

__all__ = ["CacheStatus", "KeyStatus", "RevocationSet", "RevocationStatus"]


class KeyStatus(TypedDict):
    """The state of an engine's key source, for health checks and logs.

    Inline keys (``jwks``, ``jwk``, ``pem``, ``secret``) are ``"static"``; a remote key
    set (``jwks_url``) is ``"empty"`` (nothing fetched yet, or keys dropped past
    ``refresh.stale_for``), ``"fresh"``, or ``"stale"`` (past their freshness, still
    served while a refresh is due or failing). Durations are in seconds.
    """

    #: ``"jwks_url"``, or the inline source (``"jwks"``, ``"jwk"``, ``"pem"``, ``"secret"``).
    source: str
    #: The URL without its query (remote sets only).
    url: Optional[str]
    #: ``"static"``, ``"empty"``, ``"fresh"`` or ``"stale"``.
    state: Literal["static", "empty", "fresh", "stale"]
    #: How many keys are usable.
    keys: int
    #: Their ids.
    kids: List[str]
    #: Seconds since the keys in use were fetched.
    age: Optional[float]
    #: Seconds the keys in use are still fresh for (0 when stale).
    fresh_for: Optional[float]
    #: Seconds stale keys will still be served for, while fetches fail.
    served_for: Optional[float]
    #: Fetches answered so far (successful or not).
    fetches: int
    #: Of those, the failed ones.
    failures: int
    #: Why the last fetch failed, when it did.
    last_error: Optional[str]
    #: Whether a fetch is under way.
    fetching: bool


class CacheStatus(TypedDict):
    """The counters of the verified-token cache (the policy's ``cache`` section)."""

    #: ``cache.max_entries``.
    max_entries: int
    #: Tokens held now.
    entries: int
    #: Verifications answered from the cache.
    hits: int
    #: Verifications that went the whole way (refused tokens included).
    misses: int


class RevocationStatus(TypedDict):
    """The state of the revocation source (the policy's ``revocation`` section), for health
    checks and logs. Durations are in seconds; no member ever holds a URL's query or
    password, nor an entry."""

    #: Where the entries come from: ``"inline"`` (written in the policy), ``"redis_url"``
    #: (a Redis server shared by every process, mirrored in the background) or ``"url"`` (an
    #: HTTP endpoint serving the set, fetched every ``refresh.max_age``).
    source: Literal["inline", "redis_url", "url"]
    #: For ``"url"``, the URL without its query; ``None`` for the other sources.
    url: Optional[str]
    #: ``"ready"``: the set is in hand and current (always, for an inline set; for ``url``,
    #: fetched less than ``refresh.max_age`` ago); ``"starting"``: the source has not been
    #: read yet (Redis: the first verifications wait for it, up to ``refresh.timeout``;
    #: ``url``: the first verification fetches it); ``"stale"``: Redis is out of reach, or a
    #: ``url`` set is older than ``refresh.max_age`` and not fetched again yet, and the last
    #: set is served, up to ``stale_for`` past its freshness; ``"unavailable"``: no set can be
    #: vouched for, and verifications raise :class:`wardgate.RevocationUnavailable` (503).
    state: Literal["ready", "starting", "stale", "unavailable"]
    #: How many entries the set holds in all (``sids + jtis + subjects``).
    entries: int
    #: Revoked session ids (``sid``).
    sids: int
    #: Revoked token ids (``jti``).
    jtis: int
    #: Principals with a "revoked before" time.
    subjects: int
    #: When the whole set was last read from the source (Unix seconds); ``None`` for an
    #: inline set, or before the first read.
    last_sync: Optional[float]
    #: Seconds since the source last answered (for ``url``, since the set was fetched);
    #: ``None`` for an inline set, or before the first answer.
    age: Optional[float]
    #: Why the source could not be read the last time it failed (never the URL or an entry);
    #: ``None`` after a success.
    last_error: Optional[str]


class RevocationSet(TypedDict):
    """The revoked set in force (:meth:`wardgate.Engine.revocation_set`), in the JSON form of
    ``revocation.inline``."""

    #: Revoked session ids.
    sid: List[str]
    #: Revoked token ids.
    jti: List[str]
    #: Principal id to "revoked before" time ``T`` (Unix seconds): a token of that principal
    #: whose ``iat`` is at or before ``T`` is revoked.
    subjects: Dict[str, int]
