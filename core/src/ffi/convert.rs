//! Core types from the JSON text a binding receives: JavaScript hands values over as
//! `JSON.stringify` text, which is cheaper than walking a JS object from Rust.

use serde_json::Value;

use crate::policy::principal::Principal;
use crate::policy::request::Request;

/// A principal from its JSON form, `{"id", "roles", "tenant", "claims"}`, as a binding
/// gets it back from its host (a verified principal's claims come back as the text the
/// core gave). A member that is missing or of the wrong type counts as empty.
///
/// ```
/// use wardgate::{ffi, Principal};
/// let p = ffi::principal(r#"{"id":"u1","roles":["user"],"tenant":null,"claims":{"sub":"u1"}}"#).unwrap();
/// assert_eq!((p.id(), p.roles().len()), ("u1", 1));
/// assert_eq!(ffi::principal(r#"{"id":7}"#).unwrap().id(), "");
/// assert!(ffi::principal("{").is_err());
/// ```
pub fn principal(text: &str) -> serde_json::Result<Principal> {
    fn text_of(value: Value) -> Option<String> {
        match value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    let Value::Object(mut object) = serde_json::from_str::<Value>(text)? else {
        return Ok(Principal::new("", Vec::new(), None, Value::Null));
    };
    let id = object.remove("id").and_then(text_of).unwrap_or_default();
    let tenant = object.remove("tenant").and_then(text_of);
    let roles = match object.remove("roles") {
        Some(Value::Array(roles)) => roles.into_iter().filter_map(text_of).collect(),
        _ => Vec::new(),
    };
    let claims = object.remove("claims").unwrap_or(Value::Null);
    Ok(Principal::new(id, roles, tenant, claims))
}

/// A request whose resource and context come as JSON text; `None` is no context. Values
/// of the wrong shape count as empty objects, as in [`Request::new`].
///
/// ```
/// let req = wardgate::ffi::request("read", r#"{"type":"todo"}"#, Some(r#"{"ip":"::1"}"#)).unwrap();
/// assert_eq!((req.resource_type(), req.context["ip"].as_str()), (Some("todo"), Some("::1")));
/// assert!(wardgate::ffi::request("read", "{", None).is_err());
/// ```
pub fn request(action: impl Into<String>, resource: &str, context: Option<&str>) -> serde_json::Result<Request> {
    let context = context.map(serde_json::from_str).transpose()?.unwrap_or(Value::Null);
    Ok(Request::new(action, serde_json::from_str(resource)?).with_context(context))
}
