//! The WebAssembly half of the `wardgate` npm package (wasm-bindgen), for Edge runtimes.
//!
//! The same surface as the native addon (`bindings-node/src/lib.rs`), so the package's
//! shared `api.js` drives either one: outcomes come back as data (`{ principal }`,
//! `{ decision }`, `{ error }`, or a configuration error object) and the JS side builds
//! its error classes. This crate only converts; there is no clock and no file system
//! here, so `now` always comes from JavaScript.
//!
//! The per-request calls return their outcome as JSON text (`wardgate::ffi`'s
//! calls), which `bindings-node/api.js` parses, as it does the addon's: an export that
//! returns a JS object (an `externref`) can abort Node 20 (V8 11.3) when V8 inlines the
//! call and then deoptimises the caller during it, and Next.js runs Edge middleware on
//! that V8. The other calls' JSON text is parsed by `bindings-node/wasm-engine.js`.
//!
//! Remote key sets (`keys.jwks_url`) and revoked sets (`revocation.url`): WebAssembly does
//! no I/O, so the core's key cache and revocation source are driven from JavaScript
//! (`bindings-node/api.js`): `keyNeed` (for a token) and `revocationNeed` say whether a
//! verification can go ahead now, must wait for a fetch under way, or needs a fetch (a
//! ticket); the host GETs the ticket's URL and hands the response to `keyResponse` (or the
//! failure to `keyFailed`), saying which of the two asked. `verify` and `check` here never
//! fetch: they use what is held; `verifyIfReady` and `checkIfReady` verify only when no
//! fetch must come first.
//!
//! List filters (`filter`, and the static `filterRead`, `filterMatches`, `filterSql`,
//! `filterAttributes` and `filterClause`) cross as JSON text both ways, as in the addon: no object of the core
//! stays behind in the module's memory, so nothing needs freeing.

use serde::Serialize;
use wardgate::ffi;
use wardgate::{Credential, KeyAccess, KeyFailure, KeyFetch, KeyNeed, KeyResponse, Request};
use wasm_bindgen::prelude::*;

/// A loaded policy.
#[wasm_bindgen]
pub struct NativeEngine {
    inner: wardgate::Engine,
}

#[wasm_bindgen]
impl NativeEngine {
    /// Loads a policy given as JSON text (`api.js` turns an object into text): the engine;
    /// a configuration error is thrown as the JSON text of `{ code, path, problem, detail }`
    /// (which `wasm-engine.js` parses: JSON text costs the module less than building the
    /// object through the host's API).
    pub fn load(policy: &str) -> Result<NativeEngine, String> {
        wardgate::Engine::from_json(policy).map(|inner| NativeEngine { inner }).map_err(|e| text(&e))
    }

    /// `{ principal }` or `{ error }`, on the cached keys.
    pub fn verify(&self, token: &str, now: f64) -> String {
        ffi::settled(ffi::verify(&self.inner, Credential::Token(token), ffi::at(now, KeyAccess::Cached)))
    }

    /// `verify` when the keys the token needs are in; nothing when a remote key set must
    /// be fetched first (then `keyNeed`).
    #[wasm_bindgen(js_name = verifyIfReady)]
    pub fn verify_if_ready(&self, token: &str, now: f64) -> Option<String> {
        ffi::verify(&self.inner, Credential::Token(token), ffi::at(now, KeyAccess::IfReady))
    }

    /// `{ principal }` or `{ error }`, from an `Authorization` value, on the cached keys.
    #[wasm_bindgen(js_name = verifyAuthorization)]
    pub fn verify_authorization(&self, header: &str, now: f64) -> String {
        ffi::settled(ffi::verify(&self.inner, Credential::Authorization(header), ffi::at(now, KeyAccess::Cached)))
    }

    /// `{ decision }` for `principal` (`{ id, roles, tenant, claims }`); the principal,
    /// the resource and the context come as JSON text.
    pub fn authorize(
        &self,
        principal: &str,
        action: String,
        resource: &str,
        context: Option<String>,
    ) -> Result<String, JsError> {
        let principal = ffi::principal(principal).map_err(not_json)?;
        let request = request_of(action, resource, context)?;
        Ok(ffi::authorize(&self.inner, &principal, &request))
    }

    /// `{ decision }` or `{ error }`, from a token or an `Authorization` value, on the
    /// cached keys.
    pub fn check(
        &self,
        credential: &str,
        action: String,
        resource: &str,
        context: Option<String>,
        now: f64,
    ) -> Result<String, JsError> {
        let request = request_of(action, resource, context)?;
        Ok(ffi::settled(ffi::check(
            &self.inner,
            Credential::either(credential),
            &request,
            ffi::at(now, KeyAccess::Cached),
        )))
    }

