//! Policy document loading: any input loads or gives configuration errors with a path,
//! never a panic; a loaded policy then verifies and decides without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use wardgate::{Engine, Principal, Request};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(doc) = serde_json::from_str::<serde_json::Value>(text) {
        if let Err(problems) = Engine::validate(&doc) {
            assert!(!problems.is_empty(), "a refused policy names at least one problem");
        }
    }
    let Ok(engine) = Engine::from_json(text) else { return };
    let _ = engine.warnings();
    let principal = Principal::new("u1", vec!["user".into()], Some("org".into()), json!({"sub": "u1", "n": 1}));
    let request = Request::new("read", json!({"type": "todo", "owner_id": "u1", "tags": ["a"]}))
        .with_context(json!({"ip": "::1"}));
    let _ = engine.authorize(&principal, &request);
    let _ = engine.verify(
        "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1MSJ9.c2ln",
        wardgate::Options::at(1_764_000_000).keys(wardgate::KeyAccess::Cached),
    );
    let _ = engine.key_status();
    let _ = engine.cache_status();
});
