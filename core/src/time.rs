//! The clock: every check takes `now` from the caller.

/// A point in time as seconds since the Unix epoch (fractions allowed).
///
/// Integers convert directly, so `engine.verify(token, 1_764_000_000)` works.
///
/// ```
/// use portcullis::UnixTime;
/// assert_eq!(UnixTime::from(1_764_000_000).as_secs_f64(), 1_764_000_000.0);
/// assert_eq!(UnixTime::from_secs_f64(1.5).as_secs_f64(), 1.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct UnixTime(f64);

impl UnixTime {
    /// From seconds, possibly fractional (a NaN counts as 0).
    pub fn from_secs_f64(secs: f64) -> Self {
        UnixTime(if secs.is_nan() { 0.0 } else { secs })
    }

    /// The seconds since the epoch.
    pub fn as_secs_f64(self) -> f64 {
        self.0
    }

    /// The system clock. Not on `wasm32-unknown-unknown`, which has none: pass the
    /// host's time there (for example `Date.now() / 1000`).
    ///
    /// ```
    /// assert!(portcullis::UnixTime::now().as_secs_f64() > 1.7e9);
    /// ```
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    pub fn now() -> Self {
        let since =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        UnixTime(since)
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for UnixTime {
            fn from(secs: $t) -> Self {
                UnixTime(secs as f64)
            }
        }
    )*};
}
from_int!(i32, u32, i64, u64);

impl From<f64> for UnixTime {
    fn from(secs: f64) -> Self {
        UnixTime::from_secs_f64(secs)
    }
}

/// Milliseconds on a clock that only moves forward, for the key cache's ages and
/// cooldowns (never for token claims, which take the caller's `now`).
///
/// Natively it counts from the first call in the process; on `wasm32-unknown-unknown`
/// it reads the host's `Date.now()`.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub(crate) fn monotonic_ms() -> u64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub(crate) fn monotonic_ms() -> u64 {
    js_sys::Date::now() as u64
}
