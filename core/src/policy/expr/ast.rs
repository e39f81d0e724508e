//! The compiled form of a condition.

use serde_json::Value;

/// Where a path starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Root {
    /// `principal.id`
    PrincipalId,
    /// `principal.roles`
    PrincipalRoles,
    /// `principal.tenant`
    PrincipalTenant,
    /// `principal.claims`, optionally followed by segments.
    Claims,
    /// `resource`, optionally followed by segments.
    Resource,
    /// `context`, optionally followed by segments.
    Context,
    /// `action`
    Action,
}

impl Root {
    /// How the root is written in a condition.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Root::PrincipalId => "principal.id",
            Root::PrincipalRoles => "principal.roles",
            Root::PrincipalTenant => "principal.tenant",
            Root::Claims => "principal.claims",
            Root::Resource => "resource",
            Root::Context => "context",
            Root::Action => "action",
        }
    }
}

/// A path, split into segments when the condition is parsed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Path {
    /// Where the path starts.
    pub(crate) root: Root,
    /// The attribute names after the root (only for claims, resource and context).
    pub(crate) segments: Vec<String>,
    /// The path as written, e.g. `resource.owner.id`, for messages.
    pub(crate) display: String,
}

impl Path {
    /// Builds a path and its display form.
    pub(crate) fn new(root: Root, segments: Vec<String>) -> Path {
        let mut display = String::from(root.as_str());
        for segment in &segments {
            display.push('.');
            display.push_str(segment);
        }
        Path { root, segments, display }
    }

    /// Whether the path exists for every request (needs no `has` guard).
    pub(crate) fn always_exists(&self) -> bool {
        self.segments.is_empty()
    }
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
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

impl CmpOp {
    /// How the operator is written.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// A node of the syntax tree. Parentheses leave no trace; `&&` and `||` chains are
/// flattened into one node with their operands in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A literal, including lists whose elements are all literals.
    Lit(Value),
    /// A list with at least one non-literal element.
    List(Vec<Node>),
    /// A path read.
    Path(Path),
    /// `PATH has NAME`
    Has(Path, String),
    /// `!x`
    Not(Box<Node>),
    /// `a && b && ...` (two or more operands)
    And(Vec<Node>),
    /// `a || b || ...` (two or more operands)
    Or(Vec<Node>),
    /// `a OP b`
    Cmp(CmpOp, Box<Node>, Box<Node>),
    /// `a in b`
    In(Box<Node>, Box<Node>),
}
