//! What a key source reports for monitoring: [`KeyStatus`], its source and its state.

use serde::Serialize;

use crate::keys::set::KeySet;

/// The member of the policy's `keys` section that gives the keys.
///
/// ```
/// use wardgate::KeySource;
/// assert_eq!(KeySource::JwksUrl.as_str(), "jwks_url");
/// assert_eq!(serde_json::to_value(KeySource::Pem).unwrap(), "pem");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeySource {
    /// `keys.jwks`: a JWK Set in the policy.
    Jwks,
    /// `keys.jwk`: one JWK in the policy.
    Jwk,
    /// `keys.pem`: a PEM public key in the policy.
    Pem,
    /// `keys.secret`: an HMAC secret in the policy.
    Secret,
    /// `keys.jwks_url`: a remote JWK Set, fetched and cached.
    JwksUrl,
}

/// One row per source: the source and its member name, in the order the contract lists them.
pub(crate) const SOURCES: [(KeySource, &str); 5] = [
    (KeySource::Jwks, "jwks"),
    (KeySource::Jwk, "jwk"),
    (KeySource::Pem, "pem"),
    (KeySource::Secret, "secret"),
    (KeySource::JwksUrl, "jwks_url"),
];

impl KeySource {
    /// The member's name, e.g. `jwks_url`.
    pub const fn as_str(self) -> &'static str {
        SOURCES[self as usize].1
    }
}

/// Whether a key source has keys in hand, and how fresh they are.
///
/// ```
/// use wardgate::KeyState;
/// assert_eq!(serde_json::to_value(KeyState::Stale).unwrap(), "stale");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeyState {
    /// Keys given in the policy: they never change.
    Static,
    /// A remote set with nothing fetched yet, or whose keys were dropped.
    Empty,
    /// A remote set's keys within their freshness.
    Fresh,
    /// A remote set's keys past their freshness, still served while a refresh is due or failing.
    Stale,
}

/// A snapshot of a key source for monitoring (see [`crate::Engine::key_status`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct KeyStatus {
    /// Where the keys come from: the member of the policy's `keys` section.
    pub source: KeySource,
    /// The URL without its query (remote sets only).
    pub url: Option<String>,
    /// Whether keys are in hand, and how fresh.
    pub state: KeyState,
    /// How many keys are usable.
    pub keys: usize,
    /// Their ids.
    pub kids: Vec<String>,
    /// Seconds since the keys in use were fetched.
    pub age: Option<f64>,
    /// Seconds the keys in use are still fresh for (0 when stale).
    pub fresh_for: Option<f64>,
    /// Seconds stale keys will still be served for, while fetches fail.
    pub served_for: Option<f64>,
    /// Fetches answered so far (successful or not).
    pub fetches: u64,
    /// Of those, the failed ones.
    pub failures: u64,
    /// Why the last fetch failed, when it did.
    pub last_error: Option<String>,
    /// Whether a fetch is under way.
    pub fetching: bool,
}

impl KeyStatus {
    pub(crate) fn inline(source: KeySource, set: &KeySet) -> KeyStatus {
        KeyStatus {
            source,
            url: None,
            state: KeyState::Static,
            keys: set.len(),
            kids: set.kids(),
            age: None,
            fresh_for: None,
            served_for: None,
            fetches: 0,
            failures: 0,
            last_error: None,
            fetching: false,
        }
    }
}
