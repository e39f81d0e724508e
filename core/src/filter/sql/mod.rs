//! A filter as SQL: a parameterised `WHERE` condition for SQLite or PostgreSQL.
//!
//! Each attribute the rules read is a column of a declared type ([`ColumnType`]:
//! `text`, `integer`, `real` or `boolean`); a `NULL` column means the attribute is
//! absent, and so does an attribute with no column (a row's resource is its columns), as
//! does any path below a column (`resource.owner.id`: columns hold no objects). Every comparison whose answer the types decide is folded before any SQL is
//! written (an integer column never equals a string, a boolean column never equals `1`,
//! `<` on a text column never holds), so SQLite's type affinity and PostgreSQL's casts
//! never change an answer. Values are bound parameters, never spliced into the text, and
//! identifiers are quoted. What cannot be expressed exactly is an error, never a wider
//! condition.
//!
//! The translation has two steps: [`Filter::clause`] folds the residual into a [`Clause`]
//! (a small tree that ORM adapters turn into their own constructs), and [`Filter::sql`]
//! writes it out as text with its parameters.
//!
//! ```
//! use wardgate::filter::sql::{Columns, Dialect, SqlValue};
//! use wardgate::{Engine, Principal};
//! use serde_json::{json, Map};
//!
//! let engine = Engine::from_value(&json!({
//!     "token": { "algorithms": ["HS256"] },
//!     "keys": { "secret": "0123456789abcdef0123456789abcdef" },
//!     "rules": [{ "id": "own", "effect": "permit", "resource": "todo", "actions": ["read"],
//!                 "when": "resource.owner_id == principal.id && resource.priority >= 2" }]
//! }))?;
//! let ada = Principal::new("ada", vec![], None, json!({"sub": "ada"}));
//! let filter = engine.filter(&ada, "read", "todo", &Map::new())?;
//!
//! let columns = Columns::from_value(&json!({"owner_id": "text", "priority": "integer"}))?;
//! let sql = filter.sql(Dialect::Postgres, &columns)?;
//! assert_eq!(sql.text, r#""owner_id" = $1::text AND "priority" >= $2::bigint"#);
//! assert_eq!(sql.params, [SqlValue::Text("ada".into()), SqlValue::Integer(2)]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod lower;
mod render;

pub use render::quote_identifier;

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{Filter, FilterError};

/// The SQL dialect to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dialect {
    /// SQLite 3.23 or later: `?` parameters, `CAST(... AS ...)`.
    Sqlite,
    /// PostgreSQL: `$1` parameters with explicit casts (`$1::bigint`).
    Postgres,
}

impl Dialect {
    /// Reads `sqlite`, `postgres` (or `postgresql`).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Dialect> {
        match name {
            "sqlite" => Some(Dialect::Sqlite),
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            _ => None,
        }
    }

    /// `sqlite` or `postgres`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
        }
    }
}

/// A column's type, which decides how its values compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnType {
    /// Text, compared byte for byte (a deterministic collation).
    Text,
    /// A 64-bit integer (`INTEGER` in SQLite; `integer` or `bigint` in PostgreSQL).
    Integer,
    /// A double-precision float (`REAL`; `double precision`).
    Real,
    /// A boolean (`0`/`1` in SQLite; `boolean` in PostgreSQL).
    Boolean,
}

impl ColumnType {
    /// Reads `text`, `integer`, `real` or `boolean`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<ColumnType> {
        [ColumnType::Text, ColumnType::Integer, ColumnType::Real, ColumnType::Boolean]
            .into_iter()
            .find(|t| t.as_str() == name)
    }

    /// `text`, `integer`, `real` or `boolean`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Integer => "integer",
            ColumnType::Real => "real",
            ColumnType::Boolean => "boolean",
        }
    }

    fn numeric(self) -> bool {
        matches!(self, ColumnType::Integer | ColumnType::Real)
    }
}

/// Where an attribute lives: a column, optionally of a named table, and its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The column's type.
    pub column_type: ColumnType,
    /// The column's name (by default the attribute's).
    pub name: String,
    /// The table or alias that qualifies it, if any.
    pub table: Option<String>,
}

/// The columns of a table, by attribute name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Columns {
    columns: BTreeMap<String, Column>,
}

impl Columns {
    /// No columns yet.
    #[must_use]
    pub fn new() -> Columns {
        Columns::default()
    }

    /// Adds an attribute stored in the column of the same name.
    #[must_use]
    pub fn with(mut self, attr: &str, column_type: ColumnType) -> Columns {
        self.columns.insert(attr.to_owned(), Column { column_type, name: attr.to_owned(), table: None });
        self
    }

    /// Adds an attribute stored in another column.
    #[must_use]
    pub fn with_column(mut self, attr: &str, column: Column) -> Columns {
        self.columns.insert(attr.to_owned(), column);
        self
    }

