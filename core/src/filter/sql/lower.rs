//! Folding a filter against column types, into a [`Clause`].
//!
//! Each test of the residual becomes a clause that is true exactly where the test holds
//! and false or `NULL` elsewhere (a `NULL` column makes a comparison `NULL`, and every
//! test is false where an attribute it reads is absent). A negation is pushed down to the
//! columns with explicit `IS NULL` tests, so it is true exactly where the clause it
//! negates is not: `NULL` never turns into a wider answer.

use serde_json::{Number, Value};

use super::{Clause, ColumnType, Columns, Dialect, SqlOp, SqlValue};
use crate::filter::predicate::{Attr, Operand, Order, Predicate, Test};
use crate::filter::{Filter, FilterError, FilterKind};

/// 2^53: below it, every integer is exactly a double.
const EXACT: f64 = 9_007_199_254_740_992.0;

pub(super) fn filter(filter: &Filter, dialect: Dialect, columns: &Columns) -> Result<Clause, FilterError> {
    match filter.kind() {
        FilterKind::Always => return Ok(Clause::True),
        FilterKind::Never => return Ok(Clause::False),
        FilterKind::Conditional => {}
    }
    let mut permits = Vec::with_capacity(filter.permits().len());
    for part in filter.permits() {
        permits.push(Lowering { dialect, columns, rule: &part.rule }.predicate(&part.when)?);
    }
    let mut forbids = Vec::with_capacity(filter.forbids().len());
    for part in filter.forbids() {
        forbids.push(negate(Lowering { dialect, columns, rule: &part.rule }.predicate(&part.when)?));
    }
    Ok(and(vec![or(permits), and(forbids)]))
}

/// Where an attribute lives.
enum Place {
    /// The whole resource (an object).
    Whole,
    /// Never present: below a column (columns hold scalars), or not a column at all (a
    /// row's resource is its columns).
    Absent,
    /// A column of this type.
    Column(String, ColumnType),
}

struct Lowering<'a> {
    dialect: Dialect,
    columns: &'a Columns,
    rule: &'a str,
}

