//! Filter vectors in the Rust runner: the filter's rows, checked three ways. The rows
//! `Filter::matches` selects must be the rows `authorize` allows, and so must the rows
//! the filter's SQL selects from an in-memory SQLite table holding them.

use rusqlite::types::Value as SqliteValue;
use rusqlite::Connection;
use serde_json::{json, Map, Value};
use wardgate::filter::sql::{quote_identifier, ColumnType, Columns, Dialect, SqlValue};
use wardgate::{Engine, Principal, Request};

/// The outcome of a filter vector: `{"rows": [ids in row order], "kind": ...}`, or a
/// disagreement between the three ways of selecting rows.
pub fn outcome(engine: &Engine, principal: &Principal, spec: &Value) -> Result<Value, String> {
    let text = |name: &str| spec.get(name).and_then(Value::as_str).ok_or(format!("filter.{name} must be a string"));
    let (action, resource_type) = (text("action")?, text("resource_type")?);
    let context = match spec.get("context") {
        None => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err("filter.context must be an object".into()),
    };
    let columns_value = spec.get("columns").ok_or("filter.columns is missing")?;
    let columns = Columns::from_value(columns_value).map_err(|e| e.to_string())?;
    let rows = spec.get("rows").and_then(Value::as_array).ok_or("filter.rows must be a list")?;

    let filter = engine.filter(principal, action, resource_type, &context).map_err(|e| format!("filter: {e}"))?;
    let mut selected = Vec::new();
    for row in rows {
        let attributes = row.as_object().ok_or("every row must be an object")?;
        let id = attributes.get("id").and_then(Value::as_str).ok_or("every row needs a text id")?;
        let mut resource = attributes.clone();
        resource.insert("type".into(), json!(resource_type));
        let request = Request::new(action, Value::Object(resource)).with_context(Value::Object(context.clone()));
        let allowed = engine.authorize(principal, &request).allowed;
        let matched = filter.matches(attributes);
        if matched != allowed {
            return Err(format!("row {id}: matches says {matched}, authorize says {allowed}"));
        }
        if allowed {
            selected.push(id.to_owned());
        }
    }
    let from_sql = sqlite_rows(&filter, columns_value, &columns, rows)?;
    let mut sorted = selected.clone();
    sorted.sort();
    if from_sql != sorted {
        return Err(format!("SQLite selects {from_sql:?}, authorize allows {sorted:?}"));
    }
    Ok(json!({"rows": selected, "kind": filter.kind().as_str()}))
}

/// The ids the filter's SQL selects from an in-memory table of `rows`, sorted.
fn sqlite_rows(
    filter: &wardgate::filter::Filter,
    columns_value: &Value,
    columns: &Columns,
    rows: &[Value],
) -> Result<Vec<String>, String> {
    let db = |e: rusqlite::Error| format!("SQLite: {e}");
    let names: Vec<&String> = columns_value.as_object().map(|m| m.keys().collect()).unwrap_or_default();
    let conn = Connection::open_in_memory().map_err(db)?;
    let declared: Vec<String> = names
        .iter()
        .map(|name| {
            let sql_type = match columns.get(name).map(|c| c.column_type) {
                Some(ColumnType::Integer | ColumnType::Boolean) => "INTEGER",
                Some(ColumnType::Real) => "REAL",
                _ => "TEXT",
            };
            format!("{} {sql_type}", quote_identifier(name))
        })
        .collect();
    conn.execute(&format!("CREATE TABLE t ({})", declared.join(", ")), []).map_err(db)?;
    let placeholders = vec!["?"; names.len()].join(", ");
    let insert = format!(
        "INSERT INTO t ({}) VALUES ({placeholders})",
        names.iter().map(|n| quote_identifier(n)).collect::<Vec<_>>().join(", ")
    );
    for row in rows {
        let values: Vec<SqliteValue> = names.iter().map(|name| sqlite_value(row.get(name.as_str()))).collect();
        conn.execute(&insert, rusqlite::params_from_iter(values)).map_err(db)?;
    }
    let sql = filter.sql(Dialect::Sqlite, columns).map_err(|e| format!("sql: {e}"))?;
    let params: Vec<SqliteValue> = sql.params.iter().map(bound).collect();
    let mut statement = conn.prepare(&format!("SELECT id FROM t WHERE {} ORDER BY id", sql.text)).map_err(db)?;
    let ids = statement
        .query_map(rusqlite::params_from_iter(params), |r| r.get::<_, String>(0))
        .map_err(db)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db)?;
    let mut ids = ids;
    ids.sort();
    Ok(ids)
}

/// A row's JSON value as stored: `NULL` when absent, booleans as 0/1.
fn sqlite_value(value: Option<&Value>) -> SqliteValue {
    match value {
        None | Some(Value::Null) => SqliteValue::Null,
        Some(Value::Bool(b)) => SqliteValue::Integer(i64::from(*b)),
        Some(Value::Number(n)) => {
            n.as_i64().map_or_else(|| SqliteValue::Real(n.as_f64().unwrap_or(f64::NAN)), SqliteValue::Integer)
        }
        Some(Value::String(s)) => SqliteValue::Text(s.clone()),
        Some(other) => SqliteValue::Text(other.to_string()),
    }
}

fn bound(value: &SqlValue) -> SqliteValue {
    match value {
        SqlValue::Text(s) => SqliteValue::Text(s.clone()),
        SqlValue::Integer(i) => SqliteValue::Integer(*i),
        SqlValue::Real(f) => SqliteValue::Real(*f),
        SqlValue::Boolean(b) => SqliteValue::Integer(i64::from(*b)),
        _ => SqliteValue::Null,
    }
}

/// Whether the outcome's `filter` matches what `expect.filter` states: the same ids in
/// any order, and the kind when given.
pub fn compare(want: &Value, have: Option<&Value>) -> Option<String> {
    let Some(have) = have else { return Some("no filter outcome".into()) };
    let ids = |v: Option<&Value>| -> Vec<String> {
        let mut ids: Vec<String> = v
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        ids.sort();
        ids
    };
    let mut wrong = Vec::new();
    if ids(want.get("rows")) != ids(have.get("rows")) {
        wrong.push(format!("rows: expected {:?}, got {:?}", ids(want.get("rows")), ids(have.get("rows"))));
    }
    if let Some(kind) = want.get("kind") {
        if have.get("kind") != Some(kind) {
            wrong.push(format!("kind: expected {kind}, got {}", have.get("kind").unwrap_or(&Value::Null)));
        }
    }
    (!wrong.is_empty()).then(|| wrong.join("; "))
}
