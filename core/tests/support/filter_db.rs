//! Real databases for the filter tests: one table of the fixed schema below, in an in-memory
//! SQLite database and, when `WARDGATE_TEST_POSTGRES_URL` names a server, in PostgreSQL.
//!
//! Each database takes a set of rows, runs a filter's `WHERE` condition with its parameters
//! bound by type, and answers the ids of the rows it selects. A column that a row lacks is
//! `NULL`; booleans are `0`/`1` in SQLite.
#![allow(dead_code)]

use std::cell::RefCell;

use serde_json::{Map, Number, Value};
use wardgate::filter::sql::{ColumnType, Columns, Dialect, Sql, SqlValue};

/// The table's columns: `id` is never `NULL`; every other column may be.
pub const SCHEMA: [(&str, ColumnType); 7] = [
    ("id", ColumnType::Text),
    ("owner_id", ColumnType::Text),
    ("status", ColumnType::Text),
    ("priority", ColumnType::Integer),
    ("score", ColumnType::Real),
    ("done", ColumnType::Boolean),
    ("locked", ColumnType::Boolean),
];

/// The schema as the filter reads it (read from its JSON form, which must give the same
/// columns as building them).
pub fn columns() -> Columns {
    let built = SCHEMA.iter().fold(Columns::new(), |columns, (name, column_type)| columns.with(name, *column_type));
    let read = Columns::from_value(&columns_json()).expect("the schema's JSON form");
    assert_eq!(read, built, "Columns::from_value");
    read
}

/// The schema's JSON form, as the bindings pass it: `{"id": "text", ...}`.
pub fn columns_json() -> Value {
    Value::Object(SCHEMA.iter().map(|(name, t)| ((*name).to_owned(), Value::String(t.as_str().to_owned()))).collect())
}

/// One row of the table (`None`: `NULL`).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: String,
    pub owner_id: Option<String>,
    pub status: Option<String>,
    pub priority: Option<i64>,
    pub score: Option<f64>,
    pub done: Option<bool>,
    pub locked: Option<bool>,
}

impl Row {
    /// The row's attributes, as `authorize` sees the resource (without its `type`): a
    /// `NULL` column is an absent attribute.
    pub fn attributes(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("id".into(), Value::String(self.id.clone()));
        let mut put = |name: &str, value: Option<Value>| {
            if let Some(value) = value {
                map.insert(name.into(), value);
            }
        };
        put("owner_id", self.owner_id.clone().map(Value::String));
        put("status", self.status.clone().map(Value::String));
        put("priority", self.priority.map(Value::from));
        put("score", self.score.map(|f| Value::Number(Number::from_f64(f).expect("finite score"))));
        put("done", self.done.map(Value::Bool));
        put("locked", self.locked.map(Value::Bool));
        map
    }

    /// Whether a text column holds NUL (PostgreSQL's `text` cannot).
    pub fn holds_nul(&self) -> bool {
        [&self.id, self.owner_id.as_deref().unwrap_or(""), self.status.as_deref().unwrap_or("")]
            .iter()
            .any(|s| s.contains('\0'))
    }
}

/// A database holding the table.
pub trait Database {
    fn dialect(&self) -> Dialect;
    /// Replaces the table's rows.
    fn load(&self, rows: &[Row]) -> Result<(), String>;
    /// The ids of the rows that `sql` selects, sorted.
    fn select(&self, sql: &Sql) -> Result<Vec<String>, String>;
}

/// The table in an in-memory SQLite database.
pub struct Sqlite {
    conn: rusqlite::Connection,
}

impl Sqlite {
    pub fn open() -> Sqlite {
        let conn = rusqlite::Connection::open_in_memory().expect("in-memory SQLite");
        conn.execute_batch(
            "CREATE TABLE items (id TEXT PRIMARY KEY NOT NULL, owner_id TEXT, status TEXT, priority INTEGER, \
             score REAL, done BOOLEAN, locked BOOLEAN)",
        )
        .expect("create table");
        Sqlite { conn }
    }
}

fn sqlite_value(value: &SqlValue) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match value {
        SqlValue::Text(s) => V::Text(s.clone()),
        SqlValue::Integer(i) => V::Integer(*i),
        SqlValue::Real(f) => V::Real(*f),
        SqlValue::Boolean(b) => V::Integer(i64::from(*b)),
        other => panic!("a parameter of a type this test does not know: {other:?}"),
    }
}

