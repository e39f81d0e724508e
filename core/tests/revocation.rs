//! Revocation (`"revocation": {"inline": {...}}`) through the public API: each kind of entry,
//! the `iat` boundary, the place of the step after every claim check, the principal id
//! claim, the verified-token cache, threads, and what a refusal says.

mod support;

use std::sync::Arc;
use std::thread;

use serde_json::{json, Value};
use support::{claims, policy, Signer, NOW};
use wardgate::{Credential, Engine, Reason, Request, RevocationSource, RevocationState};

const T: i64 = NOW - 60;

fn engine(signer: &Signer, inline: Value) -> Engine {
    let mut doc = policy(signer, "k1", json!([{"id": "all", "effect": "permit", "resource": "*", "actions": "*"}]));
    doc["revocation"] = json!({ "inline": inline });
    Engine::from_value(&doc).unwrap()
}

fn outcome(engine: &Engine, token: &str, now: i64) -> Result<String, Reason> {
    engine.verify(token, now).map(|p| p.id().to_owned()).map_err(|e| e.reason())
}

fn with(sub: &str, extra: Value) -> Value {
    let mut c = claims(sub);
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() {
            c.as_object_mut().unwrap().remove(k);
        } else {
            c[k] = v.clone();
        }
    }
    c
}

#[test]
fn each_kind_of_entry_revokes() {
    let signer = Signer::ed25519();
    let engine = engine(&signer, json!({"sid": ["s-gone"], "jti": ["j-gone"], "subjects": {"banned": T}}));
    let cases = [
        (with("u1", json!({"sid": "s-gone"})), Err(Reason::Revoked)),
        (with("u1", json!({"jti": "j-gone"})), Err(Reason::Revoked)),
        (with("banned", json!({})), Err(Reason::Revoked)),
        (with("u1", json!({"sid": "s-live", "jti": "j-live"})), Ok("u1".to_owned())),
        // A sid in the jti list (and the other way round) is another entry.
        (with("u1", json!({"sid": "j-gone", "jti": "s-gone"})), Ok("u1".to_owned())),
        // No sid at all against a sid list: nothing to match.
        (with("u1", json!({})), Ok("u1".to_owned())),
        // Only strings match: a numeric sid is not the string entry.
        (with("u1", json!({"sid": 5})), Ok("u1".to_owned())),
    ];
    for (c, expected) in cases {
        assert_eq!(outcome(&engine, &signer.sign("k1", &c), NOW), expected, "{c}");
    }
}

#[test]
fn a_subject_is_revoked_for_tokens_issued_at_or_before_its_time() {
    let signer = Signer::ed25519();
    let engine = engine(&signer, json!({"subjects": {"u1": T}}));
    let at = |iat: Value| outcome(&engine, &signer.sign("k1", &with("u1", json!({ "iat": iat }))), NOW);
    assert_eq!(at(json!(T)), Err(Reason::Revoked));
    assert_eq!(at(json!(T - 1)), Err(Reason::Revoked));
    assert_eq!(at(json!(T as f64 + 0.5)), Ok("u1".into()));
    assert_eq!(at(json!(T + 1)), Ok("u1".into()));
    // A token without iat cannot show it was issued after T.
    assert_eq!(outcome(&engine, &signer.sign("k1", &with("u1", json!({"iat": null}))), NOW), Err(Reason::Revoked));
    // Another subject is not touched.
    assert_eq!(outcome(&engine, &signer.sign("k1", &with("u2", json!({"iat": T}))), NOW), Ok("u2".into()));
}

#[test]
fn the_subject_is_the_principal_id_claim() {
    let signer = Signer::ed25519();
    let mut doc = policy(&signer, "k1", json!([]));
    doc["principal"] = json!({"id": "uid"});
    doc["token"]["required_claims"] = json!(["exp"]);
    doc["revocation"] = json!({"inline": {"subjects": {"user-7": T}}});
    let engine = Engine::from_value(&doc).unwrap();
    let token = signer.sign("k1", &with("someone-else", json!({"uid": "user-7"})));
    assert_eq!(outcome(&engine, &token, NOW), Err(Reason::Revoked));
    let token = signer.sign("k1", &with("user-7", json!({"uid": "user-8"})));
    assert_eq!(outcome(&engine, &token, NOW), Ok("user-8".into()));
}

