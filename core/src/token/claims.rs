//! Registered-claim checks on a payload whose signature has been verified, in the
//! contract's order: presence and types → `exp` → `nbf`/`iat` → `max_age` → `iss` → `aud`.

use serde_json::{Map, Value};

use crate::error::{AuthError, Reason};
use crate::policy::principal::PrincipalMapping;
use crate::time::UnixTime;

/// What the claims must satisfy (the claim half of the policy's `token` section).
#[derive(Debug, Clone, Default)]
pub(crate) struct ClaimRules {
    /// Accepted issuers; `None` leaves `iss` unchecked.
    pub issuers: Option<Vec<String>>,
    /// Accepted audiences; `None` leaves `aud` unchecked.
    pub audiences: Option<Vec<String>>,
    /// Tolerated clock skew, seconds.
    pub leeway: f64,
    /// Oldest acceptable `iat`, seconds before now.
    pub max_age: Option<f64>,
    /// Claims that must be present.
    pub required: Vec<String>,
}

fn fail(reason: Reason, detail: impl Into<std::borrow::Cow<'static, str>>) -> AuthError {
    AuthError::new(reason, detail)
}

/// A NumericDate claim, after [`check_types`] has made sure it is a number.
fn date(claims: &Map<String, Value>, name: &str) -> Option<f64> {
    claims.get(name).and_then(Value::as_f64)
}

/// Registered claims have their RFC 7519 types.
fn check_types(claims: &Map<String, Value>) -> Result<(), AuthError> {
    for name in ["exp", "nbf", "iat"] {
        if claims.get(name).is_some_and(|v| !v.is_number()) {
            return Err(fail(Reason::InvalidClaim, format!("the {name} claim is not a number")));
        }
    }
    for name in ["iss", "sub"] {
        if claims.get(name).is_some_and(|v| !v.is_string()) {
            return Err(fail(Reason::InvalidClaim, format!("the {name} claim is not a string")));
        }
    }
    let aud_ok = match claims.get("aud") {
        None | Some(Value::String(_)) => true,
        Some(Value::Array(items)) => items.iter().all(Value::is_string),
        Some(_) => false,
    };
    if !aud_ok {
        return Err(fail(Reason::InvalidClaim, "the aud claim is neither a string nor a list of strings"));
    }
    Ok(())
}