impl Database for Sqlite {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn load(&self, rows: &[Row]) -> Result<(), String> {
        use rusqlite::types::Value as V;
        self.conn.execute("DELETE FROM items", []).map_err(|e| e.to_string())?;
        let mut insert =
            self.conn.prepare_cached("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?)").map_err(|e| e.to_string())?;
        for row in rows {
            let text = |s: &Option<String>| s.clone().map_or(V::Null, V::Text);
            let flag = |b: Option<bool>| b.map_or(V::Null, |b| V::Integer(i64::from(b)));
            let values = [
                V::Text(row.id.clone()),
                text(&row.owner_id),
                text(&row.status),
                row.priority.map_or(V::Null, V::Integer),
                row.score.map_or(V::Null, V::Real),
                flag(row.done),
                flag(row.locked),
            ];
            insert.execute(rusqlite::params_from_iter(values.iter())).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    fn select(&self, sql: &Sql) -> Result<Vec<String>, String> {
        let text = format!("SELECT id FROM items WHERE {} ORDER BY id", sql.text);
        let mut statement = self.conn.prepare(&text).map_err(|e| e.to_string())?;
        let params: Vec<rusqlite::types::Value> = sql.params.iter().map(sqlite_value).collect();
        let ids = statement
            .query_map(rusqlite::params_from_iter(params.iter()), |row| row.get::<_, String>(0))
            .map_err(|e| e.to_string())?
            .collect::<Result<Vec<String>, _>>()
            .map_err(|e| e.to_string())?;
        Ok(sorted(ids))
    }
}

/// Where the PostgreSQL tests find their server.
pub const POSTGRES_URL: &str = "WARDGATE_TEST_POSTGRES_URL";

/// The table in PostgreSQL (a temporary table, private to the connection).
pub struct Postgres {
    client: RefCell<postgres::Client>,
}

impl Postgres {
    /// Connects to the server that `WARDGATE_TEST_POSTGRES_URL` names.
    ///
    /// `Ok(None)` when the variable is unset (the caller skips, saying so), except under
    /// `CI=true`, where the PostgreSQL tests must run: then, as when the server cannot be
    /// reached, an error that says what to do.
    pub fn from_env() -> Result<Option<Postgres>, String> {
        let url = match std::env::var(POSTGRES_URL) {
            Ok(url) if !url.is_empty() => url,
            _ if std::env::var("CI").as_deref() == Ok("true") => {
                return Err(format!(
                    "{POSTGRES_URL} is not set, and under CI=true the PostgreSQL filter tests must run: \
                     run them under scripts/with-postgres"
                ))
            }
            _ => return Ok(None),
        };
        let mut client = postgres::Client::connect(&url, postgres::NoTls)
            .map_err(|e| format!("{POSTGRES_URL} is set but the server cannot be reached: {e}"))?;
        client
            .batch_execute(
                "CREATE TEMPORARY TABLE items (id text PRIMARY KEY, owner_id text, status text, priority bigint, \
                 score double precision, done boolean, locked boolean)",
            )
            .map_err(|e| format!("PostgreSQL: cannot create the test table: {e}"))?;
        Ok(Some(Postgres { client: RefCell::new(client) }))
    }
}

/// Says once, on stderr, that the PostgreSQL checks are skipped.
pub fn say_postgres_skipped(test: &str) {
    eprintln!("{test}: {POSTGRES_URL} is not set; PostgreSQL checks skipped (run under scripts/with-postgres)");
}

impl Database for Postgres {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn load(&self, rows: &[Row]) -> Result<(), String> {
        let mut client = self.client.borrow_mut();
        client.batch_execute("DELETE FROM items").map_err(|e| e.to_string())?;
        let insert = client
            .prepare_typed(
                "INSERT INTO items VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    postgres::types::Type::TEXT,
                    postgres::types::Type::TEXT,
                    postgres::types::Type::TEXT,
                    postgres::types::Type::INT8,
                    postgres::types::Type::FLOAT8,
                    postgres::types::Type::BOOL,
                    postgres::types::Type::BOOL,
                ],
            )
            .map_err(|e| e.to_string())?;
        for row in rows {
            client
                .execute(
                    &insert,
                    &[&row.id, &row.owner_id, &row.status, &row.priority, &row.score, &row.done, &row.locked],
                )
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    fn select(&self, sql: &Sql) -> Result<Vec<String>, String> {
        let mut client = self.client.borrow_mut();
        let params: Vec<Box<dyn postgres::types::ToSql + Sync>> = sql
            .params
            .iter()
            .map(|p| -> Box<dyn postgres::types::ToSql + Sync> {
                match p {
                    SqlValue::Text(s) => Box::new(s.clone()),
                    SqlValue::Integer(i) => Box::new(*i),
                    SqlValue::Real(f) => Box::new(*f),
                    SqlValue::Boolean(b) => Box::new(*b),
                    other => panic!("a parameter of a type this test does not know: {other:?}"),
                }
            })
            .collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = params.iter().map(|p| &**p).collect();
        let text = format!("SELECT id FROM items WHERE {}", sql.text);
        let rows = client.query(text.as_str(), &refs).map_err(|e| format!("{e:?}"))?;
        Ok(sorted(rows.iter().map(|r| r.get::<_, String>(0)).collect()))
    }
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// Checks that a condition's text holds nothing but quoted names of the schema's columns,
/// placeholders, SQL keywords and operators: no value is ever spliced into it. Also checks
/// that it has one placeholder per parameter (numbered in order for PostgreSQL).
pub fn check_sql_text(sql: &Sql, dialect: Dialect) -> Result<(), String> {
    const WORDS: [&str; 12] =
        ["AND", "OR", "IS", "NOT", "NULL", "IN", "TRUE", "FALSE", "CAST", "AS", "REAL", "INTEGER"];
    const PG_TYPES: [&str; 4] = ["text", "bigint", "double precision", "boolean"];
    let text = sql.text.as_str();
    let mut rest = text;
    let mut placeholders = 0usize;
    let bad = |at: &str| {
        format!("unexpected text in the SQL at {:?} (whole: {text:?})", at.chars().take(20).collect::<String>())
    };
    while let Some(c) = rest.chars().next() {
        if c == ' ' {
            rest = &rest[1..];
        } else if c == '"' {
            let end = rest[1..].find('"').ok_or_else(|| bad(rest))? + 1;
            let name = &rest[1..end];
            if !SCHEMA.iter().any(|(column, _)| *column == name) {
                return Err(format!("the SQL names {name:?}, which is no column (whole: {text:?})"));
            }
            rest = &rest[end + 1..];
        } else if c == '?' && dialect == Dialect::Sqlite {
            placeholders += 1;
            rest = &rest[1..];
        } else if c == '$' && dialect == Dialect::Postgres {
            let digits = rest[1..].find(|c: char| !c.is_ascii_digit()).map_or(rest.len() - 1, |n| n);
            let n: usize = rest[1..=digits].parse().map_err(|_| bad(rest))?;
            placeholders += 1;
            if n != placeholders {
                return Err(format!("placeholder ${n} where ${placeholders} was due (whole: {text:?})"));
            }
            rest = &rest[1 + digits..];
            let cast = PG_TYPES.iter().find(|t| rest.strip_prefix("::").is_some_and(|r| r.starts_with(**t)));
            let Some(cast) = cast else { return Err(format!("placeholder ${n} without its type (whole: {text:?})")) };
            rest = &rest[2 + cast.len()..];
        } else if let Some(r) = rest.strip_prefix("::double precision").filter(|_| dialect == Dialect::Postgres) {
            rest = r;
        } else if c.is_ascii_uppercase() {
            let end = rest.find(|c: char| !c.is_ascii_uppercase()).unwrap_or(rest.len());
            if !WORDS.contains(&&rest[..end]) {
                return Err(bad(rest));
            }
            rest = &rest[end..];
        } else if let Some(op) =
            ["<>", "<=", ">=", "=", "<", ">", "(", ")", ","].iter().find(|op| rest.starts_with(**op))
        {
            rest = &rest[op.len()..];
        } else {
            return Err(bad(rest));
        }
    }
    if placeholders != sql.params.len() {
        return Err(format!("{placeholders} placeholders for {} parameters (whole: {text:?})", sql.params.len()));
    }
    Ok(())
}
