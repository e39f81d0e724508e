//! The Rust conformance runner: runs vector files (see the README's "Conformance
//! vectors") through the public `wardgate` API and reports every mismatch. A vector whose
//! policy has a `cache` section has its credential verified twice by one engine, and the
//! two outcomes must be the same (the second is a cache hit when the first verified).

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Map, Value};
use wardgate::{AuthError, Credential, Decision, Engine, Request};

/// The tally of one run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Vectors that behaved as expected.
    pub passed: usize,
    /// Vectors that did not (and files that could not be read).
    pub failed: usize,
}

/// Runs every vector of every file, writing one `FAIL` line per mismatch to `out`.
pub fn run_files(paths: &[String], out: &mut impl std::io::Write) -> std::io::Result<Tally> {
    let mut tally = Tally::default();
    for path in paths {
        match load(Path::new(path)) {
            Err(problem) => {
                tally.failed += 1;
                writeln!(out, "FAIL {path} (file): {problem}")?;
            }
            Ok(vectors) => {
                for (index, vector) in vectors.iter().enumerate() {
                    let id =
                        vector.get("id").and_then(Value::as_str).map_or_else(|| format!("#{index}"), str::to_owned);
                    match run_vector(vector) {
                        Ok(()) => tally.passed += 1,
                        Err(mismatch) => {
                            tally.failed += 1;
                            writeln!(out, "FAIL {path} {id}: {mismatch}")?;
                        }
                    }
                }
            }
        }
    }
    Ok(tally)
}

fn load(path: &Path) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    match doc.get("vectors") {
        Some(Value::Array(vectors)) => Ok(vectors.clone()),
        _ => Err("no \"vectors\" list".into()),
    }
}

/// What actually happened to one vector, in the shape of `expect`.
fn outcome(vector: &Value) -> Result<Value, String> {
    let policy = vector.get("policy").ok_or("the vector has no policy")?;
    let engine = match Engine::from_value(policy) {
        Ok(engine) => engine,
        Err(e) => return Ok(json!({"config_error": true, "detail": e.to_string()})),
    };
    let now = vector.get("now").and_then(Value::as_f64).ok_or("the vector has no numeric now")?;
    let verify = || match (vector.get("token"), vector.get("authorization")) {
        (Some(Value::String(token)), _) => Ok(engine.verify(token.as_str(), now)),
        (None, Some(Value::String(header))) => Ok(engine.verify(Credential::Authorization(header), now)),
        (None, None) => Ok(engine.verify("", now)),
        _ => Err("token and authorization must be strings"),
    };
    let verified = verify()?;
    // With a verified-token cache, the same credential again (a hit, when the first one
    // verified) must give the same outcome: a cache never changes an answer.
    if engine.cache_status().is_some() {
        let again = verify()?;
        if again != verified {
            return Err(format!(
                "the second verification (with the cache) differs from the first: {}",
                match &again {
                    Ok(p) => format!("principal {:?}", p.id()),
                    Err(e) => error_outcome(e).to_string(),
                }
            ));
        }
    }
    let principal = match verified {
        Err(e) => return Ok(error_outcome(&e)),
        Ok(p) => p,
    };
    let mut got = json!({"ok": true, "principal": principal.clone().into_value()});
    if let Some(spec) = vector.get("filter") {
        got["filter"] = crate::filters::outcome(&engine, &principal, spec)?;
    }
    if let Some(request) = vector.get("request") {
        let decision = engine.authorize(&principal, &request_of(request)?);
        merge_decision(&mut got, &decision);
    }
    Ok(got)
}

fn error_outcome(e: &AuthError) -> Value {
    json!({"ok": false, "code": e.code().as_str(), "status": e.status(), "reason": e.reason().as_str(), "detail": e.detail()})
}

fn request_of(request: &Value) -> Result<Request, String> {
    let action = request.get("action").and_then(Value::as_str).ok_or("request.action must be a string")?;
    let resource = request.get("resource").cloned().unwrap_or(Value::Object(Map::new()));
    let context = request.get("context").cloned().unwrap_or(Value::Object(Map::new()));
    Ok(Request::new(action, resource).with_context(context))
}

fn merge_decision(got: &mut Value, d: &Decision) {
    got["allowed"] = json!(d.allowed);
    got["rules"] = json!(d.rules);
    if let (Some(code), Some(reason)) = (d.code, d.reason) {
        got["code"] = json!(code.as_str());
        got["status"] = json!(d.status);
        got["reason"] = json!(reason.as_str());
    }
    if !d.errors.is_empty() {
        got["errors"] = serde_json::to_value(&d.errors).unwrap_or(Value::Null);
    }
}

/// Compares the outcome with `expect`; only what `expect` states is compared.
fn run_vector(vector: &Value) -> Result<(), String> {
    let expect = vector.get("expect").and_then(Value::as_object).ok_or("the vector has no expect object")?;
    let got = outcome(vector)?;
    let mut wrong = String::new();
    let config_expected = expect.get("config_error") == Some(&Value::Bool(true));
    let config_got = got.get("config_error") == Some(&Value::Bool(true));
    if config_expected || config_got {
        if config_expected != config_got {
            return Err(format!("expected {}, got {}", Value::Object(expect.clone()), summary(&got)));
        }
        return Ok(());
    }
    for (key, want) in expect {
        match key.as_str() {
            "principal" => {
                let Some(want) = want.as_object() else { return Err("expect.principal must be an object".into()) };
                for (field, value) in want {
                    let have = got.get("principal").and_then(|p| p.get(field));
                    if have != Some(value) {
                        let _ = write!(
                            wrong,
                            " principal.{field}: expected {value}, got {};",
                            have.unwrap_or(&Value::Null)
                        );
                    }
                }
            }
            "filter" => {
                if let Some(problem) = crate::filters::compare(want, got.get("filter")) {
                    let _ = write!(wrong, " filter {problem};");
                }
            }
            "rules" => {
                let mut want_ids: Vec<String> =
                    serde_json::from_value(want.clone()).map_err(|_| "expect.rules must list ids")?;
                let mut have_ids: Vec<String> =
                    got.get("rules").cloned().map(serde_json::from_value).and_then(Result::ok).unwrap_or_default();
                want_ids.sort();
                have_ids.sort();
                if want_ids != have_ids {
                    let _ = write!(wrong, " rules: expected {want_ids:?}, got {have_ids:?};");
                }
            }
            _ => {
                let have = got.get(key);
                if have != Some(want) {
                    let _ = write!(wrong, " {key}: expected {want}, got {};", have.unwrap_or(&Value::Null));
                }
            }
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "expected {}, got {} ({})",
            Value::Object(expect.clone()),
            summary(&got),
            wrong.trim().trim_end_matches(';')
        ))
    }
}

/// The outcome without bulky members (claims), for FAIL lines.
fn summary(got: &Value) -> Value {
    let mut short = got.clone();
    if let Some(p) = short.get_mut("principal").and_then(Value::as_object_mut) {
        p.remove("claims");
    }
    if let Some(object) = short.as_object_mut() {
        object.remove("filter");
    }
    short
}
