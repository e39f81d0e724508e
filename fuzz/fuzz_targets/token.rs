//! Token parsing and verification: any input is refused or verified, never a panic; a
//! verified input is a token the test keys signed, so its principal is well formed.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use wardgate::{Engine, Request};

/// An EdDSA engine (the test key `ed-1` of tests/keys) with the four ownership rules, and
/// an HS256 engine with the test secret.
fn engines() -> &'static [Engine; 2] {
    static ENGINES: OnceLock<[Engine; 2]> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let rules = json!([
            {"id": "own", "effect": "permit", "resource": "todo", "actions": ["read", "update"],
             "when": "resource.owner_id == principal.id"},
            {"id": "admins", "effect": "permit", "resource": "*", "actions": "*", "when": "'admin' in principal.roles"},
            {"id": "banned", "effect": "forbid", "resource": "*", "actions": "*",
             "when": "principal.claims has banned && principal.claims.banned == true"}
        ]);
        // tests/keys/jwks.json, kid ed-1.
        let ed = json!({"kty": "OKP", "crv": "Ed25519", "kid": "ed-1", "x": "mxVjy5tkWT9TxzW_or0kA1bjHtpazjBCbZe2-r3m84g"});
        let eddsa = json!({"token": {"algorithms": ["EdDSA"], "leeway": 5}, "keys": {"jwks": {"keys": [ed]}}, "rules": rules});
        let secret = include_str!("../../tests/keys/hmac-secret.txt");
        let hs = json!({"token": {"algorithms": ["HS256"]}, "keys": {"secret": secret}, "rules": rules, "cache": {"max_entries": 64}});
        [Engine::from_value(&eddsa).expect("the EdDSA policy"), Engine::from_value(&hs).expect("the HS256 policy")]
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let request = Request::new("update", json!({"type": "todo", "owner_id": "user_1"}));
    for engine in engines() {
        for now in [0_i64, 1_764_000_000, i64::MAX] {
            if let Ok(principal) = engine.verify(text, now) {
                assert!(!principal.id.is_empty(), "a verified principal has an id");
                let _ = engine.authorize(&principal, &request);
            }
            let _ = engine.verify(wardgate::Credential::Authorization(text), now);
            let _ = engine.check(text, &request, now);
            let _ = wardgate::ffi::settled(wardgate::ffi::verify(
                &engine,
                wardgate::Credential::Token(text),
                wardgate::Options::at(now),
            ));
        }
    }
});
