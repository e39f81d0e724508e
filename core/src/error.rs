//! Errors: the outcome codes and reasons of the contract, as data.
//!
//! Every verification failure is an [`AuthError`] whose [`Reason`] fixes its
//! `code`, `status` and `reason` strings; a policy that cannot be loaded is a
//! [`ConfigError`] naming the path (and, for expressions, the rule and column).

use std::borrow::Cow;
use std::fmt;

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// The outcome codes of the contract.
///
/// ```
/// use wardgate::Code;
/// assert_eq!(Code::TokenExpired.as_str(), "TOKEN_EXPIRED");
/// assert_eq!(Code::InsufficientPermissions.status(), 403);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// No credential was presented (401).
    TokenMissing,
    /// The token's `exp` has passed (401).
    TokenExpired,
    /// The token is not acceptable for another reason (401).
    TokenInvalid,
    /// The token is fine but the rules deny the request (403).
    InsufficientPermissions,
    /// The keys to check the token with cannot be had right now: a remote key set
    /// (`keys.jwks_url`) that has never been fetched, or whose cached keys have passed
    /// `refresh.stale_for` while the endpoint fails (503; the token may be fine).
    KeysUnavailable,
    /// The revoked entries cannot be had: a revocation source (`revocation.redis_url` or
    /// `revocation.url`) that has never been read, or that has been out of reach for longer
    /// than `revocation.stale_for` (503; the token may be fine).
    RevocationUnavailable,
}

/// The `WWW-Authenticate` of a 401 when no credential was presented (RFC 6750, 3).
const BEARER: &str = "Bearer";
/// The `WWW-Authenticate` of a 401 for a token that was presented and refused.
const BEARER_INVALID: &str = "Bearer error=\"invalid_token\"";
/// Seconds a client is asked to wait (`Retry-After`) after a 503: the keys (or the revoked
/// entries) may be back by then.
const RETRY_AFTER: &str = "5";

