//! `revocation.url`: the revoked set served by an HTTP endpoint, fetched as a remote key set
//! is (the rules of `keys::remote::flight`: single flight, tickets, cooldown, abandoned
//! fetches) and held in a [`Mirror`] whose sets are fresh for `refresh.max_age`.
//!
//! The endpoint serves the whole set as JSON, in the shape of `revocation.inline`:
//!
//! ```json
//! {"sid": ["2f0c7b1e"], "jti": [], "subjects": {"user_42": 1764000000}}
//! ```
//!
//! It is what [`crate::Engine::revocation_set`] returns (and what the Better Auth plugin
//! serves at `GET /api/auth/wardgate/revoked`). A body is read by the rules of
//! `revocation.inline`; one that breaks any of them, like any other failed fetch, never
//! replaces the set held. `Cache-Control` is not read: the policy's `refresh.max_age`
//! alone says how long a set is fresh (an endpoint's `no-store` is meant for the HTTP
//! caches in between).
//!
//! Rules, with `max_age`, `cooldown`, `timeout` and `stale_for`:
//! - Nothing usable held (before the first fetch, after a first fetch that failed, or past
//!   `stale_for`): the verification fetches; verifications fail with
//!   `revocation_unavailable` until a fetch succeeds.
//! - A set older than `max_age`: fetched again, at most once per `cooldown`; meanwhile the
//!   set held keeps serving, up to `stale_for` past its freshness.
//! - Single flight and abandoned fetches as for keys (`flight`).
//!
//! Natively (cargo feature `http`) the verification that finds a fetch due makes it,
//! blocking, and the others use the set held while it is usable, or wait for the fetch when
//! none is ([`KeyAccess`](crate::KeyAccess)). The WebAssembly build's host fetches instead
//! ([`crate::Engine::revocation_need`]).

use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::{Map, Value};

use super::mirror::Mirror;
use super::section::{inline, INLINE_MEMBERS};
use super::status::{RevocationSource, RevocationStatus};
use super::RevocationSet;
use crate::engine::KeyAccess;
use crate::error::{AuthError, ConfigError};
use crate::keys::remote::cache::{KeyFetch, KeyNeed, KeyResponse};
use crate::keys::remote::flight::{self, json, Flights, Held, Verdict};
use crate::keys::remote::url::RemoteConfig;
use crate::time::{monotonic_ms, wall_secs};

/// A `revocation.url` source: the set held, and the fetches that renew it.
#[derive(Debug)]
pub(crate) struct UrlSource {
    config: RemoteConfig,
    mirror: Mirror,
    /// Locked before the mirror whenever both are, so that a verdict and the answer that
    /// changes it never interleave.
    flights: Mutex<Flights>,
    #[cfg(feature = "http")]
    answered: std::sync::Condvar,
}

