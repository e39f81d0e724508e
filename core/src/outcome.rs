//! A call's result as data, for the JavaScript bindings (the native addon and the
//! WebAssembly build), whose shared JS layer turns `error` into its `AuthError` class.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::decision::Decision;
use crate::error::AuthError;
use crate::principal::Principal;

/// `{"principal": …}`, `{"decision": …}` or `{"error": {detail, code, status, reason}}`.
///
/// ```
/// use portcullis::{AuthError, Outcome, Principal, Reason};
/// use serde_json::json;
///
/// let ok = Outcome::from(Ok::<_, AuthError>(Principal::new("u1", vec![], None, json!({"sub": "u1"}))));
/// assert_eq!(ok.into_value(), json!({"principal": {"id": "u1", "roles": [], "tenant": null, "claims": {"sub": "u1"}}}));
/// let refused = Outcome::from(Err::<Principal, _>(AuthError::new(Reason::Expired, "the token has expired")));
/// assert_eq!(serde_json::to_value(&refused).unwrap()["error"]["code"], "TOKEN_EXPIRED");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// A verified token's principal.
    Principal(Principal),
    /// A decision on a request.
    Decision(Decision),
    /// A refused credential.
    Error(AuthError),
}

impl From<Result<Principal, AuthError>> for Outcome {
    fn from(result: Result<Principal, AuthError>) -> Self {
        result.map_or_else(Outcome::Error, Outcome::Principal)
    }
}

impl From<Result<Decision, AuthError>> for Outcome {
    fn from(result: Result<Decision, AuthError>) -> Self {
        result.map_or_else(Outcome::Error, Outcome::Decision)
    }
}

impl Outcome {
    /// The outcome as a JSON value (what `Serialize` gives), moving the claims rather
    /// than copying them.
    pub fn into_value(self) -> Value {
        let (key, value) = match self {
            Outcome::Principal(p) => ("principal", p.into_value()),
            Outcome::Decision(d) => ("decision", json_of(&d)),
            Outcome::Error(e) => ("error", json_of(&e)),
        };
        Value::Object(Map::from_iter([(key.to_owned(), value)]))
    }
}

fn json_of(value: &impl Serialize) -> Value {
    // These types serialise to objects with string keys, which cannot fail.
    serde_json::to_value(value).unwrap_or(Value::Null)
}
