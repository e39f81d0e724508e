//! Static facts about a condition, computed once at parse time: whether it is
//! constant, whether it can ever be true, and which reads lack a `has` guard.

use serde_json::Value;

use super::ast::{CmpOp, Node, Path, Root};
use super::eval::{compare, contains, Val};

// ---------------------------------------------------------------------------
// Outcomes: what a node may evaluate to.
// ---------------------------------------------------------------------------

/// Bit set of possible outcomes.
type Outcomes = u8;
const NULL: Outcomes = 1;
const TRUE: Outcomes = 1 << 1;
const FALSE: Outcomes = 1 << 2;
const NUM: Outcomes = 1 << 3;
const STR: Outcomes = 1 << 4;
const LIST: Outcomes = 1 << 5;
const OBJ: Outcomes = 1 << 6;
/// An evaluation error.
const ERR: Outcomes = 1 << 7;
const BOOL: Outcomes = TRUE | FALSE;
const VALUES: Outcomes = NULL | BOOL | NUM | STR | LIST | OBJ;

/// The abstract result of a node.
enum Abs {
    /// No path is read: the exact result (`Err(())` for an evaluation error).
    Known(Result<Value, ()>),
    /// A path may be read: the possible outcomes.
    Unknown(Outcomes),
}

fn outcome_of(value: &Value) -> Outcomes {
    match value {
        Value::Null => NULL,
        Value::Bool(true) => TRUE,
        Value::Bool(false) => FALSE,
        Value::Number(_) => NUM,
        Value::String(_) => STR,
        Value::Array(_) => LIST,
        Value::Object(_) => OBJ,
    }
}

impl Abs {
    fn outcomes(&self) -> Outcomes {
        match self {
            Abs::Known(Ok(value)) => outcome_of(value),
            Abs::Known(Err(())) => ERR,
            Abs::Unknown(outcomes) => *outcomes,
        }
    }
}

/// What a path may hold.
fn path_outcomes(path: &Path) -> Outcomes {
    match path.root {
        Root::PrincipalId | Root::Action => STR,
        Root::PrincipalTenant => STR | NULL,
        Root::PrincipalRoles => LIST,
        Root::Claims | Root::Resource | Root::Context if path.segments.is_empty() => OBJ,
        Root::Claims | Root::Resource | Root::Context => VALUES | ERR,
    }
}

/// Types that hold exactly one value, so two of them are always equal.
fn single_valued(outcomes: Outcomes) -> bool {
    matches!(outcomes, NULL | TRUE | FALSE)
}

/// Maps a boolean-context outcome set through `f` for `true`/`false`; anything else is an error.
fn as_boolean(outcomes: Outcomes, if_true: Outcomes, if_false: Outcomes) -> Outcomes {
    let mut result = 0;
    if outcomes & TRUE != 0 {
        result |= if_true;
    }
    if outcomes & FALSE != 0 {
        result |= if_false;
    }
    if outcomes & !BOOL != 0 {
        result |= ERR;
    }
    result
}

fn known_bool(b: bool) -> Abs {
    Abs::Known(Ok(Value::Bool(b)))
}

fn abs(node: &Node) -> Abs {
    match node {
        Node::Lit(value) => Abs::Known(Ok(value.clone())),
        Node::Path(path) => Abs::Unknown(path_outcomes(path)),
        Node::Has(path, _) => {
            let left = path_outcomes(path);
            let mut result = left & ERR;
            if left & OBJ != 0 {
                result |= BOOL;
            }
            if left & VALUES & !OBJ != 0 {
                result |= FALSE;
            }
            Abs::Unknown(result)
        }
        Node::List(elements) => list(elements),
        Node::Not(operand) => match abs(operand) {
            Abs::Known(Ok(Value::Bool(b))) => known_bool(!b),
            Abs::Known(_) => Abs::Known(Err(())),
            Abs::Unknown(outcomes) => Abs::Unknown(as_boolean(outcomes, FALSE, TRUE)),
        },
        Node::And(operands) => chain(operands, false),
        Node::Or(operands) => chain(operands, true),
        Node::Cmp(op, left, right) => binary(left, right, |a, b| match (a, b) {
            (Abs::Known(Ok(a)), Abs::Known(Ok(b))) => {
                Abs::Known(compare(*op, &Val::from_json(a), &Val::from_json(b)).map(Value::Bool).map_err(|_| ()))
            }
            _ => Abs::Unknown(compare_outcomes(*op, a, b)),
        }),
        Node::In(needle, haystack) => binary(needle, haystack, |a, b| match (a, b) {
            (Abs::Known(Ok(a)), Abs::Known(Ok(b))) => {
                Abs::Known(contains(&Val::from_json(b), &Val::from_json(a)).map(Value::Bool).ok_or(()))
            }
            _ => Abs::Unknown(membership_outcomes(a, b)),
        }),
    }
}

