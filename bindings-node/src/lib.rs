//! The native half of the `wardgate` npm package (napi-rs).
//!
//! It converts between JavaScript values and the core's types and nothing else; the
//! package's `api.js` turns the error objects returned here into `AuthError` and
//! `ConfigError` instances. Outcomes are returned as data (`{ principal }`,
//! `{ decision }` or `{ error }`) rather than thrown, so the JS side builds its own
//! error classes and nothing crosses as a bare native error. The per-request calls hand
//! them over as JSON text (`wardgate::ffi`'s calls), which V8 parses faster than
//! napi builds an object member by member. Every entry point runs inside
//! `wardgate::ffi::panics`, so a panic becomes an ordinary failure.
//!
//! Remote key sets (`keys.jwks_url`): the core is built with its `http` feature, so its
//! `verify` and `check` fetch keys when they need to, blocking; `verifyAsync` and
//! `checkAsync` run them on the libuv thread pool. The synchronous `verify`,
//! `verifyAuthorization` and `check` here never fetch (`KeyAccess::Cached`): the
//! package uses them for local keys; for remote ones it calls `verifyIfReady` and
//! `checkIfReady`, which verify when the keys are in and give null when a fetch must come
//! first.
//!
//! Revocation: `revoke` writes to the policy's Redis source on the libuv thread pool (a
//! Promise of JSON text); `revocationSet` and `revocationStatus` read the local mirror. A
//! `revocation.url` set is fetched as remote keys are: by `verifyAsync` and `checkAsync`,
//! when `verifyIfReady` or `checkIfReady` gave null because it is due.
//!
//! List filters (`filter`, and the static `filterRead`, `filterMatches`, `filterSql`,
//! `filterAttributes` and `filterClause`) cross as JSON text both ways: a filter is its JSON form, which each call
//! reads again, so integers beyond 2^53 in it stay exact.

#![deny(clippy::all)]

use std::sync::Arc;

use napi::bindgen_prelude::{AsyncTask, Either};
use napi::{Env, Task};
use napi_derive::napi;
use serde_json::{json, Value};
use wardgate::ffi::{self, panics};
use wardgate::{ConfigError, Credential, KeyAccess, Request};

/// A loaded policy.
#[napi]
pub struct NativeEngine {
    inner: Arc<wardgate::Engine>,
}

#[napi]
impl NativeEngine {
    /// Loads a policy given as JSON text (`api.js` turns an object into text): the engine,
    /// or the configuration error as `{ code, path, problem, detail }`.
    #[napi]
    pub fn load(policy: String) -> Either<NativeEngine, Value> {
        loaded(panics::config(|| wardgate::Engine::from_json(&policy)))
    }

    /// Loads a policy file (JSON).
    #[napi]
    pub fn load_file(path: String) -> Either<NativeEngine, Value> {
        loaded(panics::config(|| wardgate::Engine::from_file(&path)))
    }

    /// `{ principal }` or `{ error }` as JSON text, on the cached keys (never fetches).
    #[napi]
    pub fn verify(&self, token: String, now: f64) -> String {
        ffi::settled(ffi::verify(&self.inner, Credential::Token(&token), ffi::at(now, KeyAccess::Cached)))
    }

    /// `verify` when the keys the token needs are in; null when a remote key set must be
    /// fetched first (then `verifyAsync`).
    #[napi]
    pub fn verify_if_ready(&self, token: String, now: f64) -> Option<String> {
        ffi::verify(&self.inner, Credential::Token(&token), ffi::at(now, KeyAccess::IfReady))
    }

    /// `{ principal }` or `{ error }` as JSON text, from an `Authorization` value, on the
    /// cached keys.
    #[napi]
    pub fn verify_authorization(&self, header: String, now: f64) -> String {
        ffi::settled(ffi::verify(&self.inner, Credential::Authorization(&header), ffi::at(now, KeyAccess::Cached)))
    }

