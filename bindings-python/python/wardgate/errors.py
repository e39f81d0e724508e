"""The exceptions Wardgate raises.

Every refused credential is an :class:`AuthError` whose class follows its ``code``:
:class:`TokenMissing` (401), :class:`TokenExpired` (401), :class:`TokenInvalid`
(401), for a denied request :class:`InsufficientPermissions` (403), when the keys
of a remote key set (``keys.jwks_url``) cannot be had, :class:`KeysUnavailable` (503), and
when the revoked entries of ``revocation.redis_url`` cannot be vouched for,
:class:`RevocationUnavailable` (503). A policy that cannot be loaded is a
:class:`ConfigError` naming the field, a list filter that cannot be planned or turned into
SQL is a :class:`FilterError`, and a revocation that cannot be made
(``Engine.revoke``) is a :class:`RevokeError`.

No message ever contains the token, a key, a secret, a password or a revoked entry.
"""

from __future__ import annotations

from typing import Dict, Union

__all__ = [
    "AuthError",
    "ConfigError",
    "FilterError",
    "InsufficientPermissions",
    "KeysUnavailable",
    "RevocationUnavailable",
    "RevokeError",
    "TokenExpired",
    "TokenInvalid",
    "TokenMissing",
]


class AuthError(Exception):
    """A refused credential or a denied request.

    ``code`` (e.g. ``"TOKEN_EXPIRED"``), ``status`` (401, 403 or 503) and ``reason``
    (e.g. ``"expired"``) are the contract's values; ``detail`` explains it to people.
    """

    detail: str
    code: str
    status: int
    reason: str
    #: The headers of the HTTP answer to this error, from the engine's table:
    #: ``WWW-Authenticate`` on a 401 (``Bearer``, or ``Bearer error="invalid_token"`` for a
    #: token that was presented), ``Retry-After`` on a 503; none on a 403.
    headers: Dict[str, str]

    def __init__(self, detail: str, code: str, status: int, reason: str) -> None:
        super().__init__(detail, code, status, reason)
        self._fill(detail, code, status, reason)

    def _fill(self, detail: str, code: str, status: int, reason: str) -> None:
        """Sets the error's fields, and ``args`` (so that it pickles)."""
        self.args = (detail, code, status, reason)
        self.detail = detail
        self.code = code
        self.status = status
        self.reason = reason
        self.headers = response_headers(code)

    def __str__(self) -> str:
        return f"{self.code} ({self.reason}): {self.detail}"

    def to_dict(self) -> Dict[str, Union[str, int]]:
        """The JSON body of an error response: ``detail``, ``code``, ``status``, ``reason``."""
        return {"detail": self.detail, "code": self.code, "status": self.status, "reason": self.reason}


class TokenMissing(AuthError):
    """No credential was presented (``TOKEN_MISSING``, 401)."""


class TokenExpired(AuthError):
    """The token's ``exp`` has passed (``TOKEN_EXPIRED``, 401)."""


class TokenInvalid(AuthError):
    """The token is not acceptable (``TOKEN_INVALID``, 401). ``reason`` says why:
    ``malformed``, ``token_too_large``, ``invalid_header``, ``algorithm_not_allowed``,
    ``unknown_key``, ``bad_signature``, ``missing_claim``, ``invalid_claim``,
    ``not_yet_valid``, ``too_old``, ``issuer_mismatch``, ``audience_mismatch``, or
    ``revoked`` (a token that verifies, but whose ``sid``, ``jti`` or subject the policy's
    ``revocation`` section revokes)."""


class InsufficientPermissions(AuthError):
    """The rules deny the request (``INSUFFICIENT_PERMISSIONS``, 403)."""


class KeysUnavailable(AuthError):
    """The keys to check the token with cannot be fetched right now (``KEYS_UNAVAILABLE``,
    503): ``keys.jwks_url`` has not answered with a usable key set, or its cached keys
    are past ``refresh.stale_for``. The token may be fine; the request can be retried."""


class RevocationUnavailable(AuthError):
    """The revoked entries cannot be vouched for right now (``REVOCATION_UNAVAILABLE``, 503,
    reason ``revocation_unavailable``): ``revocation.redis_url`` has not been read yet, or has
    not answered for longer than ``revocation.stale_for``. Every token is refused meanwhile
    (failing closed); the request can be retried (``Retry-After`` in :attr:`headers`)."""


class ConfigError(ValueError):
    """A policy document that cannot be loaded.

    ``str(error)`` is ``"path: problem"``, e.g. ``"token.audiance: unknown field (did you
    mean `audience`?)"``; ``path`` is empty when the problem is the document as a whole, and
    ``problem`` says what is wrong there (the same names in every runtime).
    """

    path: str
    problem: str

    def __init__(self, text: str, path: str = "", problem: str = "") -> None:
        super().__init__(text, path, problem)
        self.path = path
        self.problem = problem or text

    def __str__(self) -> str:
        return str(self.args[0])


class _CodedError(Exception):
    """An error with a ``code`` (``"PREFIX_KIND"``) and a ``detail``; ``str()`` is
    ``"CODE: detail"``."""

    detail: str
    code: str

    def __init__(self, detail: str, code: str) -> None:
        super().__init__(detail, code)
        self.detail = detail
        self.code = code

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


class FilterError(_CodedError, ValueError):
    """A list filter that cannot be planned, read back or turned into a query.

    ``code`` is one of ``FILTER_UNSUPPORTED`` (a rule's condition cannot be planned
    exactly), ``FILTER_TOO_COMPLEX`` (its plan grows too large), ``FILTER_UNTRANSLATABLE`` (a
    test with no exact SQL translation), ``FILTER_COLUMNS`` (a column description, a column
    type or a dialect that cannot be used) and ``FILTER_INVALID`` (a filter's JSON form that
    cannot be read); ``detail`` names the rule and the operator or the column, never a value.
    Never a wider filter: whatever cannot be translated exactly is this error.
    """


class RevokeError(_CodedError):
    """A revocation that was not made (:meth:`wardgate.Engine.revoke`).

    ``code`` is one of ``REVOKE_INVALID`` (an empty id, no id at all, or a ``ttl`` out of
    range: nothing was sent), ``REVOKE_UNSUPPORTED`` (the policy has no
    ``revocation.redis_url`` to write to) and ``REVOKE_FAILED`` (Redis could not be written
    to: nothing may have been revoked; retry). ``detail`` explains it and never holds an
    entry, the URL or a password.
    """


def response_headers(code: str) -> Dict[str, str]:
    """The headers of the HTTP answer to an error of ``code``, from the engine's table."""
    from ._wardgate import response_headers as table

    return dict(table(code))