/// Revocation is the last step: a token that fails a claim check gets that reason.
#[test]
fn every_claim_check_comes_first() {
    let signer = Signer::ed25519();
    let engine = engine(&signer, json!({"sid": ["s1"], "subjects": {"u1": NOW}}));
    let revoked = |extra: Value| signer.sign("k1", &with("u1", extra));
    assert_eq!(outcome(&engine, &revoked(json!({"sid": "s1"})), NOW + 900), Err(Reason::Expired));
    assert_eq!(outcome(&engine, &revoked(json!({"exp": NOW})), NOW), Err(Reason::Expired));
    assert_eq!(outcome(&engine, &revoked(json!({"nbf": NOW + 10})), NOW), Err(Reason::NotYetValid));
    assert_eq!(outcome(&engine, &revoked(json!({"iss": "https://other"})), NOW), Err(Reason::IssuerMismatch));
    assert_eq!(outcome(&engine, &revoked(json!({"aud": "https://other"})), NOW), Err(Reason::AudienceMismatch));
    assert_eq!(outcome(&engine, &revoked(json!({"iat": "yesterday"})), NOW), Err(Reason::InvalidClaim));
    let mut forged = revoked(json!({}));
    forged.replace_range(forged.len() - 4.., "AAAA");
    assert_eq!(outcome(&engine, &forged, NOW), Err(Reason::BadSignature));
    assert_eq!(outcome(&engine, &revoked(json!({})), NOW), Err(Reason::Revoked));
}

