//! Remote key sets over real HTTP: a JWKS server on 127.0.0.1 that can rotate keys, go
//! down, hang, answer garbage or 500, compress its answer, and the engine's blocking fetch
//! (feature `http`).

mod http_stub;
mod support;

use std::io::Write;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use http_stub::endpoint::{Endpoint, Gate};
use http_stub::{read_request_head, write_json_response};
use serde_json::{json, Value};
use support::{claims, Signer, AUDIENCE, ISSUER, NOW};
use wardgate::{Code, Engine, KeyEventLevel, Reason};

/// What the server answers.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Serve,
    Garbage,
    Error500,
    Private,
    Hang,
    Down,
    /// The key set, gzip-encoded.
    Gzip,
    /// The key set as it is, labelled with this `Content-Encoding`.
    Labelled(&'static str),
    /// Labelled gzip, but not gzip.
    BadGzip,
    /// About 256 MB of JSON once decoded, 256 kB gzip-encoded.
    GzipBomb,
}

#[derive(Clone)]
struct Shared {
    mode: Mode,
    keys: Vec<Value>,
    delay: Duration,
    /// The `Cache-Control` header of the key set's responses, if any.
    cache_control: Option<String>,
}

/// A JWKS endpoint on 127.0.0.1 that counts the requests it answers.
type JwksServer = Endpoint<Shared>;

impl JwksServer {
    fn serving(keys: Vec<Value>) -> JwksServer {
        let gate = |s: &Shared| match s.mode {
            Mode::Hang => Gate::Hang,
            Mode::Down => Gate::Down,
            _ => Gate::Answer,
        };
        Endpoint::start(Shared { mode: Mode::Serve, keys, delay: Duration::ZERO, cache_control: None }, gate, answer)
    }

    fn url(&self) -> String {
        format!("http://{}/api/auth/jwks", self.addr())
    }

    fn set_mode(&self, mode: Mode) {
        self.update_gate(|s| s.mode = mode);
    }

    fn set_delay(&self, delay: Duration) {
        self.update(|s| s.delay = delay);
    }

    fn add_key(&self, jwk: Value) {
        self.update(|s| s.keys.push(jwk));
    }

    /// Serves exactly `keys` from now on (a key left out is revoked).
    fn set_keys(&self, keys: Vec<Value>) {
        self.update(|s| s.keys = keys);
    }

    fn set_cache_control(&self, value: &str) {
        self.update(|s| s.cache_control = Some(value.to_owned()));
    }
}

