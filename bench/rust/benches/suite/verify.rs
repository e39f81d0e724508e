//! The `verify` and `verify-cached` sides: Wardgate, the bare signature check (ring, or
//! p521 for ES512) and jsonwebtoken on each backend, each checked before it is timed.

use crate::fixtures::{hmac_key, segments, sign_hs256, tampered_payload, tampered_signature, Case, Fixtures};
use crate::measure::Side;
use crate::provider::{self, Backend};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{DecodingKey, Validation};
use wardgate::{Engine, UnixTime};
use ring::signature::{self as sig, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::Value;
use std::fmt::Debug;
use std::hint::black_box;

/// A bare signature check: signing input, signature → valid.
type SignatureCheck = Box<dyn Fn(&[u8], &[u8]) -> bool>;

/// A whole verification: token → accepted.
type TokenCheck<'a> = Box<dyn Fn(&str) -> bool + 'a>;

/// The `verify` sides of every algorithm, then the `verify-cached` side.
pub fn sides(fx: &Fixtures, now: UnixTime) -> Vec<Side> {
    let mut sides = Vec::new();
    for case in &fx.cases {
        let engine = Engine::from_value(&case.policy).unwrap_or_else(|e| panic!("{}: the policy: {e}", case.alg));
        sides.push(token_side("wardgate", "verify", case, || {}, move |t| engine.verify(t, now)));
        sides.push(floor_side(case));
        // jsonwebtoken has no ES512, so that algorithm has no jsonwebtoken rows. Every
        // backend does every other algorithm measured here.
        if let Ok(alg) = case.alg.parse::<jsonwebtoken::Algorithm>() {
            let enters: [(Backend, fn()); 3] = [
                (Backend::AwsLc, || provider::select(Backend::AwsLc)),
                (Backend::RustCrypto, || provider::select(Backend::RustCrypto)),
                (Backend::Ring, || provider::select(Backend::Ring)),
            ];
            for (backend, enter) in enters {
                let key = decoding_key(case);
                let validation = validation(alg, fx);
                let decode = move |t: &str| jsonwebtoken::decode::<Value>(t, &key, &validation);
                sides.push(token_side(backend.library(), "verify", case, enter, decode));
            }
        }
    }
    sides.push(cached_side(fx, now));
    sides
}

/// A side verifying whole tokens, after checking that it accepts the case's token and
/// refuses it with the payload or the signature tampered with.
pub fn token_side<T: 'static, E: Debug + 'static>(
    library: &str,
    operation: &'static str,
    case: &Case,
    enter: fn(),
    verify: impl Fn(&str) -> Result<T, E> + 'static,
) -> Side {
    enter();
    let alg = &case.alg;
    if let Err(e) = verify(&case.token) {
        panic!("{alg}: {library} refuses the fixture token: {e:?}");
    }
    for (what, bad) in [("payload", tampered_payload(&case.token)), ("signature", tampered_signature(&case.token))] {
        if verify(&bad).is_ok() {
            panic!("{alg}: {library} accepts the token with its {what} tampered with");
        }
    }
    let token = case.token.clone();
    Side::new(library, operation, alg, move || {
        let _ = black_box(verify(black_box(&token)));
    })
    .entering(enter)
}

/// The floor: the bare signature check of the token's signing input, the key decoded from
/// the JWK and the signature from base64url once, outside the timing. ring for all but
/// ES512, which ring lacks: there the `p521` crate (what Wardgate itself uses for it).
fn floor_side(case: &Case) -> Side {
    let jwk = &case.jwk;
    let field = |name: &str| -> Vec<u8> {
        let text =
            jwk.get(name).and_then(Value::as_str).unwrap_or_else(|| panic!("{}: the JWK lacks {name}", case.alg));
        B64.decode(text).unwrap_or_else(|e| panic!("{}: JWK {name}: {e}", case.alg))
    };
    let point = || [vec![4u8], field("x"), field("y")].concat();
    let (library, check): (&str, SignatureCheck) = match case.alg.as_str() {
        "EdDSA" => {
            let key = UnparsedPublicKey::new(&sig::ED25519, field("x"));
            ("ring", Box::new(move |m, s| key.verify(m, s).is_ok()))
        }
        "ES256" => {
            let key = UnparsedPublicKey::new(&sig::ECDSA_P256_SHA256_FIXED, point());
            ("ring", Box::new(move |m, s| key.verify(m, s).is_ok()))
        }
        "ES512" => {
            let key = p521::ecdsa::VerifyingKey::from_sec1_bytes(&point()).expect("a P-521 point");
            let check = move |m: &[u8], s: &[u8]| {
                use p521::ecdsa::signature::Verifier as _;
                p521::ecdsa::Signature::from_slice(s).is_ok_and(|s| key.verify(m, &s).is_ok())
            };
            ("p521", Box::new(check))
        }
        "RS256" | "PS256" => {
            let params =
                if case.alg == "RS256" { &sig::RSA_PKCS1_2048_8192_SHA256 } else { &sig::RSA_PSS_2048_8192_SHA256 };
            let key = RsaPublicKeyComponents { n: field("n"), e: field("e") };
            ("ring", Box::new(move |m, s| key.verify(params, m, s).is_ok()))
        }
        "HS256" => {
            let key = hmac_key(case.secret.as_deref().expect("the HS256 case has its secret"));
            ("ring", Box::new(move |m, s| ring::hmac::verify(&key, m, s).is_ok()))
        }
        other => panic!("no floor for {other}"),
    };
    let (message, signature) = signed_parts(&case.token);
    if !check(&message, &signature) {
        panic!("{}: {library} refuses the fixture token's signature", case.alg);
    }
    let (bad_message, _) = signed_parts(&tampered_payload(&case.token));
    let (_, bad_signature) = signed_parts(&tampered_signature(&case.token));
    if check(&bad_message, &signature) || check(&message, &bad_signature) {
        panic!("{}: {library} accepts a tampered message or signature", case.alg);
    }
    Side::new(library, "verify", &case.alg, move || {
        black_box(check(black_box(&message), black_box(&signature)));
    })
}

/// The signing input and the decoded signature of a compact JWS.
fn signed_parts(token: &str) -> (Vec<u8>, Vec<u8>) {
    let [header, payload, signature] = segments(token);
    (format!("{header}.{payload}").into_bytes(), B64.decode(signature).expect("base64url signature"))
}

/// jsonwebtoken's key, from the case's JWK (for HS256 the `oct` JWK of the secret).
fn decoding_key(case: &Case) -> DecodingKey {
    let jwk: Jwk = serde_json::from_value(case.jwk.clone()).unwrap_or_else(|e| panic!("{}: the JWK: {e}", case.alg));
    DecodingKey::from_jwk(&jwk).unwrap_or_else(|e| panic!("{}: DecodingKey::from_jwk: {e}", case.alg))
}

/// The checks every side makes: the one algorithm, `iss`, `aud` and `exp` (jsonwebtoken's
/// default leeway), with `exp`, `sub`, `iss` and `aud` required.
fn validation(alg: jsonwebtoken::Algorithm, fx: &Fixtures) -> Validation {
    let mut validation = Validation::new(alg);
    validation.set_issuer(&[&fx.issuer]);
    validation.set_audience(&[&fx.audience]);
    validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
    validation.validate_exp = true;
    validation
}

/// A verified-token cache hit: the first call fills the cache, every timed call hits it.
fn cached_side(fx: &Fixtures, now: UnixTime) -> Side {
    let engine = Engine::from_value(&fx.cache.policy).unwrap_or_else(|e| panic!("the cache policy: {e}"));
    let case = Case {
        alg: "EdDSA".into(),
        token: fx.cache.token.clone(),
        jwk: Value::Null,
        secret: None,
        policy: fx.cache.policy.clone(),
    };
    engine.verify(&case.token, now).expect("the cache engine accepts the cache token");
    engine.verify(&case.token, now).expect("the cache engine accepts the cache token again");
    let status = engine.cache_status().expect("the cache policy has a cache");
    assert!(status.hits >= 1 && status.entries == 1, "the second verification is not a cache hit: {status:?}");
    token_side("wardgate", "verify-cached", &case, || {}, move |t| engine.verify(t, now))
}

/// That every token-verifying library checks `iss`, `aud`, `exp` and `sub`, shown on HS256
/// tokens signed here (a valid one, and one wrong in each respect); the floors check no
/// claims, by design.
pub fn check_claims(fx: &Fixtures, now: UnixTime, now_secs: u64) {
    let case = fx.case("HS256");
    let key = hmac_key(case.secret.as_deref().expect("the HS256 case has its secret"));
    let claims = &fx.memory.claims;
    let with = |name: &str, value: Value| {
        let mut c = claims.clone();
        c[name] = value;
        c
    };
    let mut expired = with("exp", Value::from(now_secs - 3600));
    expired["iat"] = Value::from(now_secs - 7200);
    let mut no_sub = claims.clone();
    no_sub.as_object_mut().expect("memory.claims is an object").remove("sub");
    let bad = [
        ("wrong issuer", with("iss", Value::from("https://evil.example.com"))),
        ("wrong audience", with("aud", Value::from("https://evil.example.com"))),
        ("expired", expired),
        ("no sub", no_sub),
    ];
    let engine = Engine::from_value(&case.policy).expect("the HS256 policy");
    let jwt_key = decoding_key(case);
    let jwt_validation = validation(jsonwebtoken::Algorithm::HS256, fx);
    let mut verifiers: Vec<(&str, TokenCheck)> = vec![("wardgate", Box::new(|t| engine.verify(t, now).is_ok()))];
    for backend in [Backend::AwsLc, Backend::RustCrypto, Backend::Ring] {
        let verify = |t: &str| jsonwebtoken::decode::<Value>(t, &jwt_key, &jwt_validation).is_ok();
        verifiers.push((
            backend.library(),
            Box::new(move |t| {
                provider::select(backend);
                verify(t)
            }),
        ));
    }
    let good = sign_hs256(&key, claims);
    for (library, verify) in &verifiers {
        assert!(verify(&good), "HS256: {library} refuses a valid token signed by the harness");
        for (what, claims) in &bad {
            assert!(!verify(&sign_hs256(&key, claims)), "HS256: {library} accepts a token with {what}");
        }
    }
}
