//! Rule conditions: the `when` expressions of a policy.
//!
//! A condition is parsed once into an [`Expr`] and then evaluated against each
//! request's [`Scope`] without copying the request.
//!
//! # The language
//!
//! * literals: `'text'` or `"text"`, integers (`42`, `-5`), `true`, `false`, `null`,
//!   lists `[a, b]`;
//! * paths: `principal.id`, `principal.roles`, `principal.tenant`,
//!   `principal.claims.NAME(.NAME)*`, `resource.NAME(.NAME)*`, `context.NAME(.NAME)*`,
//!   `action`; bare `principal.claims`, `resource` and `context` are the whole object;
//! * operators, loosest first: `||`, `&&`, `!`, comparisons `== != < <= > >=`
//!   (which do not chain), `in` (membership in a list), `has` (`resource has owner_id`:
//!   the attribute exists); parentheses.
//!
//! `&&` and `||` stop as soon as the result is known, so
//! `principal.claims has banned && principal.claims.banned == true` never fails.
//! `==` and `!=` between different types are `false` and `true`; numbers compare by
//! value (`1 == 1.0`). Ordering needs two numbers, `in` needs a list, `!`, `&&` and
//! `||` need booleans, paths must exist, and the whole condition must be a boolean:
//! anything else is an [`EvalError`], which the caller treats as "fail closed".
//!
//! ```
//! use wardgate::expr::{Expr, Scope};
//! use wardgate::Principal;
//! use serde_json::{json, Map};
//!
//! let when = Expr::parse("resource.owner_id == principal.id || 'admin' in principal.roles")?;
//!
//! let principal = Principal::new("u1", vec!["user".into()], None, json!({}));
//! let mut resource = Map::new();
//! resource.insert("owner_id".into(), json!("u1"));
//! let context = Map::new();
//! let scope = Scope { principal: &principal, action: "read", resource: &resource, context: &context };
//! assert_eq!(when.evaluate(&scope), Ok(true));
//! # Ok::<(), wardgate::expr::ParseError>(())
//! ```

mod analysis;
pub(crate) mod ast;
pub(crate) mod eval;
mod lexer;
mod parser;

use serde_json::{Map, Value};

use crate::policy::principal::Principal;

/// The longest accepted condition, in bytes.
pub const MAX_SOURCE_LEN: usize = 4096;

/// The deepest accepted nesting of parentheses, lists and `!`.
pub const MAX_DEPTH: usize = 32;

/// A parsed condition, ready to evaluate.
///
/// ```
/// use wardgate::expr::Expr;
///
/// let expr = Expr::parse("principal.claims has banned && principal.claims.banned == true")?;
/// assert_eq!(expr.source(), "principal.claims has banned && principal.claims.banned == true");
/// assert!(expr.unguarded_paths().is_empty());
/// # Ok::<(), wardgate::expr::ParseError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Expr {
    source: String,
    root: ast::Node,
    constant: Option<bool>,
    never_true: bool,
    always_false: bool,
    unguarded: Vec<String>,
}

/// What a condition can read: the principal, the action and the request's maps.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The verified principal (`principal.id`, `principal.roles`, `principal.tenant`,
    /// `principal.claims...`).
    pub principal: &'a Principal,
    /// The requested action (`action`).
    pub action: &'a str,
    /// The resource's attributes (`resource...`).
    pub resource: &'a Map<String, Value>,
    /// The request's context (`context...`).
    pub context: &'a Map<String, Value>,
}

/// A condition that does not parse: a configuration error.
///
/// `column` is 1-based and counts characters; it points at the first character of the
/// offending token, or one past the end for an unexpected end of expression.
///
/// ```
/// use wardgate::expr::Expr;
///
/// let err = Expr::parse("user.id == 'x'").unwrap_err();
/// assert_eq!(err.column, 1);
/// assert!(err.to_string().starts_with("column 1: "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("column {column}: {message}")]
pub struct ParseError {
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// A condition that could not be evaluated for a request (a missing attribute, a type
/// mismatch, or a result that is not a boolean).
///
/// The message names paths and types, never values read from the request or token.
///
/// ```
/// use wardgate::expr::{Expr, Scope};
/// use wardgate::Principal;
/// use serde_json::{json, Map};
///
/// let expr = Expr::parse("resource.owner_id == principal.id")?;
/// let principal = Principal::new("u1", vec![], None, json!({}));
/// let empty = Map::new();
/// let scope = Scope { principal: &principal, action: "read", resource: &empty, context: &empty };
/// let err = expr.evaluate(&scope).unwrap_err();
/// assert_eq!(err.message, "resource.owner_id does not exist");
/// # Ok::<(), wardgate::expr::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EvalError {
    /// What went wrong.
    pub message: String,
}

impl Expr {
    /// Parses a condition.
    ///
    /// Fails on syntax errors, paths with an unknown root (`user.id`) or attribute
    /// (`principal.foo`), fractional numbers, sources longer than [`MAX_SOURCE_LEN`]
    /// bytes and nesting deeper than [`MAX_DEPTH`].
    ///
    /// # Errors
    ///
    /// A [`ParseError`] with the column of the offending token.
    ///
    /// ```
    /// use wardgate::expr::Expr;
    ///
    /// assert!(Expr::parse("'admin' in principal.roles").is_ok());
    /// assert_eq!(Expr::parse("principal.id == ").unwrap_err().column, 17);
    /// assert_eq!(Expr::parse("1 == 1 == 1").unwrap_err().message,
    ///            "comparisons do not chain; add parentheses");
    /// ```
    pub fn parse(source: &str) -> Result<Expr, ParseError> {
        let root = parser::parse(source)?;
        Ok(Expr {
            source: source.to_string(),
            constant: analysis::constant(&root),
            never_true: analysis::never_true(&root),
            always_false: analysis::always_false(&root),
            unguarded: analysis::unguarded_paths(&root),
            root,
        })
    }

