//! Properties over random input: nothing panics, no mutated token verifies, and a
//! refused token never leads to an allow.

mod support;

use proptest::prelude::*;
use serde_json::{json, Value};
use support::{claims, four_rules, policy, Signer, NOW};
use wardgate::{Engine, Request};

/// One engine and one admin token signed for it, shared by every case.
fn engine_and_token() -> &'static (Engine, String) {
    static SHARED: std::sync::OnceLock<(Engine, String)> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let signer = Signer::ed25519();
        let engine = Engine::from_value(&policy(&signer, "k1", four_rules())).unwrap();
        let mut c = claims("user_1");
        c["role"] = json!("admin");
        (engine, signer.sign("k1", &c))
    })
}

/// A token edit: flip a bit, delete, insert, or swap the first two parts.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize),
    Insert(usize, u8),
    SwapParts,
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), any::<u8>()).prop_map(|(i, c)| Mutation::Insert(i, c)),
        Just(Mutation::SwapParts),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(token: &str, m: &Mutation) -> Vec<u8> {
    let mut bytes = token.as_bytes().to_vec();
    let n = bytes.len();
    if n == 0 {
        return bytes;
    }
    match *m {
        Mutation::Flip(i, bit) => bytes[i % n] ^= 1 << bit,
        Mutation::Delete(i) => {
            bytes.remove(i % n);
        }
        Mutation::Insert(i, c) => bytes.insert(i % (n + 1), c),
        Mutation::SwapParts => {
            if let [a, b, rest @ ..] = token.split('.').collect::<Vec<_>>().as_slice() {
                bytes = [*b, *a].iter().chain(rest).copied().collect::<Vec<_>>().join(".").into_bytes();
            }
        }
        Mutation::Truncate(i) => bytes.truncate(i % n),
    }
    bytes
}

fn request() -> Request {
    Request::new("delete", json!({"type": "todo", "owner_id": "someone_else"}))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn mutated_tokens_never_verify(edits in prop::collection::vec(mutation(), 1..4)) {
        let (engine, token) = engine_and_token();
        // The untouched token verifies and the admin may delete anything.
        prop_assert!(engine.check(token, &request(), NOW).unwrap().allowed);
        let mut current = token.clone().into_bytes();
        for edit in &edits {
            current = apply(&String::from_utf8_lossy(&current), edit);
        }
        let mutated = String::from_utf8_lossy(&current).into_owned();
        if mutated != *token {
            prop_assert!(engine.verify(&mutated, NOW).is_err(), "mutated token verified");
            prop_assert!(engine.check(&mutated, &request(), NOW).is_err());
        }
    }

    #[test]
    fn random_text_never_panics_or_verifies(text in ".{0,300}") {
        let (engine, _) = engine_and_token();
        prop_assert!(engine.verify(&text, NOW).is_err());
        prop_assert!(engine.verify(wardgate::Credential::Authorization(&text), NOW).is_err());
    }

    #[test]
    fn random_dotted_base64_never_verifies(parts in prop::collection::vec("[A-Za-z0-9_-]{0,60}", 0..5)) {
        let (engine, _) = engine_and_token();
        prop_assert!(engine.verify(&parts.join("."), NOW).is_err());
    }

    #[test]
    fn refused_tokens_never_allow(exp_offset in -2000i64..2000, nbf_offset in -2000i64..2000, wrong_iss in any::<bool>()) {
        let signer = Signer::ed25519();
        let engine = Engine::from_value(&policy(&signer, "k1", json!([
            {"id": "all", "effect": "permit", "resource": "*", "actions": "*"}
        ]))).unwrap();
        let mut c = claims("user_1");
        c["exp"] = json!(NOW + exp_offset);
        c["nbf"] = json!(NOW + nbf_offset);
        if wrong_iss {
            c["iss"] = json!("https://evil.example");
        }
        let token = signer.sign("k1", &c);
        let valid = exp_offset > 0 && nbf_offset <= 0 && !wrong_iss;
        match engine.check(&token, &request(), NOW) {
            Ok(decision) => prop_assert!(valid && decision.allowed),
            Err(_) => prop_assert!(!valid),
        }
    }

    #[test]
    fn random_policies_never_panic(doc in arb_json()) {
        let _ = Engine::from_value(&doc);
        let wrapped = json!({"token": {"algorithms": ["EdDSA"]}, "keys": doc.clone(), "rules": doc});
        let _ = Engine::from_value(&wrapped);
    }

    #[test]
    fn random_conditions_never_panic(when in "[a-z_. =!<>&|()'\"\\[\\],0-9-]{0,80}") {
        let signer = Signer::ed25519();
        let doc = policy(&signer, "k1", json!([{"id": "r", "effect": "forbid", "resource": "*", "actions": "*", "when": when}]));
        if let Ok(engine) = Engine::from_value(&doc) {
            let p = wardgate::Principal::new("u", vec![], None, json!({"a": 1}));
            let decision = engine.authorize(&p, &request());
            // A forbid rule either applies (including by error) or not; never an allow.
            prop_assert!(!decision.allowed);
        }
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-zA-Z0-9 _.*-]{0,12}".prop_map(Value::String),
        prop::sample::select(vec!["EdDSA", "none", "HS256", "sig", "OKP", "Ed25519", "*", "permit", "forbid"])
            .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "token",
                    "keys",
                    "jwk",
                    "jwks",
                    "keys",
                    "kty",
                    "crv",
                    "x",
                    "algorithms",
                    "id",
                    "effect",
                    "when",
                    "rules",
                    "secret",
                    "pem",
                    "issuer"
                ])
                .prop_map(String::from),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}