/// A code, its wire name, its HTTP status and the header (name, value) its HTTP answer carries.
type CodeRow = (Code, &'static str, u16, Option<(&'static str, &'static str)>);

/// One row per code.
const CODES: [CodeRow; 6] = [
    (Code::TokenMissing, "TOKEN_MISSING", 401, Some(("WWW-Authenticate", BEARER))),
    (Code::TokenExpired, "TOKEN_EXPIRED", 401, Some(("WWW-Authenticate", BEARER_INVALID))),
    (Code::TokenInvalid, "TOKEN_INVALID", 401, Some(("WWW-Authenticate", BEARER_INVALID))),
    (Code::InsufficientPermissions, "INSUFFICIENT_PERMISSIONS", 403, None),
    (Code::KeysUnavailable, "KEYS_UNAVAILABLE", 503, Some(("Retry-After", RETRY_AFTER))),
    (Code::RevocationUnavailable, "REVOCATION_UNAVAILABLE", 503, Some(("Retry-After", RETRY_AFTER))),
];

impl Code {
    /// The wire name, e.g. `TOKEN_INVALID`.
    pub const fn as_str(self) -> &'static str {
        CODES[self as usize].1
    }

    /// The HTTP status that goes with the code.
    pub const fn status(self) -> u16 {
        CODES[self as usize].2
    }

    /// The header (name, value) an HTTP answer with this code carries: `WWW-Authenticate`
    /// on a 401 (`Bearer` when no credential was presented, `Bearer error="invalid_token"`
    /// otherwise), `Retry-After` on a 503, none on a 403.
    ///
    /// ```
    /// use wardgate::Code;
    /// assert_eq!(Code::TokenMissing.header(), Some(("WWW-Authenticate", "Bearer")));
    /// assert_eq!(Code::KeysUnavailable.header(), Some(("Retry-After", "5")));
    /// assert_eq!(Code::InsufficientPermissions.header(), None);
    /// ```
    pub const fn header(self) -> Option<(&'static str, &'static str)> {
        CODES[self as usize].3
    }
    /// The code with this wire name, if there is one.
    ///
    /// ```
    /// assert_eq!(wardgate::Code::from_name("TOKEN_EXPIRED"), Some(wardgate::Code::TokenExpired));
    /// assert_eq!(wardgate::Code::from_name("expired"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Code> {
        CODES.iter().find(|row| row.1 == name).map(|row| row.0)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a token was refused or a request denied; each reason belongs to one [`Code`].
///
/// ```
/// use wardgate::{Code, Reason};
/// assert_eq!(Reason::BadSignature.code(), Code::TokenInvalid);
/// assert_eq!(Reason::BadSignature.as_str(), "bad_signature");
/// assert_eq!(Reason::Forbidden.status(), 403);
/// assert_eq!(Reason::from_name("too_old"), Some(Reason::TooOld));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// No credential, an empty token, or an `Authorization` value that is not `Bearer <token>`.
    Missing,
    /// `exp` plus leeway is not after `now`.
    Expired,
    /// Not three base64url parts, a part that does not decode, or a header or payload that is
    /// not a JSON object.
    Malformed,
    /// Longer than `token.max_length`, or a header over its size limit.
    TokenTooLarge,
    /// `crit` or `b64` present, a `typ` that does not match, or a header member of the wrong type.
    InvalidHeader,
    /// `alg` missing, `none`, not allowed, or not usable with the selected key.
    AlgorithmNotAllowed,
    /// No key fits the token.
    UnknownKey,
    /// The signature does not verify.
    BadSignature,
    /// A required claim is absent.
    MissingClaim,
    /// A claim has the wrong type.
    InvalidClaim,
    /// `nbf` or `iat` is in the future beyond leeway.
    NotYetValid,
    /// `iat` is older than `max_age` plus leeway.
    TooOld,
    /// `iss` is absent or not one of the configured issuers.
    IssuerMismatch,
    /// `aud` is absent or names none of the configured audiences.
    AudienceMismatch,
    /// The token's `sid` or `jti` is revoked, or its subject has a "revoked before" entry
    /// covering its `iat` (the policy's `revocation` section).
    Revoked,
    /// No permit rule applies.
    Denied,
    /// A forbid rule applies.
    Forbidden,
    /// No keys of a remote key set are available to check the token with.
    KeysUnavailable,
    /// The revocation source has no set it can vouch for: never read yet, or out of reach
    /// for longer than `revocation.stale_for`.
    RevocationUnavailable,
}

/// One row per reason: the reason, its wire name and its code.
const REASONS: [(Reason, &str, Code); 19] = [
    (Reason::Missing, "missing", Code::TokenMissing),
    (Reason::Expired, "expired", Code::TokenExpired),
    (Reason::Malformed, "malformed", Code::TokenInvalid),
    (Reason::TokenTooLarge, "token_too_large", Code::TokenInvalid),
    (Reason::InvalidHeader, "invalid_header", Code::TokenInvalid),
    (Reason::AlgorithmNotAllowed, "algorithm_not_allowed", Code::TokenInvalid),
    (Reason::UnknownKey, "unknown_key", Code::TokenInvalid),
    (Reason::BadSignature, "bad_signature", Code::TokenInvalid),
    (Reason::MissingClaim, "missing_claim", Code::TokenInvalid),
    (Reason::InvalidClaim, "invalid_claim", Code::TokenInvalid),
    (Reason::NotYetValid, "not_yet_valid", Code::TokenInvalid),
    (Reason::TooOld, "too_old", Code::TokenInvalid),
    (Reason::IssuerMismatch, "issuer_mismatch", Code::TokenInvalid),
    (Reason::AudienceMismatch, "audience_mismatch", Code::TokenInvalid),
    (Reason::Revoked, "revoked", Code::TokenInvalid),
    (Reason::Denied, "denied", Code::InsufficientPermissions),
    (Reason::Forbidden, "forbidden", Code::InsufficientPermissions),
    (Reason::KeysUnavailable, "keys_unavailable", Code::KeysUnavailable),
    (Reason::RevocationUnavailable, "revocation_unavailable", Code::RevocationUnavailable),
];

