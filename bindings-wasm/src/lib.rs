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

use portcullis::{credential_token, AuthError, ConfigError, Decision, Principal, Request, UnixTime};
use serde::Serialize;
use serde_json::{json, Map, Value};
use wasm_bindgen::prelude::*;

/// A loaded policy.
#[wasm_bindgen]
pub struct NativeEngine {
    inner: portcullis::Engine,
}

#[wasm_bindgen]
impl NativeEngine {
    /// Loads a policy given as JSON text or as an object: the engine, or the
    /// configuration error as `{ path, message, detail }`.
    pub fn load(policy: JsValue) -> JsValue {
        let result = match policy.as_string() {
            Some(text) => portcullis::Engine::from_json(&text),
            None => match from_js(policy) {
                Ok(doc) => portcullis::Engine::from_value(&doc),
                Err(e) => Err(ConfigError::new("", e)),
            },
        };
        match result {
            Ok(inner) => NativeEngine { inner }.into(),
            Err(e) => to_js(&json!({ "path": e.path(), "message": e.message(), "detail": e.to_string() })),
        }
    }

    /// `{ principal }` or `{ error }`.
    pub fn verify(&self, token: &str, now: f64) -> String {
        principal_outcome(self.inner.verify(token, UnixTime::from_secs_f64(now)))
    }

    /// `{ principal }` or `{ error }`, from an `Authorization` value.
    #[wasm_bindgen(js_name = verifyAuthorization)]
    pub fn verify_authorization(&self, header: &str, now: f64) -> String {
        principal_outcome(self.inner.verify_authorization(header, UnixTime::from_secs_f64(now)))
    }

    /// The decision for `principal` (`{ id, roles, tenant, claims }`).
    pub fn authorize(
        &self,
        principal: JsValue,
        action: String,
        resource: JsValue,
        context: JsValue,
    ) -> Result<String, JsError> {
        let principal = principal_of(arg(principal)?);
        let request = request_of(action, resource, context)?;
        Ok(text(&self.inner.authorize(&principal, &request)))
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
        let outcome = credential_token(credential)
            .and_then(|token| self.inner.check(token, &request, UnixTime::from_secs_f64(now)));
        Ok(match outcome {
            Ok(decision) => text(&json!({ "decision": decision_value(&decision) })),
            Err(e) => text(&json!({ "error": e })),
        })
    }

    /// Valid but suspicious parts of the policy: `[{ path, message }]`.
    pub fn warnings(&self) -> String {
        let list: Vec<Value> =
            self.inner.warnings().into_iter().map(|w| json!({ "path": w.path, "message": w.message })).collect();
        text(&list)
    }
}

fn request_of(action: String, resource: JsValue, context: JsValue) -> Result<Request, JsError> {
    let context = if context.is_undefined() || context.is_null() { Value::Null } else { arg(context)? };
    Ok(Request::new(action, arg(resource)?).with_context(context))
}

fn principal_outcome(result: Result<Principal, AuthError>) -> String {
    match result {
        Ok(p) => text(&json!({ "principal": principal_value(p) })),
        Err(e) => text(&json!({ "error": e })),
    }
}

fn principal_value(p: Principal) -> Value {
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

fn decision_value(d: &Decision) -> Value {
    serde_json::to_value(d).unwrap_or_else(|_| json!({ "allowed": false, "status": 403 }))
}

fn from_js(value: JsValue) -> Result<Value, String> {
    serde_wasm_bindgen::from_value(value).map_err(|e| format!("not a JSON value: {e}"))
}

fn arg(value: JsValue) -> Result<Value, JsError> {
    from_js(value).map_err(|e| JsError::new(&e))
}

fn text<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| r#"{"error":{"detail":"the outcome could not be encoded","code":"TOKEN_INVALID","status":401,"reason":"malformed"}}"#.into())
}

fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL)
}
