//! A call's result as data, for the JavaScript bindings (the native addon and the
//! WebAssembly build), whose shared JS layer turns `error` into its `AuthError` class:
//! JSON text, which V8 parses faster than a binding builds an object member by member.

use serde::Serialize;
use serde_json::{Map, Value};

use super::panics;
use crate::engine::{Engine, KeyAccess, Options, Verified};
use crate::error::AuthError;
use crate::policy::decision::Decision;
use crate::policy::principal::Principal;
use crate::policy::request::Request;
use crate::time::UnixTime;
use crate::token::credential::Credential;

/// `{"principal": …}`, `{"decision": …}` or `{"error": {detail, code, status, reason,
/// headers}}`: an error carries the headers of its HTTP answer (see [`AuthError::headers`]),
/// which hosts send and leave out of the body.
///
/// ```
/// use wardgate::{AuthError, ffi::Outcome, Principal, Reason};
/// use serde_json::json;
///
/// let ok = Outcome::from(Ok::<_, AuthError>(Principal::new("u1", vec![], None, json!({"sub": "u1"}))));
/// assert_eq!(ok.into_value(), json!({"principal": {"id": "u1", "roles": [], "tenant": null, "claims": {"sub": "u1"}}}));
/// let refused = Outcome::from(Err::<Principal, _>(AuthError::new(Reason::Expired, "the token has expired")));
/// let refused = refused.into_value();
/// assert_eq!(refused["error"]["code"], "TOKEN_EXPIRED");
/// assert_eq!(refused["error"]["headers"]["WWW-Authenticate"], r#"Bearer error="invalid_token""#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// A verified token's principal.
    Principal(Principal),
    /// A decision on a request.
    Decision(Decision),
    /// A refused credential.
    Error(#[serde(serialize_with = "error_with_headers")] AuthError),
}

/// An error as its body, `{detail, code, status, reason}`, and `headers`.
fn error_with_headers<S: serde::Serializer>(error: &AuthError, s: S) -> Result<S::Ok, S::Error> {
    error_value(error).serialize(s)
}

/// An error as the bindings hand it over: its body, `{detail, code, status, reason}`, and
/// `headers`, the headers of its HTTP answer as an object.
///
/// ```
/// use wardgate::{ffi, AuthError, Reason};
/// let value = ffi::error_value(&AuthError::new(Reason::KeysUnavailable, "no keys"));
/// assert_eq!((value["status"].as_u64(), value["headers"]["Retry-After"].as_str()), (Some(503), Some("5")));
/// ```
pub fn error_value(error: &AuthError) -> Value {
    let mut value = json_of(error);
    let headers = error.headers().into_iter().map(|(name, value)| (name.to_owned(), Value::from(value)));
    if let Value::Object(members) = &mut value {
        members.insert("headers".into(), Value::Object(headers.collect()));
    }
    value
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
            Outcome::Error(e) => ("error", error_value(&e)),
        };
        Value::Object(Map::from_iter([(key.to_owned(), value)]))
    }

    /// The outcome as JSON text (what `Serialize` gives): how the JavaScript bindings
    /// hand it over, since parsing text in JavaScript is cheaper than building the object
    /// through the host's API member by member.
    ///
    /// ```
    /// use wardgate::{ffi::Outcome, Principal};
    /// let ok = Outcome::Principal(Principal::new("u1", vec![], None, serde_json::json!({"sub": "u1"})));
    /// assert_eq!(ok.to_json(), r#"{"principal":{"id":"u1","roles":[],"tenant":null,"claims":{"sub":"u1"}}}"#);
    /// ```
    pub fn to_json(&self) -> String {
        // As in `json_of`: objects with string keys, which cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| "null".into())
    }
}

/// [`Engine::verify`] as `{"principal": …}` or `{"error": …}` text; `None` when, with
/// [`KeyAccess::IfReady`](crate::KeyAccess::IfReady), a remote key set must be fetched
/// first. A verified-token cache hit hands out the text made for its entry, without
/// building the principal again. A panic becomes a refused token (see [`panics`]).
///
/// ```
/// use wardgate::{ffi, Credential, Engine};
/// let engine = Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
///   "keys":{"jwk":{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}}}"#).unwrap();
/// let text = ffi::verify(&engine, Credential::Token(""), 1_764_000_000.into()).unwrap();
/// assert!(text.starts_with(r#"{"error":{"#) && text.contains("TOKEN_MISSING"));
/// ```
pub fn verify(engine: &Engine, credential: Credential<'_>, options: Options) -> Option<String> {
    Some(match panics::auth(|| engine.verified(credential, options)) {
        Ok(Verified::NotReady(_)) => return None,
        Ok(Verified::Hit(entry)) => entry.memo(|principal| Outcome::Principal(principal.clone()).to_json()).to_owned(),
        Ok(Verified::Fresh(principal)) => Outcome::Principal(principal).to_json(),
        Err(e) => Outcome::Error(e).to_json(),
    })
}