    /// Evaluates the condition for one request.
    ///
    /// # Errors
    ///
    /// An [`EvalError`] when a path does not exist, an operand has the wrong type
    /// (ordering on non-numbers, `in` on a non-list, `!`, `&&` or `||` on a non-boolean)
    /// or the result is not a boolean. The caller decides what an error means for its
    /// rule: a permit rule does not apply, a forbid rule applies.
    ///
    /// ```
    /// use wardgate::expr::{Expr, Scope};
    /// use wardgate::Principal;
    /// use serde_json::{json, Map};
    ///
    /// let expr = Expr::parse("principal.claims.emailVerified == true")?;
    /// let principal = Principal::new("u1", vec![], None, json!({"emailVerified": true}));
    /// let empty = Map::new();
    /// let scope = Scope { principal: &principal, action: "read", resource: &empty, context: &empty };
    /// assert_eq!(expr.evaluate(&scope), Ok(true));
    /// # Ok::<(), wardgate::expr::ParseError>(())
    /// ```
    pub fn evaluate(&self, scope: &Scope<'_>) -> Result<bool, EvalError> {
        eval::eval_condition(&self.root, scope)
    }

    /// `Some(b)` when the expression reads no path and always yields the boolean `b`.
    ///
    /// An expression without paths that fails or yields a non-boolean gives `None`
    /// (and [`never_true`](Expr::never_true) is `true` for it).
    ///
    /// ```
    /// use wardgate::expr::Expr;
    ///
    /// assert_eq!(Expr::parse("1 == 1 || false").map(|e| e.constant()), Ok(Some(true)));
    /// assert_eq!(Expr::parse("false && resource.x").map(|e| e.constant()), Ok(Some(false)));
    /// assert_eq!(Expr::parse("action == 'read'").map(|e| e.constant()), Ok(None));
    /// assert_eq!(Expr::parse("1 < 'a'").map(|e| e.constant()), Ok(None));
    /// ```
    #[must_use]
    pub fn constant(&self) -> Option<bool> {
        self.constant
    }

    /// `true` when the expression can never evaluate to `true`, whatever the request:
    /// a constant `false`, an expression that always fails (`1 < 'a'`), a non-boolean
    /// (`5`), or one whose types can never match (`principal.id == 5`).
    ///
    /// `false` means it may be true, not that it can.
    ///
    /// ```
    /// use wardgate::expr::Expr;
    ///
    /// assert_eq!(Expr::parse("1 < 'a'").map(|e| e.never_true()), Ok(true));
    /// assert_eq!(Expr::parse("resource.x == 1 && false").map(|e| e.never_true()), Ok(true));
    /// assert_eq!(Expr::parse("resource.x == 1").map(|e| e.never_true()), Ok(false));
    /// ```
    #[must_use]
    pub fn never_true(&self) -> bool {
        self.never_true
    }

    /// `true` when the expression always evaluates to `false`, whatever the request: it is
    /// never `true` and never fails. A condition that fails counts against the request, so
    /// a forbid rule applies where its condition fails: such a rule never applies only when
    /// this holds.
    ///
    /// ```
    /// use wardgate::expr::Expr;
    ///
    /// assert_eq!(Expr::parse("action == 'read' && false").map(|e| e.always_false()), Ok(true));
    /// // resource.x may be absent, and reading it fails:
    /// assert_eq!(Expr::parse("resource.x == 1 && false").map(|e| e.always_false()), Ok(false));
    /// assert_eq!(Expr::parse("1 < 'a'").map(|e| e.always_false()), Ok(false));
    /// assert_eq!(Expr::parse("5").map(|e| e.always_false()), Ok(false));
    /// ```
    #[must_use]
    pub fn always_false(&self) -> bool {
        self.always_false
    }

    /// Paths this expression reads that may be absent and are not guarded by a `has`
    /// test that must have succeeded before the read, in order of first appearance,
    /// without duplicates.
    ///
    /// `principal.id`, `principal.roles`, `principal.tenant`, `action` and bare
    /// `resource`, `context` and `principal.claims` always exist. `resource.a.b` is
    /// guarded where `resource has a` and `resource.a has b` are known to be true:
    /// on the right of `&&` after they held, on the right of `||` after their negation
    /// held.
    ///
    /// ```
    /// use wardgate::expr::Expr;
    ///
    /// let guarded = Expr::parse("!(principal.claims has banned) || principal.claims.banned == false")?;
    /// assert!(guarded.unguarded_paths().is_empty());
    /// let unguarded = Expr::parse("resource.owner.id == principal.id")?;
    /// assert_eq!(unguarded.unguarded_paths(), vec!["resource.owner.id".to_string()]);
    /// # Ok::<(), wardgate::expr::ParseError>(())
    /// ```
    #[must_use]
    pub fn unguarded_paths(&self) -> Vec<String> {
        self.unguarded.clone()
    }

    /// The compiled condition, for the filter planner.
    pub(crate) fn root(&self) -> &ast::Node {
        &self.root
    }

    /// The condition as written.
    #[must_use]
    pub fn source(&self) -> &str {
        &self.source
    }
}

#[cfg(test)]
mod tests;