    /// `{ decision }` as JSON text for `principal` (`{ id, roles, tenant, claims }`); the
    /// principal, the resource and the context come as JSON text.
    /// A verified principal's claims come back as the text `verify` gave them (api.js keeps
    /// it), never rebuilt from JavaScript numbers, so the decision is `check`'s.
    #[napi]
    pub fn authorize(
        &self,
        principal: String,
        action: String,
        resource: String,
        context: Option<String>,
    ) -> napi::Result<String> {
        let principal = ffi::principal(&principal).map_err(not_json)?;
        let request = request_of(action, &resource, context)?;
        Ok(ffi::authorize(&self.inner, &principal, &request))
    }

    /// `{ decision }` or `{ error }` as JSON text, from a token or an `Authorization`
    /// value, on the cached keys.
    #[napi]
    pub fn check(
        &self,
        credential: String,
        action: String,
        resource: String,
        context: Option<String>,
        now: f64,
    ) -> napi::Result<String> {
        let request = request_of(action, &resource, context)?;
        Ok(ffi::settled(ffi::check(
            &self.inner,
            Credential::either(&credential),
            &request,
            ffi::at(now, KeyAccess::Cached),
        )))
    }

    /// `check` when the keys the token needs are in; null when a remote key set must be
    /// fetched first (then `checkAsync`).
    #[napi]
    pub fn check_if_ready(
        &self,
        credential: String,
        action: String,
        resource: String,
        context: Option<String>,
        now: f64,
    ) -> napi::Result<Option<String>> {
        let request = request_of(action, &resource, context)?;
        Ok(ffi::check(&self.inner, Credential::either(&credential), &request, ffi::at(now, KeyAccess::IfReady)))
    }

    /// `{ filter }` or `{ error }` as JSON text: the list filter of the resources of
    /// `resource_type` that `principal` may `action` (its JSON text, as for `authorize`),
    /// in the context (JSON text). Planning reads no keys.
    #[napi]
    pub fn filter(&self, principal: String, action: String, resource_type: String, context: Option<String>) -> String {
        ffi::filter(&self.inner, &principal, &action, &resource_type, context.as_deref())
    }

    /// `{ filter }` or `{ error }` as JSON text: a filter's JSON form (text) read back.
    #[napi]
    pub fn filter_read(filter: String) -> String {
        ffi::filter_read(&filter)
    }

    /// `{ matches }` or `{ error }` as JSON text: whether a filter (JSON text) selects a
    /// resource (JSON text).
    #[napi]
    pub fn filter_matches(filter: String, resource: String) -> String {
        ffi::filter_matches(&filter, &resource)
    }

    /// `{ sql: { sql, params } }` or `{ error }` as JSON text: a filter (JSON text) as SQL
    /// for `dialect` and the columns (JSON text).
    #[napi]
    pub fn filter_sql(filter: String, dialect: String, columns: String) -> String {
        ffi::filter_sql(&filter, &dialect, &columns)
    }

    /// `{ attributes }` or `{ error }` as JSON text: the resource attributes a filter (JSON
    /// text) reads, for ORM adapters.
    #[napi]
    pub fn filter_attributes(filter: String) -> String {
        ffi::filter_attributes(&filter)
    }

    /// `{ clause }` or `{ error }` as JSON text: a filter (JSON text) folded against the
    /// columns' types (JSON text), for ORM adapters.
    #[napi]
    pub fn filter_clause(filter: String, dialect: String, columns: String) -> String {
        ffi::filter_clause(&filter, &dialect, &columns)
    }

    /// Valid but suspicious parts of the policy: `[{ path, message }]`.
    #[napi]
    pub fn warnings(&self) -> Value {
        json!(self.inner.warnings())
    }

    /// Whether a verification may need a fetch first: keys from `keys.jwks_url`, or revoked
    /// entries from `revocation.url`.
    #[napi]
    pub fn is_remote(&self) -> bool {
        contained(false, || ffi::remote(&self.inner))
    }

    /// `{ token }`, the token of an `Authorization` value, or `{ error }`.
    #[napi]
    pub fn bearer_token(&self, header: String) -> Value {
        ffi::token(Credential::Authorization(&header))
    }

