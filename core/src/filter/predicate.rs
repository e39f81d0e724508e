//! The residual of a plan: a two-valued condition on a resource's attributes.
//!
//! Every test is true or false for every resource, never an error: "the attribute is a
//! number below 3" is simply false for a resource without the attribute. The planner
//! builds these from the condition language's three outcomes (true, false, error), so
//! no `NULL` and no evaluation error can reach a `WHERE` clause.

use serde_json::{Map, Value};

use crate::policy::expr::ast::CmpOp;
use crate::policy::expr::eval::{compare, contains, values_equal, Val};

/// A path below `resource`: `["owner_id"]` is `resource.owner_id`; `[]` is the whole resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Attr(pub(crate) Vec<String>);

impl Attr {
    /// The path's names, outermost first.
    #[must_use]
    pub fn segments(&self) -> &[String] {
        &self.0
    }

    /// The path as written after `resource.`: `owner_id`, `owner.id`, or `""` for the
    /// whole resource.
    #[must_use]
    pub fn dotted(&self) -> String {
        self.0.join(".")
    }

    /// Whether `self` lies on the way to `other` (so `other` existing implies `self` does).
    fn is_prefix_of(&self, other: &Attr) -> bool {
        other.0.len() >= self.0.len() && other.0[..self.0.len()] == self.0[..]
    }
}

/// What an attribute is compared with: a value known when planning, or another attribute.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Operand {
    /// A JSON value (from a literal, the principal or the context).
    Value(Value),
    /// Another attribute of the same resource.
    Attr(Attr),
}

/// An ordering comparison. Both sides must be numbers for it to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Order {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Order {
    pub(crate) fn from_cmp(op: CmpOp) -> Option<Order> {
        match op {
            CmpOp::Lt => Some(Order::Lt),
            CmpOp::Le => Some(Order::Le),
            CmpOp::Gt => Some(Order::Gt),
            CmpOp::Ge => Some(Order::Ge),
            CmpOp::Eq | CmpOp::Ne => None,
        }
    }

    pub(crate) fn as_cmp(self) -> CmpOp {
        match self {
            Order::Lt => CmpOp::Lt,
            Order::Le => CmpOp::Le,
            Order::Gt => CmpOp::Gt,
            Order::Ge => CmpOp::Ge,
        }
    }

    /// The same comparison with its sides swapped (`a < b` is `b > a`).
    pub(crate) fn swapped(self) -> Order {
        match self {
            Order::Lt => Order::Gt,
            Order::Le => Order::Ge,
            Order::Gt => Order::Lt,
            Order::Ge => Order::Le,
        }
    }

    /// The name used in the residual's JSON form.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Order::Lt => "lt",
            Order::Le => "le",
            Order::Gt => "gt",
            Order::Ge => "ge",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Order> {
        [Order::Lt, Order::Le, Order::Gt, Order::Ge].into_iter().find(|o| o.name() == name)
    }
}

/// One test on a resource. Each is false when an attribute it reads is absent.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Test {
    /// The attribute exists.
    Exists(Attr),
    /// The attribute exists and equals the operand (the language's `==`: numbers by
    /// value, different types unequal).
    Eq(Attr, Operand),
    /// The attribute and the operand are numbers and the comparison holds.
    Cmp(Attr, Order, Operand),
    /// The attribute is a number.
    IsNumber(Attr),
    /// The attribute equals one of the values.
    In(Attr, Vec<Value>),
    /// The attribute is a list holding an element equal to the operand.
    Contains(Attr, Operand),
    /// The attribute is a list.
    IsList(Attr),
}

impl Test {
    /// The attribute the test reads first.
    #[must_use]
    pub fn attr(&self) -> &Attr {
        match self {
            Test::Exists(a)
            | Test::Eq(a, _)
            | Test::Cmp(a, _, _)
            | Test::IsNumber(a)
            | Test::In(a, _)
            | Test::Contains(a, _)
            | Test::IsList(a) => a,
        }
    }

