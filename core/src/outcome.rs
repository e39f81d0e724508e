//! A call's result as data, for the JavaScript bindings (the native addon and the
//! WebAssembly build), whose shared JS layer turns `error` into its `AuthError` class.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::contain;
use crate::decision::Decision;
use crate::engine::{bearer_token, credential_token, keys_not_ready, Engine, KeyAccess, Verified};
use crate::error::AuthError;
use crate::principal::Principal;
use crate::request::Request;
use crate::time::UnixTime;

/// `{"principal": …}`, `{"decision": …}` or `{"error": {detail, code, status, reason}}`.
///
/// ```
/// use wardgate::{AuthError, Outcome, Principal, Reason};
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

    /// The outcome as JSON text (what `Serialize` gives): how the JavaScript bindings
    /// hand it over, since parsing text in JavaScript is cheaper than building the object
    /// through the host's API member by member.
    ///
    /// ```
    /// use wardgate::{Outcome, Principal};
    /// let ok = Outcome::Principal(Principal::new("u1", vec![], None, serde_json::json!({"sub": "u1"})));
    /// assert_eq!(ok.to_json(), r#"{"principal":{"id":"u1","roles":[],"tenant":null,"claims":{"sub":"u1"}}}"#);
    /// ```
    pub fn to_json(&self) -> String {
        // As in `json_of`: objects with string keys, which cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| "null".into())
    }
}

/// The outcomes of verifications and checks as JSON text, for the JavaScript bindings:
/// [`Outcome::to_json`] of what [`Engine::verify`], [`Engine::verify_cached`],
/// [`Engine::verify_if_ready`] and the matching `check` forms give. The `check` forms take
/// a token or a whole `Authorization` value, as [`credential_token`] reads it. A
/// verified-token cache hit hands out the text made for its entry, without building the
/// principal again. A panic becomes a refused token (see [`crate::contain`]).
impl Engine {
    /// [`Engine::verify`] as `{"principal": …}` or `{"error": …}` text.
    ///
    /// ```
    /// let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}}"#).unwrap();
    /// let text = engine.verify_outcome("", 1_764_000_000);
    /// assert!(text.starts_with(r#"{"error":{"#) && text.contains("TOKEN_MISSING"));
    /// ```
    pub fn verify_outcome(&self, token: &str, now: impl Into<UnixTime>) -> String {
        self.verify_text(token, now.into(), KeyAccess::Fetch).unwrap_or_else(not_ready)
    }

    /// [`Engine::verify_cached`] as `{"principal": …}` or `{"error": …}` text.
    pub fn verify_cached_outcome(&self, token: &str, now: impl Into<UnixTime>) -> String {
        self.verify_text(token, now.into(), KeyAccess::Cached).unwrap_or_else(not_ready)
    }

    /// [`Engine::verify_cached`] of the token in an `Authorization` value (see
    /// [`bearer_token`]) as `{"principal": …}` or `{"error": …}` text.
    ///
    /// ```
    /// let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}}"#).unwrap();
    /// let text = engine.verify_authorization_cached_outcome("Basic dXNlcjpwYXNz", 1_764_000_000);
    /// assert!(text.contains("TOKEN_MISSING"));
    /// ```
    pub fn verify_authorization_cached_outcome(&self, header: &str, now: impl Into<UnixTime>) -> String {
        match bearer_token(header) {
            Ok(token) => self.verify_cached_outcome(token, now),
            Err(e) => Outcome::Error(e).to_json(),
        }
    }

    /// [`Engine::verify_if_ready`] as `{"principal": …}` or `{"error": …}` text, or `None`
    /// when a remote key set must be fetched first.
    ///
    /// ```
    /// let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwks_url":"http://127.0.0.1:9/jwks"}}"#).unwrap();
    /// assert_eq!(engine.verify_outcome_if_ready("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1MSJ9.c2ln", 1_764_000_000), None);
    /// ```
    pub fn verify_outcome_if_ready(&self, token: &str, now: impl Into<UnixTime>) -> Option<String> {
        self.verify_text(token, now.into(), KeyAccess::IfReady)
    }

    /// [`Engine::check`] of a token or `Authorization` value as `{"decision": …}` or
    /// `{"error": …}` text.
    pub fn check_outcome(&self, credential: &str, request: &Request, now: impl Into<UnixTime>) -> String {
        self.check_text(credential, request, now.into(), KeyAccess::Fetch).unwrap_or_else(not_ready)
    }

