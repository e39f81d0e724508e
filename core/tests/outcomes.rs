//! What the JavaScript bindings call: outcomes as JSON text (`*_outcome`), and the
//! verifications that go ahead only when a remote key set's keys are in (`*_if_ready`).

mod support;

use serde_json::{json, Value};
use support::{claims, four_rules, policy, ready, Signer, AUDIENCE, ISSUER, NOW};
use wardgate::{Engine, KeyNeed, KeyResponse, Reason, Request};

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
            let expected = wardgate::ffi::Outcome::from(plain.verify(t, now)).to_json();
            assert_eq!(
                wardgate::ffi::settled(wardgate::ffi::verify(
                    &cached,
                    wardgate::Credential::Token(t),
                    wardgate::Options::at(now)
                )),
                expected
            );
            assert_eq!(
                wardgate::ffi::settled(wardgate::ffi::verify(
                    &cached,
                    wardgate::Credential::Token(t),
                    wardgate::Options::at(now).keys(wardgate::KeyAccess::Cached)
                )),
                expected
            );
            assert_eq!(
                wardgate::ffi::verify(
                    &cached,
                    wardgate::Credential::Token(t),
                    wardgate::Options::at(now).keys(wardgate::KeyAccess::IfReady)
                ),
                Some(expected)
            );
            for request in [&own, &other] {
                let expected = wardgate::ffi::Outcome::from(plain.check(t, request, now)).to_json();
                assert_eq!(
                    wardgate::ffi::settled(wardgate::ffi::check(
                        &cached,
                        wardgate::Credential::either(t),
                        request,
                        wardgate::Options::at(now)
                    )),
                    expected
                );
                assert_eq!(
                    wardgate::ffi::settled(wardgate::ffi::check(
                        &cached,
                        wardgate::Credential::either(t),
                        request,
                        wardgate::Options::at(now).keys(wardgate::KeyAccess::Cached)
                    )),
                    expected
                );
                assert_eq!(
                    wardgate::ffi::check(
                        &cached,
                        wardgate::Credential::either(t),
                        request,
                        wardgate::Options::at(now).keys(wardgate::KeyAccess::IfReady)
                    ),
                    Some(expected)
                );
            }
        }
    }
    let status = cached.cache_status().unwrap();
    assert_eq!(status.entries, 1);
    assert!(status.hits > 20, "{status:?}");
    let text: Value = serde_json::from_str(&wardgate::ffi::settled(wardgate::ffi::verify(
        &cached,
        wardgate::Credential::Token(&token),
        wardgate::Options::at(NOW).keys(wardgate::KeyAccess::Cached),
    )))
    .unwrap();
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
    assert!(ready(engine.verify(&token, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::IfReady))).is_none());
    assert_eq!(
        wardgate::ffi::check(
            &engine,
            wardgate::Credential::either(&token),
            &request,
            wardgate::Options::at(NOW).keys(wardgate::KeyAccess::IfReady)
        ),
        None
    );
    assert_eq!(
        ready(engine.verify("not a token", wardgate::Options::at(NOW).keys(wardgate::KeyAccess::IfReady)))
            .unwrap()
            .unwrap_err()
            .reason(),
        Reason::Malformed
    );
    assert_eq!(engine.cache_status().unwrap().misses, 1, "only the malformed token went the whole way");

    feed(&engine, &token, &[k1.jwk("k1").unwrap()]);
    for _ in 0..3 {
        assert_eq!(
            ready(engine.verify(&token, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::IfReady)))
                .unwrap()
                .unwrap()
                .id(),
            "u1"
        );
    }
    assert!(wardgate::ffi::check(
        &engine,
        wardgate::Credential::either(&token),
        &request,
        wardgate::Options::at(NOW).keys(wardgate::KeyAccess::IfReady)
    )
    .unwrap()
    .starts_with(r#"{"decision":"#));
    assert_eq!(engine.cache_status().unwrap().hits, 3);
    // An unknown kid right after a fetch: within the cooldown, so refused now.
    let other = k2.sign("k2", &claims("u2"));
    assert_eq!(
        ready(engine.verify(&other, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::IfReady)))
            .unwrap()
            .unwrap_err()
            .reason(),
        Reason::UnknownKey
    );
}

#[test]
fn if_ready_gives_way_to_a_due_refresh_even_on_a_cache_hit() {
    let k1 = Signer::ed25519();
    // Every use is due for a fetch.
    let engine = remote(json!({"max_age": 0, "cooldown": 0}));
    let token = k1.sign("k1", &claims("u1"));
    feed(&engine, &token, &[k1.jwk("k1").unwrap()]);
    assert!(engine.verify(&token, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::Cached)).is_ok());
    let before = engine.cache_status().unwrap();
    assert!(ready(engine.verify(&token, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::IfReady))).is_none());
    assert!(wardgate::ffi::verify(
        &engine,
        wardgate::Credential::Token(&token),
        wardgate::Options::at(NOW).keys(wardgate::KeyAccess::IfReady)
    )
    .is_none());
    let after = engine.cache_status().unwrap();
    assert_eq!((after.hits, after.misses), (before.hits, before.misses));
    // The cached keys still serve a caller that will not wait.
    assert!(engine.verify(&token, wardgate::Options::at(NOW).keys(wardgate::KeyAccess::Cached)).is_ok());
}