impl Reason {
    /// Every reason, in the order of the contract's table.
    pub const ALL: [Reason; 19] = {
        let mut all = [Reason::Missing; 19];
        let mut i = 0;
        while i < 19 {
            all[i] = REASONS[i].0;
            i += 1;
        }
        all
    };

    /// The wire name, e.g. `unknown_key`.
    pub const fn as_str(self) -> &'static str {
        REASONS[self as usize].1
    }

    /// The code this reason belongs to.
    pub const fn code(self) -> Code {
        REASONS[self as usize].2
    }

    /// The HTTP status of the reason's code.
    pub const fn status(self) -> u16 {
        self.code().status()
    }

    /// The reason with this wire name, if there is one.
    pub fn from_name(name: &str) -> Option<Reason> {
        REASONS.iter().find(|row| row.1 == name).map(|row| row.0)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused credential: the reason (which fixes code and status) and a human `detail`.
///
/// The detail never contains the token, a key or a secret.
///
/// ```
/// use wardgate::{AuthError, Reason};
///
/// let err = AuthError::new(Reason::Expired, "the token expired");
/// assert_eq!(err.code().as_str(), "TOKEN_EXPIRED");
/// assert_eq!(err.status(), 401);
/// let json = serde_json::to_value(&err).unwrap();
/// assert_eq!(json["reason"], "expired");
/// assert_eq!(json["detail"], "the token expired");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} ({}): {detail}", reason.code(), reason)]
pub struct AuthError {
    reason: Reason,
    detail: Cow<'static, str>,
    pending: bool,
}

impl AuthError {
    /// A new error with this reason and detail.
    pub fn new(reason: Reason, detail: impl Into<Cow<'static, str>>) -> Self {
        AuthError { reason, detail: detail.into(), pending: false }
    }

    /// What a verification with [`KeyAccess::IfReady`](crate::KeyAccess::IfReady) gives
    /// when a remote key set (`reason` `KeysUnavailable`) or the set of `revocation.url`
    /// (`RevocationUnavailable`) must be fetched first: a 503 of that reason, so that a
    /// caller who does not look fails closed, and [`AuthError::keys_pending`] is true.
    pub(crate) fn pending(reason: Reason) -> Self {
        let detail = match reason {
            Reason::RevocationUnavailable => "the revoked entries are not ready",
            _ => "the keys are not ready",
        };
        AuthError { pending: true, ..AuthError::new(reason, detail) }
    }

    /// A token refused by the revocation step: one detail for every kind of entry (a `sid`,
    /// a `jti`, a subject revoked before a time), naming no claim value.
    pub(crate) fn revoked() -> Self {
        AuthError::new(Reason::Revoked, "the token has been revoked")
    }

    /// Whether the token was not verified because, with
    /// [`KeyAccess::IfReady`](crate::KeyAccess::IfReady), a remote key set or the set of
    /// `revocation.url` must be fetched (or is being fetched) first: verify again allowing a
    /// fetch, off the calling thread. Such an error is a `KEYS_UNAVAILABLE` (or, for the
    /// revoked set, `REVOCATION_UNAVAILABLE`) 503 to anyone who does not ask.
    ///
    /// ```
    /// use wardgate::{Engine, KeyAccess, Options};
    /// let engine = Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwks_url":"http://127.0.0.1:9/jwks"}}"#).unwrap();
    /// let token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1MSJ9.c2ln";
    /// let err = engine.verify(token, Options::at(1_764_000_000).keys(KeyAccess::IfReady)).unwrap_err();
    /// assert!(err.keys_pending());
    /// assert_eq!(err.status(), 503);
    /// ```
    pub fn keys_pending(&self) -> bool {
        self.pending
    }

    /// The headers an HTTP answer to this error carries, as (name, value) pairs (see
    /// [`Code::header`]). The body is the error's JSON: `{detail, code, status, reason}`.
    ///
    /// ```
    /// use wardgate::{AuthError, Reason};
    /// let err = AuthError::new(Reason::Expired, "the token has expired");
    /// assert_eq!(err.headers(), [("WWW-Authenticate", r#"Bearer error="invalid_token""#)]);
    /// ```
    pub fn headers(&self) -> Vec<(&'static str, &'static str)> {
        self.code().header().into_iter().collect()
    }

    /// The reason.
    pub fn reason(&self) -> Reason {
        self.reason
    }

    /// The code.
    pub fn code(&self) -> Code {
        self.reason.code()
    }

    /// The HTTP status (401 for a refused token, 503 when keys are unavailable).
    pub fn status(&self) -> u16 {
        self.reason.status()
    }

    /// The human explanation.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl Serialize for AuthError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("AuthError", 4)?;
        s.serialize_field("detail", self.detail())?;
        s.serialize_field("code", self.code().as_str())?;
        s.serialize_field("status", &self.status())?;
        s.serialize_field("reason", self.reason.as_str())?;
        s.end()
    }
}

