//! The WebAssembly half of the `portcullis` npm package (wasm-bindgen), for Edge runtimes.
//!
//! The same surface as the native addon (`bindings-node/src/lib.rs`), so the package's
//! shared `api.js` drives either one: outcomes come back as data (`{ principal }`,
//! `{ decision }`, `{ error }`, or a configuration error object) and the JS side builds
//! its error classes. This crate only converts; there is no clock and no file system
//! here, so `now` always comes from JavaScript.
//!
//! The per-request calls return their outcome as JSON text, which
//! `bindings-node/wasm-engine.js` parses: an export that returns a JS object (an
//! `externref`) can abort Node 20 (V8 11.3) when V8 inlines the call and then
//! deoptimises the caller during it, and Next.js runs Edge middleware on that V8.

use portcullis::{credential_token, Outcome, Principal, Request, UnixTime};
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

/// A loaded policy.
#[wasm_bindgen]
pub struct NativeEngine {
    inner: portcullis::Engine,
}

#[wasm_bindgen]
impl NativeEngine {
    /// Loads a policy given as JSON text or as an object: the engine, or the
    /// configuration error as `{ code, path, message, detail }`.
    pub fn load(policy: JsValue) -> JsValue {
        let result = match policy.as_string() {
            Some(text) => portcullis::Engine::from_json(&text),
            None => match from_js(policy) {
                Ok(doc) => portcullis::Engine::from_value(&doc),
                Err(e) => Err(portcullis::ConfigError::new("", e)),
            },
        };
        match result {
            Ok(inner) => NativeEngine { inner }.into(),
            Err(e) => e.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL),
        }
    }

    /// `{ principal }` or `{ error }`.
    pub fn verify(&self, token: &str, now: f64) -> String {
        text(&Outcome::from(self.inner.verify(token, UnixTime::from_secs_f64(now))))
    }

    /// `{ principal }` or `{ error }`, from an `Authorization` value.
    #[wasm_bindgen(js_name = verifyAuthorization)]
    pub fn verify_authorization(&self, header: &str, now: f64) -> String {
        text(&Outcome::from(self.inner.verify_authorization(header, UnixTime::from_secs_f64(now))))
    }

    /// `{ decision }` for `principal` (`{ id, roles, tenant, claims }`).
    pub fn authorize(
        &self,
        principal: JsValue,
        action: String,
        resource: JsValue,
        context: JsValue,
    ) -> Result<String, JsError> {
        let principal = Principal::from_value(&arg(principal)?);
        let request = request_of(action, resource, context)?;
        Ok(text(&Outcome::Decision(self.inner.authorize(&principal, &request))))
    }

    /// `{ decision }` or `{ error }`, from a token or an `Authorization` value.
    pub fn check(
        &self,
        credential: &str,
        action: String,
        resource: JsValue,
        context: JsValue,
        now: f64,
    ) -> Result<String, JsError> {
        let request = request_of(action, resource, context)?;
        let result = credential_token(credential)
            .and_then(|token| self.inner.check(token, &request, UnixTime::from_secs_f64(now)));
        Ok(text(&Outcome::from(result)))
    }

    /// Valid but suspicious parts of the policy: `[{ path, message }]`.
    pub fn warnings(&self) -> String {
        text(&self.inner.warnings())
    }
}

fn request_of(action: String, resource: JsValue, context: JsValue) -> Result<Request, JsError> {
    let context = if context.is_undefined() || context.is_null() { Value::Null } else { arg(context)? };
    Ok(Request::new(action, arg(resource)?).with_context(context))
}

fn from_js(value: JsValue) -> Result<Value, String> {
    serde_wasm_bindgen::from_value(value).map_err(|e| format!("not a JSON value: {e}"))
}

fn arg(value: JsValue) -> Result<Value, JsError> {
    from_js(value).map_err(|e| JsError::new(&e))
}

/// JSON text of an outcome (these serialise to objects with string keys, which cannot fail).
fn text<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}
