//! Key sets: any response body to a remote key set's fetch, and any `keys.jwks` value in a
//! policy, is taken or refused, never a panic; a refused body never replaces good keys.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use wardgate::{Engine, KeyNeed, KeyResponse};

/// A token header naming `ed-1`, for key selection (its signature never verifies).
const TOKEN: &str = "eyJhbGciOiJFZERTQSIsImtpZCI6ImVkLTEifQ.eyJzdWIiOiJ1MSJ9.c2ln";

/// A remote key set that asks for a fetch on every use.
fn remote_policy() -> &'static Value {
    static POLICY: OnceLock<Value> = OnceLock::new();
    POLICY.get_or_init(|| {
        json!({
            "token": {"algorithms": ["EdDSA", "ES256", "RS256", "PS256", "ES512"]},
            "keys": {"jwks_url": "http://127.0.0.1:9/jwks", "refresh": {"max_age": 0, "cooldown": 0}},
        })
    })
}

fuzz_target!(|data: &[u8]| {
    // As a fetched key set: the body of a 200 response, to a fresh engine each time.
    let engine = Engine::from_value(remote_policy()).expect("the remote policy");
    if let KeyNeed::Fetch(ticket) = engine.key_need(TOKEN) {
        let body = data.to_vec();
        engine.key_response(
            &ticket,
            KeyResponse::Http { status: 200, cache_control: None, content_encoding: None, body },
        );
    }
    let before = engine.key_status();
    let _ = engine.verify(TOKEN, wardgate::Options::at(1_764_000_000).keys(wardgate::KeyAccess::Cached));
    let _ = engine.key_events();
    // A second, refused response keeps what the first one brought.
    if let KeyNeed::Fetch(ticket) = engine.key_need(TOKEN) {
        engine.key_response(
            &ticket,
            KeyResponse::Http { status: 200, cache_control: None, content_encoding: None, body: b"{".to_vec() },
        );
        assert_eq!(engine.key_status().kids, before.kids, "a refused response replaced the keys");
    }

    // As a policy's keys.jwks.
    if let Ok(jwks) = serde_json::from_slice::<Value>(data) {
        let doc = json!({"token": {"algorithms": ["EdDSA", "ES256", "RS256"]}, "keys": {"jwks": jwks}});
        if let Ok(engine) = Engine::from_value(&doc) {
            let _ = engine.verify(TOKEN, 1_764_000_000);
        }
    }
});
