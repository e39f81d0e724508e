//! Evaluation against a request, borrowing everything it reads.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

use super::ast::{CmpOp, Node, Path, Root};
use super::{EvalError, Scope};

/// A value during evaluation. Everything read from the request or the expression is
/// borrowed; only lists built from non-literal elements own their elements.
#[derive(Debug, Clone)]
pub(crate) enum Val<'v> {
    Null,
    Bool(bool),
    Num(Num),
    Str(&'v str),
    Arr(&'v [Value]),
    Obj(&'v Map<String, Value>),
    /// `principal.roles`, without copying it into JSON.
    Roles(&'v [String]),
    /// A list expression with non-literal elements.
    List(Vec<Val<'v>>),
}

/// A JSON number, split by kind for exact integer comparison.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Num {
    I(i64),
    U(u64),
    F(f64),
}

impl Num {
    pub(crate) fn from_number(n: &Number) -> Num {
        if let Some(i) = n.as_i64() {
            Num::I(i)
        } else if let Some(u) = n.as_u64() {
            Num::U(u)
        } else {
            Num::F(n.as_f64().unwrap_or(f64::NAN))
        }
    }

    /// The number as JSON (a fraction read from JSON is always finite).
    pub(crate) fn to_json(self) -> Value {
        match self {
            Num::I(i) => Value::from(i),
            Num::U(u) => Value::from(u),
            Num::F(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        }
    }

    /// Precision loss is intended: mixed comparisons are defined as `f64` comparisons.
    #[allow(clippy::cast_precision_loss)]
    fn as_f64(self) -> f64 {
        match self {
            Num::I(i) => i as f64,
            Num::U(u) => u as f64,
            Num::F(f) => f,
        }
    }

    /// Integers compare exactly; anything involving a fraction compares as `f64`.
    pub(crate) fn compare(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::I(a), Num::I(b)) => Some(a.cmp(&b)),
            (Num::U(a), Num::U(b)) => Some(a.cmp(&b)),
            (Num::I(a), Num::U(b)) => Some(i128::from(a).cmp(&i128::from(b))),
            (Num::U(a), Num::I(b)) => Some(i128::from(a).cmp(&i128::from(b))),
            (a, b) => a.as_f64().partial_cmp(&b.as_f64()),
        }
    }
}

impl<'v> Val<'v> {
    /// A shallow view of a JSON value.
    pub(crate) fn from_json(value: &'v Value) -> Val<'v> {
        match value {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Num(Num::from_number(n)),
            Value::String(s) => Val::Str(s),
            Value::Array(items) => Val::Arr(items),
            Value::Object(map) => Val::Obj(map),
        }
    }

    /// The value's type, with an article, for messages (never the value itself).
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "a boolean",
            Val::Num(_) => "a number",
            Val::Str(_) => "a string",
            Val::Arr(_) | Val::Roles(_) | Val::List(_) => "a list",
            Val::Obj(_) => "an object",
        }
    }
}

fn num_eq(a: Num, b: Num) -> bool {
    a.compare(b) == Some(Ordering::Equal)
}

/// Deep JSON equality with numeric comparison of numbers, without recursion
/// (request values may be nested arbitrarily deep).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(_), Value::Array(_)) | (Value::Object(_), Value::Object(_)) => {}
        _ => return scalar_eq(a, b),
    }
    let mut pending: Vec<(&Value, &Value)> = vec![(a, b)];
    while let Some((x, y)) = pending.pop() {
        match (x, y) {
            (Value::Array(p), Value::Array(q)) => {
                if p.len() != q.len() {
                    return false;
                }
                pending.extend(p.iter().zip(q.iter()));
            }
            (Value::Object(p), Value::Object(q)) => {
                if p.len() != q.len() {
                    return false;
                }
                for (key, value) in p {
                    match q.get(key) {
                        Some(other) => pending.push((value, other)),
                        None => return false,
                    }
                }
            }
            _ => {
                if !scalar_eq(x, y) {
                    return false;
                }
            }
        }
    }
    true
}

/// Equality of two JSON values, at least one of which is not a container.
fn scalar_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => num_eq(Num::from_number(x), Num::from_number(y)),
        (Value::String(x), Value::String(y)) => x == y,
        _ => false,
    }
}