    /// `check` when the keys the token needs are in; nothing when a remote key set must
    /// be fetched first (then `keyNeed`).
    #[wasm_bindgen(js_name = checkIfReady)]
    pub fn check_if_ready(
        &self,
        credential: &str,
        action: String,
        resource: &str,
        context: Option<String>,
        now: f64,
    ) -> Result<Option<String>, JsError> {
        let request = request_of(action, resource, context)?;
        Ok(ffi::check(&self.inner, Credential::either(credential), &request, ffi::at(now, KeyAccess::IfReady)))
    }

    /// `{ filter }` or `{ error }`: the list filter of the resources of `resource_type`
    /// that `principal` may `action` (its JSON text, as for `authorize`), in the context
    /// (JSON text). Planning reads no keys.
    pub fn filter(&self, principal: &str, action: &str, resource_type: &str, context: Option<String>) -> String {
        ffi::filter(&self.inner, principal, action, resource_type, context.as_deref())
    }

    /// `{ filter }` or `{ error }`: a filter's JSON form (text) read back.
    #[wasm_bindgen(js_name = filterRead)]
    pub fn filter_read(filter: &str) -> String {
        ffi::filter_read(filter)
    }

    /// `{ matches }` or `{ error }`: whether a filter (JSON text) selects a resource (JSON text).
    #[wasm_bindgen(js_name = filterMatches)]
    pub fn filter_matches(filter: &str, resource: &str) -> String {
        ffi::filter_matches(filter, resource)
    }

    /// `{ sql: { sql, params } }` or `{ error }`: a filter (JSON text) as SQL for `dialect`
    /// and the columns (JSON text).
    #[wasm_bindgen(js_name = filterSql)]
    pub fn filter_sql(filter: &str, dialect: &str, columns: &str) -> String {
        ffi::filter_sql(filter, dialect, columns)
    }

    /// `{ attributes }` or `{ error }`: the resource attributes a filter (JSON text) reads.
    #[wasm_bindgen(js_name = filterAttributes)]
    pub fn filter_attributes(filter: &str) -> String {
        ffi::filter_attributes(filter)
    }

    /// `{ clause }` or `{ error }`: a filter (JSON text) folded against the columns' types
    /// (JSON text), for ORM adapters.
    #[wasm_bindgen(js_name = filterClause)]
    pub fn filter_clause(filter: &str, dialect: &str, columns: &str) -> String {
        ffi::filter_clause(filter, dialect, columns)
    }

    /// Valid but suspicious parts of the policy: `[{ path, message }]`.
    pub fn warnings(&self) -> String {
        text(&self.inner.warnings())
    }

    /// Whether a verification may need a fetch first: keys from `keys.jwks_url`, or revoked
    /// entries from `revocation.url`.
    #[wasm_bindgen(js_name = isRemote)]
    pub fn is_remote(&self) -> bool {
        ffi::remote(&self.inner)
    }

    /// `{ token }`, the token of an `Authorization` value, or `{ error }`.
    #[wasm_bindgen(js_name = bearerToken)]
    pub fn bearer_token(&self, header: &str) -> String {
        text(&ffi::token(Credential::Authorization(header)))
    }

    /// `{ token }`, the token of a token-or-`Authorization` credential, or `{ error }`.
    #[wasm_bindgen(js_name = credentialToken)]
    pub fn credential_token(&self, credential: &str) -> String {
        text(&ffi::token(Credential::either(credential)))
    }

    /// What verifying `token` needs first: `{"need":"ready"}`, `{"need":"wait"}` (another
    /// caller's fetch is under way) or
    /// `{"need":"fetch","ticket":{"id","url","timeout_ms","accept_encoding","max_bytes"}}` (this caller
    /// must GET `url`, sending `Accept-Encoding: accept_encoding`, and answer with
    /// `keyResponse` or `keyFailed`, giving the ticket's `id`).
    #[wasm_bindgen(js_name = keyNeed)]
    pub fn key_need(&self, token: &str) -> String {
        need(self.inner.key_need(Credential::either(token)))
    }

    /// What the revocation step needs first (`revocation.url`), as `keyNeed` says it; a
    /// ticket is answered with `revocation` true.
    #[wasm_bindgen(js_name = revocationNeed)]
    pub fn revocation_need(&self) -> String {
        need(self.inner.revocation_need())
    }

