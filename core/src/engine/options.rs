//! How a verification runs: the time it takes as `now`, and how it may obtain keys.

use crate::time::UnixTime;

/// How a verification may obtain a remote key set's keys (`keys.jwks_url`); local keys
/// ignore it.
///
/// ```
/// use wardgate::{KeyAccess, Options};
/// assert_eq!(Options::at(1_764_000_000).keys, KeyAccess::Fetch);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyAccess {
    /// With the `http` feature, fetch the keys when they are due (none cached, stale, an
    /// unknown `kid` past the cooldown), or wait for the fetch under way, blocking the
    /// thread up to `refresh.timeout`; in async code call from a blocking-capable thread.
    /// Without the feature, as `Cached`.
    #[default]
    Fetch,
    /// The keys cached now, never a fetch: with nothing cached the token is refused with
    /// `KEYS_UNAVAILABLE` (503). For hosts that fetch keys themselves (see
    /// [`Engine::key_need`](crate::Engine::key_need)) or that must not block.
    Cached,
    /// The keys cached now, unless a fetch is due or under way: then the token is not
    /// verified and the error says so ([`AuthError::keys_pending`](crate::AuthError::keys_pending)),
    /// so that a host verifies on its thread and goes asynchronous only when it must. A
    /// token that fails on its own (structure, header) fails at once, needing no keys.
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