/// Both operands are evaluated, left first; an error on the left skips the right.
fn binary(left: &Node, right: &Node, combine: impl Fn(&Abs, &Abs) -> Abs) -> Abs {
    let a = abs(left);
    if let Abs::Known(Err(())) = a {
        return a;
    }
    let b = abs(right);
    match (&a, &b) {
        (Abs::Known(_), Abs::Known(Err(()))) => b,
        _ => combine(&a, &b),
    }
}

fn compare_outcomes(op: CmpOp, a: &Abs, b: &Abs) -> Outcomes {
    let (a, b) = (a.outcomes(), b.outcomes());
    let errors = (a | b) & ERR;
    let (a, b) = (a & VALUES, b & VALUES);
    if a == 0 || b == 0 {
        return errors;
    }
    match op {
        CmpOp::Eq | CmpOp::Ne => {
            let may_equal = a & b != 0;
            let may_differ = !(a == b && single_valued(a));
            let (on_equal, on_differ) = if op == CmpOp::Eq { (TRUE, FALSE) } else { (FALSE, TRUE) };
            let mut result = errors;
            if may_equal {
                result |= on_equal;
            }
            if may_differ {
                result |= on_differ;
            }
            result
        }
        _ => {
            let mut result = errors;
            if a & NUM != 0 && b & NUM != 0 {
                result |= BOOL;
            }
            if (a | b) & !NUM != 0 {
                result |= ERR;
            }
            result
        }
    }
}

fn membership_outcomes(needle: &Abs, haystack: &Abs) -> Outcomes {
    let errors = (needle.outcomes() | haystack.outcomes()) & ERR;
    let values = needle.outcomes() & VALUES;
    if values == 0 {
        return errors;
    }
    if let Abs::Known(Ok(Value::Array(items))) = haystack {
        let mut result = errors | FALSE;
        if items.iter().any(|item| outcome_of(item) & values != 0) {
            result |= TRUE;
        }
        return result;
    }
    let haystack = haystack.outcomes();
    let mut result = errors;
    if haystack & LIST != 0 {
        result |= BOOL;
    }
    if haystack & VALUES & !LIST != 0 {
        result |= ERR;
    }
    result
}

fn list(elements: &[Node]) -> Abs {
    let mut known = Vec::with_capacity(elements.len());
    let mut unknown_errors: Option<Outcomes> = None;
    for element in elements {
        match (abs(element), &mut unknown_errors) {
            (Abs::Known(Ok(value)), None) => known.push(value),
            (Abs::Known(Err(())), None) => return Abs::Known(Err(())),
            (Abs::Known(Err(())), Some(_)) => return Abs::Unknown(ERR),
            (Abs::Known(Ok(_)), Some(_)) => {}
            (Abs::Unknown(outcomes), errors) => {
                let previous = errors.unwrap_or(0);
                if outcomes & VALUES == 0 {
                    return Abs::Unknown(ERR);
                }
                *errors = Some(previous | (outcomes & ERR));
            }
        }
    }
    match unknown_errors {
        None => Abs::Known(Ok(Value::Array(known))),
        Some(errors) => Abs::Unknown(LIST | errors),
    }
}

/// `&&` (`stop_on` false) or `||` (`stop_on` true), short-circuiting left to right.
fn chain(operands: &[Node], stop_on: bool) -> Abs {
    let (stop, go) = if stop_on { (TRUE, FALSE) } else { (FALSE, TRUE) };
    let mut read_path = false;
    let mut result: Outcomes = 0;
    for operand in operands {
        match abs(operand) {
            Abs::Known(Ok(Value::Bool(b))) if b == stop_on => {
                return if read_path { Abs::Unknown(result | stop) } else { known_bool(stop_on) };
            }
            Abs::Known(Ok(Value::Bool(_))) => {}
            Abs::Known(_) => {
                return if read_path { Abs::Unknown(result | ERR) } else { Abs::Known(Err(())) };
            }
            Abs::Unknown(outcomes) => {
                read_path = true;
                result |= as_boolean(outcomes, 0, 0) | (outcomes & stop);
                if outcomes & go == 0 {
                    return Abs::Unknown(result);
                }
            }
        }
    }
    if read_path {
        Abs::Unknown(result | go)
    } else {
        known_bool(!stop_on)
    }
}

/// `Some(b)` when the condition reads no path and always yields `b`.
pub(crate) fn constant(node: &Node) -> Option<bool> {
    match abs(node) {
        Abs::Known(Ok(Value::Bool(b))) => Some(b),
        _ => None,
    }
}

/// Whether the condition can never evaluate to `true`.
pub(crate) fn never_true(node: &Node) -> bool {
    abs(node).outcomes() & TRUE == 0
}