impl Lowering<'_> {
    fn place(&self, attr: &Attr) -> Result<Place, FilterError> {
        let Some(first) = attr.segments().first() else {
            return Ok(Place::Whole);
        };
        Ok(match self.columns.get(first) {
            Some(column) if attr.segments().len() == 1 => Place::Column(first.clone(), column.column_type),
            _ => Place::Absent,
        })
    }

    fn untranslatable(&self, what: &str, attr: &Attr) -> FilterError {
        let attr =
            if attr.segments().is_empty() { "resource".to_owned() } else { format!("resource.{}", attr.dotted()) };
        FilterError::Untranslatable { rule: self.rule.to_owned(), detail: format!("'{what}' on {attr}") }
    }

    fn predicate(&self, p: &Predicate) -> Result<Clause, FilterError> {
        Ok(match p {
            Predicate::True => Clause::True,
            Predicate::False => Clause::False,
            Predicate::Not(inner) => negate(self.predicate(inner)?),
            Predicate::And(items) => and(items.iter().map(|i| self.predicate(i)).collect::<Result<_, _>>()?),
            Predicate::Or(items) => or(items.iter().map(|i| self.predicate(i)).collect::<Result<_, _>>()?),
            Predicate::Test(test) => self.test(test)?,
        })
    }

    fn test(&self, test: &Test) -> Result<Clause, FilterError> {
        let other = match test.other() {
            Some(b) => Some(self.place(b)?),
            None => None,
        };
        let (attr, column_type) = match self.place(test.attr())? {
            Place::Absent => return Ok(Clause::False),
            Place::Whole => return self.whole(test, other),
            Place::Column(attr, column_type) => (attr, column_type),
        };
        Ok(match test {
            Test::Exists(_) => Clause::NotNull(attr),
            Test::IsNumber(_) if column_type.numeric() => Clause::NotNull(attr),
            Test::IsNumber(_) | Test::IsList(_) | Test::Contains(..) => Clause::False,
            Test::Eq(_, Operand::Value(v)) => self.equals(&attr, column_type, v),
            Test::Cmp(_, order, Operand::Value(v)) => compare(&attr, column_type, *order, v),
            Test::Eq(_, Operand::Attr(_)) | Test::Cmp(_, _, Operand::Attr(_)) => {
                let Some(Place::Column(other, other_type)) = other else {
                    return Ok(Clause::False); // a column never equals an object or an absent attribute
                };
                let op = match test {
                    Test::Cmp(_, order, _) => order_op(*order),
                    _ => SqlOp::Eq,
                };
                let compare_as = match (column_type, other_type) {
                    (ColumnType::Integer, ColumnType::Integer) => ColumnType::Integer,
                    (a, b) if a.numeric() && b.numeric() => ColumnType::Real,
                    (a, b) if a == b && op == SqlOp::Eq => a,
                    _ => return Ok(Clause::False),
                };
                Clause::CompareColumns { attr, op, other, compare_as }
            }
            Test::In(_, values) => {
                let mut listed = Vec::new();
                let mut others = Vec::new();
                for value in values {
                    match self.equals(&attr, column_type, value) {
                        Clause::Compare { value, compare_as, .. } if compare_as == column_type => {
                            if !listed.contains(&value) {
                                listed.push(value);
                            }
                        }
                        other => others.push(other),
                    }
                }
                match listed.len() {
                    0 => {}
                    1 => others.push(Clause::Compare {
                        attr: attr.clone(),
                        op: SqlOp::Eq,
                        value: listed.remove(0),
                        compare_as: column_type,
                    }),
                    _ => others.push(Clause::In { attr: attr.clone(), values: listed, negated: false }),
                }
                or(others)
            }
        })
    }

    /// A test on the whole resource: an object, never a number, a list or a scalar.
    fn whole(&self, test: &Test, other: Option<Place>) -> Result<Clause, FilterError> {
        Ok(match test {
            Test::Exists(_) => Clause::True,
            Test::Eq(a, Operand::Value(v)) if v.is_object() => return Err(self.untranslatable("==", a)),
            Test::Eq(_, Operand::Attr(_)) if matches!(other, Some(Place::Whole)) => Clause::True,
            Test::In(a, values) if values.iter().any(Value::is_object) => return Err(self.untranslatable("in", a)),
            _ => Clause::False,
        })
    }

    /// `attr == value`, folded by the column's type.
    fn equals(&self, attr: &str, column_type: ColumnType, value: &Value) -> Clause {
        let compare = |value: SqlValue, compare_as: ColumnType| Clause::Compare {
            attr: attr.to_owned(),
            op: SqlOp::Eq,
            value,
            compare_as,
        };
        match (column_type, value) {
            // PostgreSQL's text cannot hold NUL, so no row holds such a string.
            (ColumnType::Text, Value::String(s)) if self.dialect == Dialect::Postgres && s.contains('\0') => {
                Clause::False
            }
            (ColumnType::Text, Value::String(s)) => compare(SqlValue::Text(s.clone()), ColumnType::Text),
            (ColumnType::Boolean, Value::Bool(b)) => compare(SqlValue::Boolean(*b), ColumnType::Boolean),
            (ColumnType::Real, Value::Number(n)) => compare(SqlValue::Real(as_f64(n)), ColumnType::Real),
            (ColumnType::Integer, Value::Number(n)) => {
                if let Some(i) = n.as_i64() {
                    compare(SqlValue::Integer(i), ColumnType::Integer)
                } else if n.is_u64() {
                    Clause::False // beyond every 64-bit integer
                } else {
                    // An integer and a fraction compare as doubles: a fraction never equals
                    // one; below 2^53 the comparison is the integer one.
                    let f = as_f64(n);
                    #[allow(clippy::cast_possible_truncation)]
                    if f.fract() != 0.0 {
                        Clause::False
                    } else if f.abs() < EXACT {
                        compare(SqlValue::Integer(f as i64), ColumnType::Integer)
                    } else {
                        compare(SqlValue::Real(f), ColumnType::Real)
                    }
                }
            }
            _ => Clause::False,
        }
    }
}

/// `attr ORDER value`, folded by the column's type.
fn compare(attr: &str, column_type: ColumnType, order: Order, value: &Value) -> Clause {
    let Value::Number(n) = value else {
        return Clause::False;
    };
    let op = order_op(order);
    let compare =
        |value: SqlValue, compare_as: ColumnType| Clause::Compare { attr: attr.to_owned(), op, value, compare_as };
    match column_type {
        ColumnType::Real => compare(SqlValue::Real(as_f64(n)), ColumnType::Real),
        ColumnType::Integer => {
            if let Some(i) = n.as_i64() {
                compare(SqlValue::Integer(i), ColumnType::Integer)
            } else if n.is_u64() {
                // Above every 64-bit integer.
                match order {
                    Order::Lt | Order::Le => Clause::NotNull(attr.to_owned()),
                    Order::Gt | Order::Ge => Clause::False,
                }
            } else {
                compare(SqlValue::Real(as_f64(n)), ColumnType::Real)
            }
        }
        ColumnType::Text | ColumnType::Boolean => Clause::False,
    }
}

