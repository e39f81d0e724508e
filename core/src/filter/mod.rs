//! List filters: the policy as a condition on rows.
//!
//! [`Engine::filter`](crate::Engine::filter) plans, for one principal, action, resource
//! type and context, which resources `authorize` would allow, without looking at any of
//! them. Everything but the resource is folded away; what remains is a [`Filter`]: its
//! [`kind`](Filter::kind) is `always`, `never` or `conditional`, and a conditional filter
//! holds a residual condition on `resource.*` attributes, one per rule that may decide.
//!
//! A resource passes when some permit's condition holds and no forbid's does, which is
//! exactly when `authorize` allows it: an evaluation error excludes the resource in a
//! permit and in a forbid alike, `&&` and `||` stop at the operand that decides, and
//! values never change type. [`Filter::matches`] evaluates the filter on a resource in
//! memory; [`sql`] turns it into a parameterised `WHERE` condition for SQLite and
//! PostgreSQL.
//!
//! ```
//! use wardgate::filter::{Filter, FilterKind};
//! use wardgate::{Engine, Principal, Request};
//! use serde_json::{json, Map};
//!
//! let engine = Engine::from_value(&json!({
//!     "token": { "algorithms": ["EdDSA"] },
//!     "keys": { "jwk": { "kty": "OKP", "crv": "Ed25519",
//!                        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" } },
//!     "rules": [
//!         { "id": "own", "effect": "permit", "resource": "todo", "actions": ["read"],
//!           "when": "resource.owner_id == principal.id" },
//!         { "id": "admins", "effect": "permit", "resource": "*", "actions": "*",
//!           "when": "'admin' in principal.roles" }
//!     ]
//! }))?;
//! let ada = Principal::new("ada", vec!["user".into()], None, json!({"sub": "ada"}));
//! let filter = engine.filter(&ada, "read", "todo", &Map::new())?;
//! assert_eq!(filter.kind(), FilterKind::Conditional);
//!
//! let row = json!({"owner_id": "ada"});
//! assert!(filter.matches(row.as_object().unwrap()));
//! assert!(engine.authorize(&ada, &Request::new("read", json!({"type": "todo", "owner_id": "ada"}))).allowed);
//!
//! let root = Principal::new("root", vec!["admin".into()], None, json!({"sub": "root"}));
//! assert_eq!(engine.filter(&root, "read", "todo", &Map::new())?.kind(), FilterKind::Always);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod json;
mod plan;
mod predicate;
pub mod sql;

use std::fmt;

use serde_json::{Map, Value};

pub use predicate::{Attr, Operand, Order, Predicate, Test};

use crate::policy::expr::Scope;
use crate::policy::principal::Principal;
use crate::policy::{Effect, Rule};
use plan::{no_resource, Planner};
use predicate::Resource;

/// The most predicate nodes one rule's plan may hold.
pub const MAX_PLAN_SIZE: usize = 20_000;

/// What a filter selects, decided from the rules alone (without column types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FilterKind {
    /// Every resource of the type, whatever its attributes.
    Always,
    /// No resource.
    Never,
    /// The resources for which the residual condition holds.
    Conditional,
}

impl FilterKind {
    /// `always`, `never` or `conditional`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FilterKind::Always => "always",
            FilterKind::Never => "never",
            FilterKind::Conditional => "conditional",
        }
    }
}

impl fmt::Display for FilterKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong while planning a filter, reading one back or turning it into SQL.
///
/// Each names the rule and the operator or column at fault, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    /// The planner cannot express a part of a rule's condition exactly.
    #[error("rule {rule:?}: '{operator}' on {detail} cannot be planned")]
    Unsupported {
        /// The rule's id.
        rule: String,
        /// The operator, as written.
        operator: String,
        /// What it was applied to.
        detail: String,
    },
    /// A rule's plan grew beyond [`MAX_PLAN_SIZE`].
    #[error("rule {rule:?}: its condition is too complex to plan")]
    TooComplex {
        /// The rule's id.
        rule: String,
    },
    /// A rule's test has no exact SQL translation for the given columns.
    #[error("rule {rule:?}: {detail} has no exact SQL translation")]
    Untranslatable {
        /// The rule's id.
        rule: String,
        /// The test, by operator and attribute.
        detail: String,
    },
    /// The column description is not usable.
    #[error("columns: {0}")]
    Columns(String),
    /// A filter's JSON form is not one this version reads.
    #[error("filter: {0}")]
    Json(String),
}