/// Whether the condition always evaluates to `false`: never `true`, never an error, never
/// a value that is not a boolean (which is an error too).
pub(crate) fn always_false(node: &Node) -> bool {
    abs(node).outcomes() & !FALSE == 0
}

// ---------------------------------------------------------------------------
// Guards: which reads of optional attributes are not preceded by a `has` test.
// ---------------------------------------------------------------------------

/// "`root.prefix...` has `name`".
#[derive(Clone, Copy, PartialEq)]
struct Fact<'a> {
    root: Root,
    prefix: &'a [String],
    name: &'a str,
}

/// Facts known when a node is true and when it is false.
struct Outcome<'a> {
    when_true: Vec<Fact<'a>>,
    when_false: Vec<Fact<'a>>,
}

fn union<'a>(mut a: Vec<Fact<'a>>, b: &[Fact<'a>]) -> Vec<Fact<'a>> {
    for fact in b {
        if !a.contains(fact) {
            a.push(*fact);
        }
    }
    a
}

fn intersection<'a>(a: &[Fact<'a>], b: &[Fact<'a>]) -> Vec<Fact<'a>> {
    a.iter().filter(|fact| b.contains(fact)).copied().collect()
}

struct Guards<'a> {
    unguarded: Vec<&'a str>,
}

impl<'a> Guards<'a> {
    fn read(&mut self, path: &'a Path, known: &[Fact<'a>]) {
        if path.always_exists() {
            return;
        }
        let guarded = path.segments.iter().enumerate().all(|(index, name)| {
            let prefix = path.segments.get(..index).unwrap_or(&[]);
            known.contains(&Fact { root: path.root, prefix, name })
        });
        if !guarded && !self.unguarded.contains(&path.display.as_str()) {
            self.unguarded.push(&path.display);
        }
    }

    fn walk(&mut self, node: &'a Node, known: &[Fact<'a>]) -> Outcome<'a> {
        let no_facts = || Outcome { when_true: Vec::new(), when_false: Vec::new() };
        match node {
            Node::Lit(_) => no_facts(),
            Node::Path(path) => {
                self.read(path, known);
                no_facts()
            }
            Node::Has(path, name) => {
                self.read(path, known);
                Outcome {
                    when_true: vec![Fact { root: path.root, prefix: &path.segments, name }],
                    when_false: Vec::new(),
                }
            }
            Node::List(elements) => {
                for element in elements {
                    self.walk(element, known);
                }
                no_facts()
            }
            Node::Cmp(_, left, right) | Node::In(left, right) => {
                self.walk(left, known);
                self.walk(right, known);
                no_facts()
            }
            Node::Not(operand) => {
                let inner = self.walk(operand, known);
                Outcome { when_true: inner.when_false, when_false: inner.when_true }
            }
            Node::And(operands) => {
                let flipped = self.chain(operands, known, true);
                Outcome { when_true: flipped.when_true, when_false: flipped.when_false }
            }
            Node::Or(operands) => {
                let flipped = self.chain(operands, known, false);
                Outcome { when_true: flipped.when_false, when_false: flipped.when_true }
            }
        }
    }

    /// Walks a short-circuit chain. For `&&` (`continue_on` true) the result's
    /// `when_true` holds when the chain is true; for `||` the sides are swapped,
    /// and the caller swaps them back.
    fn chain(&mut self, operands: &'a [Node], known: &[Fact<'a>], continue_on: bool) -> Outcome<'a> {
        let mut scope: Vec<Fact<'a>> = known.to_vec();
        // Facts from the operands so far that held for evaluation to continue.
        let mut continued: Vec<Fact<'a>> = Vec::new();
        // Facts that hold whenever the chain stops early (None: no operand seen yet).
        let mut stopped: Option<Vec<Fact<'a>>> = None;
        for operand in operands {
            let outcome = self.walk(operand, &scope);
            let (go, stop) = if continue_on {
                (outcome.when_true, outcome.when_false)
            } else {
                (outcome.when_false, outcome.when_true)
            };
            let stop_here = union(continued.clone(), &stop);
            stopped = Some(match stopped {
                None => stop_here,
                Some(previous) => intersection(&previous, &stop_here),
            });
            scope = union(scope, &go);
            continued = union(continued, &go);
        }
        Outcome { when_true: continued, when_false: stopped.unwrap_or_default() }
    }
}

/// Reads of optional attributes not guarded by a `has` test, in order, without duplicates.
pub(crate) fn unguarded_paths(node: &Node) -> Vec<String> {
    let mut guards = Guards { unguarded: Vec::new() };
    guards.walk(node, &[]);
    guards.unguarded.into_iter().map(str::to_string).collect()
}
