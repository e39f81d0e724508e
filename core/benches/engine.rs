//! `cargo bench -p wardgate`: verification against raw ring, and authorization.
//!
//! Each `verify/<alg>` group holds `wardgate` (the whole `Engine::verify`: parsing,
//! header checks, key selection, signature, iss/aud/exp checks, principal) beside
//! `ring` (the bare signature check of the same message with the same key), so their
//! ratio is the engine's overhead. `bench/core` prints the medians and ratios.
//!
//! `load/<alg>` loads a policy whose JWK Set holds eight keys of one kind: what reading,
//! checking (Ed25519 points of small order, EC points off their curve, ROCA) and preparing
//! keys costs, once per policy or fetched set, never per token.
//!
//! `verify/EdDSA-cache/hit-redis-3000` (cargo feature `redis`, which `bench/core` turns on)
//! starts a `redis-server` of its own (as the Redis tests do; skipped, with a message, when
//! there is none) holding the same 3,000 entries as `hit-revocation-3000` holds inline.

#[cfg(feature = "redis")]
#[path = "../tests/support/redis_server.rs"]
#[allow(dead_code)] // restarts and single commands serve the tests only
mod redis_server;
#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ring::signature::{self, UnparsedPublicKey};
use serde_json::json;
use std::hint::black_box;
use support::{claims, four_rules, policy, Signer, HMAC_SECRET, NOW};
use wardgate::{Engine, KeyNeed, KeyResponse, Request};

/// A bare signature check: message, signature → valid.
type RawCheck = Box<dyn Fn(&[u8], &[u8]) -> bool>;

/// The raw ring check of a signature with `signer`'s public key.
fn raw_ring(signer: &Signer) -> RawCheck {
    match signer {
        Signer::Ed25519(_) => {
            let key = UnparsedPublicKey::new(&signature::ED25519, signer.public_key().to_vec());
            Box::new(move |m, s| key.verify(m, s).is_ok())
        }
        Signer::Ecdsa(..) => {
            let key = UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, signer.public_key().to_vec());
            Box::new(move |m, s| key.verify(m, s).is_ok())
        }
        Signer::Rsa(k, _, _) => {
            let c = signature::RsaPublicKeyComponents::<Vec<u8>>::from(k.public());
            Box::new(move |m, s| c.verify(&signature::RSA_PKCS1_2048_8192_SHA256, m, s).is_ok())
        }
        Signer::Hmac(k, _) => {
            let key = k.clone();
            Box::new(move |m, s| ring::hmac::verify(&key, m, s).is_ok())
        }
    }
}

fn verify(c: &mut Criterion) {
    for signer in [Signer::ed25519(), Signer::es256(), Signer::rs256(), Signer::hs256(HMAC_SECRET)] {
        let alg = signer.alg();
        let engine = Engine::from_value(&policy(&signer, "k1", json!([]))).unwrap();
        let token = signer.sign("k1", &claims("user_1"));
        let (input, sig_b64) = token.rsplit_once('.').unwrap();
        use base64::Engine as _;
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig_b64).unwrap();
        let raw = raw_ring(&signer);
        assert!(raw(input.as_bytes(), &sig));
        assert!(engine.verify(&token, NOW).is_ok());

        let mut group = c.benchmark_group(format!("verify/{alg}"));
        group.bench_function(BenchmarkId::from_parameter("wardgate"), |b| {
            b.iter(|| engine.verify(black_box(&token), NOW).unwrap())
        });
        group.bench_function(BenchmarkId::from_parameter("ring"), |b| {
            b.iter(|| assert!(raw(black_box(input.as_bytes()), black_box(&sig))))
        });
        group.finish();
    }
}