    /// The column of an attribute.
    #[must_use]
    pub fn get(&self, attr: &str) -> Option<&Column> {
        self.columns.get(attr)
    }

    /// Reads `{"owner_id": "text", "done": {"type": "boolean", "column": "is_done",
    /// "table": "t"}, ...}`.
    ///
    /// # Errors
    ///
    /// [`FilterError::Columns`] naming the attribute whose description is not usable.
    pub fn from_value(value: &Value) -> Result<Columns, FilterError> {
        let bad = |m: String| FilterError::Columns(m);
        let object = value.as_object().ok_or_else(|| bad("must be an object of attribute: type".into()))?;
        let mut columns = Columns::new();
        for (attr, description) in object {
            let type_of = |v: Option<&Value>| -> Result<ColumnType, FilterError> {
                let name = v.and_then(Value::as_str).unwrap_or("");
                ColumnType::from_name(name)
                    .ok_or_else(|| bad(format!("{attr:?} must have the type text, integer, real or boolean")))
            };
            let column = match description {
                Value::String(_) => {
                    Column { column_type: type_of(Some(description))?, name: attr.clone(), table: None }
                }
                Value::Object(fields) => {
                    if let Some(unknown) = fields.keys().find(|k| !["type", "column", "table"].contains(&k.as_str())) {
                        return Err(bad(format!("{attr:?} has an unknown member {unknown:?}")));
                    }
                    let text = |name: &str| -> Result<Option<String>, FilterError> {
                        match fields.get(name) {
                            None => Ok(None),
                            Some(Value::String(s)) if !s.is_empty() && !s.contains('\0') => Ok(Some(s.clone())),
                            Some(_) => Err(bad(format!("{attr:?}: {name} must be a non-empty name"))),
                        }
                    };
                    Column {
                        column_type: type_of(fields.get("type"))?,
                        name: text("column")?.unwrap_or_else(|| attr.clone()),
                        table: text("table")?,
                    }
                }
                _ => return Err(bad(format!("{attr:?} must be a type name or an object"))),
            };
            if column.name.contains('\0') {
                return Err(bad(format!("{attr:?} is not a usable column name")));
            }
            columns.columns.insert(attr.clone(), column);
        }
        Ok(columns)
    }
}

/// A parameter's value, typed as the column it is compared with.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SqlValue {
    /// For a text column.
    Text(String),
    /// For an integer column.
    Integer(i64),
    /// For a real column, or an integer column compared as real.
    Real(f64),
    /// For a boolean column.
    Boolean(bool),
}

