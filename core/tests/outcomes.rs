//! What the JavaScript bindings call: outcomes as JSON text (`*_outcome`), and the
//! verifications that go ahead only when a remote key set's keys are in (`*_if_ready`).

mod support;

use wardgate::{Engine, KeyNeed, KeyResponse, Outcome, Reason, Request};
use serde_json::{json, Value};
use support::{claims, four_rules, policy, Signer, AUDIENCE, ISSUER, NOW};

fn with_cache(mut doc: Value) -> Engine {
    doc["cache"] = json!({ "max_entries": 100 });
    Engine::from_value(&doc).unwrap()
}

#[test]
fn outcome_text_is_the_outcome_serialised_on_hits_and_misses() {
    let signer = Signer::ed25519();
    let doc = policy(&signer, "k1", four_rules());
    let (plain, cached) = (Engine::from_value(&doc).unwrap(), with_cache(doc));
    let token = signer.sign("k1", &claims("u1"));
    let mut forged = token.clone();
    forged.replace_range(forged.len() - 4.., "AAAA");
    let own = Request::new("read", json!({"type": "todo", "owner_id": "u1"}));
    let other = Request::new("read", json!({"type": "todo", "owner_id": "u2"}));
    // A miss, then hits, at times that accept and refuse the token.
    for now in [NOW, NOW, NOW + 5000, NOW] {
        for t in [&token, &forged, &String::new()] {
            let expected = Outcome::from(plain.verify(t, now)).to_json();
            assert_eq!(cached.verify_outcome(t, now), expected);
            assert_eq!(cached.verify_cached_outcome(t, now), expected);
            assert_eq!(cached.verify_outcome_if_ready(t, now), Some(expected));
            for request in [&own, &other] {
                let expected = Outcome::from(plain.check(t, request, now)).to_json();
                assert_eq!(cached.check_outcome(t, request, now), expected);
                assert_eq!(cached.check_cached_outcome(t, request, now), expected);
                assert_eq!(cached.check_outcome_if_ready(t, request, now), Some(expected));
            }
        }
    }
    let status = cached.cache_status().unwrap();
    assert_eq!(status.entries, 1);
    assert!(status.hits > 20, "{status:?}");
    let text: Value = serde_json::from_str(&cached.verify_cached_outcome(&token, NOW)).unwrap();
    assert_eq!(text["principal"]["id"], "u1");
}

/// Answers the fetch `engine` asks for with `keys`.
fn feed(engine: &Engine, token: &str, keys: &[Value]) {
    let KeyNeed::Fetch(ticket) = engine.key_need(token) else { panic!("a fetch is due") };
    let body = serde_json::to_vec(&json!({ "keys": keys })).unwrap();
    engine.key_response(&ticket, KeyResponse::Http { status: 200, cache_control: None, content_encoding: None, body });
}

fn remote(refresh: Value) -> Engine {
    with_cache(json!({
        "token": {"issuer": ISSUER, "audience": AUDIENCE, "algorithms": ["EdDSA"]},
        "keys": {"jwks_url": "http://127.0.0.1:9/jwks", "refresh": refresh},
    }))
}

#[test]
fn if_ready_verifies_only_when_no_fetch_must_come_first() {
    let (k1, k2) = (Signer::ed25519(), Signer::ed25519());
    let engine = remote(json!({}));
    let token = k1.sign("k1", &claims("u1"));
    let request = Request::new("read", json!({"type": "todo"}));
    // No keys yet: nothing is verified, but a token that fails on its own needs none.
    assert!(engine.verify_if_ready(&token, NOW).is_none());
    assert_eq!(engine.check_outcome_if_ready(&token, &request, NOW), None);
    assert_eq!(engine.verify_if_ready("not a token", NOW).unwrap().unwrap_err().reason(), Reason::Malformed);
    assert_eq!(engine.cache_status().unwrap().misses, 1, "only the malformed token went the whole way");

    feed(&engine, &token, &[k1.jwk("k1").unwrap()]);
    for _ in 0..3 {
        assert_eq!(engine.verify_if_ready(&token, NOW).unwrap().unwrap().id, "u1");
    }
    assert!(engine.check_outcome_if_ready(&token, &request, NOW).unwrap().starts_with(r#"{"decision":"#));
    assert_eq!(engine.cache_status().unwrap().hits, 3);
    // An unknown kid right after a fetch: within the cooldown, so refused now.
    let other = k2.sign("k2", &claims("u2"));
    assert_eq!(engine.verify_if_ready(&other, NOW).unwrap().unwrap_err().reason(), Reason::UnknownKey);
}

#[test]
fn if_ready_gives_way_to_a_due_refresh_even_on_a_cache_hit() {
    let k1 = Signer::ed25519();
    // Every use is due for a fetch.
    let engine = remote(json!({"max_age": 0, "cooldown": 0}));
    let token = k1.sign("k1", &claims("u1"));
    feed(&engine, &token, &[k1.jwk("k1").unwrap()]);
    assert!(engine.verify_cached(&token, NOW).is_ok());
    let before = engine.cache_status().unwrap();
    assert!(engine.verify_if_ready(&token, NOW).is_none());
    assert!(engine.verify_outcome_if_ready(&token, NOW).is_none());
    let after = engine.cache_status().unwrap();
    assert_eq!((after.hits, after.misses), (before.hits, before.misses));
    // The cached keys still serve a caller that will not wait.
    assert!(engine.verify_cached(&token, NOW).is_ok());
}
