//! What a revocation source reports for monitoring: [`RevocationStatus`].

use serde::Serialize;

use super::RevocationSet;

/// The member of the policy's `revocation` section that gives the revoked entries.
///
/// ```
/// use wardgate::RevocationSource;
/// assert_eq!(serde_json::to_value(RevocationSource::Inline).unwrap(), "inline");
/// assert_eq!(serde_json::to_value(RevocationSource::RedisUrl).unwrap(), "redis_url");
/// assert_eq!(serde_json::to_value(RevocationSource::Url).unwrap(), "url");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RevocationSource {
    /// `revocation.inline`: entries written in the policy.
    Inline,
    /// `revocation.redis_url`: a Redis server shared by every process, mirrored locally.
    RedisUrl,
    /// `revocation.url`: an HTTP endpoint serving the set, fetched every
    /// `revocation.refresh.max_age`.
    Url,
}

/// Whether a revocation source has a set it can vouch for.
///
/// ```
/// use wardgate::RevocationState;
/// assert_eq!(serde_json::to_value(RevocationState::Ready).unwrap(), "ready");
/// assert_eq!(serde_json::to_value(RevocationState::Unavailable).unwrap(), "unavailable");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RevocationState {
    /// The set is in hand and current (always, for an inline set; for Redis, the mirror is
    /// connected and subscribed; for `url`, the set was fetched less than
    /// `revocation.refresh.max_age` ago).
    Ready,
    /// The source has not been read yet (for Redis, the engine's constructor waits for the
    /// first read, up to `revocation.refresh.timeout`; for `url`, the first verification
    /// fetches the set).
    Starting,
    /// The set is past its freshness (Redis out of reach, or a `url` set older than
    /// `refresh.max_age` not fetched again yet); it is still used, up to
    /// `revocation.stale_for` past its freshness.
    Stale,
    /// No set can be vouched for (never read, or out of reach past `stale_for`):
    /// verifications fail with `REVOCATION_UNAVAILABLE` (503).
    Unavailable,
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
///     serde_json::json!({"source": "inline", "url": null, "state": "ready", "entries": 3, "sids": 2,
///                        "jtis": 0, "subjects": 1, "last_sync": null, "age": null, "last_error": null})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RevocationStatus {
    /// Where the entries come from: the member of the policy's `revocation` section.
    pub source: RevocationSource,
    /// For `revocation.url`, the URL without its query (which may hold a credential);
    /// `None` for the other sources (a Redis URL may hold a password).
    pub url: Option<String>,
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
    /// When the whole set was last read from the source (Unix seconds); `None` for an
    /// inline set, or before the first read.
    pub last_sync: Option<f64>,
    /// Seconds since the source last answered (for `url`, since the set was last
    /// fetched); `None` for an inline set, or before the first answer.
    pub age: Option<f64>,
    /// Why the source could not be read the last time it failed (never a URL, a password
    /// or an entry); `None` after a success.
    pub last_error: Option<String>,
}

impl RevocationStatus {
    /// The status of an inline set: always ready.
    pub(crate) fn inline(set: &RevocationSet) -> RevocationStatus {
        RevocationStatus::of(RevocationSource::Inline, RevocationState::Ready, set)
    }

    /// A status with these counts and nothing known about syncing.
    pub(crate) fn of(source: RevocationSource, state: RevocationState, set: &RevocationSet) -> RevocationStatus {
        let (sids, jtis, subjects) = set.counts();
        RevocationStatus {
            source,
            url: None,
            state,
            entries: sids + jtis + subjects,
            sids,
            jtis,
            subjects,
            last_sync: None,
            age: None,
            last_error: None,
        }
    }
}
