//! List filters for the bindings: plans, row checks and SQL as JSON text.
//!
//! Each call answers `{"filter": …}`, `{"matches": bool}`, `{"sql": {"sql", "params"}}`
//! or `{"clause": …}`, or `{"error": {"code", "detail"}}` with one of the codes of
//! [`FilterError::code`]. A filter crosses back as its JSON form, which every call reads
//! again, so a host may keep, send or store it. A panic inside one of these calls is an
//! error answer too (`FILTER_INVALID`), never an unwinding across the binding.

use serde_json::{json, Map, Value};

use super::convert;
use crate::engine::Engine;
use crate::filter::sql::{Columns, Dialect};
use crate::filter::{Filter, FilterError};

/// Plans a filter for a principal (its JSON form, as [`convert::principal`] reads it).
///
/// ```
/// # let engine = wardgate::Engine::from_json(r#"{"token":{"algorithms":["HS256"]},"keys":{"secret":"0123456789abcdef0123456789abcdef"},
/// #   "rules":[{"id":"own","effect":"permit","resource":"todo","actions":"*","when":"resource.owner_id == principal.id"}]}"#).unwrap();
/// let out = wardgate::ffi::filter(&engine, r#"{"id":"ada"}"#, "read", "todo", None);
/// let out: serde_json::Value = serde_json::from_str(&out).unwrap();
/// assert_eq!(out["filter"]["kind"], "conditional");
/// ```
pub fn filter(engine: &Engine, principal: &str, action: &str, resource_type: &str, context: Option<&str>) -> String {
    answer(|| plan(engine, principal, action, resource_type, context).map(|f| json!({"filter": f.to_value()})))
}

/// A filter's JSON form read back and written again: `{"filter": FILTER}`, or the error
/// naming what does not read (for a host that takes a stored or sent filter).
///
/// ```
/// let f = r#"{"kind":"conditional","action":"read","resource_type":"todo",
///            "permits":[{"rule":"own","when":{"eq":"owner_id","value":"ada"}}],"forbids":[]}"#;
/// let out: serde_json::Value = serde_json::from_str(&wardgate::ffi::filter_read(f)).unwrap();
/// assert_eq!(out["filter"]["permits"][0]["rule"], "own");
/// let out: serde_json::Value = serde_json::from_str(&wardgate::ffi::filter_read(r#"{"kind":"always"}"#)).unwrap();
/// assert_eq!(out["error"]["code"], "FILTER_INVALID");
/// ```
pub fn filter_read(filter: &str) -> String {
    answer(|| read(filter).map(|f| json!({"filter": f.to_value()})))
}

/// The attributes a filter (its JSON form) reads, as [`Filter::attributes`] gives them:
/// `{"attributes": [...]}`, for an ORM adapter that must know which columns to type.
///
/// ```
/// let f = r#"{"kind":"conditional","action":"read","resource_type":"todo",
///            "permits":[{"rule":"own","when":{"eq":"owner_id","attr":["team","lead"]}}],"forbids":[]}"#;
/// assert_eq!(wardgate::ffi::filter_attributes(f), r#"{"attributes":["owner_id","team"]}"#);
/// ```
pub fn filter_attributes(filter: &str) -> String {
    answer(|| read(filter).map(|f| json!({"attributes": f.attributes()})))
}

/// Plans a filter, for a binding that keeps the core's value.
///
/// # Errors
///
/// [`FilterError::Json`] for text that is not JSON; otherwise as [`Engine::filter`].
pub fn plan(
    engine: &Engine,
    principal: &str,
    action: &str,
    resource_type: &str,
    context: Option<&str>,
) -> Result<Filter, FilterError> {
    let principal = convert::principal(principal).map_err(|e| FilterError::Json(format!("principal: {e}")))?;
    let context = match context {
        None => Map::new(),
        Some(text) => match parse(text, "context")? {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            _ => return Err(FilterError::Json("context must be an object".into())),
        },
    };
    engine.filter(&principal, action, resource_type, &context)
}