    /// `{ token }`, the token of a token-or-`Authorization` credential, or `{ error }`.
    #[napi]
    pub fn credential_token(&self, credential: String) -> Value {
        ffi::token(Credential::either(&credential))
    }

    /// `verify`, fetching keys as needed, on the libuv thread pool: a Promise of
    /// `{ principal }` or `{ error }` as JSON text.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn verify_async(&self, token: String, now: f64) -> AsyncTask<Verification> {
        AsyncTask::new(Verification { engine: Arc::clone(&self.inner), credential: token, request: None, now })
    }

    /// `check`, fetching keys as needed, on the libuv thread pool: a Promise of
    /// `{ decision }` or `{ error }` as JSON text.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn check_async(
        &self,
        credential: String,
        action: String,
        resource: String,
        context: Option<String>,
        now: f64,
    ) -> napi::Result<AsyncTask<Verification>> {
        let request = Some(request_of(action, &resource, context)?);
        Ok(AsyncTask::new(Verification { engine: Arc::clone(&self.inner), credential, request, now }))
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

    /// The revocation source's state, `{ source, url, state, entries, sids, jtis, subjects,
    /// last_sync, age, last_error }`, or null without a `revocation` section.
    #[napi]
    pub fn revocation_status(&self) -> Value {
        contained(Value::Null, || json!(self.inner.revocation_status()))
    }

    /// The revoked set in force, `{ sid, jti, subjects }`, or null (no `revocation`
    /// section, or a source with no set to vouch for).
    #[napi]
    pub fn revocation_set(&self) -> Value {
        contained(Value::Null, || ffi::revocation_set(&self.inner))
    }

    /// Revokes the entry `{ sid?, jti?, sub?, ttl }` (JSON text) at the policy's Redis
    /// source, on the libuv thread pool: a Promise of `{ revoked: true }` or `{ error }` as
    /// JSON text.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn revoke(&self, entry: String) -> AsyncTask<Revocation> {
        AsyncTask::new(Revocation { engine: Arc::clone(&self.inner), entry })
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
    engine: Arc<wardgate::Engine>,
    credential: String,
    request: Option<Request>,
    now: f64,
}

impl Task for Verification {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<String> {
        let (engine, options) = (&self.engine, ffi::at(self.now, KeyAccess::Fetch));
        Ok(ffi::settled(match &self.request {
            None => ffi::verify(engine, Credential::Token(&self.credential), options),
            Some(request) => ffi::check(engine, Credential::either(&self.credential), request, options),
        }))
    }

    fn resolve(&mut self, _env: Env, outcome: String) -> napi::Result<String> {
        Ok(outcome)
    }
}

/// A revocation, which waits on Redis, run off the main thread.
pub struct Revocation {
    engine: Arc<wardgate::Engine>,
    entry: String,
}

impl Task for Revocation {
    type Output = String;
    type JsValue = String;

    fn compute(&mut self) -> napi::Result<String> {
        Ok(ffi::revoke(&self.engine, &self.entry))
    }

    fn resolve(&mut self, _env: Env, outcome: String) -> napi::Result<String> {
        Ok(outcome)
    }
}

/// The request of a call, its resource and context as JSON text (from `JSON.stringify`).
fn request_of(action: String, resource: &str, context: Option<String>) -> napi::Result<Request> {
    ffi::request(action, resource, context.as_deref()).map_err(not_json)
}

/// An argument that is not JSON text (api.js always passes `JSON.stringify` output).
fn not_json(e: serde_json::Error) -> napi::Error {
    napi::Error::new(napi::Status::InvalidArg, format!("not a JSON value: {e}"))
}

/// Runs a call that cannot fail; a panic gives `fallback`.
fn contained<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    panics::auth(|| Ok(f())).unwrap_or(fallback)
}

fn loaded(result: Result<wardgate::Engine, ConfigError>) -> Either<NativeEngine, Value> {
    match result {
        Ok(inner) => Either::A(NativeEngine { inner: Arc::new(inner) }),
        Err(e) => Either::B(json!(e)),
    }
}