    /// The response to the fetch of the ticket `id` (from `keyNeed`, or from
    /// `revocationNeed` when `revocation`): the status, the `Cache-Control` and
    /// `Content-Encoding` headers, and the body as `fetch` decoded it (the first
    /// `max_bytes` decoded bytes are enough); the core judges the coding. The core matches
    /// an answer to its ticket by id, and ignores one that is no longer current.
    #[wasm_bindgen(js_name = keyResponse)]
    pub fn key_response(
        &self,
        id: f64,
        status: u16,
        cache_control: Option<String>,
        content_encoding: Option<String>,
        body: Vec<u8>,
        revocation: bool,
    ) {
        self.answer(id, KeyResponse::Http { status, cache_control, content_encoding, body }, revocation);
    }

    /// A fetch (of the ticket `id`) that got no response: its cause as JSON,
    /// `{"kind", "detail"}` (see `wardgate::KeyFailure`), which the core words. A cause that
    /// does not parse is a network error, failing as any other.
    #[wasm_bindgen(js_name = keyFailed)]
    pub fn key_failed(&self, id: f64, failure: &str, revocation: bool) {
        let failure = serde_json::from_str(failure).map_or(KeyFailure::Network(None), |v| KeyFailure::from_value(&v));
        self.answer(id, KeyResponse::from(failure), revocation);
    }

    /// The key source's state: `{ source, url, state, keys, kids, age, fresh_for,
    /// served_for, fetches, failures, last_error, fetching }`.
    #[wasm_bindgen(js_name = keyStatus)]
    pub fn key_status(&self) -> String {
        text(&self.inner.key_status())
    }

    /// The verified-token cache's counters, `{ max_entries, entries, hits, misses }`, or
    /// null without a `cache` section.
    #[wasm_bindgen(js_name = cacheStatus)]
    pub fn cache_status(&self) -> String {
        text(&self.inner.cache_status())
    }

    /// The revocation source's state, `{ source, url, state, entries, sids, jtis, subjects,
    /// last_sync, age, last_error }`, or null without a `revocation` section.
    #[wasm_bindgen(js_name = revocationStatus)]
    pub fn revocation_status(&self) -> String {
        text(&self.inner.revocation_status())
    }

    /// The revoked set in force, `{ sid, jti, subjects }`, or null, as JSON text.
    #[wasm_bindgen(js_name = revocationSet)]
    pub fn revocation_set(&self) -> String {
        ffi::revocation_set(&self.inner).to_string()
    }

    /// `{ error }` as JSON text: this build has no Redis client, so it cannot revoke
    /// (`REVOKE_UNSUPPORTED`, whatever the entry); revoke where the set is served, or from a
    /// native runtime.
    pub fn revoke(&self, _entry: String) -> String {
        ffi::revoke_unsupported()
    }

    /// The key cache's events since the last call: `[{ level, message }]`.
    #[wasm_bindgen(js_name = keyEvents)]
    pub fn key_events(&self) -> String {
        text(&self.inner.key_events())
    }
}

impl NativeEngine {
    /// Hands the outcome of the fetch of the ticket `id` to the key cache, or to the
    /// revocation source when `revocation`. The core reads a ticket's id alone when it takes
    /// an answer, so the ticket does not come back whole (nor does the module carry a
    /// reader for it).
    fn answer(&self, id: f64, response: KeyResponse, revocation: bool) {
        let ticket =
            KeyFetch { id: id as u64, url: String::new(), timeout_ms: 0, accept_encoding: String::new(), max_bytes: 0 };
        if revocation {
            self.inner.revocation_response(&ticket, response);
        } else {
            self.inner.key_response(&ticket, response);
        }
    }
}

/// A need (`keyNeed`, `revocationNeed`) as JSON text.
fn need(need: KeyNeed) -> String {
    match need {
        KeyNeed::Ready => r#"{"need":"ready"}"#.into(),
        KeyNeed::Wait => r#"{"need":"wait"}"#.into(),
        KeyNeed::Fetch(ticket) => text(&serde_json::json!({ "need": "fetch", "ticket": ticket })),
    }
}

/// The request of a call, its resource and context as JSON text (from `JSON.stringify`).
fn request_of(action: String, resource: &str, context: Option<String>) -> Result<Request, JsError> {
    ffi::request(action, resource, context.as_deref()).map_err(not_json)
}

/// An argument that is not JSON text (api.js always passes `JSON.stringify` output).
fn not_json(e: serde_json::Error) -> JsError {
    JsError::new(&format!("not a JSON value: {e}"))
}

/// JSON text of an outcome (these serialise to objects with string keys, which cannot fail).
fn text<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}
