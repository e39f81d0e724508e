//! `revocation.url` over real HTTP (feature `http`): an endpoint on 127.0.0.1 that serves
//! the revoked set and can change it, fail with a 500, answer garbage or an invalid entry,
//! send too much, hang or go down; the engine fetches the set with its blocking client.

mod http_stub;
mod support;

use std::net::TcpStream;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use http_stub::endpoint::{self, Gate};
use http_stub::{read_request_head, write_json_response};
use serde_json::{json, Value};
use support::{claims, policy, Signer, NOW};
use wardgate::{Code, Engine, KeyAccess, KeyNeed, Options, Reason, RevocationSource, RevocationState, Revoke};

/// What the endpoint answers.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Serve,
    Error500,
    Garbage,
    /// A set with an entry that breaks the rules of `revocation.inline`.
    Invalid,
    /// A valid set padded past 1 MB.
    TooLarge,
    Hang,
    Down,
}

#[derive(Clone)]
struct Shared {
    mode: Mode,
    set: Value,
    delay: Duration,
}

/// A revocation endpoint on 127.0.0.1 that counts the requests it answers.
type Endpoint = endpoint::Endpoint<Shared>;

impl Endpoint {
    fn serving(set: Value) -> Endpoint {
        let gate = |s: &Shared| match s.mode {
            Mode::Hang => Gate::Hang,
            Mode::Down => Gate::Down,
            _ => Gate::Answer,
        };
        Endpoint::start(Shared { mode: Mode::Serve, set, delay: Duration::ZERO }, gate, answer)
    }

    fn url(&self) -> String {
        format!("http://{}/api/auth/wardgate/revoked?key=s3cret-query", self.addr())
    }

    fn set_mode(&self, mode: Mode) {
        self.update_gate(|s| s.mode = mode);
    }

    fn serve_set(&self, set: Value) {
        self.update(|s| s.set = set);
    }

    fn set_delay(&self, delay: Duration) {
        self.update(|s| s.delay = delay);
    }
}