#[test]
fn a_refusal_is_a_401_that_names_no_claim_value() {
    let signer = Signer::ed25519();
    let engine = engine(&signer, json!({"sid": ["session-secret-42"]}));
    let token = signer.sign("k1", &with("alice", json!({"sid": "session-secret-42"})));
    let err = engine.verify(Credential::Authorization(&format!("Bearer {token}")), NOW).unwrap_err();
    assert_eq!((err.code().as_str(), err.status(), err.reason().as_str()), ("TOKEN_INVALID", 401, "revoked"));
    assert_eq!(err.headers(), [("WWW-Authenticate", r#"Bearer error="invalid_token""#)]);
    let text = serde_json::to_string(&err).unwrap();
    assert!(!text.contains("session-secret-42") && !text.contains("alice") && !text.contains(&token), "{text}");
    assert_eq!(err.detail(), "the token has been revoked");
    // check() never decides a request for a revoked token.
    let request = Request::new("read", json!({"type": "todo"}));
    assert_eq!(engine.check(token.as_str(), &request, NOW).unwrap_err().reason(), Reason::Revoked);
}

#[test]
fn the_cache_never_serves_a_revoked_token() {
    let signer = Signer::ed25519();
    let mut doc = policy(&signer, "k1", json!([]));
    doc["cache"] = json!({"max_entries": 100});
    doc["revocation"] = json!({"inline": {"sid": ["s1"], "subjects": {"u2": T}}});
    let engine = Engine::from_value(&doc).unwrap();
    let revoked = [signer.sign("k1", &with("u1", json!({"sid": "s1"}))), signer.sign("k1", &with("u2", json!({})))];
    let live = signer.sign("k1", &with("u2", json!({"iat": T + 1})));
    for _ in 0..5 {
        for token in &revoked {
            assert_eq!(outcome(&engine, token, NOW), Err(Reason::Revoked));
        }
        assert_eq!(outcome(&engine, &live, NOW), Ok("u2".into()));
    }
    let status = engine.cache_status().unwrap();
    assert_eq!((status.entries, status.hits, status.misses), (1, 4, 11));
}

#[test]
fn threads_share_one_answer() {
    let signer = Signer::ed25519();
    let mut doc = policy(&signer, "k1", json!([]));
    doc["cache"] = json!({"max_entries": 16});
    doc["revocation"] = json!({"inline": {"jti": ["j1"]}});
    let engine = Arc::new(Engine::from_value(&doc).unwrap());
    let revoked = Arc::new(signer.sign("k1", &with("u1", json!({"jti": "j1"}))));
    let live = Arc::new(signer.sign("k1", &with("u1", json!({"jti": "j2"}))));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let (engine, revoked, live) = (Arc::clone(&engine), Arc::clone(&revoked), Arc::clone(&live));
            thread::spawn(move || {
                for _ in 0..200 {
                    assert_eq!(outcome(&engine, &revoked, NOW), Err(Reason::Revoked));
                    assert_eq!(outcome(&engine, &live, NOW), Ok("u1".into()));
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn status_reports_the_source_and_its_entries() {
    let signer = Signer::ed25519();
    let engine = engine(&signer, json!({"sid": ["a", "b"], "jti": ["c"], "subjects": {"d": 1, "e": 2, "f": 3}}));
    let status = engine.revocation_status().unwrap();
    assert_eq!((status.source, status.state), (RevocationSource::Inline, RevocationState::Ready));
    assert_eq!((status.entries, status.sids, status.jtis, status.subjects), (6, 2, 1, 3));
    assert_eq!(
        serde_json::to_value(&status).unwrap(),
        json!({"source": "inline", "url": null, "state": "ready", "entries": 6, "sids": 2, "jtis": 1,
               "subjects": 3, "last_sync": null, "age": null, "last_error": null})
    );
    let plain = Engine::from_value(&policy(&signer, "k1", json!([]))).unwrap();
    assert!(plain.revocation_status().is_none());
}

#[test]
fn the_section_is_checked_with_paths() {
    let signer = Signer::ed25519();
    let load = |revocation: Value| {
        let mut doc = policy(&signer, "k1", json!([]));
        doc["revocation"] = revocation;
        Engine::from_value(&doc).map(|_| ()).map_err(|e| e.to_string())
    };
    assert_eq!(load(json!({"inline": {}})), Ok(()));
    assert_eq!(load(json!({"inlin": {}})), Err("revocation.inlin: unknown field (did you mean `inline`?)".into()));
    // A Redis source loads with the `redis` feature (tested against a real server in
    // revocation_redis.rs), and is refused without it.
    let redis = load(json!({"redis_url": "redis://127.0.0.1:9/0", "stale_for": 60, "refresh": {"timeout": 1}}));
    if cfg!(feature = "redis") {
        assert_eq!(redis, Ok(()));
    } else {
        assert!(redis.unwrap_err().starts_with("revocation.redis_url: this build has no Redis client"));
    }
    // A url source loads (nothing is fetched until a verification needs the set).
    assert_eq!(load(json!({"url": "https://app.example.com/api/auth/revoked", "stale_for": 60})), Ok(()));
    assert_eq!(
        load(json!({"url": "http://app.example.com/api/auth/revoked"})),
        Err("revocation.url: must use https: (http: is allowed only for localhost, 127.0.0.0/8 and [::1])".into())
    );
    assert_eq!(
        load(json!({"inline": {"jti": "j1"}})),
        Err("revocation.inline.jti: must be a list of token ids, not a string".into())
    );
    // Validation reports the section beside the other parts.
    let mut doc = policy(&signer, "k1", json!([]));
    doc["token"]["leeway"] = json!(-1);
    doc["revocation"] = json!({"inline": {"sid": [1]}});
    let problems = Engine::validate(&doc).unwrap_err();
    let paths: Vec<&str> = problems.iter().map(|p| p.path()).collect();
    assert_eq!(paths, ["token.leeway", "revocation.inline.sid[0]"]);
}
