//! Revocation, the last step of verification: a token whose `sid` or `jti` is revoked, or
//! whose subject (the principal id claim) was revoked at or after its `iat`, is refused
//! with [`Reason::Revoked`](crate::Reason::Revoked), even when everything else about it
//! is fine. The policy's optional `revocation` section says where the revoked entries come
//! from (`section`); what is revoked is a [`RevocationSet`] (`set`); a shared source is
//! followed by a local mirror (`mirror`), fed from Redis (`redis`, cargo feature `redis`)
//! or by fetches of an HTTP endpoint (`url`); revoking from code is [`Revoke`] (`revoke`),
//! and what a source reports for monitoring is a [`RevocationStatus`] (`status`).
//!
//! The check reads a set and nothing else: a source is a variant of [`Revocation`] whose
//! only task is to hand the check its current set. Inline sets never change; a mirrored
//! source hands over whatever set it holds at the time of the check (and, when it can vouch
//! for none, fails the check itself). A `url` source may first have to fetch its set, as
//! the caller's [`KeyAccess`] allows.

pub(crate) mod mirror;
#[cfg(feature = "redis")]
pub(crate) mod redis;
pub(crate) mod revoke;
pub(crate) mod section;
pub(crate) mod set;
pub(crate) mod status;
pub(crate) mod url;

use serde_json::{Map, Value};

use crate::engine::KeyAccess;
use crate::error::AuthError;
use crate::time::monotonic_ms;
use revoke::{Revoke, RevokeError};
pub(crate) use set::RevocationSet;
use status::RevocationStatus;

/// The longest duration of the section and of a revocation's `ttl` (one year), in seconds.
pub(crate) const MAX_SECONDS: u64 = 366 * 24 * 3600;
/// The latest "revoked before" time: 2^53 − 1, the largest integer that every runtime
/// (JavaScript's numbers included) holds exactly.
pub(crate) const MAX_TIME: u64 = (1 << 53) - 1;

/// Where the revoked entries come from (the policy's `revocation` section).
#[derive(Debug)]
pub(crate) enum Revocation {
    /// `revocation.inline`: a set written in the policy; it never changes.
    Inline(RevocationSet),
    /// `revocation.url`: an HTTP endpoint, fetched when the set is due.
    Url(Box<url::UrlSource>),
    /// `revocation.redis_url`: a Redis server, mirrored by a background thread.
    #[cfg(feature = "redis")]
    Redis(Box<redis::RedisSource>),
}

impl Revocation {
    /// The revocation step for verified `claims` whose principal id is the claim `id_claim`:
    /// refused with [`Reason::Revoked`](crate::Reason::Revoked) when the current set
    /// revokes them, and with `RevocationUnavailable` when a mirrored source has no set to
    /// vouch for. Runs after every claim check, on a miss and on a verified-token cache hit
    /// alike. A `url` source first obtains its set as `access` allows; `Ok(false)` when,
    /// with [`KeyAccess::IfReady`], a fetch must come first.
    pub(crate) fn check(
        &self,
        claims: &Map<String, Value>,
        id_claim: &str,
        access: KeyAccess,
    ) -> Result<bool, AuthError> {
        match self {
            Revocation::Inline(set) => {
                if set.revokes(claims, id_claim) {
                    return Err(AuthError::revoked());
                }
                Ok(true)
            }
            Revocation::Url(source) => source.check(claims, id_claim, access),
            #[cfg(feature = "redis")]
            Revocation::Redis(source) => source.mirror().check(claims, id_claim, monotonic_ms).map(|()| true),
        }
    }

    /// The `url` source, when it is one.
    pub(crate) fn url(&self) -> Option<&url::UrlSource> {
        match self {
            Revocation::Url(source) => Some(source),
            _ => None,
        }
    }

    /// What the source reports: its kind, its state and how many entries it holds.
    pub(crate) fn status(&self) -> RevocationStatus {
        match self {
            Revocation::Inline(set) => RevocationStatus::inline(set),
            Revocation::Url(source) => source.status(monotonic_ms()),
            #[cfg(feature = "redis")]
            Revocation::Redis(source) => source.mirror().status(monotonic_ms()),
        }
    }

    /// The current set in the JSON form of `revocation.inline`; `None` when a mirrored
    /// source has none to vouch for.
    pub(crate) fn to_value(&self) -> Option<Value> {
        match self {
            Revocation::Inline(set) => Some(set.to_value()),
            Revocation::Url(source) => source.mirror().to_value(monotonic_ms()),
            #[cfg(feature = "redis")]
            Revocation::Redis(source) => source.mirror().to_value(monotonic_ms()),
        }
    }

    /// Revokes `revoke`'s entries at the source.
    pub(crate) fn revoke(&self, revoke: &Revoke) -> Result<(), RevokeError> {
        match self {
            Revocation::Inline(_) => {
                revoke.entries(0)?;
                Err(RevokeError::Unsupported("revocation.inline, which is read-only"))
            }
            Revocation::Url(_) => {
                revoke.entries(0)?;
                Err(RevokeError::Unsupported(
                    "revocation.url, which is read-only: revoke where its set is served (with revocation.redis_url, say)",
                ))
            }
            #[cfg(feature = "redis")]
            Revocation::Redis(source) => source.revoke(revoke),
        }
    }
}