fn answer(mut stream: TcpStream, Shared { mode, set, delay }: Shared) {
    if !read_request_head(&mut stream) {
        return;
    }
    thread::sleep(delay);
    let (status, body) = match mode {
        Mode::Serve => ("200 OK", set.to_string()),
        Mode::Error500 => ("500 Internal Server Error", r#"{"error":"down"}"#.to_owned()),
        Mode::Garbage => ("200 OK", "<html>not a set</html>".to_owned()),
        Mode::Invalid => ("200 OK", json!({"sid": ["s-secret-entry"], "subjects": {"u-secret": -5}}).to_string()),
        Mode::TooLarge => {
            let text = set.to_string();
            ("200 OK", format!("{}{}}}", &text[..text.len() - 1], " ".repeat(1 << 20)))
        }
        // The mode changed as the connection came: it closes unanswered.
        Mode::Hang | Mode::Down => return,
    };
    write_json_response(&mut stream, status, "cache-control: no-store\r\n", body);
}

/// An engine with inline keys for `signer`, a verified-token cache, and `revocation.url`
/// with these `refresh` and `stale_for` settings.
fn engine(signer: &Signer, url: &str, refresh: Value, stale_for: u64) -> Engine {
    let mut doc = policy(signer, "k1", json!([{"id": "all", "effect": "permit", "resource": "*", "actions": "*"}]));
    doc["cache"] = json!({"max_entries": 100});
    doc["revocation"] = json!({"url": url, "refresh": refresh, "stale_for": stale_for});
    Engine::from_value(&doc).unwrap()
}

fn token(signer: &Signer, sid: &str) -> String {
    let mut c = claims("u1");
    c["sid"] = json!(sid);
    signer.sign("k1", &c)
}

fn outcome(engine: &Engine, token: &str) -> Result<(), Reason> {
    engine.verify(token, NOW).map(|_| ()).map_err(|e| e.reason())
}

fn revoked(sids: &[&str]) -> Value {
    json!({"sid": sids, "jti": [], "subjects": {}})
}

#[test]
fn a_revocation_at_the_endpoint_is_refused_within_max_age() {
    let signer = Signer::ed25519();
    let endpoint = Endpoint::serving(revoked(&["s-old"]));
    let engine = engine(&signer, &endpoint.url(), json!({"max_age": 1, "cooldown": 0, "timeout": 2}), 60);
    let live = token(&signer, "s-live");
    assert_eq!(outcome(&engine, &token(&signer, "s-old")), Err(Reason::Revoked));
    assert_eq!(outcome(&engine, &live), Ok(()));
    assert_eq!(outcome(&engine, &live), Ok(()), "a verified-token cache hit");
    assert_eq!(endpoint.hits(), 1, "one fetch while the set is fresh");
    endpoint.serve_set(revoked(&["s-old", "s-live"]));
    let revoked_at = Instant::now();
    while outcome(&engine, &live).is_ok() {
        assert!(revoked_at.elapsed() < Duration::from_millis(1_500), "still accepted after max_age");
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(outcome(&engine, &live), Err(Reason::Revoked), "the cache hit is refused too");
    let status = engine.revocation_status().unwrap();
    assert_eq!((status.source, status.state, status.sids), (RevocationSource::Url, RevocationState::Ready, 2));
    assert_eq!(status.url, Some(format!("http://{}/api/auth/wardgate/revoked", endpoint.addr())));
    assert_eq!(engine.revocation_set(), Some(revoked(&["s-live", "s-old"])));
}

/// Fetches a good set, then lets the endpoint fail in `mode`: the last set serves for
/// `stale_for` past its freshness, then verification fails closed, then the endpoint
/// recovers. Gives the last error seen while failing.
fn fails_then_recovers(mode: Mode) -> String {
    let signer = Signer::ed25519();
    let endpoint = Endpoint::serving(revoked(&["s-gone"]));
    // Fresh for 1 s, served 4 s more; a fetch may take 1 s, and the next one comes 1 s after
    // it (a hanging endpoint holds each verification that fetches for 1 s).
    let engine = engine(&signer, &endpoint.url(), json!({"max_age": 1, "cooldown": 1, "timeout": 1}), 4);
    let (gone, live) = (token(&signer, "s-gone"), token(&signer, "s-live"));
    let fetched = Instant::now();
    assert_eq!(outcome(&engine, &live), Ok(()));
    endpoint.set_mode(mode);
    thread::sleep(Duration::from_millis(1_200).saturating_sub(fetched.elapsed()));
    // Past max_age: this verification fetches, the fetch fails, the last set still serves.
    assert_eq!(outcome(&engine, &live), Ok(()), "{mode:?}");
    assert_eq!(outcome(&engine, &gone), Err(Reason::Revoked), "{mode:?}");
    let status = engine.revocation_status().unwrap();
    assert!(fetched.elapsed() < Duration::from_millis(4_900), "{mode:?}: too slow to see the stale state");
    assert_eq!(status.state, RevocationState::Stale, "{mode:?}");
    let error = status.last_error.unwrap();
    // Past stale_for: REVOCATION_UNAVAILABLE, a 503, for every token.
    thread::sleep(Duration::from_millis(5_300).saturating_sub(fetched.elapsed()));
    let err = engine.verify(live.as_str(), NOW).unwrap_err();
    assert_eq!(
        (err.reason(), err.code(), err.status()),
        (Reason::RevocationUnavailable, Code::RevocationUnavailable, 503)
    );
    assert_eq!(err.headers(), [("Retry-After", "5")]);
    assert_eq!(engine.revocation_status().unwrap().state, RevocationState::Unavailable);
    assert_eq!(engine.revocation_set(), None);
    // Back: the next verification fetches the set again.
    endpoint.set_mode(Mode::Serve);
    let back = Instant::now();
    while outcome(&engine, &live).is_err() {
        assert!(back.elapsed() < Duration::from_secs(3), "{mode:?}: no recovery");
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(outcome(&engine, &gone), Err(Reason::Revoked));
    let status = engine.revocation_status().unwrap();
    assert_eq!((status.state, status.last_error), (RevocationState::Ready, None));
    error
}

#[test]
fn failed_refreshes_serve_the_last_set_for_stale_for_then_fail_closed_then_recover() {
    let modes = [Mode::Error500, Mode::Garbage, Mode::Invalid, Mode::TooLarge, Mode::Hang, Mode::Down];
    let runs: Vec<_> = modes.iter().map(|&mode| (mode, thread::spawn(move || fails_then_recovers(mode)))).collect();
    for (mode, run) in runs {
        let error = run.join().unwrap_or_else(|_| panic!("{mode:?}"));
        let expected = match mode {
            Mode::Error500 => "HTTP 500",
            Mode::Garbage => "the response is not JSON",
            Mode::Invalid => "the response is not a revocation set: subjects: must be a non-negative whole number",
            Mode::TooLarge => "the response is larger than 1048576 bytes",
            Mode::Hang => "timed out after 1 s",
            _ => "connection refused",
        };
        assert!(error.starts_with(expected), "{mode:?}: {error}");
        assert!(!error.contains("secret") && !error.contains("s3cret"), "{mode:?}: {error}");
    }
}

#[test]
fn a_first_fetch_that_fails_is_a_503_until_one_succeeds() {
    let signer = Signer::ed25519();
    let endpoint = Endpoint::serving(revoked(&[]));
    endpoint.set_mode(Mode::Down);
    let engine = engine(&signer, &endpoint.url(), json!({"cooldown": 30}), 60);
    assert_eq!(engine.revocation_status().unwrap().state, RevocationState::Starting);
    let live = token(&signer, "s-live");
    let err = engine.verify(live.as_str(), NOW).unwrap_err();
    assert_eq!((err.code().as_str(), err.status()), ("REVOCATION_UNAVAILABLE", 503));
    assert!(!err.keys_pending());
    assert!(!err.to_string().contains("s3cret"), "{err}");
    let status = engine.revocation_status().unwrap();
    assert_eq!(
        (status.state, status.last_error.as_deref()),
        (RevocationState::Unavailable, Some("connection refused"))
    );
    // With nothing held, a failed fetch is retried after min(cooldown, 1 s).
    endpoint.set_mode(Mode::Serve);
    assert_eq!(outcome(&engine, &live), Err(Reason::RevocationUnavailable));
    thread::sleep(Duration::from_millis(1_000));
    assert_eq!(outcome(&engine, &live), Ok(()));
}

#[test]
fn access_cached_never_fetches_and_if_ready_says_a_fetch_is_due() {
    let signer = Signer::ed25519();
    let endpoint = Endpoint::serving(revoked(&["s-gone"]));
    let engine = engine(&signer, &endpoint.url(), json!({}), 60);
    let live = token(&signer, "s-live");
    let at = Options::at(NOW);
    let err = engine.verify(live.as_str(), at.keys(KeyAccess::Cached)).unwrap_err();
    assert_eq!((err.reason(), err.keys_pending()), (Reason::RevocationUnavailable, false));
    let err = engine.verify(live.as_str(), at.keys(KeyAccess::IfReady)).unwrap_err();
    assert_eq!((err.reason(), err.keys_pending(), err.status()), (Reason::RevocationUnavailable, true, 503));
    assert_eq!(endpoint.hits(), 0);
    // A token that fails on its own needs no set: it fails at once, fetching nothing.
    let expired = signer.sign("k1", &json!({"sub": "u1", "exp": NOW - 10_000}));
    assert_eq!(engine.verify(expired.as_str(), at.keys(KeyAccess::IfReady)).unwrap_err().reason(), Reason::Expired);
    assert_eq!(engine.verify(live.as_str(), at).map(|p| p.id().to_owned()), Ok("u1".into()));
    assert_eq!(endpoint.hits(), 1);
    assert!(engine.verify(live.as_str(), at.keys(KeyAccess::IfReady)).is_ok());
    assert!(engine.verify(live.as_str(), at.keys(KeyAccess::Cached)).is_ok());
    // A host that fetches for the engine sees the same state.
    assert!(matches!(engine.revocation_need(), KeyNeed::Ready));
}

#[test]
fn concurrent_verifications_share_one_fetch() {
    let signer = Signer::ed25519();
    let endpoint = Endpoint::serving(revoked(&["s-gone"]));
    endpoint.set_delay(Duration::from_millis(300));
    let engine = Arc::new(engine(&signer, &endpoint.url(), json!({"timeout": 5}), 60));
    let (gone, live) = (token(&signer, "s-gone"), token(&signer, "s-live"));
    let runs: Vec<_> = (0..8)
        .map(|i| {
            let (engine, token) = (engine.clone(), if i % 2 == 0 { gone.clone() } else { live.clone() });
            thread::spawn(move || outcome(&engine, &token))
        })
        .collect();
    for (i, run) in runs.into_iter().enumerate() {
        let expected = if i % 2 == 0 { Err(Reason::Revoked) } else { Ok(()) };
        assert_eq!(run.join().unwrap(), expected);
    }
    assert_eq!(endpoint.hits(), 1);
}

#[test]
fn a_url_source_cannot_be_revoked_at_and_never_shows_its_query() {
    let signer = Signer::ed25519();
    let endpoint = Endpoint::serving(revoked(&[]));
    endpoint.set_mode(Mode::Invalid);
    let engine = engine(&signer, &endpoint.url(), json!({}), 60);
    let err = engine.verify(token(&signer, "s-live").as_str(), NOW).unwrap_err();
    let invalid = Revoke::new(0).sid("s1");
    assert_eq!(engine.revoke(&invalid).unwrap_err().code(), "REVOKE_INVALID");
    let refused = engine.revoke(&Revoke::new(900).sid("s1")).unwrap_err();
    assert_eq!(refused.code(), "REVOKE_UNSUPPORTED");
    assert!(refused.to_string().contains("revoke where its set is served"), "{refused}");
    let status = engine.revocation_status().unwrap();
    let said = format!("{err} {err:?} {refused} {:?} {}", status, serde_json::to_string(&status).unwrap());
    for secret in ["s3cret", "secret-entry", "u-secret"] {
        assert!(!said.contains(secret), "{said}");
    }
    assert!(format!("{engine:?}").contains("/api/auth/wardgate/revoked") && !format!("{engine:?}").contains("s3cret"));
}