/// [`Engine::check`] as `{"decision": …}` or `{"error": …}` text; `None` as for [`verify`].
///
/// ```
/// use wardgate::{ffi, Credential, Engine, KeyAccess, Options, Request};
/// let engine = Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
///   "keys":{"jwks_url":"http://127.0.0.1:9/jwks"}}"#).unwrap();
/// let request = Request::new("read", serde_json::json!({"type": "todo"}));
/// let token = Credential::Token("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ1MSJ9.c2ln");
/// let now = Options::at(1_764_000_000);
/// assert_eq!(ffi::check(&engine, token, &request, now.keys(KeyAccess::IfReady)), None);
/// assert!(ffi::check(&engine, token, &request, now.keys(KeyAccess::Cached)).unwrap().contains("KEYS_UNAVAILABLE"));
/// ```
pub fn check(engine: &Engine, credential: Credential<'_>, request: &Request, options: Options) -> Option<String> {
    let decide = |principal: &Principal| Outcome::Decision(panics::decision(|| engine.authorize(principal, request)));
    Some(match panics::auth(|| engine.verified(credential, options)) {
        Ok(Verified::NotReady(_)) => return None,
        Ok(Verified::Hit(entry)) => decide(&entry.principal).to_json(),
        Ok(Verified::Fresh(principal)) => decide(&principal).to_json(),
        Err(e) => Outcome::Error(e).to_json(),
    })
}

/// [`Engine::authorize`] as `{"decision": …}` text; a panic becomes a denial.
pub fn authorize(engine: &Engine, principal: &Principal, request: &Request) -> String {
    Outcome::Decision(panics::decision(|| engine.authorize(principal, request))).to_json()
}

/// Options at `now`, seconds as a host's clock gives them (`Date.now() / 1000`).
///
/// ```
/// use wardgate::{ffi, KeyAccess};
/// assert_eq!(ffi::at(1.5, KeyAccess::Cached).keys, KeyAccess::Cached);
/// ```
pub fn at(now: f64, keys: KeyAccess) -> Options {
    Options::at(UnixTime::from_secs_f64(now)).keys(keys)
}

/// The text of an outcome of [`verify`] or [`check`] with any access but
/// [`KeyAccess::IfReady`], which always gives one; were none given, the token fails
/// closed, as unavailable keys.
///
/// ```
/// assert!(wardgate::ffi::settled(None).contains("KEYS_UNAVAILABLE"));
/// ```
pub fn settled(text: Option<String>) -> String {
    text.unwrap_or_else(|| Outcome::Error(AuthError::pending(crate::error::Reason::KeysUnavailable)).to_json())
}

/// `{"token": …}`, the token a credential carries, or `{"error": …}`.
///
/// ```
/// use wardgate::{ffi, Credential};
/// assert_eq!(ffi::token(Credential::either("Bearer a.b.c"))["token"], "a.b.c");
/// assert_eq!(ffi::token(Credential::Authorization("Basic x"))["error"]["code"], "TOKEN_MISSING");
/// ```
pub fn token(credential: Credential<'_>) -> Value {
    match panics::auth(|| credential.token()) {
        Ok(token) => serde_json::json!({ "token": token }),
        Err(e) => serde_json::json!({ "error": error_value(&e) }),
    }
}

/// Whether a verification may need a fetch first: the engine's keys come from
/// `keys.jwks_url`, or its revoked entries from `revocation.url` (so that a call may fetch,
/// wait for a fetch, or leave key events to log). Unlike [`Engine::key_status`] it reads no
/// clock.
///
/// ```
/// let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["EdDSA"]},
///   "keys":{"jwks_url":"https://auth.example.com/api/auth/jwks"}}"#).unwrap();
/// assert!(wardgate::ffi::remote(&engine));
/// ```
pub fn remote(engine: &Engine) -> bool {
    engine.remote()
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
