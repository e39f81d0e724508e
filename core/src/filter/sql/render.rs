//! Writing a [`Clause`] as SQL text with bound parameters.

use super::{Clause, ColumnType, Columns, Dialect, Sql, SqlValue};

pub(super) fn render(clause: &Clause, dialect: Dialect, columns: &Columns) -> Sql {
    let mut writer = Writer { dialect, columns, text: String::new(), params: Vec::new() };
    writer.clause(clause, false);
    Sql { text: writer.text, params: writer.params }
}

struct Writer<'a> {
    dialect: Dialect,
    columns: &'a Columns,
    text: String,
    params: Vec<SqlValue>,
}

/// An SQL identifier quoted for SQLite and PostgreSQL: `"name"`, with any `"` doubled.
///
/// ```
/// assert_eq!(wardgate::filter::sql::quote_identifier(r#"odd"name"#), r#""odd""name""#);
/// ```
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Writer<'_> {
    fn clause(&mut self, clause: &Clause, nested: bool) {
        match clause {
            Clause::True => self.text.push_str("TRUE"),
            Clause::False => self.text.push_str("FALSE"),
            Clause::And(items) => self.join(items, " AND ", nested),
            Clause::Or(items) => self.join(items, " OR ", nested),
            Clause::IsNull(attr) => {
                self.column(attr, None);
                self.text.push_str(" IS NULL");
            }
            Clause::NotNull(attr) => {
                self.column(attr, None);
                self.text.push_str(" IS NOT NULL");
            }
            Clause::Compare { attr, op, value, compare_as } => {
                self.column(attr, Some(*compare_as));
                self.text.push(' ');
                self.text.push_str(op.as_str());
                self.text.push(' ');
                self.param(value.clone());
            }
            Clause::CompareColumns { attr, op, other, compare_as } => {
                self.column(attr, Some(*compare_as));
                self.text.push(' ');
                self.text.push_str(op.as_str());
                self.text.push(' ');
                self.column(other, Some(*compare_as));
            }
            Clause::In { attr, values, negated } => {
                self.column(attr, None);
                self.text.push_str(if *negated { " NOT IN (" } else { " IN (" });
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        self.text.push_str(", ");
                    }
                    self.param(value.clone());
                }
                self.text.push(')');
            }
        }
    }

    fn join(&mut self, items: &[Clause], separator: &str, nested: bool) {
        if nested {
            self.text.push('(');
        }
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.text.push_str(separator);
            }
            self.clause(item, true);
        }
        if nested {
            self.text.push(')');
        }
    }

    /// A column reference, cast to a double when an integer column is compared as `real`.
    fn column(&mut self, attr: &str, compare_as: Option<ColumnType>) {
        let (name, table, column_type) = match self.columns.get(attr) {
            Some(column) => (column.name.as_str(), column.table.as_deref(), Some(column.column_type)),
            None => (attr, None, None),
        };
        let mut reference = String::new();
        if let Some(table) = table {
            reference.push_str(&quote_identifier(table));
            reference.push('.');
        }
        reference.push_str(&quote_identifier(name));
        let cast = compare_as == Some(ColumnType::Real) && column_type != Some(ColumnType::Real);
        match (cast, self.dialect) {
            (false, _) => self.text.push_str(&reference),
            (true, Dialect::Sqlite) => self.text.push_str(&format!("CAST({reference} AS REAL)")),
            (true, Dialect::Postgres) => self.text.push_str(&format!("{reference}::double precision")),
        }
    }

    /// A parameter, cast to its type so that no affinity or inference changes it.
    fn param(&mut self, value: SqlValue) {
        let column_type = value.column_type();
        self.params.push(value);
        match self.dialect {
            Dialect::Sqlite => self.text.push_str(match column_type {
                ColumnType::Integer => "CAST(? AS INTEGER)",
                ColumnType::Real => "CAST(? AS REAL)",
                ColumnType::Text | ColumnType::Boolean => "?",
            }),
            Dialect::Postgres => {
                let n = self.params.len();
                let cast = match column_type {
                    ColumnType::Text => "text",
                    ColumnType::Integer => "bigint",
                    ColumnType::Real => "double precision",
                    ColumnType::Boolean => "boolean",
                };
                self.text.push_str(&format!("${n}::{cast}"));
            }
        }
    }
}
