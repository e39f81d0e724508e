//! What a revocation source reports for monitoring: [`RevocationStatus`].

use serde::Serialize;

use super::RevocationSet;

/// The member of the policy's `revocation` section that gives the revoked entries.
///
/// ```
/// use wardgate::RevocationSource;
/// assert_eq!(serde_json::to_value(RevocationSource::Inline).unwrap(), "inline");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RevocationSource {
    /// `revocation.inline`: entries written in the policy.
    Inline,
}

/// Whether a revocation source has a set it can vouch for.
///
/// ```
/// use wardgate::RevocationState;
/// assert_eq!(serde_json::to_value(RevocationState::Ready).unwrap(), "ready");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RevocationState {
    /// The set is in hand and current (always, for an inline set).
    Ready,
}

/// A snapshot of the revocation source (see [`crate::Engine::revocation_status`]).
///
/// ```
/// let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
///   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
///   "revocation":{"inline":{"sid":["s1","s2"],"subjects":{"u1":1764000000}}}}"#).unwrap();
/// let status = engine.revocation_status().unwrap();
/// assert_eq!(
///     serde_json::to_value(&status).unwrap(),
///     serde_json::json!({"source": "inline", "state": "ready", "entries": 3, "sids": 2, "jtis": 0, "subjects": 1})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RevocationStatus {
    /// Where the entries come from: the member of the policy's `revocation` section.
    pub source: RevocationSource,
    /// Whether the source has a set it can vouch for.
    pub state: RevocationState,
    /// How many entries the set holds in all (`sids + jtis + subjects`).
    pub entries: usize,
    /// Revoked session ids (`sid`).
    pub sids: usize,
    /// Revoked token ids (`jti`).
    pub jtis: usize,
    /// Principals with a "revoked before" time.
    pub subjects: usize,
}

impl RevocationStatus {
    pub(crate) fn of(source: RevocationSource, state: RevocationState, set: &RevocationSet) -> RevocationStatus {
        let (sids, jtis, subjects) = set.counts();
        RevocationStatus { source, state, entries: sids + jtis + subjects, sids, jtis, subjects }
    }
}
