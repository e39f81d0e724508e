//! The cache of a remote key set (`keys.jwks_url`), as a state machine without I/O.
//!
//! It says when a fetch is needed, hands out one ticket at a time (single flight), takes
//! the response, and serves verifications from the last good keys. Time comes in as
//! milliseconds of a monotonic clock, so every rule is testable without waiting. The
//! fetching itself is done by the host: the `http` feature's blocking client natively,
//! the JavaScript `fetch` in the WebAssembly build. When to fetch, single flight and
//! abandoned fetches follow the rules of `flight`, shared with `revocation.url`.
//!
//! Rules, with `max_age`, `cooldown`, `timeout` and `stale_for` from `keys.refresh`:
//! - Nothing cached: fetch (after a failure, the next fetch waits `min(cooldown, 1 s)`).
//! - Keys older than their freshness: fetch, at most once per `cooldown`; meanwhile the
//!   cached keys keep serving. Their freshness is `max_age`, the longest a key set is
//!   trusted without asking again, or less when the response's `Cache-Control` says so
//!   (its shortest `max-age`; 0 for `no-cache`, `no-store` or a `max-age` that does not
//!   parse). A server may shorten `max_age`, never lengthen it, so a key removed from the
//!   set stops verifying within `max_age` (plus `cooldown`) whatever the server says.
//! - A token whose `kid` no cached key has: fetch, at most once per `cooldown`; a
//!   `kid` still unknown afterwards is `unknown_key`.
//! - While a fetch is under way, verifications that need its result wait for it; the
//!   others use the cached keys. A fetch not answered within `timeout` + 2 s is
//!   abandoned and a new one may start; a late answer to it is ignored.
//! - A failed fetch (network error, timeout, a status other than 200, a content coding
//!   other than none or `gzip`, a body over 1 MB once decoded or that is not a JWK Set,
//!   private key material, no usable key) never replaces good keys. Keys are served up to
//!   `stale_for` past their freshness; after that they are dropped and verification fails
//!   with `keys_unavailable` until a fetch succeeds.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;

use crate::keys::remote::failure::KeyFailure;
use crate::keys::remote::fetched;
use crate::keys::remote::flight::{self, Flights, Held, Verdict};
use crate::keys::remote::url::RemoteConfig;
use crate::keys::set::{KeySet, Unfit};
use crate::keys::status::{KeySource, KeyState, KeyStatus};
use crate::token::algorithm::Algorithm;

/// How many undrained events are kept.
const MAX_EVENTS: usize = 32;

/// What a verification needs before it can use the key cache (see [`crate::Engine::key_need`]).
#[derive(Debug)]
pub enum KeyNeed {
    /// Verify now with the cached keys.
    Ready,
    /// Fetch the key set, hand the outcome to [`crate::Engine::key_response`], then verify.
    /// The caller owns this fetch; other verifications wait for it.
    Fetch(KeyFetch),
    /// Another caller's fetch is under way and this verification needs its result: wait
    /// for it to be answered (or for its timeout), then verify.
    Wait,
}

/// A fetch to perform: one GET of `url` with the header `Accept-Encoding: accept_encoding`,
/// following no redirect, which must give up after `timeout_ms` and need read no more than
/// `max_bytes` of the decoded body. Hosts that cross a language boundary may carry it as
/// JSON (`{"id", "url", "timeout_ms", "accept_encoding", "max_bytes"}`) and bring it back
/// with the answer.
#[derive(Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct KeyFetch {
    /// Which fetch this is; only the answer to the fetch under way is taken.
    pub id: u64,
    /// The URL to GET.
    pub url: String,
    /// How long the request may take in all, in milliseconds.
    pub timeout_ms: u64,
    /// The `Accept-Encoding` header to send: the content codings the key cache takes
    /// besides none (`gzip`). The host decodes the body before handing it over.
    pub accept_encoding: String,
    /// The most decoded bytes of the body worth reading: the largest key set taken, plus
    /// one byte that shows a body is larger.
    #[serde(default = "flight::read_limit")]
    pub max_bytes: u64,
}

