//! The local mirror of a shared revocation source, as a state machine without I/O.
//!
//! Something feeds it: the Redis reader of `redis.rs` (a background thread) or the fetches
//! of `url.rs` (made by verifications, or by the WebAssembly build's host). A whole set
//! comes after each full read, single entries as they are announced (Redis), a contact
//! after each exchange that succeeded, and the loss of the source. Verifications only read
//! it.
//!
//! Rules, with `stale_for` from the `revocation` section:
//! - Before the first read has ended, the state is `starting`; after a first read that
//!   failed, `unavailable` (verifications fail with `revocation_unavailable`).
//! - The set is current (`ready`) while it is fresh: for Redis, while the reader is
//!   connected; for `url`, for `refresh.max_age` after it was fetched.
//! - Past its freshness, the last set keeps serving (`stale`) for `stale_for` (for Redis,
//!   freshness ends at the last time the source answered); after that, `unavailable` until
//!   a read succeeds.
//!
//! Time comes in as milliseconds of a monotonic clock, so every rule is testable without
//! waiting.

use std::sync::{Condvar, Mutex, PoisonError, RwLock};
use std::time::Duration;

use serde_json::{Map, Value};

use super::set::Entry;
use super::status::{RevocationSource, RevocationState, RevocationStatus};
use super::RevocationSet;
use crate::error::{AuthError, Reason};

/// The mirror of one source, shared by the engine and the task that feeds it.
#[derive(Debug)]
pub(crate) struct Mirror {
    source: RevocationSource,
    /// How long a set is fresh after the source last answered, in ms (`url`); `None`: fresh
    /// while the feeding task is connected (Redis).
    fresh_for: Option<u64>,
    /// How long the last set serves past its freshness, in ms.
    stale_for: u64,
    state: RwLock<State>,
    /// Whether the first read has ended (either way), for the first verifications to wait on.
    started: (Mutex<bool>, Condvar),
}

#[derive(Debug, Default)]
struct State {
    /// The set: what the last full read gave, with the entries announced since.
    set: RevocationSet,
    /// Whether a full read has succeeded: before one, the set cannot be vouched for.
    synced: bool,
    /// Whether the feeding task holds a working connection (Redis).
    connected: bool,
    /// When the source last answered (monotonic ms).
    contact: Option<u64>,
    /// When the whole set was last read (Unix seconds).
    last_sync: Option<f64>,
    /// Why the last read or connection failed.
    last_error: Option<String>,
    /// Whether a full read is under way, and the entries inserted since it began.
    reading: bool,
    inserted: Vec<Entry>,
}

impl Mirror {
    /// An empty mirror, in the `starting` state, whose sets are fresh for `fresh_for` after
    /// the source last answered (`None`: while connected) and serve `stale_for` more (ms).
    pub(crate) fn new(source: RevocationSource, fresh_for: Option<u64>, stale_for: u64) -> Mirror {
        let started = (Mutex::new(false), Condvar::new());
        Mirror { source, fresh_for, stale_for, state: RwLock::new(State::default()), started }
    }

    /// A whole set was read at `now` (monotonic ms) and `unix` (Unix seconds): it replaces
    /// the mirror's (with the entries inserted during the read), and the source is connected.
    pub(crate) fn replace(&self, mut set: RevocationSet, now: u64, unix: f64) {
        {
            let mut state = self.write();
            for entry in std::mem::take(&mut state.inserted) {
                set.insert(entry);
            }
            state.reading = false;
            state.set = set;
            state.synced = true;
            state.connected = true;
            state.contact = Some(now);
            state.last_sync = Some(unix);
            state.last_error = None;
        }
        self.end_start();
    }