/// The cost of a remote key set once its keys are cached: the same EdDSA token against
/// inline keys and against keys fed to the key cache as a fetched JWKS.
fn verify_remote(c: &mut Criterion) {
    let signer = Signer::ed25519();
    let inline = Engine::from_value(&policy(&signer, "k1", json!([]))).unwrap();
    let mut doc = policy(&signer, "k1", json!([]));
    let jwks = doc["keys"]["jwks"].take();
    doc["keys"] = json!({"jwks_url": "https://auth.example.com/api/auth/jwks"});
    let remote = Engine::from_value(&doc).unwrap();
    let token = signer.sign("k1", &claims("user_1"));
    let KeyNeed::Fetch(ticket) = remote.key_need(&token) else { panic!("a fresh remote engine fetches first") };
    let body = serde_json::to_vec(&jwks).unwrap();
    remote.key_response(&ticket, KeyResponse::Http { status: 200, cache_control: None, content_encoding: None, body });
    assert!(
        remote.verify(&token, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::Cached)).is_ok()
            && inline.verify(&token, NOW).is_ok()
    );

    let mut group = c.benchmark_group("verify/EdDSA-keys");
    group.bench_function(BenchmarkId::from_parameter("inline"), |b| {
        b.iter(|| inline.verify(black_box(&token), NOW).unwrap())
    });
    group.bench_function(BenchmarkId::from_parameter("jwks_url-cached"), |b| {
        b.iter(|| {
            remote.verify(black_box(&token), wardgate::Options::at(NOW).keys(wardgate::KeyAccess::Cached)).unwrap()
        })
    });
    group.finish();
}

/// A verified-token cache hit (`"cache": {"max_entries": 10000}`) beside the whole
/// verification of the same token; and a hit of a token with `sid` and `jti` claims,
/// without and with an inline revocation set of 1,000 entries of each kind (which its
/// `sid`, `jti` and subject are checked against, none matching), and (feature `redis`) with
/// the same entries mirrored from a Redis server.
fn verify_cache_hit(c: &mut Criterion) {
    let signer = Signer::ed25519();
    let plain = Engine::from_value(&policy(&signer, "k1", json!([]))).unwrap();
    let mut doc = policy(&signer, "k1", json!([]));
    doc["cache"] = json!({"max_entries": 10000});
    let cached = Engine::from_value(&doc).unwrap();
    let ids = |prefix: &str| (0..1000).map(|i| format!("{prefix}-{i:04}")).collect::<Vec<_>>();
    let subjects: serde_json::Map<String, serde_json::Value> =
        ids("user").into_iter().map(|id| (id, json!(NOW - 3600))).collect();
    doc["revocation"] = json!({"inline": {"sid": ids("sess"), "jti": ids("tok"), "subjects": subjects}});
    let revoking = Engine::from_value(&doc).unwrap();
    let mut with_ids = claims("user-0500");
    with_ids["sid"] = json!("sess-live");
    with_ids["jti"] = json!("tok-live");
    let live = signer.sign("k1", &with_ids);
    assert!(revoking.verify(&live, NOW).is_ok());
    let token = signer.sign("k1", &claims("user_1"));
    assert_eq!(cached.verify(&token, NOW).unwrap(), plain.verify(&token, NOW).unwrap());

    let mut group = c.benchmark_group("verify/EdDSA-cache");
    group.bench_function(BenchmarkId::from_parameter("miss"), |b| {
        b.iter(|| plain.verify(black_box(&token), NOW).unwrap())
    });
    group.bench_function(BenchmarkId::from_parameter("hit"), |b| {
        b.iter(|| cached.verify(black_box(&token), NOW).unwrap())
    });
    // The same token (with sid and jti claims) without and with the revocation step.
    group.bench_function(BenchmarkId::from_parameter("hit-sid-jti"), |b| {
        b.iter(|| cached.verify(black_box(&live), NOW).unwrap())
    });
    group.bench_function(BenchmarkId::from_parameter("hit-revocation-3000"), |b| {
        b.iter(|| revoking.verify(black_box(&live), NOW).unwrap())
    });
    // The same 3,000 entries from a Redis source: what the mirror adds to the lookups.
    #[cfg(feature = "redis")]
    if let Some(server) = redis_server::RedisServer::start() {
        let mut commands: Vec<Vec<String>> = Vec::new();
        let set = |key: String, value: String| vec!["SET".into(), key, value, "EX".into(), "86400".into()];
        for (kind, prefix) in [("sid", "sess"), ("jti", "tok")] {
            commands.extend(ids(prefix).into_iter().map(|id| set(format!("wardgate:revoked:{kind}:{id}"), "1".into())));
        }
        commands.extend(
            ids("user").into_iter().map(|id| set(format!("wardgate:revoked:sub:{id}"), (NOW - 3600).to_string())),
        );
        pipeline(server.port, &commands);
        doc["revocation"] = json!({"redis_url": server.url(0)});
        let mirrored = Engine::from_value(&doc).unwrap();
        wait_ready(&mirrored, 3000);
        let mut revoked = with_ids.clone();
        revoked["sid"] = json!("sess-0042");
        assert_eq!(mirrored.verify(&signer.sign("k1", &revoked), NOW).unwrap_err().reason(), wardgate::Reason::Revoked);
        assert!(mirrored.verify(&live, NOW).is_ok());
        group.bench_function(BenchmarkId::from_parameter("hit-redis-3000"), |b| {
            b.iter(|| mirrored.verify(black_box(&live), NOW).unwrap())
        });
        drop(mirrored);
    }
    #[cfg(not(feature = "redis"))]
    eprintln!("verify/EdDSA-cache/hit-redis-3000: skipped: built without the `redis` feature (bench/core turns it on)");
    group.finish();
    assert!(cached.cache_status().unwrap().hits > 0);
}