impl UrlSource {
    /// A source with nothing fetched yet (`starting`).
    pub(crate) fn new(config: RemoteConfig) -> UrlSource {
        UrlSource {
            mirror: Mirror::new(RevocationSource::Url, Some(config.max_age), config.stale_for),
            config,
            flights: Mutex::new(Flights::default()),
            #[cfg(feature = "http")]
            answered: std::sync::Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Flights> {
        self.flights.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn verdict(&self, flights: &Flights, clock: u64) -> Verdict {
        let (usable, fresh) = self.mirror.usable_and_fresh(clock);
        flights.verdict(&self.config, Held { usable, due: !fresh, needed: !usable }, clock)
    }

    /// What a verification at `clock` needs first: a `Fetch` is a ticket the caller must
    /// answer with [`UrlSource::answer`].
    pub(crate) fn need(&self, clock: u64) -> KeyNeed {
        let mut flights = self.lock();
        match self.verdict(&flights, clock) {
            Verdict::Ready => KeyNeed::Ready,
            Verdict::Wait => KeyNeed::Wait,
            Verdict::Fetch => KeyNeed::Fetch(flights.start(&self.config, clock)),
        }
    }

    /// Takes the outcome of the fetch `ticket` at `clock`: a good set replaces the one held,
    /// anything else is a failure that leaves it. An answer to a ticket that is no longer
    /// the one under way (abandoned) is ignored.
    pub(crate) fn answer(&self, ticket: &KeyFetch, response: KeyResponse, clock: u64) {
        let mut flights = self.lock();
        if !flights.land(ticket) {
            return;
        }
        let read = flight::body(response, "a revocation set").and_then(|(_, body)| set_of(&body));
        flights.ended(read.is_ok());
        match read {
            Ok(set) => self.mirror.replace(set, clock, wall_secs()),
            Err(problem) => self.mirror.lost(problem),
        }
        drop(flights);
        #[cfg(feature = "http")]
        self.answered.notify_all();
    }

    /// The revocation step at the monotonic time, after obtaining the set as `access`
    /// allows: `Ok(false)` when, with [`KeyAccess::IfReady`], a fetch must come first.
    pub(crate) fn check(
        &self,
        claims: &Map<String, Value>,
        id_claim: &str,
        access: KeyAccess,
    ) -> Result<bool, AuthError> {
        match access {
            #[cfg(feature = "http")]
            KeyAccess::Fetch => crate::keys::remote::http::perform(
                self.need(monotonic_ms()),
                |ticket, response| self.answer(ticket, response, monotonic_ms()),
                || drop(Flights::wait(self.lock(), &self.answered, |f| f, &self.config, monotonic_ms)),
            ),
            KeyAccess::IfReady if self.verdict(&self.lock(), monotonic_ms()) != Verdict::Ready => return Ok(false),
            _ => {}
        }
        self.mirror.check(claims, id_claim, monotonic_ms).map(|()| true)
    }

    /// The URL and timing the source was made with.
    #[cfg(test)]
    pub(crate) fn config(&self) -> &RemoteConfig {
        &self.config
    }

    /// The mirror, which says what the source holds.
    pub(crate) fn mirror(&self) -> &Mirror {
        &self.mirror
    }

    /// What the source reports at `clock`, with the URL without its query.
    pub(crate) fn status(&self, clock: u64) -> RevocationStatus {
        RevocationStatus { url: Some(self.config.shown.clone()), ..self.mirror.status(clock) }
    }
}

/// A fetched body as a revocation set, by the rules of `revocation.inline`, or why it is
/// refused: a message that never repeats an entry, nor a member name the server chose.
fn set_of(body: &[u8]) -> Result<RevocationSet, String> {
    let doc: Value = json(body)?;
    if !doc.is_object() {
        return Err("the response is not a revocation set (an object of sid, jti and subjects)".into());
    }
    inline(&doc, "").map_err(|e| not_a_set(&e))
}

/// The problem of a body that breaks a rule of `revocation.inline`, at a path that names no
/// principal id (`subjects.<id>` is shown as `subjects`) and no unknown member.
fn not_a_set(e: &ConfigError) -> String {
    let path = e.path();
    let shown = if path.starts_with("subjects.") {
        "subjects"
    } else if path.split('[').next().is_some_and(|name| INLINE_MEMBERS.contains(&name)) {
        path
    } else {
        "a member"
    };
    format!("the response is not a revocation set: {shown}: {}", e.problem())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Reason;
    use crate::revocation::status::RevocationState;
    use serde_json::json;

    const MAX_AGE: u64 = 5_000;
    const COOLDOWN: u64 = 1_000;
    const STALE_FOR: u64 = 60_000;

    fn source() -> UrlSource {
        UrlSource::new(RemoteConfig {
            url: "https://app.example.com/revoked?key=s3cret".into(),
            shown: "https://app.example.com/revoked".into(),
            max_age: MAX_AGE,
            cooldown: COOLDOWN,
            timeout: 2_000,
            stale_for: STALE_FOR,
        })
    }

    fn ticket(need: KeyNeed) -> KeyFetch {
        match need {
            KeyNeed::Fetch(t) => t,
            other => panic!("expected a fetch, got {other:?}"),
        }
    }

    fn served(body: Value) -> KeyResponse {
        KeyResponse::Http {
            status: 200,
            cache_control: Some("no-store".into()),
            content_encoding: None,
            body: body.to_string().into(),
        }
    }

    fn sids(sids: &[&str]) -> KeyResponse {
        served(json!({"sid": sids, "jti": [], "subjects": {}}))
    }

    /// The revocation step for a token of session `sid`, at `clock`, with the set as held.
    fn check(s: &UrlSource, sid: &str, clock: u64) -> Result<(), Reason> {
        let claims = json!({"sub": "u1", "sid": sid, "iat": 1});
        s.mirror.check(claims.as_object().unwrap(), "sub", || clock).map_err(|e| e.reason())
    }

    fn state(s: &UrlSource, clock: u64) -> RevocationState {
        s.status(clock).state
    }

    /// A source that fetched `["s1"]` at 0.
    fn fetched() -> UrlSource {
        let s = source();
        s.answer(&ticket(s.need(0)), sids(&["s1"]), 0);
        s
    }

    #[test]
    fn nothing_held_fetches_once_and_fails_closed_until_then() {
        let s = source();
        assert_eq!(state(&s, 0), RevocationState::Starting);
        assert_eq!(check(&s, "s2", 0), Err(Reason::RevocationUnavailable));
        let t = ticket(s.need(0));
        assert_eq!(t.url, "https://app.example.com/revoked?key=s3cret");
        assert_eq!((t.timeout_ms, t.max_bytes), (2_000, 1_048_577));
        assert!(matches!(s.need(1), KeyNeed::Wait), "single flight; nothing usable: wait");
        s.answer(&t, sids(&["s1"]), 10);
        assert!(matches!(s.need(11), KeyNeed::Ready));
        assert_eq!(check(&s, "s1", 11), Err(Reason::Revoked));
        assert_eq!(check(&s, "s2", 11), Ok(()));
        let status = s.status(1_010);
        assert_eq!((status.source, status.state, status.entries), (RevocationSource::Url, RevocationState::Ready, 1));
        assert_eq!(status.url.as_deref(), Some("https://app.example.com/revoked"));
        assert_eq!(status.age, Some(1.0));
        assert!(status.last_sync.is_some() && status.last_error.is_none());
    }

    #[test]
    fn a_first_fetch_that_fails_is_unavailable_and_retried_after_a_second() {
        let s = source();
        s.answer(&ticket(s.need(0)), KeyResponse::Failed("connection refused".into()), 5);
        assert_eq!(state(&s, 5), RevocationState::Unavailable);
        assert_eq!(check(&s, "s2", 5), Err(Reason::RevocationUnavailable));
        assert_eq!(s.status(5).last_error.as_deref(), Some("connection refused"));
        assert!(matches!(s.need(999), KeyNeed::Ready), "min(cooldown, 1 s) after the attempt");
        s.answer(&ticket(s.need(1_000)), sids(&[]), 1_000);
        assert_eq!(check(&s, "s2", 1_000), Ok(()));
        assert_eq!(s.status(1_000).last_error, None);
    }

    #[test]
    fn a_set_older_than_max_age_is_fetched_again_and_serves_meanwhile() {
        let s = fetched();
        assert!(matches!(s.need(MAX_AGE - 1), KeyNeed::Ready));
        assert_eq!(state(&s, MAX_AGE - 1), RevocationState::Ready);
        assert_eq!(state(&s, MAX_AGE), RevocationState::Stale);
        let t = ticket(s.need(MAX_AGE));
        // Under way: the others use the set held.
        assert!(matches!(s.need(MAX_AGE + 1), KeyNeed::Ready));
        assert_eq!(check(&s, "s1", MAX_AGE + 1), Err(Reason::Revoked));
        // A revocation that appeared at the endpoint is refused once the refresh lands.
        s.answer(&t, sids(&["s1", "s2"]), MAX_AGE + 2);
        assert_eq!(check(&s, "s2", MAX_AGE + 2), Err(Reason::Revoked));
        assert_eq!(state(&s, MAX_AGE + 2), RevocationState::Ready);
    }

    #[test]
    fn failed_refreshes_serve_the_last_set_for_stale_for_past_its_freshness() {
        let s = fetched();
        let t = ticket(s.need(MAX_AGE));
        s.answer(&t, KeyResponse::Failed("timed out after 2 s".into()), MAX_AGE + 2_000);
        assert_eq!(check(&s, "s1", MAX_AGE + 2_000), Err(Reason::Revoked));
        // The next attempt waits for the cooldown after the last one.
        assert!(matches!(s.need(MAX_AGE + COOLDOWN - 1), KeyNeed::Ready));
        let t = ticket(s.need(MAX_AGE + COOLDOWN));
        s.answer(&t, KeyResponse::Failed("HTTP 500".into()), MAX_AGE + COOLDOWN);
        let end = MAX_AGE + STALE_FOR;
        assert_eq!(state(&s, end), RevocationState::Stale);
        assert_eq!(check(&s, "s2", end), Ok(()));
        assert_eq!(state(&s, end + 1), RevocationState::Unavailable);
        assert_eq!(check(&s, "s2", end + 1), Err(Reason::RevocationUnavailable));
        assert_eq!(s.mirror().to_value(end + 1), None);
        assert_eq!(s.status(end + 1).last_error.as_deref(), Some("HTTP 500"));
        // Past stale_for nothing is usable: retried as when nothing was ever held.
        let t = ticket(s.need(end + 1));
        assert!(matches!(s.need(end + 2), KeyNeed::Wait));
        s.answer(&t, sids(&["s1"]), end + 3);
        assert_eq!(check(&s, "s2", end + 3), Ok(()));
        assert_eq!(state(&s, end + 3), RevocationState::Ready);
    }

    #[test]
    fn bodies_that_break_the_rules_of_inline_never_replace_the_set() {
        let s = fetched();
        let http = |status: u16, coding: Option<&str>, body: &[u8]| KeyResponse::Http {
            status,
            cache_control: None,
            content_encoding: coding.map(Into::into),
            body: body.to_vec(),
        };
        let cases = [
            (http(500, None, b""), "HTTP 500".to_owned()),
            (http(302, None, b""), "HTTP 302 (redirects are not followed)".to_owned()),
            (http(200, None, b"<html>"), "the response is not JSON".to_owned()),
            (
                http(200, Some("br"), b"{}"),
                "Content-Encoding \"br\" is not supported (a revocation set must come uncompressed or in gzip)"
                    .to_owned(),
            ),
            (http(200, None, &[b' '; 1_048_577]), "the response is larger than 1048576 bytes".to_owned()),
            (
                http(200, None, b"[\"s1\"]"),
                "the response is not a revocation set (an object of sid, jti and subjects)".to_owned(),
            ),
            (
                served(json!({"sid": ["s-secret", ""]})),
                "the response is not a revocation set: sid[1]: must not be empty".to_owned(),
            ),
            (
                served(json!({"jti": "j-secret"})),
                "the response is not a revocation set: jti: must be a list of token ids, not a string".to_owned(),
            ),
            (
                served(json!({"subjects": {"u-secret": -1}})),
                "the response is not a revocation set: subjects: must be a non-negative whole number, not a negative number".to_owned(),
            ),
            (
                served(json!({"subjects": {"u-secret": 9_007_199_254_740_992u64}})),
                "the response is not a revocation set: subjects: must be at most 9007199254740991".to_owned(),
            ),
            (
                served(json!({"subjects": {"u-secret": 1.5}})),
                "the response is not a revocation set: subjects: must be a non-negative whole number, not a fraction".to_owned(),
            ),
            (
                served(json!({"subjects": {"": 1}})),
                "the response is not a revocation set: subjects: a principal id must not be empty".to_owned(),
            ),
            (
                served(json!({"sids-secret": []})),
                "the response is not a revocation set: a member: unknown field".to_owned(),
            ),
            (
                served(json!({"sids": []})),
                "the response is not a revocation set: a member: unknown field (did you mean `sid`?)".to_owned(),
            ),
            (KeyResponse::Failed("connection refused".into()), "connection refused".to_owned()),
        ];
        for (i, (response, why)) in cases.into_iter().enumerate() {
            let clock = MAX_AGE + COOLDOWN * i as u64;
            s.answer(&ticket(s.need(clock)), response, clock);
            assert_eq!(check(&s, "s1", clock), Err(Reason::Revoked), "{why}");
            assert_eq!(check(&s, "s2", clock), Ok(()), "{why}");
            let error = s.status(clock).last_error.unwrap();
            assert_eq!(error, why);
            assert!(!error.contains("secret"), "{error}");
        }
        // Cache-Control is not read: a no-store set is fresh for max_age all the same.
        let clock = 100_000;
        s.answer(&ticket(s.need(clock)), sids(&[]), clock);
        assert!(matches!(s.need(clock + MAX_AGE - 1), KeyNeed::Ready));
    }

    #[test]
    fn abandoned_fetches_are_replaced_and_late_answers_ignored() {
        let s = source();
        let first = ticket(s.need(0));
        assert!(matches!(s.need(3_999), KeyNeed::Wait));
        let second = ticket(s.need(4_000)); // timeout 2 s + 2 s
        s.answer(&first, sids(&["late"]), 4_001);
        assert_eq!(state(&s, 4_001), RevocationState::Starting);
        s.answer(&second, sids(&["s1"]), 4_002);
        assert_eq!(check(&s, "s1", 4_002), Err(Reason::Revoked));
    }

    #[test]
    fn if_ready_asks_for_a_fetch_and_cached_never_fetches() {
        let s = source();
        let claims = json!({"sub": "u1", "sid": "s2"});
        let claims = claims.as_object().unwrap();
        assert_eq!(s.check(claims, "sub", KeyAccess::IfReady), Ok(false));
        let err = s.check(claims, "sub", KeyAccess::Cached).unwrap_err();
        assert_eq!(err.reason(), Reason::RevocationUnavailable);
        assert_eq!(state(&s, monotonic_ms()), RevocationState::Starting, "nothing was fetched");
        let now = monotonic_ms();
        s.answer(&ticket(s.need(now)), sids(&["s1"]), now);
        assert_eq!(s.check(claims, "sub", KeyAccess::IfReady), Ok(true));
        assert_eq!(s.check(claims, "sub", KeyAccess::Cached), Ok(true));
    }
}
