//! What only the inside can show: a verified-token cache hit meets a revocation set that
//! changed after the token was cached (an inline set never changes; the sources that will
//! change hand the check a new set, which is what these tests do by hand).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::Engine;
use crate::error::Reason;
use crate::revocation::{Revocation, RevocationSet};

const NOW: i64 = 1_764_000_000;
const SECRET: &str = "a test secret of at least thirty-two bytes";

fn engine(revocation: Value) -> Engine {
    Engine::from_value(&json!({
        "token": {"algorithms": ["HS256"]},
        "keys": {"secret": SECRET},
        "cache": {"max_entries": 10},
        "revocation": revocation,
    }))
    .unwrap()
}

fn sign(claims: Value) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(ring::hmac::sign(&key, input.as_bytes())))
}

fn revoke(engine: &mut Engine, set: RevocationSet) {
    engine.policy.revocation = Some(Revocation::Inline(set));
}

fn outcome(engine: &Engine, token: &str) -> Result<String, Reason> {
    engine.verify(token, NOW).map(|p| p.id().to_owned()).map_err(|e| e.reason())
}

/// A token verified and cached, then revoked (each kind of entry in turn): every later
/// call is refused, though the entry stays in the cache and each call is a hit.
#[test]
fn a_cached_token_revoked_later_is_refused_on_every_hit() {
    let claims = json!({"sub": "u1", "sid": "s1", "jti": "j1", "iat": NOW - 60, "exp": NOW + 600});
    let token = sign(claims);
    let sets = [
        RevocationSet::new(["s1".into()], [], []),
        RevocationSet::new([], ["j1".into()], []),
        RevocationSet::new([], [], [("u1".into(), (NOW - 60) as u64)]),
    ];
    for set in sets {
        let mut engine = engine(json!({"inline": {}}));
        assert_eq!(outcome(&engine, &token), Ok("u1".into()));
        revoke(&mut engine, set);
        for _ in 0..3 {
            assert_eq!(outcome(&engine, &token), Err(Reason::Revoked));
        }
        let status = engine.cache_status().unwrap();
        assert_eq!((status.entries, status.hits, status.misses), (1, 3, 1));
        // Lifted again (a later source may drop an entry): the same entry serves again.
        revoke(&mut engine, RevocationSet::default());
        assert_eq!(outcome(&engine, &token), Ok("u1".into()));
    }
}

/// A subject revoked before a time that is earlier than the cached token's `iat` leaves it
/// alone, on a hit as on a miss; and an expired, revoked token is still `expired`.
#[test]
fn a_hit_applies_the_same_order_and_boundary_as_a_miss() {
    let token = sign(json!({"sub": "u1", "iat": NOW - 60, "exp": NOW + 600}));
    let mut engine = engine(json!({"inline": {}}));
    assert!(outcome(&engine, &token).is_ok());
    revoke(&mut engine, RevocationSet::new([], [], [("u1".into(), (NOW - 61) as u64)]));
    assert_eq!(outcome(&engine, &token), Ok("u1".into()));
    revoke(&mut engine, RevocationSet::new([], [], [("u1".into(), (NOW - 60) as u64)]));
    assert_eq!(outcome(&engine, &token), Err(Reason::Revoked));
    assert_eq!(engine.verify(token.as_str(), NOW + 600).unwrap_err().reason(), Reason::Expired);
    assert_eq!(engine.cache_status().unwrap().misses, 1);
}

/// A revoked token is refused on its first verification and never enters the cache.
#[test]
fn a_revoked_token_is_never_cached() {
    let engine = engine(json!({"inline": {"sid": ["s1"]}}));
    let token = sign(json!({"sub": "u1", "sid": "s1", "exp": NOW + 600}));
    for _ in 0..3 {
        assert_eq!(outcome(&engine, &token), Err(Reason::Revoked));
    }
    let status = engine.cache_status().unwrap();
    assert_eq!((status.entries, status.hits, status.misses), (0, 0, 3));
}