/// Runs every claim check against `now`.
pub(crate) fn check(
    claims: &Map<String, Value>,
    rules: &ClaimRules,
    principal: &PrincipalMapping,
    now: UnixTime,
) -> Result<(), AuthError> {
    check_types(claims)?;
    if let Some(missing) = rules.required.iter().find(|name| !claims.contains_key(name.as_str())) {
        return Err(fail(Reason::MissingClaim, format!("the token has no {missing} claim")));
    }
    principal.check(claims)?;

    let now = now.as_secs_f64();
    let leeway = rules.leeway;
    if date(claims, "exp").is_some_and(|exp| exp <= now - leeway) {
        return Err(fail(Reason::Expired, "the token has expired"));
    }
    if date(claims, "nbf").is_some_and(|nbf| nbf > now + leeway) {
        return Err(fail(Reason::NotYetValid, "the token is not valid yet (nbf)"));
    }
    let iat = date(claims, "iat");
    if iat.is_some_and(|iat| iat > now + leeway) {
        return Err(fail(Reason::NotYetValid, "the token was issued in the future (iat)"));
    }
    if let Some(max_age) = rules.max_age {
        let iat =
            iat.ok_or_else(|| fail(Reason::MissingClaim, "the token has no iat claim, which token.max_age needs"))?;
        if now - iat > max_age + leeway {
            return Err(fail(Reason::TooOld, "the token is older than token.max_age"));
        }
    }
    if let Some(issuers) = &rules.issuers {
        let ok = matches!(claims.get("iss"), Some(Value::String(iss)) if issuers.iter().any(|i| i == iss));
        if !ok {
            return Err(fail(Reason::IssuerMismatch, "the token's issuer is not accepted"));
        }
    }
    if let Some(audiences) = &rules.audiences {
        let accepted = |aud: &Value| aud.as_str().is_some_and(|a| audiences.iter().any(|x| x == a));
        let ok = match claims.get("aud") {
            Some(aud @ Value::String(_)) => accepted(aud),
            Some(Value::Array(items)) => items.iter().any(accepted),
            _ => false,
        };
        if !ok {
            return Err(fail(Reason::AudienceMismatch, "the token is not meant for this audience"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_764_000_000;

    fn rules() -> ClaimRules {
        ClaimRules {
            issuers: Some(vec!["https://iss".into()]),
            audiences: Some(vec!["https://aud".into(), "other".into()]),
            leeway: 0.0,
            max_age: None,
            required: vec!["sub".into(), "exp".into()],
        }
    }

    fn run(claims: Value, rules: &ClaimRules) -> Result<(), Reason> {
        let Value::Object(map) = claims else { panic!() };
        check(&map, rules, &PrincipalMapping::default(), UnixTime::from(NOW)).map_err(|e| e.reason())
    }

    fn base() -> Value {
        json!({"sub": "u1", "iss": "https://iss", "aud": "https://aud", "exp": NOW + 60, "iat": NOW - 60})
    }

    fn with(key: &str, value: Value) -> Value {
        let mut v = base();
        v[key] = value;
        v
    }

    fn without(key: &str) -> Value {
        let mut v = base();
        v.as_object_mut().unwrap().remove(key);
        v
    }

    #[test]
    fn a_good_token_passes() {
        assert_eq!(run(base(), &rules()), Ok(()));
    }

    #[test]
    fn expiry_and_leeway() {
        assert_eq!(run(with("exp", json!(NOW)), &rules()), Err(Reason::Expired));
        assert_eq!(run(with("exp", json!(NOW as f64 + 0.5)), &rules()), Ok(()));
        let mut r = rules();
        r.leeway = 30.0;
        assert_eq!(run(with("exp", json!(NOW - 20)), &r), Ok(()));
        assert_eq!(run(with("exp", json!(NOW - 30)), &r), Err(Reason::Expired));
    }

    #[test]
    fn not_yet_valid_and_too_old() {
        assert_eq!(run(with("nbf", json!(NOW + 1)), &rules()), Err(Reason::NotYetValid));
        assert_eq!(run(with("nbf", json!(NOW)), &rules()), Ok(()));
        assert_eq!(run(with("iat", json!(NOW + 1)), &rules()), Err(Reason::NotYetValid));
        let mut r = rules();
        r.max_age = Some(30.0);
        assert_eq!(run(base(), &r), Err(Reason::TooOld));
        assert_eq!(run(without("iat"), &r), Err(Reason::MissingClaim));
        r.max_age = Some(60.0);
        assert_eq!(run(base(), &r), Ok(()));
    }

    #[test]
    fn types_and_presence() {
        assert_eq!(run(with("exp", json!("soon")), &rules()), Err(Reason::InvalidClaim));
        assert_eq!(run(with("exp", json!(null)), &rules()), Err(Reason::InvalidClaim));
        assert_eq!(run(with("iss", json!(1)), &rules()), Err(Reason::InvalidClaim));
        assert_eq!(run(with("aud", json!(["x", 1])), &rules()), Err(Reason::InvalidClaim));
        assert_eq!(run(without("sub"), &rules()), Err(Reason::MissingClaim));
        assert_eq!(run(without("exp"), &rules()), Err(Reason::MissingClaim));
        assert_eq!(run(with("sub", json!("")), &rules()), Err(Reason::InvalidClaim));
    }

    #[test]
    fn issuer_and_audience() {
        assert_eq!(run(with("iss", json!("https://evil")), &rules()), Err(Reason::IssuerMismatch));
        assert_eq!(run(without("iss"), &rules()), Err(Reason::IssuerMismatch));
        assert_eq!(run(with("aud", json!("nope")), &rules()), Err(Reason::AudienceMismatch));
        assert_eq!(run(with("aud", json!([])), &rules()), Err(Reason::AudienceMismatch));
        assert_eq!(run(with("aud", json!(["nope", "other"])), &rules()), Ok(()));
        assert_eq!(run(without("aud"), &rules()), Err(Reason::AudienceMismatch));
        let mut open = rules();
        open.audiences = None;
        open.issuers = None;
        assert_eq!(run(with("aud", json!("anything")), &open), Ok(()));
    }

    #[test]
    fn earlier_checks_win() {
        // expired and wrong issuer: expired
        let mut v = with("exp", json!(NOW - 1));
        v["iss"] = json!("https://evil");
        assert_eq!(run(v, &rules()), Err(Reason::Expired));
        // bad type and missing required claim: invalid_claim
        let mut v = without("sub");
        v["nbf"] = json!("x");
        assert_eq!(run(v, &rules()), Err(Reason::InvalidClaim));
    }
}
