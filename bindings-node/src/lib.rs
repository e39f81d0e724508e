//! The native half of the `portcullis` npm package (napi-rs).
//!
//! It converts between JavaScript values and the core's types and nothing else; the
//! package's `index.js` turns the error objects returned here into `AuthError` and
//! `ConfigError` instances. Outcomes are returned as data (`{ principal }`,
//! `{ decision }` or `{ error }`) rather than thrown, so the JS side builds its own
//! error classes and nothing crosses as a bare native error. Every entry point runs
//! inside `portcullis::contain`, so a panic becomes an ordinary failure.
//!
//! Remote key sets (`keys.jwks_url`): the core is built with its `http` feature, so its
//! `verify` and `check` fetch keys when they need to, blocking; `verifyAsync` and
//! `checkAsync` run them on the libuv thread pool. The synchronous `verify`,
//! `verifyAuthorization` and `check` here never fetch (the core's `*_cached` calls): the
//! package uses them for local keys, and for remote ones when `keysReady` says so.

#![deny(clippy::all)]

use std::sync::Arc;

use napi::bindgen_prelude::{AsyncTask, Either, ToNapiValue, TypeName};
use napi::{sys, Env, Task, ValueType};
use napi_derive::napi;
use portcullis::{
    bearer_token, contain, credential_token, AuthError, ConfigError, Outcome, Principal, Request, UnixTime,
};
use serde_json::{json, Value};

/// A loaded policy.
#[napi]
pub struct NativeEngine {
    inner: Arc<portcullis::Engine>,
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

    /// `{ principal }` or `{ error }`, on the cached keys (never fetches).
    #[napi]
    pub fn verify(&self, token: String, now: f64) -> Value {
        Outcome::from(contain::auth(|| self.inner.verify_cached(&token, UnixTime::from_secs_f64(now)))).into_value()
    }

    /// `{ principal }` or `{ error }`, from an `Authorization` value, on the cached keys.
    #[napi]
    pub fn verify_authorization(&self, header: String, now: f64) -> Value {
        let now = UnixTime::from_secs_f64(now);
        Outcome::from(contain::auth(|| self.inner.verify_cached(bearer_token(&header)?, now))).into_value()
    }

    /// `{ decision }` for `principal` (`{ id, roles, tenant, claims }`).
    #[napi]
    pub fn authorize(&self, principal: Value, action: String, resource: Value, context: Option<Value>) -> Value {
        let principal = Principal::from_value(&principal);
        let request = request_of(action, resource, context);
        Outcome::Decision(contain::decision(|| self.inner.authorize(&principal, &request))).into_value()
    }

    /// `{ decision }` or `{ error }`, from a token or an `Authorization` value, on the
    /// cached keys.
    #[napi]
    pub fn check(
        &self,
        credential: String,
        action: String,
        resource: Value,
        context: Option<Value>,
        now: f64,
    ) -> Value {
        let request = request_of(action, resource, context);
        let now = UnixTime::from_secs_f64(now);
        let result = contain::auth(|| self.inner.check_cached(credential_token(&credential)?, &request, now));
        Outcome::from(result).into_value()
    }

    /// Valid but suspicious parts of the policy: `[{ path, message }]`.
    #[napi]
    pub fn warnings(&self) -> Value {
        json!(self.inner.warnings())
    }

    /// Whether the keys come from `keys.jwks_url`.
    #[napi]
    pub fn is_remote(&self) -> bool {
        contained(false, || self.inner.has_remote_keys())
    }

    /// Whether verifying `token` can go ahead on the cached keys, without a fetch or a
    /// wait. (After a panic: yes, and the cached verification decides, failing closed.)
    #[napi]
    pub fn keys_ready(&self, token: String) -> bool {
        contained(true, || self.inner.keys_ready(&token))
    }

    /// `{ token }`, the token of an `Authorization` value, or `{ error }`.
    #[napi]
    pub fn bearer_token(&self, header: String) -> Value {
        token_outcome(contain::auth(|| bearer_token(&header)))
    }

