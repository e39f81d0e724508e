//! The verified-token cache (`"cache": {"max_entries": N}`): a hit never accepts what a
//! miss would refuse: expiry and the other time checks with the caller's `now`, and key
//! sets that rotate, revoke or replace keys.

mod support;

use std::thread;
use std::time::Duration;

use serde_json::{json, Value};
use support::{claims, policy, Signer, AUDIENCE, ISSUER, NOW};
use wardgate::{Engine, KeyNeed, KeyResponse, Principal, Reason};

/// The outcome a caller sees: the principal's id, or the reason of the refusal.
fn outcome(result: Result<Principal, wardgate::AuthError>) -> Result<String, Reason> {
    result.map(|p| p.id().to_owned()).map_err(|e| e.reason())
}

fn with_cache(mut doc: Value, max_entries: u64) -> Engine {
    doc["cache"] = json!({ "max_entries": max_entries });
    Engine::from_value(&doc).unwrap()
}

#[test]
fn a_hit_answers_as_a_miss_would_at_every_time() {
    let signer = Signer::ed25519();
    let mut doc = policy(&signer, "k1", json!([]));
    doc["token"]["leeway"] = json!(5);
    doc["token"]["max_age"] = json!(600);
    let plain = Engine::from_value(&doc).unwrap();
    let cached = with_cache(doc, 100);
    let mut c = claims("u1");
    c["nbf"] = json!(NOW - 30);
    let token = signer.sign("k1", &c);
    assert!(cached.verify(&token, NOW).is_ok());
    // Before nbf and iat, inside and past max_age, around exp with the leeway.
    let times = [NOW - 100, NOW - 36, NOW - 34, NOW, NOW + 544, NOW + 546, NOW + 894, NOW + 896, NOW + 905, NOW + 5000];
    for now in times {
        assert_eq!(outcome(cached.verify(&token, now)), outcome(plain.verify(&token, now)), "now = NOW{:+}", now - NOW);
    }
    assert_eq!(outcome(cached.verify(&token, NOW + 905)), Err(Reason::Expired));
    assert_eq!(outcome(cached.verify(&token, NOW - 100)), Err(Reason::NotYetValid));
    assert_eq!(outcome(cached.verify(&token, NOW + 546)), Err(Reason::TooOld));
    let status = cached.cache_status().unwrap();
    assert_eq!((status.entries, status.hits, status.misses), (1, times.len() as u64 + 3, 1));
}

#[test]
fn refused_tokens_are_not_cached_and_other_tokens_miss() {
    let signer = Signer::ed25519();
    let cached = with_cache(policy(&signer, "k1", json!([])), 100);
    let token = signer.sign("k1", &claims("u1"));
    let mut forged = token.clone();
    forged.replace_range(forged.len() - 4.., "AAAA");
    for _ in 0..3 {
        assert_eq!(outcome(cached.verify(&forged, NOW)), Err(Reason::BadSignature));
    }
    assert_eq!(cached.cache_status().unwrap().entries, 0);
    assert!(cached.verify(&token, NOW).is_ok());
    assert!(cached.verify(&signer.sign("k1", &claims("u2")), NOW).is_ok());
    let status = cached.cache_status().unwrap();
    assert_eq!((status.entries, status.hits, status.misses), (2, 0, 5));
}

#[test]
fn the_least_recently_used_token_is_evicted() {
    let signer = Signer::ed25519();
    let cached = with_cache(policy(&signer, "k1", json!([])), 2);
    let tokens: Vec<String> = ["a", "b", "c"].iter().map(|sub| signer.sign("k1", &claims(sub))).collect();
    for t in &tokens {
        assert!(cached.verify(t, NOW).is_ok());
    }
    assert_eq!(cached.cache_status().unwrap().entries, 2);
    assert!(cached.verify(&tokens[2], NOW).is_ok()); // a hit
    assert!(cached.verify(&tokens[0], NOW).is_ok()); // evicted: a miss
    let status = cached.cache_status().unwrap();
    assert_eq!((status.entries, status.hits, status.misses), (2, 1, 4));
}

/// A remote key set fed by hand (no network): every `key_need` asks for a fetch
/// (`max_age` and `cooldown` 0), answered with `keys`.
fn feed(engine: &Engine, token: &str, keys: &[Value]) {
    let KeyNeed::Fetch(ticket) = engine.key_need(token) else { panic!("a fetch is due") };
    let body = serde_json::to_vec(&json!({ "keys": keys })).unwrap();
    engine.key_response(&ticket, KeyResponse::Http { status: 200, cache_control: None, content_encoding: None, body });
}