/// Sends `commands` to the Redis server on 127.0.0.1:`port` in one pipeline; every answer
/// must be `+OK`.
#[cfg(feature = "redis")]
fn pipeline(port: u16, commands: &[Vec<String>]) {
    use std::io::{BufRead, BufReader, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect to redis-server");
    let mut request = String::new();
    for words in commands {
        request.push_str(&format!("*{}\r\n", words.len()));
        for w in words {
            request.push_str(&format!("${}\r\n{w}\r\n", w.len()));
        }
    }
    stream.write_all(request.as_bytes()).unwrap();
    let mut answers = BufReader::new(stream);
    for _ in commands {
        let mut line = String::new();
        answers.read_line(&mut line).unwrap();
        assert_eq!(line.trim_end(), "+OK", "redis-server refused a SET");
    }
}

/// Waits (at most 10 s) until `engine`'s Redis mirror is ready with `entries` entries.
#[cfg(feature = "redis")]
fn wait_ready(engine: &Engine, entries: usize) {
    let start = std::time::Instant::now();
    loop {
        let status = engine.revocation_status().unwrap();
        if status.state == wardgate::RevocationState::Ready && status.entries == entries {
            return;
        }
        assert!(start.elapsed().as_secs() < 10, "the Redis mirror is not ready with {entries} entries: {status:?}");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

fn authorize(c: &mut Criterion) {
    let signer = Signer::ed25519();
    let engine = Engine::from_value(&policy(&signer, "k1", four_rules())).unwrap();
    let principal = engine.verify(&signer.sign("k1", &claims("user_1")), NOW).unwrap();
    let own = Request::new("read", json!({"type": "todo", "owner_id": "user_1"}));
    let other = Request::new("delete", json!({"type": "todo", "owner_id": "user_2"}));
    assert!(engine.authorize(&principal, &own).allowed);
    assert!(!engine.authorize(&principal, &other).allowed);

    let mut group = c.benchmark_group("authorize/four-rules");
    group.bench_function(BenchmarkId::from_parameter("allow-owner"), |b| {
        b.iter(|| engine.authorize(black_box(&principal), black_box(&own)))
    });
    group.bench_function(BenchmarkId::from_parameter("deny-other"), |b| {
        b.iter(|| engine.authorize(black_box(&principal), black_box(&other)))
    });
    group.finish();
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    for signer in [Signer::ed25519(), Signer::es256(), Signer::es384(), Signer::rs256()] {
        let keys: Vec<_> = (0..8).map(|i| signer.jwk(&format!("k{i}")).unwrap()).collect();
        let mut doc = policy(&signer, "k0", four_rules());
        doc["keys"] = json!({"jwks": {"keys": keys}});
        assert!(Engine::from_value(&doc).is_ok());
        group.bench_function(BenchmarkId::from_parameter(format!("{}-8-keys", signer.alg())), |b| {
            b.iter(|| Engine::from_value(black_box(&doc)))
        });
    }
    group.finish();
}

criterion_group!(benches, verify, verify_remote, verify_cache_hit, authorize, load);
criterion_main!(benches);
