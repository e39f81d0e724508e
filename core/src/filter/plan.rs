//! Partial evaluation: a rule's condition, with everything but the resource known.
//!
//! Every subexpression becomes what is known of it. A boolean one becomes two
//! predicates on the resource, "evaluates to true" and "evaluates to false"; where
//! neither holds, evaluating it fails. `&&`, `||` and `!` combine those pairs exactly as
//! the evaluator combines values, stopping at the first operand that decides, so the
//! filter keeps the evaluator's semantics, errors included, by construction.

use serde_json::{Map, Value};

use super::predicate::{Attr, Operand, Order, Predicate, Test};
use super::{FilterError, MAX_PLAN_SIZE};
use crate::policy::expr::ast::{CmpOp, Node, Path, Root};
use crate::policy::expr::eval::{self, compare, contains, values_equal, Val};
use crate::policy::expr::Scope;

/// What is known of a subexpression's value before the resource is.
enum Part<'v> {
    /// The value, whatever the resource.
    Known(Val<'v>),
    /// Evaluating it fails, whatever the resource.
    Fails,
    /// A resource attribute; evaluating it fails where it is absent.
    Attr(Attr),
    /// A boolean that depends on the resource: where `t` holds it is true, where `f`
    /// holds it is false, elsewhere evaluating it fails.
    Bool { t: Predicate, f: Predicate },
    /// A list with at least one element that depends on the resource.
    List(Vec<Part<'v>>),
}

/// Plans conditions for one principal, action, resource type and context.
pub(crate) struct Planner<'v> {
    pub(crate) scope: Scope<'v>,
    pub(crate) resource_type: &'v str,
    /// The rule being planned, for messages.
    pub(crate) rule: &'v str,
}

/// The pair for a boolean: where it is true and where it is false.
pub(crate) struct Outcome {
    pub(crate) t: Predicate,
    pub(crate) f: Predicate,
}

impl<'v> Planner<'v> {
    /// Plans a whole condition, which must be a boolean.
    pub(crate) fn condition(&self, node: &'v Node) -> Result<Outcome, FilterError> {
        let part = self.part(node)?;
        Ok(self.boolean(part))
    }

    fn unsupported(&self, operator: &str, what: &str) -> FilterError {
        FilterError::Unsupported { rule: self.rule.to_owned(), operator: operator.to_owned(), detail: what.to_owned() }
    }

    /// Refuses plans that grow beyond [`MAX_PLAN_SIZE`] nodes.
    fn bounded(&self, t: &Predicate, f: &Predicate) -> Result<(), FilterError> {
        if t.size() + f.size() > MAX_PLAN_SIZE {
            return Err(FilterError::TooComplex { rule: self.rule.to_owned() });
        }
        Ok(())
    }