/// The language's `==`: deep equality, numbers compared numerically, different types unequal.
pub(crate) fn values_equal(a: &Val<'_>, b: &Val<'_>) -> bool {
    match (a, b) {
        (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Num(x), Val::Num(y)) => num_eq(*x, *y),
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::Obj(x), Val::Obj(y)) => {
            x.len() == y.len() && x.iter().all(|(key, value)| y.get(key).is_some_and(|other| json_eq(value, other)))
        }
        (Val::Arr(x), Val::Arr(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| json_eq(p, q)),
        (Val::Roles(x), Val::Roles(y)) => x == y,
        (Val::Arr(items), Val::Roles(roles)) | (Val::Roles(roles), Val::Arr(items)) => {
            items.len() == roles.len()
                && items.iter().zip(roles.iter()).all(|(item, role)| item.as_str() == Some(role.as_str()))
        }
        (Val::List(list), Val::Arr(items)) | (Val::Arr(items), Val::List(list)) => {
            list.len() == items.len()
                && list.iter().zip(items.iter()).all(|(element, item)| values_equal(element, &Val::from_json(item)))
        }
        (Val::List(list), Val::Roles(roles)) | (Val::Roles(roles), Val::List(list)) => {
            list.len() == roles.len()
                && list
                    .iter()
                    .zip(roles.iter())
                    .all(|(element, role)| matches!(element, Val::Str(s) if *s == role.as_str()))
        }
        (Val::List(x), Val::List(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| values_equal(p, q)),
        _ => false,
    }
}

/// `needle in haystack`; `None` when `haystack` is not a list.
pub(crate) fn contains(haystack: &Val<'_>, needle: &Val<'_>) -> Option<bool> {
    Some(match haystack {
        Val::Roles(roles) => match needle {
            Val::Str(s) => roles.iter().any(|role| role == s),
            _ => false,
        },
        Val::Arr(items) => items.iter().any(|item| values_equal(needle, &Val::from_json(item))),
        Val::List(items) => items.iter().any(|item| values_equal(needle, item)),
        _ => return None,
    })
}

/// Applies a comparison operator; `Err` carries the message for non-numbers.
pub(crate) fn compare(op: CmpOp, a: &Val<'_>, b: &Val<'_>) -> Result<bool, String> {
    let ordering = match (op, a, b) {
        (CmpOp::Eq, _, _) => return Ok(values_equal(a, b)),
        (CmpOp::Ne, _, _) => return Ok(!values_equal(a, b)),
        (_, Val::Num(x), Val::Num(y)) => x.compare(*y),
        _ => {
            return Err(format!("'{}' compares numbers only, got {} and {}", op.as_str(), a.type_name(), b.type_name()))
        }
    };
    Ok(match ordering {
        Some(ordering) => match op {
            CmpOp::Lt => ordering == Ordering::Less,
            CmpOp::Le => ordering != Ordering::Greater,
            CmpOp::Gt => ordering == Ordering::Greater,
            CmpOp::Ge => ordering != Ordering::Less,
            CmpOp::Eq | CmpOp::Ne => false,
        },
        None => false,
    })
}

fn err(message: impl Into<String>) -> EvalError {
    EvalError { message: message.into() }
}

fn missing(path: &Path) -> EvalError {
    err(format!("{} does not exist", path.display))
}

/// Reads a path from the scope.
pub(crate) fn resolve<'v>(path: &Path, scope: &Scope<'v>) -> Result<Val<'v>, EvalError> {
    let map = match path.root {
        Root::PrincipalId => return Ok(Val::Str(&scope.principal.id)),
        Root::PrincipalRoles => return Ok(Val::Roles(&scope.principal.roles)),
        Root::PrincipalTenant => {
            return Ok(match &scope.principal.tenant {
                Some(tenant) => Val::Str(tenant),
                None => Val::Null,
            })
        }
        Root::Action => return Ok(Val::Str(scope.action)),
        Root::Claims => &scope.principal.claims,
        Root::Resource => scope.resource,
        Root::Context => scope.context,
    };
    let mut segments = path.segments.iter();
    let Some(first) = segments.next() else {
        return Ok(Val::Obj(map));
    };
    let mut current = map.get(first).ok_or_else(|| missing(path))?;
    for segment in segments {
        current = current.as_object().and_then(|object| object.get(segment)).ok_or_else(|| missing(path))?;
    }
    Ok(Val::from_json(current))
}

fn boolean(value: Val<'_>, what: &str) -> Result<bool, EvalError> {
    match value {
        Val::Bool(b) => Ok(b),
        other => Err(err(format!("{what} needs a boolean, got {}", other.type_name()))),
    }
}

/// Evaluates a node. Recursion depth is bounded by the parser's nesting limit.
pub(crate) fn eval<'v>(node: &'v Node, scope: &Scope<'v>) -> Result<Val<'v>, EvalError> {
    match node {
        Node::Lit(value) => Ok(Val::from_json(value)),
        Node::Path(path) => resolve(path, scope),
        Node::List(elements) => {
            let mut items = Vec::with_capacity(elements.len());
            for element in elements {
                items.push(eval(element, scope)?);
            }
            Ok(Val::List(items))
        }
        Node::Has(path, name) => Ok(Val::Bool(match resolve(path, scope)? {
            Val::Obj(map) => map.contains_key(name.as_str()),
            _ => false,
        })),
        Node::Not(operand) => Ok(Val::Bool(!boolean(eval(operand, scope)?, "'!'")?)),
        Node::And(operands) => {
            for operand in operands {
                if !boolean(eval(operand, scope)?, "'&&'")? {
                    return Ok(Val::Bool(false));
                }
            }
            Ok(Val::Bool(true))
        }
        Node::Or(operands) => {
            for operand in operands {
                if boolean(eval(operand, scope)?, "'||'")? {
                    return Ok(Val::Bool(true));
                }
            }
            Ok(Val::Bool(false))
        }
        Node::Cmp(op, left, right) => {
            let a = eval(left, scope)?;
            let b = eval(right, scope)?;
            compare(*op, &a, &b).map(Val::Bool).map_err(err)
        }
        Node::In(needle, haystack) => {
            let needle_value = eval(needle, scope)?;
            if let Node::List(elements) = &**haystack {
                // Same result as building the list, without allocating it.
                let mut found = false;
                for element in elements {
                    let item = eval(element, scope)?;
                    found = found || values_equal(&needle_value, &item);
                }
                return Ok(Val::Bool(found));
            }
            let haystack_value = eval(haystack, scope)?;
            match contains(&haystack_value, &needle_value) {
                Some(found) => Ok(Val::Bool(found)),
                None => Err(err(match &**haystack {
                    Node::Path(path) => format!(
                        "'in' needs a list on its right side, but {} is {}",
                        path.display,
                        haystack_value.type_name()
                    ),
                    _ => format!("'in' needs a list on its right side, got {}", haystack_value.type_name()),
                })),
            }
        }
    }
}

