//! How a verification runs: the time it takes as `now`, and how it may obtain keys.

use crate::time::UnixTime;

/// How a verification may obtain what it fetches: a remote key set's keys
/// (`keys.jwks_url`) and the revoked set of `revocation.url`; an engine that fetches
/// nothing ignores it.
///
/// ```
/// use wardgate::{Engine, KeyAccess, Options, Reason};
/// assert_eq!(Options::at(1_764_000_000).keys, KeyAccess::Fetch);
/// // The revoked set of revocation.url is obtained as keys are: Cached never fetches it.
/// let engine = Engine::from_json(r#"{"token":{"algorithms":["HS256"]},
///   "keys":{"secret":"an example secret of at least 32 bytes!"},
///   "revocation":{"url":"http://127.0.0.1:9/revoked"}}"#).unwrap();
/// let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSIsImV4cCI6MTc2NDAwMzYwMH0.oTLeZRYM8jsqgruFE67JwLa8SK8VXMY8GHWf3iYjDwQ";
/// let err = engine.verify(token, Options::at(1_764_000_000).keys(KeyAccess::Cached)).unwrap_err();
/// assert_eq!((err.reason(), err.status()), (Reason::RevocationUnavailable, 503));
/// let err = engine.verify(token, Options::at(1_764_000_000).keys(KeyAccess::IfReady)).unwrap_err();
/// assert!(err.keys_pending());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyAccess {
    /// With the `http` feature, fetch the keys when they are due (none cached, stale, an
    /// unknown `kid` past the cooldown), or wait for the fetch under way, blocking the
    /// thread up to `refresh.timeout`; likewise the revoked set of `revocation.url` (none
    /// held, or older than `revocation.refresh.max_age`). In async code call from a
    /// blocking-capable thread. Without the feature, as `Cached`.
    #[default]
    Fetch,
    /// The keys cached now (and the revoked set held now), never a fetch: with nothing
    /// cached the token is refused with `KEYS_UNAVAILABLE` (503), with no usable revoked set
    /// with `REVOCATION_UNAVAILABLE` (503). For hosts that fetch for the engine (see
    /// [`Engine::key_need`](crate::Engine::key_need) and
    /// [`Engine::revocation_need`](crate::Engine::revocation_need)) or that must not block.
    Cached,
    /// The keys cached now, unless a fetch is due or under way: then the token is not
    /// verified and the error says so ([`AuthError::keys_pending`](crate::AuthError::keys_pending)),
    /// so that a host verifies on its thread and goes asynchronous only when it must. A
    /// token that fails on its own (structure, header) fails at once, needing no keys.
    /// Likewise the revoked set of `revocation.url`, once the token has passed every other
    /// check: a fetch due (or, with no usable set, under way) is reported the same way.
    IfReady,
}

/// When and how to verify: the time every claim check takes as `now`, and how keys may
/// be obtained. Any time converts into options that fetch keys as needed, so
/// `engine.verify(token, 1_764_000_000)` reads as it should.
///
/// ```
/// use wardgate::{KeyAccess, Options, UnixTime};
/// let options = Options::at(UnixTime::now()).keys(KeyAccess::Cached);
/// assert_eq!(options.keys, KeyAccess::Cached);
/// assert_eq!(Options::from(1.5).now, UnixTime::from_secs_f64(1.5));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// The time claims are checked against.
    pub now: UnixTime,
    /// How a remote key set's keys may be obtained.
    pub keys: KeyAccess,
}

impl Options {
    /// Options at `now`, fetching keys as needed ([`KeyAccess::Fetch`]).
    pub fn at(now: impl Into<UnixTime>) -> Options {
        Options { now: now.into(), keys: KeyAccess::Fetch }
    }

    /// The same options with another [`KeyAccess`].
    pub fn keys(self, keys: KeyAccess) -> Options {
        Options { keys, ..self }
    }
}

macro_rules! from_time {
    ($($t:ty),*) => {$(
        impl From<$t> for Options {
            fn from(now: $t) -> Self {
                Options::at(now)
            }
        }
    )*};
}
from_time!(i32, u32, i64, u64, f64, UnixTime);
