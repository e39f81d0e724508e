//! The clock: every check takes `now` from the caller.

/// A point in time as seconds since the Unix epoch (fractions allowed).
///
/// Integers convert directly, so `engine.verify(token, 1_764_000_000)` works.
///
/// ```
/// use wardgate::UnixTime;
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
    /// assert!(wardgate::UnixTime::now().as_secs_f64() > 1.7e9);
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

/// The wall clock in Unix seconds, for what status reports (when a set was last read);
/// never for token claims. On `wasm32-unknown-unknown` it is the host's `Date.now()`.
pub(crate) fn wall_secs() -> f64 {
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    return UnixTime::now().as_secs_f64();
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    return js_sys::Date::now() / 1000.0;
}

/// Milliseconds on a clock that only moves forward, for the key cache's ages and
/// cooldowns (never for token claims, which take the caller's `now`).
///
/// Natively it counts from the first call in the process. On `wasm32-unknown-unknown` it
/// counts from the first call too, reading the host's `performance.now()` (see
/// `host_clock`), so stepping the wall clock (`Date.now()`) back or forward changes
/// nothing about when key sets are refreshed.
#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
pub(crate) fn monotonic_ms() -> u64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
pub(crate) fn monotonic_ms() -> u64 {
    host_clock::now_ms()
}

/// The WebAssembly build's monotonic clock, from the JavaScript host.
///
/// It reads `performance.now()` (Node, browsers, the Edge runtime and workerd all have
/// `performance` as a global), looked up once on the global object. Where there is no
/// `performance.now` (or it throws or stops giving numbers), it falls back to `Date.now()`
/// for good: a step back of that clock then counts as no time at all, and a step forward
/// as time passed, which only brings a refresh sooner. Either way only forward movement
/// is counted, so the clock never goes back and never panics.
#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod host_clock {
    use std::cell::Cell;

    use js_sys::wasm_bindgen::{JsCast, JsValue};
    use js_sys::{Function, Reflect};

    /// Where readings come from.
    enum Source {
        /// `performance` and its `now` method.
        Performance(JsValue, Function),
        /// `Date.now()`.
        Date,
    }

    /// The clock's state: its source once found, the last reading, the milliseconds
    /// counted so far.
    #[derive(Default)]
    struct Clock {
        source: Option<Source>,
        last: Option<f64>,
        counted: f64,
    }

    thread_local! {
        static CLOCK: Cell<Clock> = Cell::new(Clock::default());
    }

    pub(super) fn now_ms() -> u64 {
        CLOCK.with(|cell| {
            // Taken out and put back (no borrow that a re-entrant call could trip over).
            let mut clock = cell.take();
            let ms = clock.tick();
            cell.set(clock);
            ms
        })
    }

    impl Clock {
        fn tick(&mut self) -> u64 {
            let source = self.source.get_or_insert_with(find);
            let reading = match source {
                Source::Performance(performance, now) => {
                    now.call0(performance).ok().and_then(|v| v.as_f64()).filter(|ms| ms.is_finite())
                }
                Source::Date => Some(js_sys::Date::now()),
            };
            let reading = reading.unwrap_or_else(|| {
                // performance.now failed: Date.now from here on, from a new first reading.
                *source = Source::Date;
                self.last = None;
                js_sys::Date::now()
            });
            if let Some(last) = self.last {
                if reading > last {
                    self.counted += reading - last;
                }
            }
            self.last = Some(reading);
            self.counted as u64
        }
    }

    /// `performance.now` on the global object, when there is one.
    fn find() -> Source {
        let name = |s: &str| JsValue::from_str(s);
        Reflect::get(&js_sys::global(), &name("performance"))
            .ok()
            .filter(JsValue::is_object)
            .and_then(|performance| {
                let now = Reflect::get(&performance, &name("now")).ok()?.dyn_into::<Function>().ok()?;
                Some(Source::Performance(performance, now))
            })
            .unwrap_or(Source::Date)
    }
}