    /// One entry was announced (or written by this process): it joins the set. Before the
    /// first read it is kept too, and the read's set will hold it.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn insert(&self, entry: Entry) {
        let mut state = self.write();
        if state.reading {
            state.inserted.push(entry.clone());
        }
        state.set.insert(entry);
    }

    /// A full read starts: entries inserted from now on are also kept aside, so that the
    /// read's set, which may have missed them, does not drop them.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn begin_read(&self) {
        let mut state = self.write();
        state.reading = true;
        state.inserted.clear();
    }

    /// The source answered at `now`.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn contact(&self, now: u64) {
        let mut state = self.write();
        state.contact = Some(now);
    }

    /// The connection was lost or could not be made, because of `problem`.
    pub(crate) fn lost(&self, problem: String) {
        {
            let mut state = self.write();
            state.connected = false;
            state.reading = false;
            state.inserted.clear();
            state.last_error = Some(problem);
        }
        self.end_start();
    }

    /// The state at `now`.
    #[cfg(test)]
    pub(crate) fn state(&self, now: u64) -> RevocationState {
        let state = self.read();
        self.state_of(&state, now)
    }

    fn state_of(&self, state: &State, now: u64) -> RevocationState {
        // Freshness ends `fresh_for` after the last contact (at it, for Redis once the
        // connection is lost); the set then serves `stale_for` more.
        let fresh_until = state.contact.unwrap_or(0).saturating_add(self.fresh_for.unwrap_or(0));
        let fresh = match self.fresh_for {
            None => state.connected,
            Some(_) => now < fresh_until,
        };
        match (state.synced, fresh) {
            (false, _) if !self.has_started() => RevocationState::Starting,
            (false, _) => RevocationState::Unavailable,
            (true, true) => RevocationState::Ready,
            (true, false) if now.saturating_sub(fresh_until) <= self.stale_for => RevocationState::Stale,
            (true, false) => RevocationState::Unavailable,
        }
    }

    /// Whether, at `now`, the mirror holds a set it can vouch for, and whether that set is
    /// still fresh (`ready`).
    pub(crate) fn usable_and_fresh(&self, now: u64) -> (bool, bool) {
        let state = self.read();
        match self.state_of(&state, now) {
            RevocationState::Ready => (true, true),
            RevocationState::Stale => (true, false),
            _ => (false, false),
        }
    }

    /// The revocation step against the mirror at `now`: refuses revoked claims, or every
    /// token when no set can be vouched for (the first read not ended yet included).
    pub(crate) fn check(
        &self,
        claims: &Map<String, Value>,
        id_claim: &str,
        now: impl FnOnce() -> u64,
    ) -> Result<(), AuthError> {
        let state = self.read();
        // A connected mirror (Redis) is current whatever the time: the clock, about a
        // quarter of the step's own cost, is read only when freshness depends on it.
        let connected = self.fresh_for.is_none() && state.synced && state.connected;
        let current = if connected { RevocationState::Ready } else { self.state_of(&state, now()) };
        match current {
            RevocationState::Ready | RevocationState::Stale => {
                if state.set.revokes(claims, id_claim) {
                    Err(AuthError::revoked())
                } else {
                    Ok(())
                }
            }
            _ => Err(AuthError::new(Reason::RevocationUnavailable, self.unavailable_detail())),
        }
    }

    fn unavailable_detail(&self) -> &'static str {
        match self.source {
            #[cfg(feature = "redis")]
            RevocationSource::RedisUrl => {
                "the revoked entries could not be read from revocation.redis_url (for longer than revocation.stale_for)"
            }
            RevocationSource::Url => {
                "the revoked entries could not be fetched from revocation.url (for longer than revocation.stale_for)"
            }
            _ => "the revoked entries could not be read from the revocation source",
        }
    }

    /// What the mirror reports at `now` (monotonic ms).
    pub(crate) fn status(&self, now: u64) -> RevocationStatus {
        let state = self.read();
        let mut status = RevocationStatus::of(self.source, self.state_of(&state, now), &state.set);
        status.last_sync = state.last_sync;
        status.age = state.contact.map(|at| now.saturating_sub(at) as f64 / 1000.0);
        status.last_error = state.last_error.clone();
        status
    }

    /// The current set in the JSON form of `revocation.inline`, when there is one to vouch for.
    pub(crate) fn to_value(&self, now: u64) -> Option<Value> {
        let state = self.read();
        match self.state_of(&state, now) {
            RevocationState::Ready | RevocationState::Stale => Some(state.set.to_value()),
            _ => None,
        }
    }

    fn has_started(&self) -> bool {
        *self.started.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn end_start(&self) {
        let (lock, ready) = &self.started;
        *lock.lock().unwrap_or_else(PoisonError::into_inner) = true;
        ready.notify_all();
    }

    /// Waits until the first read has ended, or `wait` has passed.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn wait_for_start(&self, wait: Duration) {
        let (lock, ready) = &self.started;
        let started = lock.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = ready.wait_timeout_while(started, wait, |started| !*started);
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const STALE_FOR: u64 = 60_000;

    fn mirror() -> Mirror {
        Mirror::new(RevocationSource::RedisUrl, None, STALE_FOR)
    }

    fn check(mirror: &Mirror, claims: Value, now: u64) -> Result<(), Reason> {
        mirror.check(claims.as_object().unwrap(), "sub", || now).map_err(|e| e.reason())
    }

    fn revoked_s1() -> RevocationSet {
        RevocationSet::new(["s1".into()], [], [])
    }

    #[test]
    fn starting_then_unavailable_when_the_first_read_fails() {
        let m = mirror();
        assert_eq!(m.state(0), RevocationState::Starting);
        assert_eq!(check(&m, json!({"sub": "u"}), 0), Err(Reason::RevocationUnavailable));
        m.lost("connection refused".into());
        assert_eq!(m.state(0), RevocationState::Unavailable);
        assert_eq!(m.status(0).last_error.as_deref(), Some("connection refused"));
        assert_eq!(check(&m, json!({"sub": "u"}), 0), Err(Reason::RevocationUnavailable));
    }

    #[test]
    fn ready_after_a_read_and_announced_entries_join() {
        let m = mirror();
        m.replace(revoked_s1(), 1_000, 1_764_000_000.0);
        assert_eq!(m.state(5_000_000), RevocationState::Ready, "connected: current however long ago");
        assert_eq!(check(&m, json!({"sub": "u", "sid": "s1"}), 2_000), Err(Reason::Revoked));
        assert_eq!(check(&m, json!({"sub": "u", "sid": "s2"}), 2_000), Ok(()));
        m.insert(Entry::Sid("s2".into()));
        assert_eq!(check(&m, json!({"sub": "u", "sid": "s2"}), 2_000), Err(Reason::Revoked));
        let status = m.status(3_500);
        assert_eq!(
            (status.state, status.entries, status.last_sync),
            (RevocationState::Ready, 2, Some(1_764_000_000.0))
        );
        assert_eq!(status.age, Some(2.5));
        assert_eq!(m.to_value(3_500), Some(json!({"sid": ["s1", "s2"], "jti": [], "subjects": {}})));
    }

    #[test]
    fn a_lost_source_serves_the_last_set_for_stale_for_after_the_last_contact() {
        let m = mirror();
        m.replace(revoked_s1(), 1_000, 0.0);
        m.contact(10_000);
        m.lost("timed out".into());
        assert_eq!(m.state(10_000 + STALE_FOR), RevocationState::Stale);
        assert_eq!(check(&m, json!({"sub": "u", "sid": "s1"}), 10_000 + STALE_FOR), Err(Reason::Revoked));
        assert_eq!(check(&m, json!({"sub": "u"}), 10_000 + STALE_FOR), Ok(()));
        assert_eq!(m.state(10_001 + STALE_FOR), RevocationState::Unavailable);
        assert_eq!(check(&m, json!({"sub": "u"}), 10_001 + STALE_FOR), Err(Reason::RevocationUnavailable));
        assert_eq!(m.to_value(10_001 + STALE_FOR), None);
        // Back: current again, and the error is gone.
        m.replace(revoked_s1(), 90_000, 0.0);
        assert_eq!(check(&m, json!({"sub": "u"}), 90_000), Ok(()));
        assert_eq!(m.status(90_000).last_error, None);
    }

    #[test]
    fn an_entry_inserted_during_a_full_read_survives_it() {
        let m = mirror();
        m.replace(RevocationSet::default(), 0, 0.0);
        m.begin_read();
        m.insert(Entry::Jti("j1".into()));
        m.replace(revoked_s1(), 10, 0.0); // a read that missed j1
        assert_eq!(check(&m, json!({"sub": "u", "jti": "j1"}), 10), Err(Reason::Revoked));
        assert_eq!(check(&m, json!({"sub": "u", "sid": "s1"}), 10), Err(Reason::Revoked));
    }

    #[test]
    fn an_entry_written_before_the_first_read_does_not_make_a_set_to_vouch_for() {
        let m = mirror();
        m.insert(Entry::Sid("s1".into()));
        assert_eq!(m.state(0), RevocationState::Starting);
        m.lost("connection refused".into());
        assert_eq!(check(&m, json!({"sub": "u"}), 0), Err(Reason::RevocationUnavailable));
    }

    #[test]
    fn stale_for_zero_fails_as_soon_as_time_passes() {
        let m = Mirror::new(RevocationSource::RedisUrl, None, 0);
        m.replace(revoked_s1(), 1_000, 0.0);
        m.lost("connection reset".into());
        assert_eq!(m.state(1_000), RevocationState::Stale);
        assert_eq!(m.state(1_001), RevocationState::Unavailable);
    }

    #[test]
    fn with_a_freshness_a_set_is_ready_for_it_then_stale_for_stale_for() {
        // As for revocation.url: fresh 5 s after each read, whatever any connection does.
        let m = Mirror::new(RevocationSource::Url, Some(5_000), STALE_FOR);
        m.replace(revoked_s1(), 1_000, 0.0);
        assert_eq!(m.usable_and_fresh(5_999), (true, true));
        assert_eq!(m.state(5_999), RevocationState::Ready);
        assert_eq!(m.usable_and_fresh(6_000), (true, false));
        m.lost("HTTP 500".into());
        assert_eq!(m.state(6_000 + STALE_FOR), RevocationState::Stale);
        assert_eq!(check(&m, json!({"sub": "u", "sid": "s1"}), 6_000 + STALE_FOR), Err(Reason::Revoked));
        assert_eq!(m.usable_and_fresh(6_001 + STALE_FOR), (false, false));
        let err = m.check(json!({"sub": "u"}).as_object().unwrap(), "sub", || 6_001 + STALE_FOR).unwrap_err();
        assert_eq!(err.reason(), Reason::RevocationUnavailable);
        assert!(err.to_string().contains("revocation.url"), "{err}");
        // A read renews the freshness.
        m.replace(revoked_s1(), 70_000, 0.0);
        assert_eq!(m.state(74_999), RevocationState::Ready);
    }

    #[test]
    fn the_engine_can_wait_for_the_first_read() {
        let m = std::sync::Arc::new(mirror());
        let feeder = {
            let m = m.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(50));
                m.replace(revoked_s1(), 0, 0.0);
            })
        };
        m.wait_for_start(Duration::from_secs(10));
        assert_eq!(check(&m, json!({"sub": "u", "sid": "s1"}), 0), Err(Reason::Revoked));
        feeder.join().unwrap();
        // A wait that ends first leaves the state as it is.
        let idle = mirror();
        idle.wait_for_start(Duration::from_millis(10));
        assert_eq!(idle.state(0), RevocationState::Starting);
    }
}