fn answer(mut stream: TcpStream, Shared { mode, keys, delay, cache_control }: Shared) {
    if !read_request_head(&mut stream) {
        return;
    }
    thread::sleep(delay);
    let set = json!({ "keys": keys }).to_string();
    let (status, coding, body) = match mode {
        Mode::Serve => ("200 OK", None, set.into_bytes()),
        Mode::Garbage => ("200 OK", None, b"<html>not a key set</html>".to_vec()),
        Mode::Error500 => ("500 Internal Server Error", None, b"{\"error\":\"down\"}".to_vec()),
        Mode::Private => {
            let mut leaked = keys[0].clone();
            leaked["d"] = json!("bm90LWEtcmVhbC1wcml2YXRlLWtleQ");
            ("200 OK", None, json!({ "keys": [leaked] }).to_string().into_bytes())
        }
        Mode::Gzip => ("200 OK", Some("gzip"), gzip(set.as_bytes())),
        Mode::Labelled(coding) => ("200 OK", Some(coding), set.into_bytes()),
        Mode::BadGzip => ("200 OK", Some("gzip"), set.into_bytes()),
        Mode::GzipBomb => ("200 OK", Some("gzip"), gzip_bomb(&set)),
        // The mode changed as the connection came: it closes unanswered.
        Mode::Hang | Mode::Down => return,
    };
    let mut headers = cache_control.map(|value| format!("cache-control: {value}\r\n")).unwrap_or_default();
    if let Some(coding) = coding {
        headers += &format!("content-encoding: {coding}\r\n");
    }
    write_json_response(&mut stream, status, &headers, body);
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// `set` with 256 MB of spaces before its closing brace, as gzip members one after the
/// other (a decoder reads them as one body): 256 kB to send.
fn gzip_bomb(set: &str) -> Vec<u8> {
    let spaces = gzip(&vec![b' '; 1 << 20]);
    let mut body = gzip(&set.as_bytes()[..set.len() - 1]);
    for _ in 0..256 {
        body.extend_from_slice(&spaces);
    }
    body.extend(gzip(b"}"));
    body
}

fn engine(url: &str, refresh: Value) -> Engine {
    Engine::from_value(&json!({
        "token": {"issuer": ISSUER, "audience": AUDIENCE, "algorithms": ["EdDSA"]},
        "keys": {"jwks_url": url, "refresh": refresh},
    }))
    .unwrap()
}

fn reason(engine: &Engine, token: &str) -> Option<Reason> {
    engine.verify(token, NOW).err().map(|e| e.reason())
}

#[test]
fn first_use_fetches_once_then_serves_from_the_cache() {
    let k1 = Signer::ed25519();
    let server = JwksServer::serving(vec![k1.jwk("k1").unwrap()]);
    let engine = engine(&server.url(), json!({}));
    assert_eq!(engine.key_status().state, wardgate::KeyState::Empty);
    for _ in 0..5 {
        assert_eq!(engine.verify(&k1.sign("k1", &claims("u1")), NOW).unwrap().id(), "u1");
    }
    assert_eq!(server.hits(), 1);
    let status = engine.key_status();
    assert_eq!(
        (status.state, status.kids.clone(), status.fetches),
        (wardgate::KeyState::Fresh, vec!["k1".to_owned()], 1)
    );
    let events = engine.key_events();
    assert_eq!(events.len(), 1);
    assert!(events[0].message.contains("1 key(s) from http://127.0.0.1:") && events[0].message.contains("kid k1"));
}

#[test]
fn a_newly_rotated_key_verifies_after_one_refetch() {
    let (k1, k2) = (Signer::ed25519(), Signer::ed25519());
    let server = JwksServer::serving(vec![k1.jwk("k1").unwrap()]);
    let engine = engine(&server.url(), json!({"cooldown": 1}));
    assert!(engine.verify(&k1.sign("k1", &claims("u1")), NOW).is_ok());
    server.add_key(k2.jwk("k2").unwrap());
    let rotated = k2.sign("k2", &claims("u2"));
    // Within the cooldown of the first fetch the new kid is not fetched for.
    assert_eq!(reason(&engine, &rotated), Some(Reason::UnknownKey));
    assert_eq!(server.hits(), 1);
    thread::sleep(Duration::from_millis(1100));
    assert_eq!(engine.verify(&rotated, NOW).unwrap().id(), "u2");
    assert_eq!(server.hits(), 2);
    // Old tokens still verify: the old key is still listed.
    assert!(engine.verify(&k1.sign("k1", &claims("u1")), NOW).is_ok());
    assert_eq!(server.hits(), 2);
}

#[test]
fn a_thousand_concurrent_unknown_kids_fetch_at_most_once_per_cooldown() {
    let k1 = Signer::ed25519();
    let stranger = Signer::ed25519();
    let server = JwksServer::serving(vec![k1.jwk("k1").unwrap()]);
    server.set_delay(Duration::from_millis(200));
    let engine = engine(&server.url(), json!({"cooldown": 1}));
    let tokens: Vec<String> = (0..1000).map(|i| stranger.sign(&format!("unknown-{i}"), &claims("x"))).collect();
    let run = |tokens: &[String]| {
        thread::scope(|scope| {
            let handles: Vec<_> = tokens
                .chunks(1000 / 16)
                .map(|chunk| scope.spawn(|| chunk.iter().map(|t| reason(&engine, t)).collect::<Vec<_>>()))
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect::<Vec<_>>()
        })
    };
    // Nothing cached: one fetch serves all of them (single flight), and every kid is unknown.
    let reasons = run(&tokens);
    assert!(reasons.iter().all(|r| *r == Some(Reason::UnknownKey)), "{:?}", &reasons[..3]);
    assert_eq!(server.hits(), 1);
    // After the cooldown, another burst gets one more fetch.
    thread::sleep(Duration::from_millis(1100));
    let reasons = run(&tokens);
    assert!(reasons.iter().all(|r| *r == Some(Reason::UnknownKey)));
    assert_eq!(server.hits(), 2);
    assert!(engine.verify(&k1.sign("k1", &claims("u1")), NOW).is_ok());
}

#[test]
fn a_removed_key_stops_verifying_within_max_age_whatever_cache_control_says() {
    let (k1, k2) = (Signer::ed25519(), Signer::ed25519());
    let server = JwksServer::serving(vec![k1.jwk("k1").unwrap(), k2.jwk("k2").unwrap()]);
    // The server would have its keys trusted for a day; refresh.max_age says 1 s.
    server.set_cache_control("public, max-age=86400");
    let engine = engine(&server.url(), json!({"max_age": 1, "cooldown": 0}));
    let revoked = k1.sign("k1", &claims("u1"));
    assert!(engine.verify(&revoked, NOW).is_ok());
    server.set_keys(vec![k2.jwk("k2").unwrap()]);
    thread::sleep(Duration::from_millis(1100));
    // k1 is a kid the cache knows, so only max_age can bring the refetch.
    assert_eq!(reason(&engine, &revoked), Some(Reason::UnknownKey));
    assert_eq!(server.hits(), 2);
    assert_eq!(engine.key_status().kids, ["k2"]);
    assert_eq!(engine.verify(&k2.sign("k2", &claims("u2")), NOW).unwrap().id(), "u2");
    assert_eq!(server.hits(), 2);
    assert!(engine.key_status().fresh_for.unwrap() <= 1.0);
}

#[test]
fn cached_keys_keep_working_while_the_server_is_down() {
    let k1 = Signer::ed25519();
    let server = JwksServer::serving(vec![k1.jwk("k1").unwrap()]);
    let engine = engine(&server.url(), json!({"cooldown": 0, "max_age": 0}));
    let token = k1.sign("k1", &claims("u1"));
    assert!(engine.verify(&token, NOW).is_ok());
    engine.key_events();
    server.set_mode(Mode::Down);
    // max_age 0 and cooldown 0: every verification tries to refresh, and fails.
    for _ in 0..3 {
        assert_eq!(engine.verify(&token, NOW).unwrap().id(), "u1");
    }
    let status = engine.key_status();
    assert_eq!(status.state, wardgate::KeyState::Stale);
    assert_eq!(status.last_error.as_deref(), Some("connection refused"));
    assert_eq!(status.failures, 3);
    let events = engine.key_events();
    assert!(events.iter().all(|e| e.level == KeyEventLevel::Warn && !e.message.contains(&token)));
    assert!(events[0].message.contains("connection refused") && events[0].message.contains("serving the 1 cached"));
    // Back up: the next refresh succeeds and says so.
    server.set_mode(Mode::Serve);
    assert!(engine.verify(&token, NOW).is_ok());
    assert_eq!(engine.key_status().last_error, None);
}

#[test]
fn bad_responses_do_not_evict_good_keys() {
    let k1 = Signer::ed25519();
    let server = JwksServer::serving(vec![k1.jwk("k1").unwrap()]);
    let engine = engine(&server.url(), json!({"cooldown": 0, "max_age": 0}));
    let token = k1.sign("k1", &claims("u1"));
    assert!(engine.verify(&token, NOW).is_ok());
    for (mode, why) in
        [(Mode::Garbage, "not JSON"), (Mode::Error500, "HTTP 500"), (Mode::Private, "private or symmetric")]
    {
        server.set_mode(mode);
        assert_eq!(engine.verify(&token, NOW).unwrap().id(), "u1", "{mode:?}");
        let error = engine.key_status().last_error.unwrap();
        assert!(error.contains(why), "{mode:?}: {error}");
        assert_eq!(engine.key_status().kids, ["k1"]);
    }
}

#[test]
fn a_gzip_encoded_key_set_is_taken_and_other_codings_are_refused() {
    let (k1, k2) = (Signer::ed25519(), Signer::ed25519());
    let server = JwksServer::serving(vec![k1.jwk("k1").unwrap()]);
    server.set_mode(Mode::Gzip);
    let engine = engine(&server.url(), json!({"cooldown": 0}));
    assert_eq!(engine.verify(&k1.sign("k1", &claims("u1")), NOW).unwrap().id(), "u1");
    assert_eq!(engine.key_status().last_error, None);
    server.add_key(k2.jwk("k2").unwrap());
    let rotated = k2.sign("k2", &claims("u2"));
    let not_supported = |coding: &str| {
        format!("Content-Encoding \"{coding}\" is not supported (a key set must come uncompressed or in gzip)")
    };
    for (mode, why) in [
        (Mode::Labelled("br"), not_supported("br")),
        (Mode::Labelled("deflate"), not_supported("deflate")),
        (Mode::Labelled("x-gzip"), not_supported("x-gzip")),
        (Mode::Labelled("gzip, gzip"), not_supported("gzip, gzip")),
        (Mode::BadGzip, "the body could not be decoded (gzip)".to_owned()),
        (Mode::GzipBomb, "the response is larger than 1048576 bytes".to_owned()),
    ] {
        server.set_mode(mode);
        let started = Instant::now();
        // Each refetches (cooldown 0) for the new kid; the refused set replaces nothing.
        assert_eq!(reason(&engine, &rotated), Some(Reason::UnknownKey), "{mode:?}");
        assert!(started.elapsed() < Duration::from_secs(2), "{mode:?}: {:?}", started.elapsed());
        let status = engine.key_status();
        assert_eq!(status.kids, ["k1"], "{mode:?}");
        assert!(status.last_error.as_deref().unwrap().starts_with(&why), "{mode:?}: {:?}", status.last_error);
    }
    // identity, spelled out, is no coding at all.
    server.set_mode(Mode::Labelled("identity"));
    assert_eq!(engine.verify(&rotated, NOW).unwrap().id(), "u2");
    assert_eq!(server.hits(), 8);
}

#[test]
fn a_hanging_server_fails_closed_within_the_timeout() {
    let k1 = Signer::ed25519();
    let server = JwksServer::serving(vec![k1.jwk("k1").unwrap()]);
    server.set_mode(Mode::Hang);
    let engine = engine(&server.url(), json!({"timeout": 1}));
    let started = Instant::now();
    let err = engine.verify(&k1.sign("k1", &claims("u1")), NOW).unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!((err.reason(), err.code(), err.status()), (Reason::KeysUnavailable, Code::KeysUnavailable, 503));
    assert!(elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert!(engine.key_status().last_error.unwrap().contains("timed out after 1 s"));
}

#[test]
fn nothing_to_fetch_from_fails_closed_and_broken_tokens_fetch_nothing() {
    let k1 = Signer::ed25519();
    let server = JwksServer::serving(vec![k1.jwk("k1").unwrap()]);
    server.set_mode(Mode::Down);
    let engine = engine(&server.url(), json!({}));
    let err = engine.verify(&k1.sign("k1", &claims("u1")), NOW).unwrap_err();
    assert_eq!((err.reason(), err.status()), (Reason::KeysUnavailable, 503));
    let error = engine.key_events().pop().unwrap();
    assert_eq!(error.level, KeyEventLevel::Error);
    assert!(error.message.contains("keys_unavailable"));

    server.set_mode(Mode::Serve);
    let fresh = self::engine(&server.url(), json!({}));
    assert_eq!(reason(&fresh, "not.a.token"), Some(Reason::Malformed));
    assert_eq!(reason(&fresh, ""), Some(Reason::Missing));
    let crit = k1.sign_with_header(&json!({"alg": "EdDSA", "kid": "k1", "crit": ["exp"]}), &claims("u1"));
    assert_eq!(reason(&fresh, &crit), Some(Reason::InvalidHeader));
    let if_ready = wardgate::Options::at(NOW).keys(wardgate::KeyAccess::IfReady);
    assert!(fresh.verify(&k1.sign("k1", &claims("u1")), if_ready).unwrap_err().keys_pending());
    assert!(!fresh.verify(&crit, if_ready).unwrap_err().keys_pending());
    let es256 = Signer::es256().sign("k1", &claims("u1"));
    assert_eq!(reason(&fresh, &es256), Some(Reason::AlgorithmNotAllowed));
    assert_eq!(server.hits(), 0);
    assert!(fresh.verify(&k1.sign("k1", &claims("u1")), NOW).is_ok());
    assert_eq!(server.hits(), 1);
}
