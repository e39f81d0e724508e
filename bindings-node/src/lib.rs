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
use portcullis::{contain, credential_token, ConfigError, Outcome, Principal, Request, UnixTime};
use serde_json::{json, Value};

/// A loaded policy.
#[napi]
pub struct NativeEngine {
    inner: portcullis::Engine,
}

#[napi]
impl NativeEngine {
    /// Loads a policy given as JSON text or as an object: the engine, or the
    /// configuration error as `{ code, path, message, detail }`.
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
        Outcome::from(contain::auth(|| self.inner.verify(&token, UnixTime::from_secs_f64(now)))).into_value()
    }

    /// `{ principal }` or `{ error }`, from an `Authorization` value.
    #[napi]
    pub fn verify_authorization(&self, header: String, now: f64) -> Value {
        let result = contain::auth(|| self.inner.verify_authorization(&header, UnixTime::from_secs_f64(now)));
        Outcome::from(result).into_value()
    }

    /// `{ decision }` for `principal` (`{ id, roles, tenant, claims }`).
    #[napi]
    pub fn authorize(&self, principal: Value, action: String, resource: Value, context: Option<Value>) -> Value {
        let principal = Principal::from_value(&principal);
        let request = Request::new(action, resource).with_context(context.unwrap_or(Value::Null));
        Outcome::Decision(contain::decision(|| self.inner.authorize(&principal, &request))).into_value()
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
        let result =
            contain::auth(|| self.inner.check(credential_token(&credential)?, &request, UnixTime::from_secs_f64(now)));
        Outcome::from(result).into_value()
    }

    /// Valid but suspicious parts of the policy: `[{ path, message }]`.
    #[napi]
    pub fn warnings(&self) -> Value {
        json!(self.inner.warnings())
    }
}

fn loaded(result: Result<portcullis::Engine, ConfigError>) -> Either<NativeEngine, Value> {
    match result {
        Ok(inner) => Either::A(NativeEngine { inner }),
        Err(e) => Either::B(json!(e)),
    }
}