    /// [`Engine::check_cached`] of a token or `Authorization` value as `{"decision": …}`
    /// or `{"error": …}` text.
    ///
    /// ```
    /// use wardgate::{Engine, Request};
    /// let engine = Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}}"#).unwrap();
    /// let request = Request::new("read", serde_json::json!({"type": "todo"}));
    /// assert!(engine.check_cached_outcome("Bearer", &request, 1_764_000_000).contains("TOKEN_MISSING"));
    /// ```
    pub fn check_cached_outcome(&self, credential: &str, request: &Request, now: impl Into<UnixTime>) -> String {
        self.check_text(credential, request, now.into(), KeyAccess::Cached).unwrap_or_else(not_ready)
    }

    /// [`Engine::check`] of a token or `Authorization` value on the keys cached now, as
    /// `{"decision": …}` or `{"error": …}` text, or `None` when a remote key set must be
    /// fetched first.
    ///
    /// ```
    /// use wardgate::{Engine, Request};
    /// let engine = Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
    ///   "keys":{"jwks_url":"http://127.0.0.1:9/jwks"}}"#).unwrap();
    /// let request = Request::new("read", serde_json::json!({"type": "todo"}));
    /// let token = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1MSJ9.c2ln";
    /// assert_eq!(engine.check_outcome_if_ready(token, &request, 1_764_000_000), None);
    /// assert!(engine.check_cached_outcome(token, &request, 1_764_000_000).contains("KEYS_UNAVAILABLE"));
    /// ```
    pub fn check_outcome_if_ready(
        &self,
        credential: &str,
        request: &Request,
        now: impl Into<UnixTime>,
    ) -> Option<String> {
        self.check_text(credential, request, now.into(), KeyAccess::IfReady)
    }

    fn verify_text(&self, token: &str, now: UnixTime, access: KeyAccess) -> Option<String> {
        Some(match contain::auth(|| self.verify_with(token, now, access)) {
            Ok(Verified::NotReady) => return None,
            Ok(Verified::Hit(entry)) => entry.outcome_json().to_owned(),
            Ok(Verified::Fresh(principal)) => Outcome::Principal(principal).to_json(),
            Err(e) => Outcome::Error(e).to_json(),
        })
    }

    fn check_text(&self, credential: &str, request: &Request, now: UnixTime, access: KeyAccess) -> Option<String> {
        let decide =
            |principal: &Principal| Outcome::Decision(contain::decision(|| self.authorize(principal, request)));
        Some(match contain::auth(|| self.verify_with(credential_token(credential)?, now, access)) {
            Ok(Verified::NotReady) => return None,
            Ok(Verified::Hit(entry)) => decide(&entry.principal).to_json(),
            Ok(Verified::Fresh(principal)) => decide(&principal).to_json(),
            Err(e) => Outcome::Error(e).to_json(),
        })
    }
}

/// What only `KeyAccess::IfReady` leaves undone, should any other access do so: fail
/// closed, as unavailable keys.
fn not_ready() -> String {
    Outcome::Error(keys_not_ready()).to_json()
}

fn json_of(value: &impl Serialize) -> Value {
    // These types serialise to objects with string keys, which cannot fail.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// Strings that look like the members around them.
    fn tricky() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(r#","claims":"#.to_owned()),
            Just(r#"","claims":{"#.to_owned()),
            Just("claims".to_owned()),
            Just(r#"\",\"claims\":"#.to_owned()),
            any::<String>(),
        ]
    }

    proptest! {
        /// The JavaScript layer (`bindings-node/api.js`) reads a principal's outcome as
        /// `{"principal":` + the principal's text + `}`, and the claims' text as what follows
        /// the first `,"claims":` up to the last two bytes, whatever the strings before it hold.
        #[test]
        fn a_principal_outcome_has_the_form_the_javascript_layer_reads(
            id in tricky(),
            roles in proptest::collection::vec(tricky(), 0..4),
            tenant in proptest::option::of(tricky()),
            name in tricky(),
            value in tricky(),
        ) {
            let principal = Principal::new(id, roles, tenant, json!({ name: value, "n": 9007199254740993u64 }));
            let text = Outcome::Principal(principal.clone()).to_json();
            let own = serde_json::to_string(&principal).unwrap();
            prop_assert_eq!(&text, &format!(r#"{{"principal":{own}}}"#));
            let at = text.find(r#","claims":"#).unwrap() + r#","claims":"#.len();
            prop_assert_eq!(&text[at..text.len() - 2], serde_json::to_string(&*principal.claims).unwrap());
        }
    }
}
