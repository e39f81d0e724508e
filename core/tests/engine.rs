//! The engine end to end with real keys and signatures.

mod support;

use serde_json::json;
use support::{claims, four_rules, policy, Signer, HMAC_SECRET, NOW};
use wardgate::{Engine, Reason, Request};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn engine_is_shareable_between_threads() {
    assert_send_sync::<Engine>();
    assert_send_sync::<wardgate::Principal>();
    assert_send_sync::<wardgate::Decision>();
}

#[test]
fn every_signer_verifies_through_a_jwks() {
    for signer in [
        Signer::ed25519(),
        Signer::es256(),
        Signer::es384(),
        Signer::rs256(),
        Signer::ps256(),
        Signer::hs256(HMAC_SECRET),
    ] {
        let engine = Engine::from_value(&policy(&signer, "k1", json!([]))).unwrap();
        let token = signer.sign("k1", &claims("user_1"));
        let principal = engine.verify(&token, NOW).unwrap_or_else(|e| panic!("{}: {e}", signer.alg()));
        assert_eq!(principal.id(), "user_1");
        assert_eq!(principal.roles(), ["user"]);
        assert_eq!(principal.claims()["iss"], support::ISSUER);
        let header = format!("Bearer {token}");
        assert!(engine.verify(wardgate::Credential::Authorization(&header), NOW).is_ok());
    }
}

#[test]
fn a_key_of_another_signer_does_not_verify() {
    let signer = Signer::ed25519();
    let other = Signer::ed25519();
    let engine = Engine::from_value(&policy(&signer, "k1", json!([]))).unwrap();
    let err = engine.verify(&other.sign("k1", &claims("u")), NOW).unwrap_err();
    assert_eq!(err.reason(), Reason::BadSignature);
}

#[test]
fn check_runs_the_four_rules() {
    let signer = Signer::es256();
    let engine = Engine::from_value(&policy(&signer, "k1", four_rules())).unwrap();
    let token = signer.sign("k1", &claims("user_1"));
    let own = Request::new("update", json!({"type": "todo", "owner_id": "user_1"}));
    let other = Request::new("update", json!({"type": "todo", "owner_id": "user_2"}));
    let d = engine.check(&token, &own, NOW).unwrap();
    assert!(d.allowed);
    assert_eq!(d.rules, ["own-todos"]);
    let d = engine.check(&token, &other, NOW).unwrap();
    assert_eq!((d.allowed, d.reason, d.status), (false, Some(Reason::Denied), 403));

    let mut banned = claims("user_1");
    banned["banned"] = json!(true);
    let d = engine.check(&signer.sign("k1", &banned), &own, NOW).unwrap();
    assert_eq!((d.reason, d.rules.clone()), (Some(Reason::Forbidden), vec!["banned".to_string()]));

    let expired = engine.check(&token, &own, NOW + 10_000).unwrap_err();
    assert_eq!(expired.reason(), Reason::Expired);
}

#[test]
fn errors_never_reveal_the_token_or_the_secret() {
    let signer = Signer::hs256(HMAC_SECRET);
    let engine = Engine::from_value(&policy(&signer, "k1", json!([]))).unwrap();
    let good = signer.sign("k1", &claims("user_1"));
    let parts: Vec<&str> = good.split('.').collect();
    let mut cases = vec![
        format!("{}.{}.{}", parts[0], parts[1], "AAAA"),
        format!("{}.{}", parts[0], parts[1]),
        format!("{}x.{}.{}", parts[0], parts[1], parts[2]),
    ];
    let mut expired = claims("user_1");
    expired["exp"] = json!(NOW - 1);
    cases.push(signer.sign("k1", &expired));
    for token in &cases {
        let err = engine.verify(token, NOW).unwrap_err();
        let shown = format!("{err} {err:?} {}", serde_json::to_string(&err).unwrap());
        for part in token.split('.').filter(|p| p.len() > 8) {
            assert!(!shown.contains(part), "{shown}");
        }
        assert!(!shown.contains(HMAC_SECRET), "{shown}");
    }
    let debug = format!("{engine:?}");
    assert!(!debug.contains(HMAC_SECRET) && !debug.contains("test-only-secret"), "{debug}");
}