    /// The other attribute the test reads, if any.
    #[must_use]
    pub fn other(&self) -> Option<&Attr> {
        match self {
            Test::Eq(_, Operand::Attr(b)) | Test::Cmp(_, _, Operand::Attr(b)) | Test::Contains(_, Operand::Attr(b)) => {
                Some(b)
            }
            _ => None,
        }
    }

    /// Whether the test holding implies that `attr` exists.
    fn implies_exists(&self, attr: &Attr) -> bool {
        if matches!(self, Test::Exists(_)) {
            return attr.is_prefix_of(self.attr()) && attr != self.attr();
        }
        attr.is_prefix_of(self.attr()) || self.other().is_some_and(|other| attr.is_prefix_of(other))
    }

    fn holds(&self, resource: &Resource<'_>) -> bool {
        let Some(value) = resource.get(self.attr()) else {
            return false;
        };
        fn operand<'a>(operand: &'a Operand, resource: &Resource<'a>) -> Option<Val<'a>> {
            match operand {
                Operand::Value(v) => Some(Val::from_json(v)),
                Operand::Attr(b) => resource.get(b),
            }
        }
        let operand = |o| operand(o, resource);
        match self {
            Test::Exists(_) => true,
            Test::Eq(_, other) => operand(other).is_some_and(|other| values_equal(&value, &other)),
            Test::Cmp(_, order, other) => {
                operand(other).is_some_and(|other| compare(order.as_cmp(), &value, &other) == Ok(true))
            }
            Test::IsNumber(_) => matches!(value, Val::Num(_)),
            Test::In(_, values) => values.iter().any(|v| values_equal(&value, &Val::from_json(v))),
            Test::Contains(_, other) => operand(other).is_some_and(|other| contains(&value, &other) == Some(true)),
            Test::IsList(_) => matches!(value, Val::Arr(_)),
        }
    }
}

/// A two-valued condition on a resource.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Predicate {
    /// Holds for every resource.
    True,
    /// Holds for none.
    False,
    /// A test on the resource's attributes.
    Test(Test),
    /// Holds when its operand does not.
    Not(Box<Predicate>),
    /// Holds when every operand holds (two or more).
    And(Vec<Predicate>),
    /// Holds when some operand holds (two or more).
    Or(Vec<Predicate>),
}

impl Predicate {
    /// A constant.
    pub(crate) fn constant(value: bool) -> Predicate {
        if value {
            Predicate::True
        } else {
            Predicate::False
        }
    }

    /// A test.
    pub(crate) fn test(test: Test) -> Predicate {
        Predicate::Test(test)
    }

    /// `!p`, simplified, with the negation pushed down to the tests.
    pub(crate) fn not(p: Predicate) -> Predicate {
        match p {
            Predicate::True => Predicate::False,
            Predicate::False => Predicate::True,
            Predicate::Not(inner) => *inner,
            Predicate::And(items) => Predicate::any(items.into_iter().map(Predicate::not).collect()),
            Predicate::Or(items) => Predicate::all(items.into_iter().map(Predicate::not).collect()),
            other => Predicate::Not(Box::new(other)),
        }
    }

    /// `a && b`, simplified.
    pub(crate) fn and2(a: Predicate, b: Predicate) -> Predicate {
        Predicate::all(vec![a, b])
    }

    /// `a || b`, simplified.
    pub(crate) fn or2(a: Predicate, b: Predicate) -> Predicate {
        Predicate::any(vec![a, b])
    }

    /// The operands of a conjunction (or a disjunction), with nested ones of the same kind
    /// flattened in and repeats and the neutral constant dropped; `None` when the whole is
    /// the absorbing constant: one operand is (`False` in a conjunction, `True` in a
    /// disjunction), or one is the negation of another.
    fn operands(items: Vec<Predicate>, conjunction: bool) -> Option<Vec<Predicate>> {
        let (neutral, absorbing) =
            if conjunction { (Predicate::True, Predicate::False) } else { (Predicate::False, Predicate::True) };
        let mut out: Vec<Predicate> = Vec::with_capacity(items.len());
        for item in items {
            let parts = match item {
                Predicate::And(parts) if conjunction => parts,
                Predicate::Or(parts) if !conjunction => parts,
                other => vec![other],
            };
            for part in parts {
                if part == absorbing || out.contains(&Predicate::not(part.clone())) {
                    return None;
                }
                if part != neutral && !out.contains(&part) {
                    out.push(part);
                }
            }
        }
        Some(out)
    }