fn remote(refresh: Value) -> (Engine, Engine) {
    let doc = json!({
        "token": {"issuer": ISSUER, "audience": AUDIENCE, "algorithms": ["EdDSA"]},
        "keys": {"jwks_url": "http://127.0.0.1:9/jwks", "refresh": refresh},
    });
    (with_cache(doc.clone(), 100), Engine::from_value(&doc).unwrap())
}

#[test]
fn an_entry_is_not_served_once_its_key_is_revoked_or_replaced() {
    let (k1, k2, k1_again) = (Signer::ed25519(), Signer::ed25519(), Signer::ed25519());
    let (cached, plain) = remote(json!({"max_age": 0, "cooldown": 0}));
    let token = k1.sign("k1", &claims("u1"));
    let both = [k1.jwk("k1").unwrap(), k2.jwk("k2").unwrap()];
    feed(&cached, &token, &both);
    feed(&plain, &token, &both);
    for _ in 0..2 {
        assert_eq!(
            outcome(cached.verify(&token, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::Cached))),
            Ok("u1".to_owned())
        );
    }
    assert_eq!(cached.cache_status().unwrap().hits, 1);
    // The same keys fetched again: entries stay good.
    feed(&cached, &token, &both);
    assert_eq!(
        outcome(cached.verify(&token, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::Cached))),
        Ok("u1".to_owned())
    );
    assert_eq!(cached.cache_status().unwrap().hits, 2);

    // k1 revoked: the endpoint lists k2 only.
    feed(&cached, &token, &[k2.jwk("k2").unwrap()]);
    feed(&plain, &token, &[k2.jwk("k2").unwrap()]);
    assert_eq!(
        outcome(cached.verify(&token, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::Cached))),
        Err(Reason::UnknownKey)
    );
    assert_eq!(
        outcome(cached.verify(&token, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::Cached))),
        outcome(plain.verify(&token, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::Cached)))
    );

    // k1 back, then replaced by other material under the same kid.
    feed(&cached, &token, &both);
    assert!(cached.verify(&token, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::Cached)).is_ok());
    let replaced = [k1_again.jwk("k1").unwrap(), k2.jwk("k2").unwrap()];
    feed(&cached, &token, &replaced);
    assert_eq!(
        outcome(cached.verify(&token, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::Cached))),
        Err(Reason::BadSignature)
    );
}

#[test]
fn an_entry_is_not_served_once_the_keys_are_dropped() {
    let k1 = Signer::ed25519();
    let (cached, _) = remote(json!({"max_age": 1, "stale_for": 0, "cooldown": 0}));
    let token = k1.sign("k1", &claims("u1"));
    feed(&cached, &token, &[k1.jwk("k1").unwrap()]);
    assert!(cached.verify(&token, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::Cached)).is_ok());
    assert!(cached.verify(&token, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::Cached)).is_ok());
    thread::sleep(Duration::from_millis(1100));
    let err = cached.verify(&token, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::Cached)).unwrap_err();
    assert_eq!((err.reason(), err.status()), (Reason::KeysUnavailable, 503));
}

#[test]
fn concurrent_hits_and_misses_agree_with_an_engine_without_cache() {
    let signer = Signer::ed25519();
    let doc = policy(&signer, "k1", json!([]));
    let plain = Engine::from_value(&doc).unwrap();
    let cached = with_cache(doc, 8);
    let tokens: Vec<String> = (0..20)
        .map(|i| {
            let mut c = claims(&format!("u{i}"));
            c["exp"] = json!(NOW + 10 * i);
            signer.sign("k1", &c)
        })
        .collect();
    thread::scope(|scope| {
        for t in 0..8 {
            let (cached, plain, tokens) = (&cached, &plain, &tokens);
            scope.spawn(move || {
                for n in 0..200 {
                    let token = &tokens[(t * 7 + n) % tokens.len()];
                    let now = NOW + (n as i64 % 5) * 40;
                    assert_eq!(outcome(cached.verify(token, now)), outcome(plain.verify(token, now)));
                }
            });
        }
    });
    let status = cached.cache_status().unwrap();
    assert!(status.entries <= 8 && status.hits > 0 && status.hits + status.misses == 1600, "{status:?}");
}