/// Shows the URL without its query, which may hold a credential (as key events and
/// [`KeyStatus`] do).
///
/// ```
/// let ticket = wardgate::KeyFetch {
///     id: 1,
///     url: "https://a.example/jwks?key=s3cr3t".into(),
///     timeout_ms: 5000,
///     accept_encoding: "gzip".into(),
///     max_bytes: 1_048_577,
/// };
/// assert_eq!(
///     format!("{ticket:?}"),
///     r#"KeyFetch { id: 1, url: "https://a.example/jwks", timeout_ms: 5000, accept_encoding: "gzip", max_bytes: 1048577 }"#
/// );
/// ```
impl std::fmt::Debug for KeyFetch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyFetch")
            .field("id", &self.id)
            .field("url", &crate::keys::remote::url::without_query(&self.url))
            .field("timeout_ms", &self.timeout_ms)
            .field("accept_encoding", &self.accept_encoding)
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

/// The outcome of a [`KeyFetch`], as the host saw it.
///
/// ```
/// use wardgate::KeyResponse;
/// let ok = KeyResponse::Http {
///     status: 200,
///     cache_control: Some("max-age=300".into()),
///     content_encoding: Some("gzip".into()),
///     body: br#"{"keys":[]}"#.to_vec(), // as decoded
/// };
/// let down = KeyResponse::Failed("connection refused".into());
/// # let _ = (ok, down);
/// ```
#[derive(Clone)]
pub enum KeyResponse {
    /// An HTTP response: its status, its `Cache-Control` and `Content-Encoding` headers,
    /// and its body, decoded (a host may stop reading after 1 MB plus one decoded byte: a
    /// longer body is refused either way). A header sent on several lines is given as
    /// its values joined with `", "`.
    Http {
        /// The HTTP status.
        status: u16,
        /// The `Cache-Control` header, if any.
        cache_control: Option<String>,
        /// The `Content-Encoding` header, if any: the key cache takes none, `identity` and
        /// `gzip` (which the host has decoded), and refuses the response otherwise.
        content_encoding: Option<String>,
        /// The body, after the host decoded its content coding.
        body: Vec<u8>,
    },
    /// No response: why, in a few words (`connection refused`, `timed out after 5 s`).
    /// Never put a credential here; it is logged. [`KeyFailure`] words the usual causes.
    Failed(String),
}

impl From<KeyFailure> for KeyResponse {
    fn from(failure: KeyFailure) -> Self {
        KeyResponse::Failed(failure.to_string())
    }
}

/// Shows the body's length, not the body: an endpoint may serve private keys.
///
/// ```
/// let ok = wardgate::KeyResponse::Http {
///     status: 200,
///     cache_control: None,
///     content_encoding: None,
///     body: br#"{"keys":[]}"#.to_vec(),
/// };
/// assert_eq!(format!("{ok:?}"), "Http { status: 200, cache_control: None, content_encoding: None, body: 11 bytes }");
/// ```
impl std::fmt::Debug for KeyResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyResponse::Http { status, cache_control, content_encoding, body } => f
                .debug_struct("Http")
                .field("status", status)
                .field("cache_control", cache_control)
                .field("content_encoding", content_encoding)
                .field("body", &format_args!("{} bytes", body.len()))
                .finish(),
            KeyResponse::Failed(why) => f.debug_tuple("Failed").field(why).finish(),
        }
    }
}

/// How urgent a [`KeyEvent`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyEventLevel {
    /// Keys were fetched and changed.
    Info,
    /// A fetch failed, or a key of a fetched set was skipped; cached keys still serve.
    Warn,
    /// No keys are available: verifications fail with `keys_unavailable`.
    Error,
}

impl KeyEventLevel {
    /// `info`, `warn` or `error`.
    ///
    /// ```
    /// assert_eq!(wardgate::KeyEventLevel::Warn.as_str(), "warn");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            KeyEventLevel::Info => "info",
            KeyEventLevel::Warn => "warn",
            KeyEventLevel::Error => "error",
        }
    }
}