/// Whether a filter (its JSON form) selects a resource (a JSON object).
///
/// ```
/// let f = r#"{"kind":"conditional","action":"read","resource_type":"todo",
///            "permits":[{"rule":"own","when":{"eq":"owner_id","value":"ada"}}],"forbids":[]}"#;
/// assert_eq!(wardgate::ffi::filter_matches(f, r#"{"owner_id":"ada"}"#), r#"{"matches":true}"#);
/// ```
pub fn filter_matches(filter: &str, resource: &str) -> String {
    answer(|| {
        read(filter).and_then(|f| match parse(resource, "resource")? {
            Value::Object(map) => Ok(json!({"matches": f.matches(&map)})),
            _ => Err(FilterError::Json("resource must be an object".into())),
        })
    })
}

/// A filter as SQL for `dialect` (`sqlite` or `postgres`) and columns (see
/// [`Columns::from_value`]): `{"sql": {"sql": TEXT, "params": [...]}}`.
///
/// ```
/// let f = r#"{"kind":"conditional","action":"read","resource_type":"todo",
///            "permits":[{"rule":"own","when":{"eq":"owner_id","value":"ada"}}],"forbids":[]}"#;
/// let out = wardgate::ffi::filter_sql(f, "sqlite", r#"{"owner_id":"text"}"#);
/// assert_eq!(out, r#"{"sql":{"params":["ada"],"sql":"\"owner_id\" = ?"}}"#);
/// ```
pub fn filter_sql(filter: &str, dialect: &str, columns: &str) -> String {
    answer(|| {
        lowered(filter, dialect, columns)
            .and_then(|(f, dialect, columns)| Ok(json!({"sql": f.sql(dialect, &columns)?.to_value(dialect)})))
    })
}

/// A filter folded against column types, for ORM adapters: `{"clause": CLAUSE}` (see
/// [`crate::filter::sql::Clause`]).
pub fn filter_clause(filter: &str, dialect: &str, columns: &str) -> String {
    answer(|| {
        lowered(filter, dialect, columns)
            .and_then(|(f, dialect, columns)| Ok(json!({"clause": f.clause(dialect, &columns)?.to_value()})))
    })
}

/// A filter's JSON form read back.
///
/// # Errors
///
/// [`FilterError::Json`].
pub fn read(filter: &str) -> Result<Filter, FilterError> {
    Filter::from_value(&parse(filter, "filter")?)
}

/// A dialect by name.
///
/// # Errors
///
/// [`FilterError::Columns`] naming the dialects.
pub fn dialect(name: &str) -> Result<Dialect, FilterError> {
    Dialect::from_name(name)
        .ok_or_else(|| FilterError::Columns(format!("{name:?} is not a dialect (sqlite or postgres)")))
}

fn lowered(filter: &str, dialect: &str, columns: &str) -> Result<(Filter, Dialect, Columns), FilterError> {
    Ok((read(filter)?, self::dialect(dialect)?, Columns::from_value(&parse(columns, "columns")?)?))
}

fn parse(text: &str, what: &str) -> Result<Value, FilterError> {
    serde_json::from_str(text).map_err(|e| FilterError::Json(format!("{what}: {e}")))
}

/// The error of a filter call as the bindings hand it over: `{"code", "detail"}`.
///
/// ```
/// use wardgate::filter::FilterError;
/// let e = wardgate::ffi::filter_error_value(&FilterError::Columns("x".into()));
/// assert_eq!(e["code"], "FILTER_COLUMNS");
/// ```
pub fn filter_error_value(error: &FilterError) -> Value {
    json!({"code": error.code(), "detail": error.to_string()})
}

/// The JSON text of a call's answer; a panic in `f` is an error answer.
fn answer(f: impl FnOnce() -> Result<Value, FilterError>) -> String {
    let value = match super::panics::filter(f) {
        Ok(value) => value,
        Err(error) => json!({"error": filter_error_value(&error)}),
    };
    value.to_string()
}