/// Evaluates a whole condition, which must yield a boolean.
pub(crate) fn eval_condition(node: &Node, scope: &Scope<'_>) -> Result<bool, EvalError> {
    match eval(node, scope)? {
        Val::Bool(b) => Ok(b),
        _ => Err(err("condition is not a boolean")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(value: &Value) -> Val<'_> {
        Val::from_json(value)
    }

    #[test]
    fn numeric_equality() {
        let (one, one_f, big, big_u) = (json!(1), json!(1.0), json!(u64::MAX), json!(u64::MAX));
        assert!(values_equal(&v(&one), &v(&one_f)));
        assert!(values_equal(&v(&big), &v(&big_u)));
        assert!(!values_equal(&v(&json!(-1)), &v(&big)));
        assert!(values_equal(&v(&json!(5)), &v(&json!(5u64))));
        assert!(!values_equal(&v(&json!(9007199254740993i64)), &v(&json!(9007199254740992i64))));
        assert!(values_equal(&v(&json!({"a": [1, {"b": 2}]})), &v(&json!({"a": [1.0, {"b": 2.0}]}))));
        assert!(!values_equal(&v(&json!({"a": 1})), &v(&json!({"a": 1, "b": 2}))));
        assert!(!values_equal(&v(&json!({"a": 1})), &v(&json!({"b": 1}))));
        assert!(!values_equal(&v(&json!([1, 2])), &v(&json!([2, 1]))));
        assert!(!values_equal(&v(&json!("1")), &v(&json!(1))));
        assert!(!values_equal(&v(&json!(null)), &v(&json!(false))));
    }

    #[test]
    fn roles_and_lists() {
        let roles = vec!["a".to_string(), "b".to_string()];
        let arr = json!(["a", "b"]);
        assert!(values_equal(&Val::Roles(&roles), &v(&arr)));
        assert!(values_equal(&v(&arr), &Val::Roles(&roles)));
        assert!(values_equal(&Val::List(vec![Val::Str("a"), Val::Str("b")]), &Val::Roles(&roles)));
        assert!(values_equal(&Val::List(vec![Val::Str("a"), Val::Str("b")]), &v(&arr)));
        assert!(!values_equal(&Val::List(vec![Val::Str("a")]), &v(&arr)));
        assert_eq!(contains(&Val::Roles(&roles), &Val::Str("b")), Some(true));
        assert_eq!(contains(&Val::Roles(&roles), &Val::Num(Num::I(1))), Some(false));
        assert_eq!(contains(&v(&json!([1.0])), &Val::Num(Num::I(1))), Some(true));
        assert_eq!(contains(&Val::Str("ab"), &Val::Str("a")), None);
    }

    #[test]
    fn deep_json_equality_does_not_recurse() {
        let mut a = json!(1);
        let mut b = json!(1);
        for _ in 0..100_000 {
            a = Value::Array(vec![a]);
            b = Value::Array(vec![b]);
        }
        assert!(values_equal(&v(&a), &v(&b)));
        // Dropping deeply nested JSON recurses inside serde_json; unwrap it iteratively.
        for mut value in [a, b] {
            while let Value::Array(mut items) = value {
                value = items.pop().unwrap_or(Value::Null);
            }
        }
    }

    #[test]
    fn ordering() {
        let lt = |a: Value, b: Value| compare(CmpOp::Lt, &v(&a), &v(&b));
        assert_eq!(lt(json!(1), json!(2)), Ok(true));
        assert_eq!(lt(json!(-1), json!(u64::MAX)), Ok(true));
        assert_eq!(lt(json!(1.5), json!(2)), Ok(true));
        assert_eq!(lt(json!(2), json!(1.5)), Ok(false));
        assert!(lt(json!("a"), json!("b")).is_err());
        assert_eq!(compare(CmpOp::Ge, &v(&json!(2)), &v(&json!(2.0))), Ok(true));
        assert_eq!(compare(CmpOp::Le, &v(&json!(2)), &v(&json!(2))), Ok(true));
        assert_eq!(compare(CmpOp::Gt, &v(&json!(3)), &v(&json!(2))), Ok(true));
    }
}
