//! Revocation, the last step of verification: a token whose `sid` or `jti` is revoked, or
//! whose subject (the principal id claim) was revoked at or after its `iat`, is refused
//! with [`Reason::Revoked`](crate::Reason::Revoked), even when everything else about it
//! is fine. The policy's optional `revocation` section says where the revoked entries come
//! from (`section`); what is revoked is a [`RevocationSet`] (`set`), and what a source
//! reports for monitoring is a [`RevocationStatus`] (`status`).
//!
//! The check reads a set and nothing else: a source is a variant of [`Revocation`] whose
//! only task is to hand the check its current set. Inline sets never change; a source that
//! mirrors a shared store or fetches a URL hands over whatever set it holds at the time of
//! the check (and, when it can vouch for none, fails the check itself).

pub(crate) mod section;
pub(crate) mod set;
pub(crate) mod status;

use serde_json::{Map, Value};

use crate::error::AuthError;
pub(crate) use set::RevocationSet;
use status::{RevocationSource, RevocationState, RevocationStatus};

/// Where the revoked entries come from (the policy's `revocation` section).
#[derive(Debug)]
pub(crate) enum Revocation {
    /// `revocation.inline`: a set written in the policy; it never changes.
    Inline(RevocationSet),
}

impl Revocation {
    /// The revocation step for verified `claims` whose principal id is the claim `id_claim`:
    /// refused with [`Reason::Revoked`](crate::Reason::Revoked) when the current set
    /// revokes them. Runs after every claim check, on a miss and on a verified-token cache
    /// hit alike.
    pub(crate) fn check(&self, claims: &Map<String, Value>, id_claim: &str) -> Result<(), AuthError> {
        // Each source hands over the set it holds now; the set decides.
        let revoked = match self {
            Revocation::Inline(set) => set.revokes(claims, id_claim),
        };
        if revoked {
            return Err(AuthError::revoked());
        }
        Ok(())
    }

    /// What the source reports: its kind, its state and how many entries it holds.
    pub(crate) fn status(&self) -> RevocationStatus {
        match self {
            Revocation::Inline(set) => RevocationStatus::of(RevocationSource::Inline, RevocationState::Ready, set),
        }
    }
}
