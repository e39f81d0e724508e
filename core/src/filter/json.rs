//! The filter's JSON form, which crosses to JavaScript and Python and reads back.
//!
//! ```text
//! { "kind": "conditional", "action": "read", "resource_type": "todo",
//!   "permits": [ { "rule": "own", "when": PREDICATE } ],
//!   "forbids": [ { "rule": "archived", "when": PREDICATE } ] }
//! ```
//!
//! A PREDICATE is `true`, `false`, `{"and": [P, ...]}`, `{"or": [P, ...]}`, `{"not": P}`
//! or a test naming an attribute `A`: its name as a string (`"owner_id"`; any string, dots
//! included, is one name), or a list of names for a path below it (`["owner", "id"]` is
//! `resource.owner.id`; `[]` is the whole resource): `{"exists": A}`, `{"is_number": A}`, `{"is_list": A}`,
//! `{"eq": A, "value": V}`, `{"eq": A, "attr": B}`, `{"lt"|"le"|"gt"|"ge": A, "value": N}`
//! (or `"attr": B`), `{"in": A, "values": [V, ...]}`, `{"contains": A, "value": V}` (or
//! `"attr": B`).

use serde_json::{json, Map, Value};

use super::predicate::{Attr, Operand, Order, Predicate, Test};
use super::{Filter, FilterError, FilterKind, RulePart};

/// The deepest predicate read back.
const MAX_DEPTH: usize = 256;

impl Filter {
    /// The filter's JSON form (see the module documentation of [`crate::filter`]).
    ///
    /// ```
    /// # use wardgate::{Engine, Principal};
    /// # use wardgate::filter::Filter;
    /// # use serde_json::{json, Map};
    /// # let engine = Engine::from_value(&json!({"token": {"algorithms": ["HS256"]},
    /// #   "keys": {"secret": "0123456789abcdef0123456789abcdef"},
    /// #   "rules": [{"id": "own", "effect": "permit", "resource": "todo", "actions": "*",
    /// #              "when": "resource.owner_id == principal.id"}]}))?;
    /// let ada = Principal::new("ada", vec![], None, json!({}));
    /// let filter = engine.filter(&ada, "read", "todo", &Map::new())?;
    /// assert_eq!(filter.to_value(), json!({
    ///     "kind": "conditional", "action": "read", "resource_type": "todo",
    ///     "permits": [{"rule": "own", "when": {"eq": "owner_id", "value": "ada"}}],
    ///     "forbids": []
    /// }));
    /// assert_eq!(Filter::from_value(&filter.to_value())?, filter);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_value(&self) -> Value {
        let parts = |parts: &[RulePart]| -> Value {
            parts.iter().map(|p| json!({"rule": p.rule, "when": predicate_value(&p.when)})).collect()
        };
        json!({
            "kind": self.kind.as_str(),
            "action": self.action,
            "resource_type": self.resource_type,
            "permits": parts(&self.permits),
            "forbids": parts(&self.forbids),
        })
    }

    /// Reads a filter back from its JSON form.
    ///
    /// # Errors
    ///
    /// [`FilterError::Json`] naming the member that is missing, unknown or malformed, or
    /// a `kind` that the rules do not give.
    pub fn from_value(value: &Value) -> Result<Filter, FilterError> {
        let object = object(value, "the filter")?;
        only(object, &["kind", "action", "resource_type", "permits", "forbids"], "the filter")?;
        let text = |name: &str| -> Result<String, FilterError> {
            object
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| bad(format!("{name} must be a string")))
        };
        let kind = text("kind")?;
        let parts = |name: &str| -> Result<Vec<RulePart>, FilterError> {
            let items =
                object.get(name).and_then(Value::as_array).ok_or_else(|| bad(format!("{name} must be a list")))?;
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let here = format!("{name}[{i}]");
                    let part = self::object(item, &here)?;
                    only(part, &["rule", "when"], &here)?;
                    let rule = part
                        .get("rule")
                        .and_then(Value::as_str)
                        .ok_or_else(|| bad(format!("{here}.rule must be a string")))?;
                    let when = part.get("when").ok_or_else(|| bad(format!("{here}.when is missing")))?;
                    Ok(RulePart { rule: rule.to_owned(), when: predicate(when, &format!("{here}.when"), 0)? })
                })
                .collect()
        };
        let filter = Filter::new(text("action")?, text("resource_type")?, parts("permits")?, parts("forbids")?);
        if filter.kind.as_str() != kind {
            return Err(bad(format!("kind is {kind:?}, but its rules make it {:?}", filter.kind.as_str())));
        }
        Ok(filter)
    }
}

impl FilterKind {
    /// Reads `always`, `never` or `conditional`.
    #[must_use]
    pub fn from_name(name: &str) -> Option<FilterKind> {
        [FilterKind::Always, FilterKind::Never, FilterKind::Conditional].into_iter().find(|k| k.as_str() == name)
    }
}

impl Predicate {
    /// The predicate's JSON form.
    #[must_use]
    pub fn to_value(&self) -> Value {
        predicate_value(self)
    }
}