impl SqlValue {
    /// The value as JSON. Integers beyond ±(2^53 − 1) are decimal strings, so JavaScript
    /// reads them exactly; the SQL casts them back.
    #[must_use]
    pub fn to_value(&self) -> Value {
        const SAFE: i64 = (1 << 53) - 1;
        match self {
            SqlValue::Text(s) => Value::String(s.clone()),
            SqlValue::Integer(i) if (-SAFE..=SAFE).contains(i) => Value::from(*i),
            SqlValue::Integer(i) => Value::String(i.to_string()),
            SqlValue::Real(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            SqlValue::Boolean(b) => Value::Bool(*b),
        }
    }

    /// The type of column it belongs to.
    #[must_use]
    pub fn column_type(&self) -> ColumnType {
        match self {
            SqlValue::Text(_) => ColumnType::Text,
            SqlValue::Integer(_) => ColumnType::Integer,
            SqlValue::Real(_) => ColumnType::Real,
            SqlValue::Boolean(_) => ColumnType::Boolean,
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SqlOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl SqlOp {
    /// The operator as SQL writes it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SqlOp::Eq => "=",
            SqlOp::Ne => "<>",
            SqlOp::Lt => "<",
            SqlOp::Le => "<=",
            SqlOp::Gt => ">",
            SqlOp::Ge => ">=",
        }
    }

    /// The operator that holds exactly where this one does not (on non-`NULL` numbers and text).
    #[must_use]
    pub fn negated(self) -> SqlOp {
        match self {
            SqlOp::Eq => SqlOp::Ne,
            SqlOp::Ne => SqlOp::Eq,
            SqlOp::Lt => SqlOp::Ge,
            SqlOp::Le => SqlOp::Gt,
            SqlOp::Gt => SqlOp::Le,
            SqlOp::Ge => SqlOp::Lt,
        }
    }
}

/// A filter folded against column types: what an ORM adapter builds its condition from.
///
/// Every comparison is between columns and values of one [`ColumnType`] (`compare_as`);
/// an integer column compared as `real` is cast to a double. A comparison is `NULL` where
/// a column it reads is `NULL`, which a `WHERE` treats as false; negations are already
/// pushed down to the columns with explicit `IS NULL` tests, so no `NOT` is needed.
///
/// Its JSON form ([`Clause::to_value`]): `true`, `false`, `{"and": [C, ...]}`,
/// `{"or": [C, ...]}`, `{"is_null": ATTR}`, `{"not_null": ATTR}`,
/// `{"compare": OP, "attr": ATTR, "value": V, "type": T}`,
/// `{"compare": OP, "attr": ATTR, "other": ATTR, "type": T}`,
/// `{"in": ATTR, "values": [V, ...], "type": T}`, `{"not_in": ATTR, "values": [...], "type": T}`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Clause {
    /// Every row.
    True,
    /// No row.
    False,
    /// Every operand holds.
    And(Vec<Clause>),
    /// Some operand holds.
    Or(Vec<Clause>),
    /// The attribute's column is `NULL` (the attribute is absent).
    IsNull(String),
    /// The attribute's column is not `NULL`.
    NotNull(String),
    /// `column OP value`, compared as `compare_as`.
    Compare {
        /// The attribute.
        attr: String,
        /// The operator.
        op: SqlOp,
        /// The value, of type `compare_as`.
        value: SqlValue,
        /// The type both sides are compared as.
        compare_as: ColumnType,
    },
    /// `column OP other_column`, compared as `compare_as`.
    CompareColumns {
        /// The attribute on the left.
        attr: String,
        /// The operator.
        op: SqlOp,
        /// The attribute on the right.
        other: String,
        /// The type both sides are compared as.
        compare_as: ColumnType,
    },
    /// `column IN (values)` (or `NOT IN` when `negated`), the values of the column's type.
    In {
        /// The attribute.
        attr: String,
        /// The values (at least one).
        values: Vec<SqlValue>,
        /// `NOT IN`.
        negated: bool,
    },
}

impl Clause {
    /// The clause's JSON form (see the type's documentation).
    #[must_use]
    pub fn to_value(&self) -> Value {
        let values = |values: &[SqlValue]| values.iter().map(SqlValue::to_value).collect::<Vec<_>>();
        match self {
            Clause::True => Value::Bool(true),
            Clause::False => Value::Bool(false),
            Clause::And(items) => json!({"and": items.iter().map(Clause::to_value).collect::<Vec<_>>()}),
            Clause::Or(items) => json!({"or": items.iter().map(Clause::to_value).collect::<Vec<_>>()}),
            Clause::IsNull(attr) => json!({"is_null": attr}),
            Clause::NotNull(attr) => json!({"not_null": attr}),
            Clause::Compare { attr, op, value, compare_as } => {
                json!({"compare": op.as_str(), "attr": attr, "value": value.to_value(), "type": compare_as.as_str()})
            }
            Clause::CompareColumns { attr, op, other, compare_as } => {
                json!({"compare": op.as_str(), "attr": attr, "other": other, "type": compare_as.as_str()})
            }
            Clause::In { attr, values: list, negated } => {
                let mut map = Map::new();
                map.insert((if *negated { "not_in" } else { "in" }).into(), Value::String(attr.clone()));
                map.insert("values".into(), Value::Array(values(list)));
                map.insert("type".into(), Value::String(list[0].column_type().as_str().into()));
                Value::Object(map)
            }
        }
    }
}

/// A `WHERE` condition (without the keyword) and its parameters, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Sql {
    /// The condition's text.
    pub text: String,
    /// The values of its parameters (`?` in order for SQLite; `$1`, `$2`... for PostgreSQL).
    pub params: Vec<SqlValue>,
}

impl Sql {
    /// `{"sql": TEXT, "params": [...]}`, with the parameters as [`SqlValue::to_value`]
    /// writes them (booleans as `1`/`0` for SQLite).
    #[must_use]
    pub fn to_value(&self, dialect: Dialect) -> Value {
        let params: Vec<Value> = self
            .params
            .iter()
            .map(|p| match (dialect, p) {
                (Dialect::Sqlite, SqlValue::Boolean(b)) => Value::from(u8::from(*b)),
                (_, p) => p.to_value(),
            })
            .collect();
        json!({"sql": self.text, "params": params})
    }
}

impl Filter {
    /// Folds the filter against the columns' types.
    ///
    /// # Errors
    ///
    /// [`FilterError::Untranslatable`] for a test that has no exact translation (one
    /// comparing the whole resource with an object).
    pub fn clause(&self, dialect: Dialect, columns: &Columns) -> Result<Clause, FilterError> {
        lower::filter(self, dialect, columns)
    }

    /// The filter as a parameterised `WHERE` condition (see the [module
    /// documentation](self)).
    ///
    /// # Errors
    ///
    /// As [`Filter::clause`].
    pub fn sql(&self, dialect: Dialect, columns: &Columns) -> Result<Sql, FilterError> {
        Ok(render::render(&self.clause(dialect, columns)?, dialect, columns))
    }
}