/// A policy document that cannot be loaded, with the path of the offending field
/// (e.g. `token.audiance`) and what is wrong there.
///
/// ```
/// use wardgate::Engine;
///
/// let err = Engine::from_json(r#"{"token": {"audiance": "x"}}"#).unwrap_err();
/// assert_eq!(err.path(), "token.audiance");
/// assert_eq!(err.to_string(), "token.audiance: unknown field (did you mean `audience`?)");
/// let json = serde_json::to_value(&err).unwrap();
/// assert_eq!(json["code"], "CONFIG_ERROR");
/// assert_eq!(json["problem"], "unknown field (did you mean `audience`?)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}{problem}", path, if path.is_empty() { "" } else { ": " })]
pub struct ConfigError {
    path: String,
    problem: String,
}

impl ConfigError {
    /// A new error at `path` (empty for the document as a whole).
    pub fn new(path: impl Into<String>, problem: impl Into<String>) -> Self {
        ConfigError { path: path.into(), problem: problem.into() }
    }

    /// Where in the document the problem is, e.g. `rules[2].when`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong there (the whole text, path included, is its `Display`).
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

impl Serialize for ConfigError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("ConfigError", 4)?;
        s.serialize_field("code", "CONFIG_ERROR")?;
        s.serialize_field("path", &self.path)?;
        s.serialize_field("problem", &self.problem)?;
        s.serialize_field("detail", &self.to_string())?;
        s.end()
    }
}

/// Anything the engine can fail with: a bad policy or a refused credential.
///
/// ```
/// use wardgate::{Error, Reason, AuthError};
/// let e: Error = AuthError::new(Reason::Missing, "no token").into();
/// assert!(matches!(e, Error::Auth(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The policy document is not valid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The credential was refused.
    #[error(transparent)]
    Auth(#[from] AuthError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_in_enum_order() {
        for (i, row) in REASONS.iter().enumerate() {
            assert_eq!(row.0 as usize, i, "{}", row.1);
            assert_eq!(Reason::from_name(row.1), Some(row.0));
        }
        for (i, row) in CODES.iter().enumerate() {
            assert_eq!(row.0 as usize, i, "{}", row.1);
        }
    }

    #[test]
    fn statuses_follow_the_contract() {
        assert_eq!(Reason::Missing.status(), 401);
        assert_eq!(Reason::Expired.code(), Code::TokenExpired);
        assert_eq!(Reason::AudienceMismatch.code(), Code::TokenInvalid);
        assert_eq!((Reason::Revoked.code(), Reason::Revoked.status()), (Code::TokenInvalid, 401));
        assert_eq!(Reason::Denied.status(), 403);
    }

    #[test]
    fn auth_error_serialises_to_the_wire_shape() {
        let e = AuthError::new(Reason::UnknownKey, "no key fits");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"detail": "no key fits", "code": "TOKEN_INVALID", "status": 401, "reason": "unknown_key"})
        );
    }

    #[test]
    fn config_error_display_names_the_path() {
        assert_eq!(ConfigError::new("keys", "missing").to_string(), "keys: missing");
        assert_eq!(ConfigError::new("", "not JSON").to_string(), "not JSON");
    }
}