fn predicate_value(p: &Predicate) -> Value {
    match p {
        Predicate::True => Value::Bool(true),
        Predicate::False => Value::Bool(false),
        Predicate::Not(inner) => json!({"not": predicate_value(inner)}),
        Predicate::And(items) => json!({"and": items.iter().map(predicate_value).collect::<Vec<_>>()}),
        Predicate::Or(items) => json!({"or": items.iter().map(predicate_value).collect::<Vec<_>>()}),
        Predicate::Test(test) => test_value(test),
    }
}

fn test_value(test: &Test) -> Value {
    let mut map = Map::new();
    let (name, attr) = match test {
        Test::Exists(a) => ("exists", a),
        Test::IsNumber(a) => ("is_number", a),
        Test::IsList(a) => ("is_list", a),
        Test::Eq(a, _) => ("eq", a),
        Test::Cmp(a, order, _) => (order.name(), a),
        Test::In(a, values) => {
            map.insert("values".into(), Value::Array(values.clone()));
            ("in", a)
        }
        Test::Contains(a, _) => ("contains", a),
    };
    map.insert(name.into(), attr_value(attr));
    match test {
        Test::Eq(_, operand) | Test::Cmp(_, _, operand) | Test::Contains(_, operand) => match operand {
            Operand::Value(v) => map.insert("value".into(), v.clone()),
            Operand::Attr(b) => map.insert("attr".into(), attr_value(b)),
        },
        _ => None,
    };
    Value::Object(map)
}

fn bad(message: String) -> FilterError {
    FilterError::Json(message)
}

fn object<'a>(value: &'a Value, what: &str) -> Result<&'a Map<String, Value>, FilterError> {
    value.as_object().ok_or_else(|| bad(format!("{what} must be an object")))
}

fn only(object: &Map<String, Value>, names: &[&str], what: &str) -> Result<(), FilterError> {
    match object.keys().find(|k| !names.contains(&k.as_str())) {
        Some(unknown) => Err(bad(format!("{what} has an unknown member {unknown:?}"))),
        None => Ok(()),
    }
}

/// An attribute's JSON form: its name, or the list of names of a path of another length.
fn attr_value(attr: &Attr) -> Value {
    match attr.segments() {
        [name] => Value::String(name.clone()),
        names => Value::Array(names.iter().cloned().map(Value::String).collect()),
    }
}

fn attr(value: &Value, here: &str) -> Result<Attr, FilterError> {
    let names = match value {
        Value::String(name) => vec![name.clone()],
        Value::Array(items) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad(format!("{here} must list attribute names")))?,
        _ => return Err(bad(format!("{here} must name an attribute"))),
    };
    Ok(Attr(names))
}

fn predicate(value: &Value, here: &str, depth: usize) -> Result<Predicate, FilterError> {
    if depth > MAX_DEPTH {
        return Err(bad(format!("{here} nests too deeply")));
    }
    let object = match value {
        Value::Bool(b) => return Ok(Predicate::constant(*b)),
        Value::Object(object) => object,
        _ => return Err(bad(format!("{here} must be true, false or an object"))),
    };
    let list = |name: &str, items: &Value| -> Result<Vec<Predicate>, FilterError> {
        let items = items.as_array().ok_or_else(|| bad(format!("{here}.{name} must be a list")))?;
        items.iter().enumerate().map(|(i, item)| predicate(item, &format!("{here}.{name}[{i}]"), depth + 1)).collect()
    };
    if let Some(items) = object.get("and") {
        only(object, &["and"], here)?;
        return Ok(Predicate::all(list("and", items)?));
    }
    if let Some(items) = object.get("or") {
        only(object, &["or"], here)?;
        return Ok(Predicate::any(list("or", items)?));
    }
    if let Some(inner) = object.get("not") {
        only(object, &["not"], here)?;
        return Ok(Predicate::not(predicate(inner, &format!("{here}.not"), depth + 1)?));
    }
    let operand = |allowed: bool| -> Result<Operand, FilterError> {
        match (object.get("value"), object.get("attr")) {
            (Some(v), None) if allowed || v.is_number() => Ok(Operand::Value(v.clone())),
            (None, Some(b)) => Ok(Operand::Attr(attr(b, &format!("{here}.attr"))?)),
            (Some(_), None) => Err(bad(format!("{here}.value must be a number"))),
            _ => Err(bad(format!("{here} needs exactly one of value and attr"))),
        }
    };
    for (name, target) in object {
        let a = || attr(target, &format!("{here}.{name}"));
        let test = match name.as_str() {
            "exists" => (Test::Exists(a()?), &["exists"][..]),
            "is_number" => (Test::IsNumber(a()?), &["is_number"][..]),
            "is_list" => (Test::IsList(a()?), &["is_list"][..]),
            "eq" => (Test::Eq(a()?, operand(true)?), &["eq", "value", "attr"][..]),
            "contains" => (Test::Contains(a()?, operand(true)?), &["contains", "value", "attr"][..]),
            "in" => {
                let values = object
                    .get("values")
                    .and_then(Value::as_array)
                    .ok_or_else(|| bad(format!("{here}.values must be a list")))?;
                (Test::In(a()?, values.clone()), &["in", "values"][..])
            }
            other => match Order::from_name(other) {
                Some(order) => (Test::Cmp(a()?, order, operand(false)?), &[other, "value", "attr"][..]),
                None => continue,
            },
        };
        only(object, test.1, here)?;
        return Ok(Predicate::test(test.0));
    }
    Err(bad(format!("{here} is not a predicate")))
}