    /// The conjunction of `items`, flattened and simplified: constants folded, repeats
    /// dropped, an operand and its negation give `False`, and an `Exists` that another
    /// operand implies is dropped.
    pub(crate) fn all(items: Vec<Predicate>) -> Predicate {
        let Some(out) = Predicate::operands(items, true) else {
            return Predicate::False;
        };
        let implied = |i: usize, out: &[Predicate]| match &out[i] {
            Predicate::Test(Test::Exists(attr)) => out
                .iter()
                .enumerate()
                .any(|(j, other)| j != i && matches!(other, Predicate::Test(t) if t.implies_exists(attr))),
            _ => false,
        };
        let keep: Vec<bool> = (0..out.len()).map(|i| !implied(i, &out)).collect();
        let mut out: Vec<Predicate> = out.into_iter().zip(keep).filter(|(_, k)| *k).map(|(p, _)| p).collect();
        match out.len() {
            0 => Predicate::True,
            1 => out.remove(0),
            _ => Predicate::And(out),
        }
    }

    /// The disjunction of `items`, flattened and simplified: constants folded, repeats
    /// dropped, and an operand with its negation gives `True`.
    pub(crate) fn any(items: Vec<Predicate>) -> Predicate {
        let Some(mut out) = Predicate::operands(items, false) else {
            return Predicate::True;
        };
        match out.len() {
            0 => Predicate::False,
            1 => out.remove(0),
            _ => Predicate::Or(out),
        }
    }

    /// `Some(b)` when the predicate is the constant `b`.
    #[must_use]
    pub fn as_constant(&self) -> Option<bool> {
        match self {
            Predicate::True => Some(true),
            Predicate::False => Some(false),
            _ => None,
        }
    }

    /// The number of nodes in the predicate.
    pub(crate) fn size(&self) -> usize {
        match self {
            Predicate::True | Predicate::False | Predicate::Test(_) => 1,
            Predicate::Not(inner) => 1 + inner.size(),
            Predicate::And(items) | Predicate::Or(items) => 1 + items.iter().map(Predicate::size).sum::<usize>(),
        }
    }

    /// Whether the predicate holds for a resource.
    pub(crate) fn holds(&self, resource: &Resource<'_>) -> bool {
        match self {
            Predicate::True => true,
            Predicate::False => false,
            Predicate::Test(test) => test.holds(resource),
            Predicate::Not(inner) => !inner.holds(resource),
            Predicate::And(items) => items.iter().all(|p| p.holds(resource)),
            Predicate::Or(items) => items.iter().any(|p| p.holds(resource)),
        }
    }

    /// Whether some test reads the whole resource (a path of no segments).
    pub(crate) fn reads_whole_resource(&self) -> bool {
        match self {
            Predicate::True | Predicate::False => false,
            Predicate::Test(test) => test.attr().0.is_empty() || test.other().is_some_and(|a| a.0.is_empty()),
            Predicate::Not(inner) => inner.reads_whole_resource(),
            Predicate::And(items) | Predicate::Or(items) => items.iter().any(Predicate::reads_whole_resource),
        }
    }
}

/// A resource as a filter sees it: its attributes, with `type` the filter's type.
pub(crate) struct Resource<'a> {
    pub(crate) attributes: &'a Map<String, Value>,
}

impl<'a> Resource<'a> {
    /// Reads a path; `None` when it does not exist.
    fn get(&self, attr: &Attr) -> Option<Val<'a>> {
        let mut segments = attr.0.iter();
        let Some(first) = segments.next() else {
            return Some(Val::Obj(self.attributes));
        };
        let mut current = self.attributes.get(first)?;
        for segment in segments {
            current = current.as_object()?.get(segment)?;
        }
        Some(Val::from_json(current))
    }
}