impl FilterError {
    /// The error's code, for the bindings: `FILTER_UNSUPPORTED`, `FILTER_TOO_COMPLEX`,
    /// `FILTER_UNTRANSLATABLE`, `FILTER_COLUMNS` or `FILTER_INVALID`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            FilterError::Unsupported { .. } => "FILTER_UNSUPPORTED",
            FilterError::TooComplex { .. } => "FILTER_TOO_COMPLEX",
            FilterError::Untranslatable { .. } => "FILTER_UNTRANSLATABLE",
            FilterError::Columns(_) => "FILTER_COLUMNS",
            FilterError::Json(_) => "FILTER_INVALID",
        }
    }
}

/// One rule's part of a filter: where its condition makes it apply.
#[derive(Debug, Clone, PartialEq)]
pub struct RulePart {
    /// The rule's id.
    pub rule: String,
    /// Where the rule applies: for a permit, where its condition is true; for a forbid,
    /// where its condition is true or fails.
    pub when: Predicate,
}

/// Which resources of one type `authorize` would allow, for one principal, action and
/// context. See the [module documentation](self).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    kind: FilterKind,
    action: String,
    resource_type: String,
    permits: Vec<RulePart>,
    forbids: Vec<RulePart>,
    whole_resource: bool,
}

impl Filter {
    /// Plans the rules that target `action` on `resource_type`.
    pub(crate) fn plan(
        rules: &[Rule],
        principal: &Principal,
        action: &str,
        resource_type: &str,
        context: &Map<String, Value>,
    ) -> Result<Filter, FilterError> {
        let scope = Scope { principal, action, resource: no_resource(), context };
        let mut permits = Vec::new();
        let mut forbids = Vec::new();
        for rule in rules.iter().filter(|r| r.targets(resource_type, action)) {
            let (t, f) = match &rule.when {
                None => (Predicate::True, Predicate::False),
                Some(expr) => {
                    let planner = Planner { scope, resource_type, rule: &rule.id };
                    let outcome = planner.condition(expr.root())?;
                    (outcome.t, outcome.f)
                }
            };
            let when = match rule.effect {
                Effect::Permit => t,
                Effect::Forbid => Predicate::not(f),
            };
            if when.size() > MAX_PLAN_SIZE {
                return Err(FilterError::TooComplex { rule: rule.id.clone() });
            }
            let part = RulePart { rule: rule.id.clone(), when };
            match rule.effect {
                Effect::Permit => permits.push(part),
                Effect::Forbid => forbids.push(part),
            }
        }
        Ok(Filter::new(action.to_owned(), resource_type.to_owned(), permits, forbids))
    }

    /// Keeps the rules that may decide and works out the kind.
    fn new(action: String, resource_type: String, permits: Vec<RulePart>, forbids: Vec<RulePart>) -> Filter {
        let mut permits: Vec<RulePart> = permits.into_iter().filter(|p| p.when != Predicate::False).collect();
        let mut forbids: Vec<RulePart> = forbids.into_iter().filter(|p| p.when != Predicate::False).collect();
        if let Some(always) = forbids.iter().position(|p| p.when == Predicate::True) {
            forbids = vec![forbids.swap_remove(always)];
            permits.clear();
        } else if let Some(always) = permits.iter().position(|p| p.when == Predicate::True) {
            permits = vec![permits.swap_remove(always)];
        }
        if permits.is_empty() {
            forbids.retain(|p| p.when == Predicate::True);
        }
        let mut filter =
            Filter { kind: FilterKind::Conditional, action, resource_type, permits, forbids, whole_resource: false };
        let condition = filter.condition();
        filter.kind = match condition.as_constant() {
            Some(true) => FilterKind::Always,
            Some(false) => FilterKind::Never,
            None => FilterKind::Conditional,
        };
        if filter.kind == FilterKind::Never && !filter.forbids.iter().any(|p| p.when == Predicate::True) {
            // The rules contradict each other: none of them decides anything.
            filter.permits.clear();
            filter.forbids.clear();
        }
        // Only a conditional filter evaluates its rules on a resource.
        filter.whole_resource = filter.kind == FilterKind::Conditional && condition.reads_whole_resource();
        filter
    }

