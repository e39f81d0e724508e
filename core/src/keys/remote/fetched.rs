//! Reading a JWK Set fetched from a JWKS endpoint: the usable keys, a note for each key
//! skipped, or why the whole response is refused.

use serde_json::Value;

use crate::keys::material::{jwk, PRIVATE_MEMBERS};
use crate::keys::remote::flight::json;
use crate::keys::set::KeySet;
use crate::policy::fields::item;
use crate::token::algorithm::Algorithm;

/// A JWK Set fetched from a JWKS endpoint, read for the configured `algorithms`: the
/// usable keys and a note for each key skipped, or why the whole response is refused.
///
/// Each key is checked as an inline key would be; one that fails, or that fits none of
/// the algorithms, is skipped. The response is refused when it is not a JWK Set, when
/// any key carries private or symmetric material (the endpoint is leaking secrets), or
/// when no key is usable.
///
/// The fingerprint (a SHA-256 over the usable keys' JSON) tells one set from another.
pub(crate) fn fetched(body: &[u8], algorithms: &[Algorithm]) -> Result<(KeySet, Vec<String>, [u8; 32]), String> {
    let doc: Value = json(body)?;
    let items = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| "the response is not a JWK Set (no \"keys\" list)".to_owned())?;
    let leaks = |v: &Value| v.as_object().is_some_and(|o| PRIVATE_MEMBERS.iter().any(|m| o.contains_key(*m)));
    if let Some(i) = items.iter().position(leaks) {
        return Err(format!("keys[{i}] holds private or symmetric key material; the whole response is refused"));
    }
    let mut keys = Vec::new();
    let mut skipped = Vec::new();
    let mut fingerprint = ring::digest::Context::new(&ring::digest::SHA256);
    for (i, value) in items.iter().enumerate() {
        let path = item("keys", i);
        match jwk(value, &path).and_then(|m| m.prepare(algorithms)) {
            Ok(key) if key.verifiers.is_empty() => skipped.push(format!("{path}: fits none of token.algorithms")),
            Ok(key) => {
                fingerprint.update(value.to_string().as_bytes());
                fingerprint.update(b"\n");
                keys.push(key);
            }
            Err(e) => skipped.push(e.to_string()),
        }
    }
    if keys.is_empty() {
        return Err(format!("no usable key among the {} listed", items.len()));
    }
    let mut digest = [0u8; 32];
    digest.copy_from_slice(fingerprint.finish().as_ref());
    Ok((KeySet { keys, by_kid: true }, skipped, digest))
}