    /// `{ token }`, the token of a token-or-`Authorization` credential, or `{ error }`.
    #[napi]
    pub fn credential_token(&self, credential: String) -> Value {
        token_outcome(contain::auth(|| credential_token(&credential)))
    }

    /// `verify`, fetching keys as needed, on the libuv thread pool: a Promise of
    /// `{ principal }` or `{ error }`.
    #[napi(ts_return_type = "Promise<any>")]
    pub fn verify_async(&self, token: String, now: f64) -> AsyncTask<Verification> {
        AsyncTask::new(Verification { engine: Arc::clone(&self.inner), credential: token, request: None, now })
    }

    /// `check`, fetching keys as needed, on the libuv thread pool: a Promise of
    /// `{ decision }` or `{ error }`.
    #[napi(ts_return_type = "Promise<any>")]
    pub fn check_async(
        &self,
        credential: String,
        action: String,
        resource: Value,
        context: Option<Value>,
        now: f64,
    ) -> AsyncTask<Verification> {
        let request = Some(request_of(action, resource, context));
        AsyncTask::new(Verification { engine: Arc::clone(&self.inner), credential, request, now })
    }

    /// The key source's state: `{ source, url, state, keys, kids, age, fresh_for,
    /// served_for, fetches, failures, last_error, fetching }` (null after a panic).
    #[napi]
    pub fn key_status(&self) -> Value {
        contained(Value::Null, || json!(self.inner.key_status()))
    }

    /// The verified-token cache's counters, `{ max_entries, entries, hits, misses }`, or
    /// null without a `cache` section.
    #[napi]
    pub fn cache_status(&self) -> Value {
        contained(Value::Null, || json!(self.inner.cache_status()))
    }

    /// The key cache's events since the last call: `[{ level, message }]`.
    #[napi]
    pub fn key_events(&self) -> Value {
        contained(json!([]), || json!(self.inner.key_events()))
    }
}

/// A verification (or, with a request, a check) that may fetch keys, run off the main
/// thread.
pub struct Verification {
    engine: Arc<portcullis::Engine>,
    credential: String,
    request: Option<Request>,
    now: f64,
}

impl Task for Verification {
    type Output = Value;
    type JsValue = Resolved;

    fn compute(&mut self) -> napi::Result<Value> {
        let (engine, now) = (&self.engine, UnixTime::from_secs_f64(self.now));
        let outcome = match &self.request {
            None => Outcome::from(contain::auth(|| engine.verify(&self.credential, now))),
            Some(request) => {
                Outcome::from(contain::auth(|| engine.check(credential_token(&self.credential)?, request, now)))
            }
        };
        Ok(outcome.into_value())
    }

    fn resolve(&mut self, _env: Env, outcome: Value) -> napi::Result<Resolved> {
        Ok(Resolved(outcome))
    }
}

/// The outcome a `Verification` resolves with: a JSON value, as the other calls return.
pub struct Resolved(Value);

impl TypeName for Resolved {
    fn type_name() -> &'static str {
        "Object"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for Resolved {
    unsafe fn to_napi_value(env: sys::napi_env, value: Self) -> napi::Result<sys::napi_value> {
        // SAFETY: called by napi-rs on the JS thread with its own `env`, as for any `Value`.
        unsafe { Value::to_napi_value(env, value.0) }
    }
}

fn request_of(action: String, resource: Value, context: Option<Value>) -> Request {
    Request::new(action, resource).with_context(context.unwrap_or(Value::Null))
}

fn token_outcome(result: Result<&str, AuthError>) -> Value {
    match result {
        Ok(token) => json!({ "token": token }),
        Err(e) => json!({ "error": e }),
    }
}

/// Runs a call that cannot fail; a panic gives `fallback`.
fn contained<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    contain::auth(|| Ok(f())).unwrap_or(fallback)
}

fn loaded(result: Result<portcullis::Engine, ConfigError>) -> Either<NativeEngine, Value> {
    match result {
        Ok(inner) => Either::A(NativeEngine { inner: Arc::new(inner) }),
        Err(e) => Either::B(json!(e)),
    }
}