#[test]
fn the_clock_is_the_callers() {
    let signer = Signer::ed25519();
    let engine = Engine::from_value(&policy(&signer, "k1", json!([]))).unwrap();
    let token = signer.sign("k1", &claims("u"));
    assert!(engine.verify(&token, NOW).is_ok());
    assert!(engine.verify(&token, wardgate::UnixTime::from_secs_f64(NOW as f64 + 899.5)).is_ok());
    assert_eq!(engine.verify(&token, NOW + 900).unwrap_err().reason(), Reason::Expired);
    assert_eq!(engine.verify(&token, NOW - 61).unwrap_err().reason(), Reason::NotYetValid);
}

#[test]
fn warnings_point_at_suspicious_rules() {
    let signer = Signer::ed25519();
    let mut doc = policy(
        &signer,
        "k1",
        json!([
            {"id": "never", "effect": "permit", "resource": "*", "actions": "*", "when": "1 == 2"},
            {"id": "unguarded", "effect": "forbid", "resource": "*", "actions": "*", "when": "principal.claims.banned == true"},
            {"id": "guarded", "effect": "forbid", "resource": "*", "actions": "*", "when": "principal.claims has banned && principal.claims.banned == true"},
            {"id": "no-actions", "effect": "permit", "resource": "*", "actions": []}
        ]),
    );
    doc["token"]["algorithms"] = json!(["EdDSA", "ES256"]);
    let engine = Engine::from_value(&doc).unwrap();
    let warnings: Vec<String> = engine.warnings().iter().map(|w| format!("{}: {}", w.path, w.message)).collect();
    assert!(warnings.iter().any(|w| w.starts_with("token.algorithms: ES256")), "{warnings:?}");
    assert!(warnings.iter().any(|w| w.starts_with("rules[0].when") && w.contains("never")), "{warnings:?}");
    assert!(
        warnings.iter().any(|w| w.starts_with("rules[1].when") && w.contains("principal.claims.banned")),
        "{warnings:?}"
    );
    assert!(!warnings.iter().any(|w| w.starts_with("rules[2]")), "{warnings:?}");
    assert!(warnings.iter().any(|w| w.starts_with("rules[3].actions")), "{warnings:?}");
}

#[test]
fn expression_errors_name_the_rule_and_column() {
    let signer = Signer::ed25519();
    let doc = policy(
        &signer,
        "k1",
        json!([{"id": "x", "effect": "permit", "resource": "*", "actions": "*", "when": "principal.id == "}]),
    );
    let err = Engine::from_value(&doc).unwrap_err();
    assert_eq!(err.path(), "rules[0].when");
    assert!(err.problem().starts_with("rule \"x\", column 17: unexpected end"), "{err}");
}

#[test]
fn a_forbid_rule_whose_condition_always_fails_is_reported_as_denying_everything() {
    let signer = Signer::ed25519();
    let doc = policy(
        &signer,
        "k1",
        json!([
            {"id": "all", "effect": "permit", "resource": "*", "actions": "*"},
            {"id": "failing", "effect": "forbid", "resource": "report", "actions": "*", "when": "1 < 'a'"},
            {"id": "false", "effect": "forbid", "resource": "*", "actions": "*", "when": "action == 'read' && false"}
        ]),
    );
    let engine = Engine::from_value(&doc).unwrap();
    let warnings: Vec<String> = engine.warnings().iter().map(|w| format!("{}: {}", w.path, w.message)).collect();
    assert!(
        warnings.iter().any(|w| w.starts_with("rules[1].when") && w.contains("denies every request it targets")),
        "{warnings:?}"
    );
    assert!(warnings.iter().any(|w| w.starts_with("rules[2].when") && w.contains("can never apply")), "{warnings:?}");
    // What the warning says is what happens.
    let p = wardgate::Principal::new("u1", vec![], None, json!({"sub": "u1"}));
    let report = engine.authorize(&p, &Request::new("read", json!({"type": "report"})));
    assert_eq!((report.allowed, report.reason), (false, Some(Reason::Forbidden)));
    assert!(engine.authorize(&p, &Request::new("read", json!({"type": "todo", "x": 1}))).allowed);
}