    /// What the filter selects.
    #[must_use]
    pub fn kind(&self) -> FilterKind {
        self.kind
    }

    /// The action it was planned for.
    #[must_use]
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The resource type it was planned for.
    #[must_use]
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// The permit rules that may allow a resource, each with where it applies.
    #[must_use]
    pub fn permits(&self) -> &[RulePart] {
        &self.permits
    }

    /// The forbid rules that may refuse a resource, each with where it applies.
    #[must_use]
    pub fn forbids(&self) -> &[RulePart] {
        &self.forbids
    }

    /// The resource attributes the filter reads (the first name of each path), sorted and
    /// without repeats: what a table needs columns for.
    ///
    /// ```
    /// # use wardgate::{Engine, Principal};
    /// # use serde_json::{json, Map};
    /// # let engine = Engine::from_value(&json!({"token": {"algorithms": ["HS256"]},
    /// #   "keys": {"secret": "0123456789abcdef0123456789abcdef"},
    /// #   "rules": [{"id": "p", "effect": "permit", "resource": "todo", "actions": "*",
    /// #              "when": "resource.owner_id == principal.id || resource.team.id == 'x'"}]}))?;
    /// # let p = Principal::new("u1", vec![], None, json!({}));
    /// let filter = engine.filter(&p, "read", "todo", &Map::new())?;
    /// assert_eq!(filter.attributes(), ["owner_id", "team"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn attributes(&self) -> Vec<String> {
        fn walk(p: &Predicate, names: &mut std::collections::BTreeSet<String>) {
            match p {
                Predicate::Test(test) => {
                    for attr in std::iter::once(test.attr()).chain(test.other()) {
                        if let Some(first) = attr.segments().first() {
                            names.insert(first.clone());
                        }
                    }
                }
                Predicate::Not(inner) => walk(inner, names),
                Predicate::And(items) | Predicate::Or(items) => items.iter().for_each(|i| walk(i, names)),
                Predicate::True | Predicate::False => {}
            }
        }
        let mut names = std::collections::BTreeSet::new();
        for part in self.permits.iter().chain(&self.forbids) {
            walk(&part.when, &mut names);
        }
        names.into_iter().collect()
    }

    /// The whole condition: some permit applies and no forbid does.
    ///
    /// ```
    /// # use wardgate::{Engine, Principal};
    /// # use serde_json::{json, Map};
    /// # let engine = Engine::from_value(&json!({"token": {"algorithms": ["HS256"]},
    /// #   "keys": {"secret": "0123456789abcdef0123456789abcdef"},
    /// #   "rules": [{"id": "open", "effect": "permit", "resource": "todo", "actions": "*",
    /// #              "when": "resource.status == 'open'"}]}))?;
    /// # let p = Principal::new("u1", vec![], None, json!({}));
    /// let filter = engine.filter(&p, "read", "todo", &Map::new())?;
    /// assert_eq!(filter.condition().as_constant(), None);
    /// assert_eq!(filter.to_value()["permits"][0]["when"], json!({"eq": "status", "value": "open"}));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn condition(&self) -> Predicate {
        let permit = Predicate::any(self.permits.iter().map(|p| p.when.clone()).collect());
        let forbid = Predicate::any(self.forbids.iter().map(|p| p.when.clone()).collect());
        Predicate::and2(permit, Predicate::not(forbid))
    }

    /// Whether the filter selects a resource of its type, given the resource's attributes
    /// (a `type` member is ignored: the resource is taken to be of the filter's type).
    /// Always the same answer as `authorize` gives for that resource.
    #[must_use]
    pub fn matches(&self, resource: &Map<String, Value>) -> bool {
        match self.kind {
            FilterKind::Always => return true,
            FilterKind::Never => return false,
            FilterKind::Conditional => {}
        }
        let typed;
        let attributes =
            if self.whole_resource && resource.get("type").and_then(Value::as_str) != Some(&self.resource_type) {
                let mut copy = resource.clone();
                copy.insert("type".into(), Value::String(self.resource_type.clone()));
                typed = copy;
                &typed
            } else {
                resource
            };
        let resource = Resource { attributes };
        self.permits.iter().any(|p| p.when.holds(&resource)) && !self.forbids.iter().any(|p| p.when.holds(&resource))
    }
}

#[cfg(test)]
mod tests;
