//! Revocation for the JavaScript bindings: an entry given as JSON text, the answer as JSON
//! text (`{"revoked": true}` or `{"error": {"code", "detail"}}`), and the revoked set.

use serde_json::{json, Value};

use crate::engine::Engine;
use crate::revocation::revoke::{Revoke, RevokeError};

/// The members of an entry.
const MEMBERS: [&str; 4] = ["sid", "jti", "sub", "ttl"];

/// Revokes the entry `{"sid"?, "jti"?, "sub"?, "ttl"}` (JSON text) as
/// [`Engine::revoke`] does. Blocks for a round trip to Redis.
///
/// ```
/// # let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
/// #   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}}"#).unwrap();
/// let out = wardgate::ffi::revoke(&engine, r#"{"sid": "s1", "ttl": "900"}"#);
/// assert_eq!(out, r#"{"error":{"code":"REVOKE_INVALID","detail":"ttl: must be a whole number of seconds, not a string"}}"#);
/// let out = wardgate::ffi::revoke(&engine, r#"{"sid": "s1", "ttl": 900}"#);
/// assert!(out.contains("REVOKE_UNSUPPORTED"));
/// ```
pub fn revoke(engine: &Engine, entry: &str) -> String {
    match super::panics::revoke(|| engine.revoke(&read(entry)?)) {
        Ok(()) => json!({"revoked": true}).to_string(),
        Err(e) => json!({"error": {"code": e.code(), "detail": e.to_string()}}).to_string(),
    }
}

/// The answer of a build that has no Redis client (WebAssembly) to any revocation:
/// `REVOKE_UNSUPPORTED`, without reading the entry. A `revocation.url` set is revoked where
/// it is served.
///
/// ```
/// assert!(wardgate::ffi::revoke_unsupported().contains("REVOKE_UNSUPPORTED"));
/// ```
pub fn revoke_unsupported() -> String {
    let e = RevokeError::Unsupported("no Redis client in this build (revoke where its revocation.url set is served)");
    json!({"error": {"code": e.code(), "detail": e.to_string()}}).to_string()
}

/// The revoked set in force (see [`Engine::revocation_set`]), or `null`.
pub fn revocation_set(engine: &Engine) -> Value {
    super::panics::revoke(|| Ok(engine.revocation_set())).ok().flatten().unwrap_or(Value::Null)
}

/// An entry's JSON text as a [`Revoke`]; a problem names the member.
fn read(text: &str) -> Result<Revoke, RevokeError> {
    let invalid = |field: &'static str, problem: String| RevokeError::Invalid { field, problem };
    let value: Value = serde_json::from_str(text)
        .map_err(|_| invalid("entry", "must be an object of sid, jti, sub and ttl".into()))?;
    let Value::Object(members) = value else {
        return Err(invalid("entry", "must be an object of sid, jti, sub and ttl".into()));
    };
    if let Some(unknown) = members.keys().find(|k| !MEMBERS.contains(&k.as_str())) {
        // The member's name is the caller's own text: shown only when it is short and plain.
        let plain = unknown.len() <= 32 && unknown.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        let shown = if plain { format!("`{unknown}`") } else { "a member".into() };
        return Err(invalid("entry", format!("{shown} is not one of sid, jti, sub and ttl")));
    }
    let ttl = match members.get("ttl") {
        None | Some(Value::Null) => return Err(invalid("ttl", "is required (seconds the entries are kept)".into())),
        Some(value) => value.as_u64().ok_or_else(|| {
            let what = match value {
                Value::Number(_) => "a negative or fractional number",
                other => crate::policy::fields::type_name(other),
            };
            invalid("ttl", format!("must be a whole number of seconds, not {what}"))
        })?,
    };
    let mut revoke = Revoke::new(ttl);
    for (field, slot) in [("sid", &mut revoke.sid), ("jti", &mut revoke.jti), ("sub", &mut revoke.sub)] {
        match members.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::String(id)) => *slot = Some(id.clone()),
            Some(other) => {
                return Err(invalid(
                    field,
                    format!("must be a string, not {}", crate::policy::fields::type_name(other)),
                ))
            }
        }
    }
    Ok(revoke)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> String {
        read(text).unwrap_err().to_string()
    }

    #[test]
    fn entries_are_read_with_their_members_named() {
        let r = read(r#"{"sid": "s1", "jti": "j1", "sub": "u1", "ttl": 60}"#).unwrap();
        assert_eq!(r, Revoke::new(60).sid("s1").jti("j1").sub("u1"));
        assert_eq!(read(r#"{"sid": "s1", "jti": null, "ttl": 60}"#).unwrap(), Revoke::new(60).sid("s1"));
        assert_eq!(problem("[]"), "entry: must be an object of sid, jti, sub and ttl");
        assert_eq!(problem("{"), "entry: must be an object of sid, jti, sub and ttl");
        assert_eq!(problem(r#"{"sid": "s1"}"#), "ttl: is required (seconds the entries are kept)");
        assert_eq!(
            problem(r#"{"sid": "s1", "ttl": -1}"#),
            "ttl: must be a whole number of seconds, not a negative or fractional number"
        );
        assert_eq!(
            problem(r#"{"sid": "s1", "ttl": 1.5}"#),
            "ttl: must be a whole number of seconds, not a negative or fractional number"
        );
        assert_eq!(problem(r#"{"sid": 5, "ttl": 60}"#), "sid: must be a string, not a number");
        assert_eq!(problem(r#"{"session": "s1", "ttl": 60}"#), "entry: `session` is not one of sid, jti, sub and ttl");
        assert_eq!(problem(r#"{"s\u0000id": "s1", "ttl": 60}"#), "entry: a member is not one of sid, jti, sub and ttl");
    }
}
