//! Revoking from code: [`Revoke`], what to revoke, and [`RevokeError`], why it could not be.

use super::set::Entry;
use super::{MAX_SECONDS as MAX_TTL, MAX_TIME};

/// What [`crate::Engine::revoke`] revokes: a session (`sid`), a token (`jti`) and every
/// token of a principal issued up to now (`sub`, the principal id), any of them together,
/// for `ttl` seconds, after which the entries expire on their own. Give a `ttl` at least as
/// long as the longest lifetime of a token the entries should refuse.
///
/// ```
/// let revoke = wardgate::Revoke::new(900).sid("2f0c7b1e").sub("user_42");
/// assert_eq!((revoke.ttl, revoke.sid.as_deref(), revoke.jti.as_deref()), (900, Some("2f0c7b1e"), None));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Revoke {
    /// A session id: every token whose `sid` claim is this is refused.
    pub sid: Option<String>,
    /// A token id: the token whose `jti` claim is this is refused.
    pub jti: Option<String>,
    /// A principal id (the value of the policy's `principal.id` claim): every token of that
    /// principal issued at or before now (its `iat`, in whole seconds) is refused.
    pub sub: Option<String>,
    /// How long the entries are kept, in seconds (1 to 31,622,400).
    pub ttl: u64,
}

impl Revoke {
    /// Nothing yet, kept for `ttl` seconds.
    pub fn new(ttl: u64) -> Revoke {
        Revoke { ttl, ..Revoke::default() }
    }

    /// Also revokes the session `sid`.
    pub fn sid(mut self, sid: impl Into<String>) -> Revoke {
        self.sid = Some(sid.into());
        self
    }

    /// Also revokes the token `jti`.
    pub fn jti(mut self, jti: impl Into<String>) -> Revoke {
        self.jti = Some(jti.into());
        self
    }

    /// Also revokes every token of the principal `sub` issued up to now.
    #[allow(clippy::should_implement_trait)] // named after the claim, as the field is
    pub fn sub(mut self, sub: impl Into<String>) -> Revoke {
        self.sub = Some(sub.into());
        self
    }

    /// The entries, with `now` (Unix seconds, whole) as the time of a `sub` entry, once
    /// checked.
    pub(crate) fn entries(&self, now: u64) -> Result<Vec<Entry>, RevokeError> {
        if !(1..=MAX_TTL).contains(&self.ttl) {
            return Err(RevokeError::Invalid { field: "ttl", problem: format!("must be 1 to {MAX_TTL} seconds") });
        }
        let mut entries = Vec::new();
        for (field, value) in [("sid", &self.sid), ("jti", &self.jti), ("sub", &self.sub)] {
            let Some(id) = value else { continue };
            if id.is_empty() {
                return Err(RevokeError::Invalid { field, problem: "must not be empty".into() });
            }
            entries.push(match field {
                "sid" => Entry::Sid(id.clone()),
                "jti" => Entry::Jti(id.clone()),
                _ => Entry::Subject(id.clone(), now.min(MAX_TIME)),
            });
        }
        if entries.is_empty() {
            return Err(RevokeError::Invalid { field: "sid, jti or sub", problem: "at least one is needed".into() });
        }
        Ok(entries)
    }
}

/// Why [`crate::Engine::revoke`] did not revoke. Messages never hold an entry, a URL or a
/// password.
///
/// ```
/// let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
///   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}}"#).unwrap();
/// let err = engine.revoke(&wardgate::Revoke::new(900).sid("s1")).unwrap_err();
/// assert_eq!(err.code(), "REVOKE_UNSUPPORTED");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RevokeError {
    /// The policy has no revocation source that can be written to (only `redis_url` can).
    #[error("revoking needs a revocation.redis_url source; this policy has {0}")]
    Unsupported(&'static str),
    /// A field of the [`Revoke`] is not acceptable.
    #[error("{field}: {problem}")]
    Invalid {
        /// `sid`, `jti`, `sub` or `ttl` (or `sid, jti or sub` when none is given).
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// The source could not be written to; nothing may have been revoked.
    #[error("could not write to revocation.redis_url: {0}")]
    Failed(String),
}

/// Each kind of error and its code.
const CODES: [(&str, &str); 3] =
    [("unsupported", "REVOKE_UNSUPPORTED"), ("invalid", "REVOKE_INVALID"), ("failed", "REVOKE_FAILED")];

impl RevokeError {
    /// The error's code: `REVOKE_UNSUPPORTED`, `REVOKE_INVALID` or `REVOKE_FAILED`.
    pub fn code(&self) -> &'static str {
        let kind = match self {
            RevokeError::Unsupported(_) => "unsupported",
            RevokeError::Invalid { .. } => "invalid",
            RevokeError::Failed(_) => "failed",
        };
        CODES.iter().find(|row| row.0 == kind).map_or("REVOKE_FAILED", |row| row.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_checked() {
        let err = |r: Revoke| r.entries(100).unwrap_err().to_string();
        assert_eq!(err(Revoke::new(0).sid("s")), "ttl: must be 1 to 31622400 seconds");
        assert_eq!(err(Revoke::new(MAX_TTL + 1).sid("s")), "ttl: must be 1 to 31622400 seconds");
        assert_eq!(err(Revoke::new(60)), "sid, jti or sub: at least one is needed");
        assert_eq!(err(Revoke::new(60).jti("")), "jti: must not be empty");
        let entries = Revoke::new(60).sid("s").jti("j").sub("u").entries(100).unwrap();
        assert_eq!(entries, [Entry::Sid("s".into()), Entry::Jti("j".into()), Entry::Subject("u".into(), 100)]);
    }

    #[test]
    fn codes() {
        assert_eq!(RevokeError::Unsupported("none").code(), "REVOKE_UNSUPPORTED");
        assert_eq!(RevokeError::Invalid { field: "ttl", problem: String::new() }.code(), "REVOKE_INVALID");
        assert_eq!(RevokeError::Failed("timed out".into()).code(), "REVOKE_FAILED");
    }
}