    fn part(&self, node: &'v Node) -> Result<Part<'v>, FilterError> {
        let part = self.unbounded(node)?;
        if let Part::Bool { t, f } = &part {
            self.bounded(t, f)?;
        }
        Ok(part)
    }

    fn unbounded(&self, node: &'v Node) -> Result<Part<'v>, FilterError> {
        Ok(match node {
            Node::Lit(value) => Part::Known(Val::from_json(value)),
            Node::Path(path) => self.path(path),
            Node::List(elements) => {
                let mut parts = Vec::with_capacity(elements.len());
                for element in elements {
                    match self.part(element)? {
                        // Every element is evaluated: one that always fails fails the list.
                        Part::Fails => return Ok(Part::Fails),
                        part => parts.push(part),
                    }
                }
                if parts.iter().all(|p| matches!(p, Part::Known(_))) {
                    Part::Known(Val::List(
                        parts
                            .into_iter()
                            .map(|p| match p {
                                Part::Known(v) => v,
                                _ => unreachable!("checked above"),
                            })
                            .collect(),
                    ))
                } else {
                    Part::List(parts)
                }
            }
            Node::Has(path, name) => self.has(path, name),
            Node::Not(operand) => {
                let Outcome { t, f } = self.boolean(self.part(operand)?);
                Part::Bool { t: f, f: t }
            }
            Node::And(operands) => {
                // True where every operand is; false where the first operand that is not
                // true is false; a failure on the way fails the whole.
                let (mut t, mut f) = (Predicate::True, Predicate::False);
                for operand in operands {
                    let next = self.boolean(self.part(operand)?);
                    f = Predicate::or2(f, Predicate::and2(t.clone(), next.f));
                    t = Predicate::and2(t, next.t);
                    self.bounded(&t, &f)?;
                    if t == Predicate::False {
                        break;
                    }
                }
                Part::Bool { t, f }
            }
            Node::Or(operands) => {
                let (mut t, mut f) = (Predicate::False, Predicate::True);
                for operand in operands {
                    let next = self.boolean(self.part(operand)?);
                    t = Predicate::or2(t, Predicate::and2(f.clone(), next.t));
                    f = Predicate::and2(f, next.f);
                    self.bounded(&t, &f)?;
                    if f == Predicate::False {
                        break;
                    }
                }
                Part::Bool { t, f }
            }
            Node::Cmp(op, left, right) => {
                let (a, b) = (self.part(left)?, self.part(right)?);
                self.comparison(*op, a, b)?
            }
            Node::In(needle, haystack) => {
                let (needle, haystack) = (self.part(needle)?, self.part(haystack)?);
                self.membership(needle, haystack)?
            }
        })
    }

    /// A path: known unless it reads the resource (whose `type` is known too).
    fn path(&self, path: &'v Path) -> Part<'v> {
        if path.root != Root::Resource {
            return match eval::resolve(path, &self.scope) {
                Ok(value) => Part::Known(value),
                Err(_) => Part::Fails,
            };
        }
        match path.segments.split_first() {
            Some((first, rest)) if first == "type" => {
                if rest.is_empty() {
                    Part::Known(Val::Str(self.resource_type))
                } else {
                    Part::Fails // a string has no attributes
                }
            }
            _ => Part::Attr(Attr(path.segments.clone())),
        }
    }

    /// `PATH has NAME`.
    fn has(&self, path: &'v Path, name: &str) -> Part<'v> {
        if path.root != Root::Resource {
            return match eval::resolve(path, &self.scope) {
                Ok(Val::Obj(map)) => Part::Known(Val::Bool(map.contains_key(name))),
                Ok(_) => Part::Known(Val::Bool(false)),
                Err(_) => Part::Fails,
            };
        }
        match path.segments.split_first() {
            None if name == "type" => Part::Known(Val::Bool(true)),
            Some((first, rest)) if first == "type" => {
                if rest.is_empty() {
                    Part::Known(Val::Bool(false))
                } else {
                    Part::Fails
                }
            }
            _ => {
                let base = Attr(path.segments.clone());
                let mut full = path.segments.clone();
                full.push(name.to_owned());
                let holds = Predicate::test(Test::Exists(Attr(full)));
                Part::Bool {
                    t: holds.clone(),
                    f: Predicate::and2(Predicate::test(Test::Exists(base)), Predicate::not(holds)),
                }
            }
        }
    }

    /// A part used where a boolean is needed (`!`, `&&`, `||`, the whole condition).
    fn boolean(&self, part: Part<'v>) -> Outcome {
        match part {
            Part::Known(Val::Bool(b)) => Outcome { t: Predicate::constant(b), f: Predicate::constant(!b) },
            Part::Known(_) | Part::Fails | Part::List(_) => Outcome { t: Predicate::False, f: Predicate::False },
            Part::Attr(attr) => Outcome {
                t: Predicate::test(Test::Eq(attr.clone(), Operand::Value(Value::Bool(true)))),
                f: Predicate::test(Test::Eq(attr, Operand::Value(Value::Bool(false)))),
            },
            Part::Bool { t, f } => Outcome { t, f },
        }
    }

    /// Where evaluating the part succeeds.
    fn defined(part: &Part<'_>) -> Predicate {
        match part {
            Part::Known(_) => Predicate::True,
            Part::Fails => Predicate::False,
            Part::Attr(attr) => Predicate::test(Test::Exists(attr.clone())),
            Part::Bool { t, f } => Predicate::or2(t.clone(), f.clone()),
            Part::List(items) => Predicate::all(items.iter().map(Planner::defined).collect()),
        }
    }

    fn comparison(&self, op: CmpOp, a: Part<'v>, b: Part<'v>) -> Result<Part<'v>, FilterError> {
        if let (Part::Known(x), Part::Known(y)) = (&a, &b) {
            return Ok(match compare(op, x, y) {
                Ok(value) => Part::Known(Val::Bool(value)),
                Err(_) => Part::Fails,
            });
        }
        if matches!(a, Part::Fails) || matches!(b, Part::Fails) {
            return Ok(Part::Fails);
        }
        let defined = Predicate::and2(Planner::defined(&a), Planner::defined(&b));
        let Some(order) = Order::from_cmp(op) else {
            let equal = self.equal(&a, &b, op.as_str())?;
            let (t, f) =
                (Predicate::and2(defined.clone(), equal.clone()), Predicate::and2(defined, Predicate::not(equal)));
            return Ok(if op == CmpOp::Eq { Part::Bool { t, f } } else { Part::Bool { t: f, f: t } });
        };
        // An ordering needs two numbers: anything else fails.
        let (t, f) = match (&a, &b) {
            (Part::Attr(x), Part::Known(value @ Val::Num(_))) => number_test(x, order, Operand::Value(to_json(value))),
            (Part::Known(value @ Val::Num(_)), Part::Attr(y)) => {
                number_test(y, order.swapped(), Operand::Value(to_json(value)))
            }
            (Part::Attr(x), Part::Attr(y)) => {
                let holds = Predicate::test(Test::Cmp(x.clone(), order, Operand::Attr(y.clone())));
                let numbers = Predicate::and2(
                    Predicate::test(Test::IsNumber(x.clone())),
                    Predicate::test(Test::IsNumber(y.clone())),
                );
                (holds.clone(), Predicate::and2(numbers, Predicate::not(holds)))
            }
            _ => (Predicate::False, Predicate::False),
        };
        Ok(Part::Bool { t, f })
    }

    fn membership(&self, needle: Part<'v>, haystack: Part<'v>) -> Result<Part<'v>, FilterError> {
        if let (Part::Known(n), Part::Known(h)) = (&needle, &haystack) {
            return Ok(match contains(h, n) {
                Some(found) => Part::Known(Val::Bool(found)),
                None => Part::Fails,
            });
        }
        if matches!(needle, Part::Fails) || matches!(haystack, Part::Fails) {
            return Ok(Part::Fails);
        }
        let defined = Predicate::and2(Planner::defined(&needle), Planner::defined(&haystack));
        let found = match &haystack {
            Part::Known(list) => match list_items(list) {
                Some(items) => match &needle {
                    Part::Attr(attr) => {
                        let values: Vec<Value> = items.iter().map(to_json).collect();
                        if values.is_empty() {
                            Predicate::False
                        } else {
                            Predicate::test(Test::In(attr.clone(), values))
                        }
                    }
                    _ => {
                        let mut found = Vec::with_capacity(items.len());
                        for item in items {
                            found.push(self.equal(&needle, &Part::Known(item), "in")?);
                        }
                        Predicate::any(found)
                    }
                },
                None => return Ok(Part::Fails),
            },
            Part::List(items) => {
                let mut found = Vec::with_capacity(items.len());
                for item in items {
                    found.push(self.equal(&needle, item, "in")?);
                }
                Predicate::any(found)
            }
            Part::Attr(list) if !list.0.is_empty() => {
                let is_list = Predicate::test(Test::IsList(list.clone()));
                let found = match &needle {
                    Part::Known(value) => Predicate::test(Test::Contains(list.clone(), Operand::Value(to_json(value)))),
                    Part::Attr(attr) => Predicate::test(Test::Contains(list.clone(), Operand::Attr(attr.clone()))),
                    Part::Bool { t, f } => Predicate::or2(
                        Predicate::and2(
                            t.clone(),
                            Predicate::test(Test::Contains(list.clone(), Operand::Value(Value::Bool(true)))),
                        ),
                        Predicate::and2(
                            f.clone(),
                            Predicate::test(Test::Contains(list.clone(), Operand::Value(Value::Bool(false)))),
                        ),
                    ),
                    Part::List(_) => {
                        return Err(self.unsupported(
                            "in",
                            "a list holding resource attributes, looked up in a resource attribute",
                        ))
                    }
                    Part::Fails => unreachable!("handled above"),
                };
                let defined = Predicate::and2(defined, is_list);
                return Ok(Part::Bool {
                    t: Predicate::and2(defined.clone(), found.clone()),
                    f: Predicate::and2(defined, Predicate::not(found)),
                });
            }
            // The whole resource is an object, and a boolean is no list: `in` fails.
            Part::Attr(_) | Part::Bool { .. } => return Ok(Part::Fails),
            Part::Fails => unreachable!("handled above"),
        };
        Ok(Part::Bool {
            t: Predicate::and2(defined.clone(), found.clone()),
            f: Predicate::and2(defined, Predicate::not(found)),
        })
    }

    /// Where two parts are equal, given that both evaluate.
    fn equal(&self, a: &Part<'v>, b: &Part<'v>, operator: &str) -> Result<Predicate, FilterError> {
        Ok(match (a, b) {
            (Part::Known(x), Part::Known(y)) => Predicate::constant(values_equal(x, y)),
            (Part::Fails, _) | (_, Part::Fails) => Predicate::False,
            (Part::Attr(x), Part::Known(v)) | (Part::Known(v), Part::Attr(x)) => {
                Predicate::test(Test::Eq(x.clone(), Operand::Value(to_json(v))))
            }
            (Part::Attr(x), Part::Attr(y)) => {
                if x == y {
                    Predicate::True
                } else {
                    Predicate::test(Test::Eq(x.clone(), Operand::Attr(y.clone())))
                }
            }
            (Part::Bool { t, f }, Part::Known(v)) | (Part::Known(v), Part::Bool { t, f }) => match v {
                Val::Bool(true) => t.clone(),
                Val::Bool(false) => f.clone(),
                _ => Predicate::False,
            },
            (Part::Bool { t, f }, Part::Attr(x)) | (Part::Attr(x), Part::Bool { t, f }) => Predicate::or2(
                Predicate::and2(t.clone(), Predicate::test(Test::Eq(x.clone(), Operand::Value(Value::Bool(true))))),
                Predicate::and2(f.clone(), Predicate::test(Test::Eq(x.clone(), Operand::Value(Value::Bool(false))))),
            ),
            (Part::Bool { t: t1, f: f1 }, Part::Bool { t: t2, f: f2 }) => {
                Predicate::or2(Predicate::and2(t1.clone(), t2.clone()), Predicate::and2(f1.clone(), f2.clone()))
            }
            (Part::Bool { .. }, Part::List(_)) | (Part::List(_), Part::Bool { .. }) => Predicate::False,
            (Part::List(items), Part::Known(v)) | (Part::Known(v), Part::List(items)) => match list_items(v) {
                Some(values) if values.len() == items.len() => {
                    let mut all = Vec::with_capacity(items.len());
                    for (item, value) in items.iter().zip(values) {
                        all.push(self.equal(item, &Part::Known(value), operator)?);
                    }
                    Predicate::all(all)
                }
                _ => Predicate::False,
            },
            (Part::List(xs), Part::List(ys)) => {
                if xs.len() == ys.len() {
                    let mut all = Vec::with_capacity(xs.len());
                    for (x, y) in xs.iter().zip(ys) {
                        all.push(self.equal(x, y, operator)?);
                    }
                    Predicate::all(all)
                } else {
                    Predicate::False
                }
            }
            (Part::List(_), Part::Attr(_)) | (Part::Attr(_), Part::List(_)) => {
                return Err(
                    self.unsupported(operator, "a resource attribute compared with a list holding resource attributes")
                )
            }
        })
    }
}

/// `attr ORDER value` for a known number: true where it holds, false where the attribute
/// is a number for which it does not.
fn number_test(attr: &Attr, order: Order, value: Operand) -> (Predicate, Predicate) {
    let holds = Predicate::test(Test::Cmp(attr.clone(), order, value));
    let is_number = Predicate::test(Test::IsNumber(attr.clone()));
    (holds.clone(), Predicate::and2(is_number, Predicate::not(holds)))
}

/// The elements of a list value, or `None` when it is not a list.
fn list_items<'v>(value: &Val<'v>) -> Option<Vec<Val<'v>>> {
    match value {
        Val::Arr(items) => Some(items.iter().map(Val::from_json).collect()),
        Val::Roles(roles) => Some(roles.iter().map(|r| Val::Str(r)).collect()),
        Val::List(items) => Some(items.clone()),
        _ => None,
    }
}

/// A known value as JSON, for the residual.
pub(crate) fn to_json(value: &Val<'_>) -> Value {
    match value {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(n) => n.to_json(),
        Val::Str(s) => Value::String((*s).to_owned()),
        Val::Arr(items) => Value::Array(items.to_vec()),
        Val::Obj(map) => Value::Object((*map).clone()),
        Val::Roles(roles) => Value::Array(roles.iter().cloned().map(Value::String).collect()),
        Val::List(items) => Value::Array(items.iter().map(to_json).collect()),
    }
}

/// An empty map, for the scope's resource (the planner never reads it).
pub(crate) fn no_resource() -> &'static Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    EMPTY.get_or_init(Map::new)
}
