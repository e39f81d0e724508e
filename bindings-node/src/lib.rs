//! The native half of the `portcullis` npm package (napi-rs).
//!
//! It converts between JavaScript values and the core's types and nothing else; the
//! package's `index.js` turns the error objects returned here into `AuthError` and
//! `ConfigError` instances. Outcomes are returned as data (`{ principal }`,
//! `{ decision }` or `{ error }`) rather than thrown, so the JS side builds its own
//! error classes and nothing crosses as a bare native error. Every entry point runs
//! inside `portcullis::contain`, so a panic becomes an ordinary failure.

#![deny(clippy::all)]

use napi::bindgen_prelude::Either;
use napi_derive::napi;
use portcullis::{contain, credential_token, AuthError, ConfigError, Decision, Principal, Request, UnixTime};
use serde_json::{json, Map, Value};

/// A loaded policy.
#[napi]
pub struct NativeEngine {
    inner: portcullis::Engine,
}

#[napi]
impl NativeEngine {
    /// Loads a policy given as JSON text or as an object: the engine, or the
    /// configuration error as `{ path, message, detail }`.
    #[napi]
    pub fn load(policy: Value) -> Either<NativeEngine, Value> {
        loaded(contain::config(|| match &policy {
            Value::String(text) => portcullis::Engine::from_json(text),
            doc => portcullis::Engine::from_value(doc),
        }))
    }

    /// Loads a policy file (JSON).
    #[napi]
    pub fn load_file(path: String) -> Either<NativeEngine, Value> {
        loaded(contain::config(|| portcullis::Engine::from_file(&path)))
    }

    /// `{ principal }` or `{ error }`.
    #[napi]
    pub fn verify(&self, token: String, now: f64) -> Value {
        principal_outcome(contain::auth(|| self.inner.verify(&token, UnixTime::from_secs_f64(now))))
    }

    /// `{ principal }` or `{ error }`, from an `Authorization` value.
    #[napi]
    pub fn verify_authorization(&self, header: String, now: f64) -> Value {
        principal_outcome(contain::auth(|| self.inner.verify_authorization(&header, UnixTime::from_secs_f64(now))))
    }

    /// The decision for `principal` (`{ id, roles, tenant, claims }`).
    #[napi]
    pub fn authorize(&self, principal: Value, action: String, resource: Value, context: Option<Value>) -> Value {
        let principal = principal_of(principal);
        let request = Request::new(action, resource).with_context(context.unwrap_or(Value::Null));
        decision_json(contain::decision(|| self.inner.authorize(&principal, &request)))
    }

    /// `{ decision }` or `{ error }`, from a token or an `Authorization` value.
    #[napi]
    pub fn check(
        &self,
        credential: String,
        action: String,
        resource: Value,
        context: Option<Value>,
        now: f64,
    ) -> Value {
        let request = Request::new(action, resource).with_context(context.unwrap_or(Value::Null));
        let outcome =
            contain::auth(|| self.inner.check(credential_token(&credential)?, &request, UnixTime::from_secs_f64(now)));
        match outcome {
            Ok(decision) => json!({ "decision": decision_json(decision) }),
            Err(e) => json!({ "error": e }),
        }
    }

    /// Valid but suspicious parts of the policy: `[{ path, message }]`.
    #[napi]
    pub fn warnings(&self) -> Value {
        Value::Array(
            self.inner.warnings().into_iter().map(|w| json!({ "path": w.path, "message": w.message })).collect(),
        )
    }
}

fn loaded(result: Result<portcullis::Engine, ConfigError>) -> Either<NativeEngine, Value> {
    match result {
        Ok(inner) => Either::A(NativeEngine { inner }),
        Err(e) => Either::B(json!({ "path": e.path(), "message": e.message(), "detail": e.to_string() })),
    }
}

fn principal_outcome(result: Result<Principal, AuthError>) -> Value {
    match result {
        Ok(p) => json!({ "principal": principal_json(p) }),
        Err(e) => json!({ "error": e }),
    }
}

fn principal_json(p: Principal) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), Value::String(p.id));
    object.insert("roles".into(), Value::Array(p.roles.into_iter().map(Value::String).collect()));
    object.insert("tenant".into(), p.tenant.map_or(Value::Null, Value::String));
    object.insert("claims".into(), Value::Object(p.claims));
    Value::Object(object)
}

fn principal_of(value: Value) -> Principal {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let id = value.get("id").and_then(text).unwrap_or_default();
    let roles =
        value.get("roles").and_then(Value::as_array).map(|r| r.iter().filter_map(text).collect()).unwrap_or_default();
    let tenant = value.get("tenant").and_then(text);
    let claims = value.get("claims").cloned().unwrap_or(Value::Null);
    Principal::new(id, roles, tenant, claims)
}

fn decision_json(d: Decision) -> Value {
    serde_json::to_value(&d).unwrap_or_else(|_| json!({ "allowed": false, "status": 403 }))
}