/// Something a host should log about its remote key set (see [`crate::Engine::key_events`]).
/// Messages name the URL without its query and never hold key material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyEvent {
    /// How urgent it is.
    pub level: KeyEventLevel,
    /// What happened.
    pub message: String,
}

/// The cache of one remote key set.
#[derive(Debug)]
pub(crate) struct KeyCache {
    config: RemoteConfig,
    algorithms: Vec<Algorithm>,
    state: Mutex<State>,
    #[cfg(feature = "http")]
    answered: std::sync::Condvar,
}

#[derive(Debug, Default)]
struct State {
    keys: Option<Cached>,
    /// The fetches: the one under way, the last attempt, whether the last one failed.
    flights: Flights,
    /// Which key set is in use: it changes whenever the keys do (or are dropped).
    generation: u64,
    /// The fingerprint of the keys in use.
    fingerprint: Option<[u8; 32]>,
    fetches: u64,
    failures: u64,
    last_error: Option<String>,
    events: VecDeque<KeyEvent>,
}

#[derive(Debug)]
struct Cached {
    set: Arc<KeySet>,
    fetched_at: u64,
    fresh_until: u64,
}

impl KeyCache {
    pub(crate) fn new(config: RemoteConfig, algorithms: Vec<Algorithm>) -> KeyCache {
        KeyCache {
            config,
            algorithms,
            state: Mutex::new(State::default()),
            #[cfg(feature = "http")]
            answered: std::sync::Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The keys to verify with now, if any are still servable. Dropping keys past
    /// `stale_for` happens here, with an event.
    #[cfg(test)]
    pub(crate) fn keys(&self, clock: u64) -> Option<Arc<KeySet>> {
        self.keys_and_generation(clock).map(|(set, _)| set)
    }

    /// The keys to verify with now and their generation (see [`KeyCache::generation`]).
    pub(crate) fn keys_and_generation(&self, clock: u64) -> Option<(Arc<KeySet>, u64)> {
        let mut state = self.lock();
        self.expire(&mut state, clock);
        let generation = state.generation;
        state.keys.as_ref().map(|c| (Arc::clone(&c.set), generation))
    }

    /// Which key set is in use, `None` when none is: a number that changes whenever the
    /// servable keys change (new, removed or replaced keys, or keys dropped).
    pub(crate) fn generation(&self, clock: u64) -> Option<u64> {
        self.keys_and_generation(clock).map(|(_, generation)| generation)
    }

    /// Whether a verification of a token with `kid` and `alg` can go ahead without a fetch.
    pub(crate) fn ready(&self, kid: Option<&str>, alg: Algorithm, clock: u64) -> bool {
        let mut state = self.lock();
        self.expire(&mut state, clock);
        self.verdict(&state, kid, alg, clock) == Verdict::Ready
    }

    /// What a verification of a token with `kid` and `alg` needs; a `Fetch` is a ticket
    /// the caller must answer with [`KeyCache::answer`].
    pub(crate) fn need(&self, kid: Option<&str>, alg: Algorithm, clock: u64) -> KeyNeed {
        let mut state = self.lock();
        self.expire(&mut state, clock);
        match self.verdict(&state, kid, alg, clock) {
            Verdict::Ready => KeyNeed::Ready,
            Verdict::Wait => KeyNeed::Wait,
            Verdict::Fetch => KeyNeed::Fetch(state.flights.start(&self.config, clock)),
        }
    }

    fn verdict(&self, state: &State, kid: Option<&str>, alg: Algorithm, clock: u64) -> Verdict {
        let keys = state.keys.as_ref();
        let unknown = keys.is_none_or(|c| c.set.fit(kid, alg) == Err(Unfit::UnknownKey));
        let due = unknown || keys.is_some_and(|c| clock >= c.fresh_until);
        state.flights.verdict(&self.config, Held { usable: keys.is_some(), due, needed: unknown }, clock)
    }

    fn expire(&self, state: &mut State, clock: u64) {
        let expired = state.keys.as_ref().is_some_and(|c| clock >= c.fresh_until.saturating_add(self.config.stale_for));
        if expired {
            state.keys = None;
            state.generation += 1;
            state.fingerprint = None;
            let message = format!(
                "the keys from {} are past refresh.stale_for and were dropped; verifications fail with \
                 keys_unavailable until a fetch succeeds",
                self.config.shown
            );
            push(state, KeyEventLevel::Error, message);
        }
    }

    /// Takes the outcome of the fetch `ticket`. An answer to a ticket that is no longer
    /// the one under way (abandoned) is ignored.
    pub(crate) fn answer(&self, ticket: &KeyFetch, response: KeyResponse, clock: u64) {
        let mut state = self.lock();
        if !state.flights.land(ticket) {
            return;
        }
        state.fetches += 1;
        match self.read(response) {
            Ok((set, skipped, fingerprint, ttl)) => {
                if state.fingerprint != Some(fingerprint) {
                    state.generation += 1;
                    state.fingerprint = Some(fingerprint);
                }
                let changed = state.keys.as_ref().is_none_or(|c| c.set.kids() != set.kids()) || state.flights.failing();
                for note in skipped {
                    push(&mut state, KeyEventLevel::Warn, format!("skipped a key from {}: {note}", self.config.shown));
                }
                if changed {
                    let message = format!("{} key(s) from {}: {}", set.len(), self.config.shown, kid_list(&set));
                    push(&mut state, KeyEventLevel::Info, message);
                }
                state.keys = Some(Cached { set: Arc::new(set), fetched_at: clock, fresh_until: clock + ttl });
                state.flights.ended(true);
                state.last_error = None;
            }
            Err(problem) => {
                state.failures += 1;
                state.flights.ended(false);
                let consequence = match &state.keys {
                    Some(c) => format!(
                        "serving the {} cached key(s) for up to {} s more",
                        c.set.len(),
                        c.fresh_until.saturating_add(self.config.stale_for).saturating_sub(clock) / 1000
                    ),
                    None => "no keys are cached: verifications fail with keys_unavailable".to_owned(),
                };
                let level = if state.keys.is_some() { KeyEventLevel::Warn } else { KeyEventLevel::Error };
                push(&mut state, level, format!("fetching {} failed: {problem}; {consequence}", self.config.shown));
                state.last_error = Some(problem);
            }
        }
        drop(state);
        #[cfg(feature = "http")]
        self.answered.notify_all();
    }

    /// The key set in a response and how long it stays fresh, or why it is refused.
    fn read(&self, response: KeyResponse) -> Result<(KeySet, Vec<String>, [u8; 32], u64), String> {
        let (cache_control, body) = flight::body(response, "a key set")?;
        let (set, skipped, fingerprint) = fetched::fetched(&body, &self.algorithms)?;
        // The server may shorten refresh.max_age, never lengthen it.
        let ttl =
            cache_control.as_deref().and_then(max_age).map_or(self.config.max_age, |ms| ms.min(self.config.max_age));
        Ok((set, skipped, fingerprint, ttl))
    }

    /// Waits until the fetch under way is answered or abandoned.
    #[cfg(feature = "http")]
    pub(crate) fn wait(&self, clock: impl Fn() -> u64) {
        drop(Flights::wait(self.lock(), &self.answered, |s: &State| &s.flights, &self.config, clock));
    }

    pub(crate) fn status(&self, clock: u64) -> KeyStatus {
        let mut state = self.lock();
        self.expire(&mut state, clock);
        let secs = |ms: u64| ms as f64 / 1000.0;
        let cached = state.keys.as_ref();
        KeyStatus {
            source: KeySource::JwksUrl,
            url: Some(self.config.shown.clone()),
            state: match cached {
                None => KeyState::Empty,
                Some(c) if clock < c.fresh_until => KeyState::Fresh,
                Some(_) => KeyState::Stale,
            },
            keys: cached.map_or(0, |c| c.set.len()),
            kids: cached.map_or_else(Vec::new, |c| c.set.kids()),
            age: cached.map(|c| secs(clock.saturating_sub(c.fetched_at))),
            fresh_for: cached.map(|c| secs(c.fresh_until.saturating_sub(clock))),
            served_for: cached.map(|c| secs(c.fresh_until.saturating_add(self.config.stale_for).saturating_sub(clock))),
            fetches: state.fetches,
            failures: state.failures,
            last_error: state.last_error.clone(),
            fetching: state.flights.under_way(&self.config, clock).is_some(),
        }
    }

    pub(crate) fn drain_events(&self) -> Vec<KeyEvent> {
        self.lock().events.drain(..).collect()
    }
}

fn push(state: &mut State, level: KeyEventLevel, message: String) {
    if state.events.len() == MAX_EVENTS {
        state.events.pop_front();
    }
    state.events.push_back(KeyEvent { level, message });
}

fn kid_list(set: &KeySet) -> String {
    let kids = set.kids();
    if kids.is_empty() {
        "no kids".to_owned()
    } else {
        format!("kid {}", kids.join(", "))
    }
}

/// The freshness a `Cache-Control` value gives, in ms, `None` when it says nothing about
/// it: the shortest of its `max-age` directives, with 0 for `no-cache`, `no-store` and a
/// `max-age` without a number (whatever is unclear shortens, never lengthens).
fn max_age(header: &str) -> Option<u64> {
    let mut shortest: Option<u64> = None;
    for directive in header.split(',') {
        let (name, value) = match directive.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (directive, None),
        };
        let seconds = match (name.trim().to_ascii_lowercase().as_str(), value) {
            ("no-cache" | "no-store", _) => 0,
            ("max-age", value) => value.map_or(0, delta_seconds),
            _ => continue,
        };
        shortest = Some(shortest.map_or(seconds, |s| s.min(seconds)));
    }
    shortest.map(|s| s.saturating_mul(1000))
}

/// A `delta-seconds` value (RFC 9111, 1.2.2), quoted or not: one too large to hold is the
/// largest number, and anything but digits is 0.
fn delta_seconds(value: &str) -> u64 {
    let value = value.trim();
    let digits = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    digits.parse().unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED_X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const ED_X2: &str = "-3z149NlsNza22pAkoz_xbjF_4tnSVkehwZNrHFNB04";
    const EDDSA: Algorithm = Algorithm::EdDSA;

    fn cache() -> KeyCache {
        let config = RemoteConfig {
            url: "http://127.0.0.1:1/jwks?k=v".into(),
            shown: "http://127.0.0.1:1/jwks".into(),
            max_age: 600_000,
            cooldown: 30_000,
            timeout: 5_000,
            stale_for: 86_400_000,
        };
        KeyCache::new(config, vec![EDDSA])
    }

    fn jwks(kids: &[(&str, &str)]) -> KeyResponse {
        let keys: Vec<_> = kids
            .iter()
            .map(|(kid, x)| serde_json::json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid}))
            .collect();
        let body = serde_json::to_vec(&serde_json::json!({ "keys": keys })).unwrap();
        KeyResponse::Http { status: 200, cache_control: None, content_encoding: None, body }
    }

    fn ticket(need: KeyNeed) -> KeyFetch {
        match need {
            KeyNeed::Fetch(t) => t,
            other => panic!("expected a fetch, got {other:?}"),
        }
    }

    fn kids(c: &KeyCache, clock: u64) -> Vec<String> {
        c.keys(clock).map(|s| s.kids()).unwrap_or_default()
    }

    #[test]
    fn first_use_fetches_once_and_others_wait() {
        let c = cache();
        let t = ticket(c.need(Some("a"), EDDSA, 0));
        assert_eq!(t.url, "http://127.0.0.1:1/jwks?k=v");
        assert!(matches!(c.need(Some("a"), EDDSA, 1), KeyNeed::Wait));
        assert!(!c.ready(Some("a"), EDDSA, 1));
        c.answer(&t, jwks(&[("a", ED_X)]), 10);
        assert!(matches!(c.need(Some("a"), EDDSA, 11), KeyNeed::Ready));
        assert_eq!(kids(&c, 11), ["a"]);
        assert_eq!(c.status(11).fetches, 1);
    }

    #[test]
    fn unknown_kid_refetches_once_per_cooldown() {
        let c = cache();
        c.answer(&ticket(c.need(None, EDDSA, 0)), jwks(&[("a", ED_X)]), 0);
        // Within the cooldown an unknown kid is answered from the cache (unknown_key).
        assert!(matches!(c.need(Some("b"), EDDSA, 29_999), KeyNeed::Ready));
        let t = ticket(c.need(Some("b"), EDDSA, 30_000));
        // While it is under way, known kids go ahead and unknown ones wait.
        assert!(matches!(c.need(Some("a"), EDDSA, 30_001), KeyNeed::Ready));
        assert!(matches!(c.need(Some("c"), EDDSA, 30_001), KeyNeed::Wait));
        c.answer(&t, jwks(&[("a", ED_X), ("b", ED_X2)]), 30_010);
        assert_eq!(kids(&c, 30_010), ["a", "b"]);
        assert!(matches!(c.need(Some("c"), EDDSA, 30_020), KeyNeed::Ready));
        assert!(matches!(c.need(Some("c"), EDDSA, 60_000), KeyNeed::Fetch(_)));
    }

    #[test]
    fn stale_keys_refresh_and_keep_serving_while_the_endpoint_fails() {
        let c = cache();
        c.answer(&ticket(c.need(None, EDDSA, 0)), jwks(&[("a", ED_X)]), 0);
        assert!(matches!(c.need(Some("a"), EDDSA, 599_999), KeyNeed::Ready));
        let t = ticket(c.need(Some("a"), EDDSA, 600_000));
        // Others keep using the stale keys meanwhile.
        assert!(matches!(c.need(Some("a"), EDDSA, 600_001), KeyNeed::Ready));
        c.answer(&t, KeyResponse::Failed("connection refused".into()), 600_002);
        assert_eq!(kids(&c, 600_002), ["a"]);
        let s = c.status(600_002);
        assert_eq!((s.state, s.failures, s.last_error.as_deref()), (KeyState::Stale, 1, Some("connection refused")));
        // The next attempt waits for the cooldown.
        assert!(matches!(c.need(Some("a"), EDDSA, 629_999), KeyNeed::Ready));
        assert!(matches!(c.need(Some("a"), EDDSA, 630_000), KeyNeed::Fetch(_)));
        // Past stale_for the keys are dropped.
        assert!(c.keys(600_000 + 86_400_000).is_none());
        assert_eq!(c.status(600_000 + 86_400_000).state, KeyState::Empty);
    }

    #[test]
    fn bad_responses_never_replace_good_keys() {
        let c = cache();
        c.answer(&ticket(c.need(None, EDDSA, 0)), jwks(&[("a", ED_X)]), 0);
        let leaked = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AA","d":"AA","kid":"z"}]}"#;
        let cases = [
            (
                KeyResponse::Http { status: 500, cache_control: None, content_encoding: None, body: b"{}".to_vec() },
                "HTTP 500",
            ),
            (
                KeyResponse::Http { status: 302, cache_control: None, content_encoding: None, body: vec![] },
                "redirects are not followed",
            ),
            (
                KeyResponse::Http {
                    status: 200,
                    cache_control: None,
                    content_encoding: None,
                    body: b"<html>".to_vec(),
                },
                "not JSON",
            ),
            (
                KeyResponse::Http {
                    status: 200,
                    cache_control: None,
                    content_encoding: None,
                    body: b"{\"k\":1}".to_vec(),
                },
                "not a JWK Set",
            ),
            (
                KeyResponse::Http { status: 200, cache_control: None, content_encoding: None, body: leaked.into() },
                "private",
            ),
            (jwks(&[]), "no usable key"),
            (
                KeyResponse::Http {
                    status: 200,
                    cache_control: None,
                    content_encoding: None,
                    body: vec![b' '; flight::MAX_BODY_BYTES + 1],
                },
                "larger than",
            ),
            (KeyResponse::Failed("timed out after 5 s".into()), "timed out"),
        ];
        for (i, (response, why)) in cases.into_iter().enumerate() {
            let clock = 30_000 * (i as u64 + 1);
            let t = ticket(c.need(Some("new"), EDDSA, clock));
            c.answer(&t, response, clock);
            assert_eq!(kids(&c, clock), ["a"], "{why}");
            let error = c.status(clock).last_error.unwrap();
            assert!(error.contains(why), "{error} / {why}");
            assert!(!error.contains("AA"));
        }
        let events = c.drain_events();
        assert!(events.iter().filter(|e| e.level == KeyEventLevel::Warn).count() >= 8);
        assert!(c.drain_events().is_empty());
    }

    #[test]
    fn unusable_keys_are_skipped_not_fatal() {
        let c = cache();
        let body = serde_json::json!({"keys": [
            {"kty": "OKP", "crv": "Ed25519", "x": ED_X, "kid": "enc", "use": "enc"},
            {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "kid": "ec"},
            {"kty": "OKP", "crv": "Ed25519", "x": ED_X2, "kid": "good"},
            "not a key"
        ]});
        let response = KeyResponse::Http {
            status: 200,
            cache_control: None,
            content_encoding: None,
            body: body.to_string().into(),
        };
        c.answer(&ticket(c.need(None, EDDSA, 0)), response, 0);
        assert_eq!(kids(&c, 0), ["good"]);
        let warnings: Vec<_> =
            c.drain_events().into_iter().filter(|e| e.level == KeyEventLevel::Warn).map(|e| e.message).collect();
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0].contains("keys[0].use"));
    }

    #[test]
    fn nothing_cached_fails_closed_and_retries_soon() {
        let c = cache();
        c.answer(&ticket(c.need(None, EDDSA, 0)), KeyResponse::Failed("connection refused".into()), 5);
        assert!(c.keys(10).is_none());
        assert!(matches!(c.need(None, EDDSA, 999), KeyNeed::Ready));
        assert!(matches!(c.need(None, EDDSA, 1_000), KeyNeed::Fetch(_)));
        let events = c.drain_events();
        assert_eq!(events[0].level, KeyEventLevel::Error);
        assert!(events[0].message.contains("keys_unavailable"));
        assert!(!events[0].message.contains("k=v"), "the query is not shown");
    }

    #[test]
    fn abandoned_fetches_are_replaced_and_late_answers_ignored() {
        let c = cache();
        let first = ticket(c.need(None, EDDSA, 0));
        assert!(matches!(c.need(None, EDDSA, 6_999), KeyNeed::Wait));
        let second = ticket(c.need(None, EDDSA, 7_000));
        c.answer(&first, jwks(&[("late", ED_X)]), 7_001);
        assert!(c.keys(7_001).is_none());
        c.answer(&second, jwks(&[("a", ED_X)]), 7_002);
        assert_eq!(kids(&c, 7_002), ["a"]);
    }

    #[test]
    fn the_generation_changes_with_the_keys_only() {
        let c = cache();
        assert_eq!(c.generation(0), None);
        c.answer(&ticket(c.need(None, EDDSA, 0)), jwks(&[("a", ED_X)]), 0);
        let first = c.generation(0).unwrap();
        // The same keys again (a refresh): same generation.
        c.answer(&ticket(c.need(None, EDDSA, 600_000)), jwks(&[("a", ED_X)]), 600_000);
        assert_eq!(c.generation(600_000), Some(first));
        // A failed refresh keeps the keys and the generation.
        c.answer(&ticket(c.need(None, EDDSA, 1_200_000)), KeyResponse::Failed("down".into()), 1_200_000);
        assert_eq!(c.generation(1_200_000), Some(first));
        // Other material under the same kid: a new generation.
        c.answer(&ticket(c.need(None, EDDSA, 1_800_000)), jwks(&[("a", ED_X2)]), 1_800_000);
        let second = c.generation(1_800_000).unwrap();
        assert_ne!(second, first);
        // Dropped past stale_for: no generation at all.
        assert_eq!(c.generation(1_800_000 + 600_000 + 86_400_000), None);
    }

    #[test]
    fn the_ticket_asks_for_the_codings_taken() {
        let c = cache();
        assert_eq!(ticket(c.need(None, EDDSA, 0)).accept_encoding, "gzip");
    }

    #[test]
    fn a_key_set_in_an_unsupported_coding_never_replaces_good_keys() {
        let c = cache();
        c.answer(&ticket(c.need(None, EDDSA, 0)), jwks(&[("a", ED_X)]), 0);
        let KeyResponse::Http { body, .. } = jwks(&[("b", ED_X2)]) else { unreachable!() };
        let gzip = |coding: &str| KeyResponse::Http {
            status: 200,
            cache_control: None,
            content_encoding: Some(coding.into()),
            body: body.clone(),
        };
        let t = ticket(c.need(Some("b"), EDDSA, 30_000));
        c.answer(&t, gzip("br"), 30_000);
        assert_eq!(kids(&c, 30_000), ["a"]);
        assert!(c.status(30_000).last_error.unwrap().contains("Content-Encoding \"br\" is not supported"));
        let t = ticket(c.need(Some("b"), EDDSA, 60_000));
        c.answer(&t, gzip("gzip"), 60_000);
        assert_eq!(kids(&c, 60_000), ["b"]);
    }

    /// How long `cache()`'s keys stay fresh when fetched with `Cache-Control: header`, in
    /// ms; checks that the refresh comes then (or once the 30 s cooldown allows).
    fn due_with_cache_control(header: &str) -> u64 {
        let c = cache();
        let mut response = jwks(&[("a", ED_X)]);
        if let KeyResponse::Http { cache_control, .. } = &mut response {
            *cache_control = Some(header.into());
        }
        c.answer(&ticket(c.need(None, EDDSA, 0)), response, 0);
        let fresh = (c.status(0).fresh_for.unwrap() * 1000.0) as u64;
        let due = fresh.max(30_000);
        assert!(matches!(c.need(Some("a"), EDDSA, due - 1), KeyNeed::Ready), "{header}");
        assert!(matches!(c.need(Some("a"), EDDSA, due), KeyNeed::Fetch(_)), "{header}");
        fresh
    }

    #[test]
    fn cache_control_may_shorten_freshness() {
        assert_eq!(max_age("public, max-age=60"), Some(60_000));
        assert_eq!(max_age("no-store"), Some(0));
        assert_eq!(max_age("public"), None);
        assert_eq!(due_with_cache_control("max-age=60"), 60_000);
        assert_eq!(due_with_cache_control("public, no-cache"), 0);
        assert_eq!(due_with_cache_control("no-store, max-age=300"), 0);
        assert_eq!(due_with_cache_control("must-revalidate"), 600_000);
    }

    #[test]
    fn cache_control_never_lengthens_refresh_max_age() {
        // refresh.max_age is 600 s: a server's longer max-age does not extend it.
        assert_eq!(due_with_cache_control("public, max-age=86400"), 600_000);
        assert_eq!(due_with_cache_control("max-age=601"), 600_000);
        assert_eq!(due_with_cache_control("max-age=99999999999999999999"), 600_000);
        // Of several max-age directives the shortest counts; one that does not parse counts as 0.
        assert_eq!(due_with_cache_control("max-age=86400, max-age=30"), 30_000);
        assert_eq!(due_with_cache_control("max-age=30, max-age=86400"), 30_000);
        assert_eq!(due_with_cache_control("max-age=\"45\""), 45_000);
        assert_eq!(due_with_cache_control("max-age=soon"), 0);
        assert_eq!(due_with_cache_control("max-age=-5"), 0);
    }
}
