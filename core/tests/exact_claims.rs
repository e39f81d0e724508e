//! Claims reach the rules exactly as the token wrote them, whichever path a runtime takes:
//! numbers are read correctly rounded (as JavaScript's and Python's JSON readers read them),
//! and a principal written as JSON text and read back, as the JavaScript bindings' `authorize`
//! receives it, is the same principal down to the kind and the bits of every number, so
//! `authorize` on it decides as `check` does.

mod support;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use proptest::prelude::*;
use serde_json::{json, Value};
use support::{Signer, AUDIENCE, ISSUER, NOW};
use wardgate::{Engine, Principal, Request};

/// A token whose payload holds the standard claims and `members`, raw JSON text.
fn sign_raw(signer: &Signer, members: &str) -> String {
    let head = URL_SAFE_NO_PAD.encode(json!({"alg": "EdDSA", "typ": "JWT", "kid": "k1"}).to_string());
    let payload = format!(
        r#"{{"sub":"u1","iss":"{ISSUER}","aud":"{AUDIENCE}","iat":{},"exp":{},{members}}}"#,
        NOW - 60,
        NOW + 900
    );
    let input = format!("{head}.{}", URL_SAFE_NO_PAD.encode(payload));
    let signature = URL_SAFE_NO_PAD.encode(signer.signature(input.as_bytes()));
    format!("{input}.{signature}")
}

/// One signer and an engine for it whose rules compare the claims `n` and `m`.
fn shared() -> &'static (Signer, Engine) {
    static SHARED: std::sync::OnceLock<(Signer, Engine)> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let signer = Signer::ed25519();
        let forbid =
            |id: &str, when: &str| json!({"id": id, "effect": "forbid", "resource": "*", "actions": "*", "when": when});
        let rules = json!([
            {"id": "all", "effect": "permit", "resource": "*", "actions": "*"},
            forbid("eq", "principal.claims.n == principal.claims.m"),
            forbid("lt", "principal.claims.n < principal.claims.m"),
            forbid("gt", "principal.claims.n > principal.claims.m"),
            forbid("in", "principal.claims.n in principal.claims.list"),
            forbid("nested", "principal.claims.o.p.n == principal.claims.m"),
            forbid("eq_lit", "principal.claims.n == 9007199254740993"),
        ]);
        let engine = Engine::from_value(&support::policy(&signer, "k1", rules)).unwrap();
        (signer, engine)
    })
}

/// The principal as the JavaScript bindings' `authorize` receives it: the text of the
/// verification's outcome, read back.
fn through_text(engine: &Engine, token: &str) -> Principal {
    let text = wardgate::ffi::settled(wardgate::ffi::verify(
        engine,
        wardgate::Credential::Token(token),
        wardgate::Options::at(NOW),
    ));
    let inner = text.strip_prefix(r#"{"principal":"#).and_then(|t| t.strip_suffix('}')).expect(&text);
    wardgate::ffi::principal(inner).unwrap()
}

/// Verifies a token holding `n` and `m` (number texts) and checks that the claims are read as
/// `expect_n` says, that the principal survives its text, and that `authorize` on the text's
/// principal decides as `check`.
fn check_pair(n: &str, m: &str) -> Result<(), TestCaseError> {
    let (signer, engine) = shared();
    let token = sign_raw(signer, &format!(r#""n":{n},"m":{m},"list":[{m}],"o":{{"p":{{"n":{n}}}}}"#));
    let principal = engine.verify(&token, NOW).map_err(|e| TestCaseError::fail(format!("{n}, {m}: {e}")))?;
    for (name, text) in [("n", n), ("m", m)] {
        let read = &principal.claims()[name];
        prop_assert!(same_number(read, text), "{name} = {text} was read as {read}");
    }
    let again = through_text(engine, &token);
    // Written with the shortest text that reads back as the same double, a number's text is the
    // same only for the same kind and bits (-0.0 and 0.0 differ).
    prop_assert_eq!(serde_json::to_string(&again).unwrap(), serde_json::to_string(&principal).unwrap());
    let request = Request::new("read", json!({"type": "doc"}));
    prop_assert_eq!(engine.authorize(&again, &request), engine.check(&token, &request, NOW).unwrap());
    Ok(())
}

/// Whether `value` is `text` as a correct reader reads it: an integer within i64 or u64
/// exactly, anything else as the double nearest to it.
fn same_number(value: &Value, text: &str) -> bool {
    let integer = !text.contains(['.', 'e', 'E']) && text != "-0";
    if integer {
        if let Ok(i) = text.parse::<i64>() {
            return value.as_i64() == Some(i);
        }
        if let Ok(u) = text.parse::<u64>() {
            return value.as_u64() == Some(u);
        }
    }
    let want: f64 = text.parse().unwrap();
    value.is_f64() && value.as_f64().map(f64::to_bits) == Some(want.to_bits())
}

#[test]
fn numbers_javascript_cannot_hold_are_read_exactly_and_survive_the_text() {
    for (n, m) in [
        ("9007199254740993", "9007199254740992"),
        ("9007199254740993", "9007199254740993.0"),
        ("-9007199254740993", "-9007199254740992"),
        ("9223372036854775807", "9223372036854775808"),
        ("18446744073709551615", "18446744073709551616"),
        ("-9223372036854775808", "-9223372036854775809"),
        ("123456789012345678901234567890", "1e16"),
        ("10000000000000001", "1e16"),
        ("-0", "0"),
        ("-0.0", "0.0"),
        ("1e21", "5e-324"),
        ("1.7976931348623157e308", "2.2250738585072014e-308"),
        ("11148.284766321629", "0.015237159548277339"),
        ("48805841351080.484", "4.2383001187231827e+21"),
        ("-2.0908611559865462e-95", "-2.0908611559865465e-95"),
    ] {
        check_pair(n, m).unwrap();
        check_pair(m, n).unwrap();
    }
}

#[test]
fn the_filed_case_decides_the_same_after_the_text() {
    let (signer, engine) = shared();
    let token = sign_raw(signer, r#""n":9007199254740993,"m":2,"list":[],"o":{"p":{"n":1}}"#);
    let request = Request::new("read", json!({"type": "doc"}));
    let decision = engine.authorize(&through_text(engine, &token), &request);
    assert_eq!(decision.rules, ["gt", "eq_lit"]);
    assert_eq!(decision, engine.check(&token, &request, NOW).unwrap());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any finite double, written with 1 to 17 significant digits (and still finite when written).
    #[test]
    fn doubles_are_read_correctly_rounded_and_survive_the_text(bits: u64, digits in 1usize..=17, other: u64) {
        let x = f64::from_bits(bits);
        let y = f64::from_bits(other);
        prop_assume!(x.is_finite() && y.is_finite());
        let written = format!("{:.*e}", digits - 1, x);
        // Rounding near f64::MAX can write a number past it (`2e308`), which is no double.
        prop_assume!(written.parse::<f64>().is_ok_and(f64::is_finite));
        check_pair(&written, &format!("{y:e}"))?;
    }

    /// Integers of every size: i64, u64, and longer ones (read as doubles).
    #[test]
    fn integers_are_read_exactly_and_survive_the_text(i: i64, u: u64, long in "-?[1-9][0-9]{19,40}") {
        check_pair(&i.to_string(), &u.to_string())?;
        check_pair(&long, &format!("{}", u >> 11))?;
    }
}