fn as_f64(n: &Number) -> f64 {
    n.as_f64().unwrap_or(f64::NAN)
}

fn order_op(order: Order) -> SqlOp {
    match order {
        Order::Lt => SqlOp::Lt,
        Order::Le => SqlOp::Le,
        Order::Gt => SqlOp::Gt,
        Order::Ge => SqlOp::Ge,
    }
}

/// True exactly where `clause` is not (false or `NULL`).
fn negate(clause: Clause) -> Clause {
    match clause {
        Clause::True => Clause::False,
        Clause::False => Clause::True,
        Clause::IsNull(a) => Clause::NotNull(a),
        Clause::NotNull(a) => Clause::IsNull(a),
        Clause::And(items) => or(items.into_iter().map(negate).collect()),
        Clause::Or(items) => and(items.into_iter().map(negate).collect()),
        Clause::Compare { attr, op, value, compare_as } => {
            or(vec![Clause::IsNull(attr.clone()), Clause::Compare { attr, op: op.negated(), value, compare_as }])
        }
        Clause::CompareColumns { attr, op, other, compare_as } => or(vec![
            Clause::IsNull(attr.clone()),
            Clause::IsNull(other.clone()),
            Clause::CompareColumns { attr, op: op.negated(), other, compare_as },
        ]),
        Clause::In { attr, values, negated } => {
            or(vec![Clause::IsNull(attr.clone()), Clause::In { attr, values, negated: !negated }])
        }
    }
}

/// The attributes a clause, where it holds, proves present.
fn proves_present(clause: &Clause) -> Vec<&str> {
    match clause {
        Clause::NotNull(a) | Clause::Compare { attr: a, .. } | Clause::In { attr: a, .. } => vec![a.as_str()],
        Clause::CompareColumns { attr, other, .. } => vec![attr.as_str(), other.as_str()],
        _ => Vec::new(),
    }
}

/// The operands of a conjunction (or a disjunction), with nested ones of the same kind
/// flattened in, repeats and the neutral constant dropped; `None` when one of them is the
/// absorbing constant (`FALSE` in a conjunction, `TRUE` in a disjunction).
fn operands(items: Vec<Clause>, conjunction: bool) -> Option<Vec<Clause>> {
    let (neutral, absorbing) = if conjunction { (Clause::True, Clause::False) } else { (Clause::False, Clause::True) };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let parts = match item {
            Clause::And(parts) if conjunction => parts,
            Clause::Or(parts) if !conjunction => parts,
            other => vec![other],
        };
        for part in parts {
            if part == absorbing {
                return None;
            }
            if part != neutral && !out.contains(&part) {
                out.push(part);
            }
        }
    }
    Some(out)
}

/// A conjunction, flattened and simplified: an `IS NULL` that a sibling rules out is
/// dropped, and a `NOT NULL` that a sibling implies is dropped.
fn and(items: Vec<Clause>) -> Clause {
    let Some(out) = operands(items, true) else {
        return Clause::False;
    };
    let present: Vec<String> = out.iter().flat_map(proves_present).map(str::to_owned).collect();
    let mut simplified = Vec::with_capacity(out.len());
    for clause in &out {
        match clause {
            Clause::IsNull(a) if present.iter().any(|p| p == a) => return Clause::False,
            Clause::NotNull(a)
                if out.iter().any(|c| !matches!(c, Clause::NotNull(_)) && proves_present(c).contains(&a.as_str())) => {}
            Clause::Or(parts) => {
                let kept: Vec<Clause> = parts
                    .iter()
                    .filter(|p| !matches!(p, Clause::IsNull(a) if present.iter().any(|q| q == a)))
                    .cloned()
                    .collect();
                match or(kept) {
                    Clause::True => {}
                    Clause::False => return Clause::False,
                    other => simplified.push(other),
                }
            }
            other => simplified.push(other.clone()),
        }
    }
    match simplified.len() {
        0 => Clause::True,
        1 => simplified.remove(0),
        _ => Clause::And(simplified),
    }
}

/// A disjunction, flattened and simplified.
fn or(items: Vec<Clause>) -> Clause {
    let Some(mut out) = operands(items, false) else {
        return Clause::True;
    };
    let absent: Vec<&str> = out
        .iter()
        .filter_map(|c| match c {
            Clause::IsNull(a) => Some(a.as_str()),
            _ => None,
        })
        .collect();
    if out.iter().any(|c| matches!(c, Clause::NotNull(a) if absent.contains(&a.as_str()))) {
        return Clause::True;
    }
    match out.len() {
        0 => Clause::False,
        1 => out.remove(0),
        _ => Clause::Or(out),
    }
}
